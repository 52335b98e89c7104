"""`policytrail sites`, `timeline`, `show` and `diff`: reading a site's policy history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.options import DB_OPTION, parse_day
from crawler.cli.output import FORMAT_OPTION, render
from crawler.exceptions import BadInputError

URL_OPTION = click.option(
    "--url",
    default=None,
    metavar="URL",
    help="Which of the site's targets (its policy URL) when it has several "
    "[default: its privacy policy].",
)


@click.command()
@DB_OPTION
@click.option("--site", "only", multiple=True, help="Only these sites (repeatable).")
@FORMAT_OPTION
def sites(db: Path, only: tuple[str, ...], output_format: str) -> None:
    """The targets in the database: versions found, first and last capture, latest effective
    date, and coverage (captures listed, fetched, skipped, failed).

    \b
    Examples:
      policytrail sites --db data/demo.duckdb
      policytrail sites --format csv > sites.csv
    """
    from pipelines.history import sites as site_rows
    from pipelines.reading import check_sites, open_reader

    connection = open_reader(db)
    try:
        check_sites(connection, only)
        rows = site_rows(connection, list(only) or None)
    finally:
        connection.close()
    columns = (
        "site",
        "target_url",
        "versions",
        "first_capture",
        "last_capture",
        "latest_effective_date",
        "listed",
        "fetched",
        "skipped",
        "failed",
    )
    render(
        columns,
        (
            (
                r.site,
                r.target_url,
                r.versions,
                r.first_capture,
                r.last_capture,
                r.latest_effective_date,
                r.listed,
                r.fetched,
                r.skipped,
                r.failed,
            )
            for r in rows
        ),
        output_format,
    )


@click.command()
@click.argument("site")
@URL_OPTION
@DB_OPTION
@FORMAT_OPTION
def timeline(site: str, url: str | None, db: Path, output_format: str) -> None:
    """A site's policy versions: number, first and last seen, effective date, words, and the
    words added and removed against the version before.

    \b
    Examples:
      policytrail timeline lumenbank.example --db data/demo.duckdb
      policytrail timeline example.com --url https://example.com/cookies --format json
    """
    from pipelines.history import timeline as versions
    from pipelines.reading import open_reader, resolve_target

    connection = open_reader(db)
    try:
        target = resolve_target(connection, site, url)
        if output_format == "table":
            click.echo(f"{target.site} ({target.target_url})")
        render(
            (
                "version",
                "first_seen",
                "last_seen",
                "next_seen",
                "captures",
                "effective_date",
                "words",
                "added",
                "removed",
                "version_id",
            ),
            (
                (
                    r.version,
                    r.first_seen,
                    r.last_seen,
                    r.next_seen,
                    r.n_captures,
                    r.effective_date,
                    r.n_words,
                    r.words_added,
                    r.words_removed,
                    r.version_id,
                )
                for r in versions(connection, target)
            ),
            output_format,
        )
    finally:
        connection.close()


@click.command()
@click.argument("site")
@URL_OPTION
@click.option("--at", "at", default=None, metavar="DATE", help="The version in force that day.")
@click.option("--version", "number", type=int, default=None, help="Version N (-1: the latest).")
@click.option("--markdown", is_flag=True, help="Markdown (headings, lists, links), not text.")
@DB_OPTION
def show(
    site: str, url: str | None, at: str | None, number: int | None, markdown: bool, db: Path
) -> None:
    """One version of a site's policy, its provenance first: the latest, the one in force on
    a date (whose [first seen, next seen) holds it: what the archive observed), or version N.

    \b
    Examples:
      policytrail show lumenbank.example --db data/demo.duckdb
      policytrail show lumenbank.example --at 2012-06-30
      policytrail show lumenbank.example --version 2 --markdown
    """
    from pipelines.history import version_at, version_by_number
    from pipelines.reading import open_reader, resolve_target

    if at is not None and number is not None:
        raise BadInputError("--at and --version choose a version two ways: give one")
    moment = parse_day(at, "--at") if at is not None else None
    connection = open_reader(db)
    try:
        target = resolve_target(connection, site, url)
        if moment is not None:
            found = version_at(connection, target, moment)
        else:
            found = version_by_number(connection, target, -1 if number is None else number)
    finally:
        connection.close()
    until = f"next seen {found.next_seen:%Y-%m-%d}" if found.next_seen else "the latest"
    effective = f", effective {found.effective_date}" if found.effective_date else ""
    lines = [
        f"{found.site} ({found.target_url}), version {found.version} [{found.version_id}]: "
        f"first seen {found.first_seen:%Y-%m-%d}, last seen {found.last_seen:%Y-%m-%d}, "
        f"{until}{effective}",
        f"archived copy: {found.memento_url or 'not recorded'}",
    ]
    if found.effective_dates and len(found.effective_dates) > 1:
        shown = {"month": "%Y-%m", "day": "%Y-%m-%d"}
        stated = "; ".join(
            f"{date['label']} {date['date'].strftime(shown[date['precision']])}"
            f" ({date['phrase']!r})"
            for date in found.effective_dates
        )
        lines.append(f"dates it states: {stated}")
    prefix = "> " if markdown else ""
    click.echo("\n".join(prefix + line for line in lines) + "\n")
    click.echo(found.markdown if markdown and found.markdown else found.text)


@click.command()
@click.argument("site")
@click.argument("versions", nargs=-1, type=int)
@URL_OPTION
@click.option("--stat", is_flag=True, help="Only the counts of words and paragraphs changed.")
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the changes [default: on a terminal]. Without colour, removed words read "
    "[-like this-] and added ones {+like this+}.",
)
@DB_OPTION
def diff(
    site: str,
    versions: tuple[int, ...],
    url: str | None,
    stat: bool,
    color: bool | None,
    db: Path,
) -> None:
    """What changed between two versions of a site's policy (default: the last two), word by
    word, grouped by paragraph.

    \b
    Examples:
      policytrail diff lumenbank.example --db data/demo.duckdb
      policytrail diff lumenbank.example 2 4
      policytrail diff lumenbank.example --stat
    """
    from pipelines.history import version_by_number
    from pipelines.reading import open_reader, resolve_target
    from pipelines.worddiff import paragraph_diff

    if len(versions) not in (0, 2):
        raise BadInputError("diff takes two version numbers, or none for the last two")
    connection = open_reader(db)
    try:
        target = resolve_target(connection, site, url)
        first, second = versions or (-2, -1)
        old = version_by_number(connection, target, first)
        new = version_by_number(connection, target, second)
    finally:
        connection.close()
    changes = paragraph_diff(old.text, new.text)
    added = sum(change.added for change in changes)
    removed = sum(change.removed for change in changes)
    click.echo(
        f"{new.site} ({new.target_url}): version {old.version} "
        f"(first seen {old.first_seen:%Y-%m-%d}) -> version {new.version} "
        f"(first seen {new.first_seen:%Y-%m-%d})"
    )
    click.echo(
        f"{len(changes)} paragraphs changed, +{added} -{removed} words "
        f"({old.n_words} -> {new.n_words})"
    )
    if stat:
        return
    colour = sys.stdout.isatty() if color is None else color
    for change in changes:
        old_place = f"{change.old_first}" if change.old_first else "-"
        new_place = f"{change.new_first}" if change.new_first else "-"
        click.echo(f"\n@@ paragraph {old_place} -> {new_place} @@", color=colour)
        click.echo(_marked(change.segments, colour), color=colour)


def _marked(segments: tuple, colour: bool) -> str:
    parts = []
    for segment in segments:
        if segment.kind == "same":
            parts.append(segment.text)
        elif colour:
            style = {"fg": "red", "strikethrough": True} if segment.kind == "removed" else {}
            parts.append(click.style(segment.text, **(style or {"fg": "green"})))
        else:
            parts.append(
                f"[-{segment.text}-]" if segment.kind == "removed" else f"{{+{segment.text}+}}"
            )
    return " ".join(parts).replace(" \n ", "\n").replace("\n ", "\n")
