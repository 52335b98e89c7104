"""Running one crawl in this process, and reading back its per-site summary."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.exceptions import BadInputError, PolicytrailError
from crawler.spiders.wayback import WaybackSpider
from crawler.targets import load_targets
from crawler.wayback import pad_timestamp
from pipelines.database import connect

DEFAULT = "https://web.archive.org"


@dataclass(frozen=True, slots=True)
class SiteSummary:
    site: str
    listed: int
    fetched: int
    skipped: int
    failed: int
    versions: int  # versions of the site's policies known after the run (all runs)


def crawl_settings(
    db: Path, archive: str | None, *, local: bool, extra: dict | None = None
) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.set("POLICYTRAIL_DB", str(db), priority="cmdline")
    if archive:
        settings.set("WAYBACK_ARCHIVE_URL", archive.rstrip("/"), priority="cmdline")
    if local:
        settings.update(project_settings.LOCAL_ARCHIVE_OVERRIDES, priority="cmdline")
    for name, value in (extra or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def check_archive(archive: str | None, *, local: bool) -> None:
    """An archive must be an http(s) base URL; `--local` is refused unless it is this machine."""
    if archive is not None:
        parts = urlsplit(archive)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadInputError(f"--archive must be an http(s) URL such as {DEFAULT}: {archive!r}")
    if local:
        host = urlsplit(archive or project_settings.WAYBACK_ARCHIVE_URL).hostname or ""
        if not _is_loopback(host):
            raise BadInputError(
                f"--local lifts the rate limits and is only for an archive on this machine, "
                f"not {host}"
            )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_window(from_ts: str | None, to_ts: str | None) -> None:
    for name, value in (("--from", from_ts), ("--to", to_ts)):
        if value and (not value.isdigit() or len(value) not in (4, 6, 8, 14)):
            raise BadInputError(f"{name} must be YYYY, YYYYMM, YYYYMMDD or 14 digits: {value!r}")
    if from_ts and to_ts and pad_timestamp(from_ts) > pad_timestamp(to_ts, upper=True):
        raise BadInputError(f"--from {from_ts} is after --to {to_ts}")


def run_crawl(
    targets: Path,
    db: Path,
    *,
    archive: str | None = None,
    from_ts: str | None = None,
    to_ts: str | None = None,
    local: bool = False,
    extra: dict | None = None,
) -> int:
    """Crawl `targets` into `db`; returns the run id. Inputs are checked before anything runs."""
    load_targets(targets)
    check_archive(archive, local=local)
    check_window(from_ts, to_ts)
    connect(db).close()  # creates or migrates it, and fails now if another process holds it
    settings = crawl_settings(db, archive, local=local, extra=extra)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(WaybackSpider)
    process.crawl(crawler, targets=str(targets), archive=archive, from_ts=from_ts, to_ts=to_ts)
    process.start()
    run_id = crawler.stats.get_value("policytrail/run_id") if crawler.stats else None
    if run_id is None:
        raise PolicytrailError("the crawl did not start (see the log above)")
    return int(run_id)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    status: str
    cdx_failed: int
    failed: int


def run_outcome(db: Path, run_id: int) -> RunOutcome:
    connection = connect(db, read_only=True)
    try:
        row = connection.execute(
            "SELECT status, cdx_failed, failed FROM crawl_runs WHERE run_id = ?", [run_id]
        ).fetchone()
    finally:
        connection.close()
    return RunOutcome(*row)


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
    table.append(totals)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
