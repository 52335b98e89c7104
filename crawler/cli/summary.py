"""What a finished run did, per site and in all, read back from the database for the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawler.cli.output import aligned
from pipelines.store.database import connect


@dataclass(frozen=True, slots=True)
class SiteSummary:
    site: str
    listed: int
    fetched: int
    skipped: int
    failed: int
    versions: int  # versions of the site's policies known after the run (all runs)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    status: str
    cdx_failed: int
    failed: int  # captures that failed, or that a pipeline failed on
    excluded: list[tuple[str, str, str]]  # (site, url, the archive's message) of hidden URLs


def run_outcome(db: Path, run_id: int) -> RunOutcome:
    connection = connect(db, read_only=True)
    try:
        status, cdx_failed, failed, errors = connection.execute(
            "SELECT status, cdx_failed, failed, item_errors FROM crawl_runs WHERE run_id = ?",
            [run_id],
        ).fetchone()
        excluded = connection.execute(
            "SELECT site, url, coalesce(listing_message, '') FROM target_urls"
            " WHERE listing_status = 'excluded' ORDER BY site, url"
        ).fetchall()
    finally:
        connection.close()
    return RunOutcome(status, cdx_failed, failed + errors, excluded)


def run_summary(db: Path, run_id: int) -> list[SiteSummary]:
    connection = connect(db, read_only=True)
    try:
        rows = connection.execute(
            "SELECT site, count(*), count(*) FILTER (fetch_status = 'fetched'),"
            " count(*) FILTER (fetch_status = 'skipped'),"
            " count(*) FILTER (fetch_status = 'failed'),"
            " (SELECT count(*) FROM versions v WHERE v.site = c.site)"
            " FROM captures c WHERE run_id = ? GROUP BY site ORDER BY site",
            [run_id],
        ).fetchall()
    finally:
        connection.close()
    return [SiteSummary(*row) for row in rows]


def format_summary(rows: list[SiteSummary]) -> str:
    header = ("site", "listed", "fetched", "skipped", "failed", "versions")
    table = [header] + [(r.site, *(str(getattr(r, f)) for f in header[1:])) for r in rows]
    totals = ("total", *(str(sum(getattr(r, f) for r in rows)) for f in header[1:]))
    return aligned([*table, totals], rules=(1, -1))
