"""`policytrail runs` and `policytrail changes`: what scheduled crawls did, and what they found."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import click

from crawler.cli.options import DB_OPTION
from crawler.cli.output import aligned
from crawler.exceptions import BadInputError


@click.command()
@DB_OPTION
@click.option("--limit", type=int, default=None, help="Only the latest N runs.")
def runs(db: Path, limit: int | None) -> None:
    """List the crawl runs, newest first: when, how long, how they ended and what they did
    (`crawl`, or `discover`: whose fetched pages are home pages and the pages they link).

    Requests count every CDX and replay request sent, retries included; 429s are the
    archive's rate-limit answers.

    \b
    Example:
      policytrail runs --db study.duckdb --limit 10
    """
    from pipelines.store.database import connect
    from pipelines.store.runs import list_runs

    connection = connect(db, read_only=True)
    try:
        rows = list_runs(connection, limit)
    finally:
        connection.close()
    header = (
        "run",
        "started (UTC)",
        "duration",
        "status",
        "command",
        "listed",
        "fetched",
        "skipped",
        "failed",
        "requests",
        "429s",
        "new versions",
    )
    table = [header] + [
        (
            str(r.run_id),
            r.started_at.strftime("%Y-%m-%d %H:%M"),
            _duration(r.seconds),
            r.status,
            r.command,
            *(str(v) for v in (r.listed, r.fetched, r.skipped, r.failed, r.requests)),
            str(r.rate_limited),
            str(r.new_versions),
        )
        for r in rows
    ]
    click.echo(aligned(table, left=4))


@click.command()
@DB_OPTION
@click.option(
    "--since",
    default=None,
    metavar="RUN_ID|DATE",
    help="Versions found by the runs after this run, or since this date (YYYY-MM-DD) "
    "[default: by the latest run].",
)
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def changes(db: Path, since: str | None, output: str) -> None:
    """The new policy versions found since a run or a date, per site, with the words added
    and removed against the version before: what a nightly job mails to its owner.

    \b
    Examples:
      policytrail changes --db study.duckdb
      policytrail changes --since 12 --format json
      policytrail changes --since 2026-11-01
    """
    from pipelines.changes import changes_since
    from pipelines.store.database import connect

    after_run, moment = _since(since)
    connection = connect(db, read_only=True)
    try:
        found = changes_since(connection, after_run=after_run, since=moment)
    finally:
        connection.close()
    if output == "json":
        for change in found:
            click.echo(json.dumps(asdict(change), default=_json_value, ensure_ascii=False))
        return
    if not found:
        click.echo("no new versions")
        return
    current = None
    for change in found:
        if (change.site, change.target_url) != current:
            current = (change.site, change.target_url)
            click.echo(f"{change.site} ({change.target_url})")
        effective = f", effective {change.effective_date}" if change.effective_date else ""
        click.echo(
            f"  version {change.version}, first seen {change.first_seen:%Y-%m-%d} "
            f"(run {change.run_id}){effective}: +{change.words_added} -{change.words_removed} "
            f"words ({change.n_words} in all)"
        )
        if change.memento_url:
            click.echo(f"    {change.memento_url}")


def _since(value: str | None) -> tuple[int | None, datetime | None]:
    if value is None:
        return None, None
    if value.isdigit():
        return int(value), None
    try:
        return None, datetime.combine(date.fromisoformat(value), datetime.min.time())
    except ValueError:
        raise BadInputError(f"--since takes a run id or a date (YYYY-MM-DD): {value!r}") from None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}"


def _json_value(value: object) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)
