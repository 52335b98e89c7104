"""`policytrail query` and `policytrail search`: the researcher's own SQL, and a phrase across
the corpus."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.options import DB_OPTION
from crawler.cli.output import FORMAT_OPTION, render


# SQL may begin with a `--` comment, which click would otherwise read as an unknown option
@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("sql")
@DB_OPTION
@FORMAT_OPTION
def query(sql: str, db: Path, output_format: str) -> None:
    """Run one read-only SQL statement against the database (tables and views as the README's
    schema documents them). Anything that would write is refused, and nothing is changed.

    \b
    Examples:
      policytrail query "SELECT site, count(*) FROM policy_versions GROUP BY site"
      policytrail query "FROM coverage" --db data/demo.duckdb --format markdown
      policytrail query "SELECT * FROM policy_versions" --format json > versions.json
    """
    from pipelines.query import run_query
    from pipelines.reading import open_reader

    connection = open_reader(db)
    try:
        result = run_query(connection, sql)
        count = render(result.columns, result.rows, output_format)
    finally:
        connection.close()
    if output_format == "table":
        click.echo(f"({count} row{'' if count == 1 else 's'})", err=True)


@click.command()
@click.argument("phrase")
@click.option("--regex", is_flag=True, help="PHRASE is a regular expression (RE2 syntax).")
@click.option("--words", "whole_words", is_flag=True, help="Match whole words only.")
@click.option("--site", "only", multiple=True, help="Only these sites (repeatable).")
@click.option("--versions", "each", is_flag=True, help="List every matching version.")
@DB_OPTION
@FORMAT_OPTION
def search(
    phrase: str,
    regex: bool,
    whole_words: bool,
    only: tuple[str, ...],
    each: bool,
    db: Path,
    output_format: str,
) -> None:
    """The versions whose text holds PHRASE (any case; its spaces match any white space), and
    for each site the first version where it appears and the last where it does.

    \b
    Examples:
      policytrail search "sell your personal information" --db data/demo.duckdb
      policytrail search sell --words --site lumenbank.example --versions
      policytrail search "do not track|DNT" --regex --format csv
    """
    from pipelines.reading import check_sites, open_reader
    from pipelines.search import pattern_for
    from pipelines.search import search as find

    pattern = pattern_for(phrase, regex=regex, whole_words=whole_words)
    connection = open_reader(db)
    try:
        check_sites(connection, only)
        found = find(connection, pattern, list(only) or None)
    finally:
        connection.close()
    if each:
        columns = (
            "site",
            "target_url",
            "version",
            "first_seen",
            "last_seen",
            "next_seen",
            "occurrences",
            "version_id",
        )
        rows = [
            (
                m.site,
                m.target_url,
                m.version,
                m.first_seen,
                m.last_seen,
                m.next_seen,
                m.occurrences,
                m.version_id,
            )
            for target in found
            for m in target.matching
        ]
    else:
        columns = (
            "site",
            "target_url",
            "first_version",
            "first_seen",
            "last_version",
            "last_seen",
            "gone_by",
            "matching",
            "versions",
            "in_latest",
        )
        rows = [
            (
                t.site,
                t.target_url,
                t.first.version,
                t.first.first_seen,
                t.last.version,
                t.last.last_seen,
                None if t.in_latest else t.last.next_seen,
                len(t.matching),
                t.versions,
                t.in_latest,
            )
            for t in found
        ]
    render(columns, rows, output_format)
    if output_format == "table":
        matching = sum(len(t.matching) for t in found)
        click.echo(f"{matching} versions of {len(found)} targets hold it", err=True)
