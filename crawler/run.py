"""Running one crawl in this process, and reading back its per-site summary."""

from __future__ import annotations

import ipaddress
import logging
import shutil
import socket
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.exceptions import BadInputError, DatabaseError
from crawler.ledger import Ledger
from crawler.spiders.wayback import WaybackSpider
from crawler.targets import Target, load_targets
from crawler.wayback import window_bound
from pipelines.database import check_path, connect, crawl_lock
from pipelines.ledger import read_ledger
from pipelines.runs import begin_run
from pipelines.warcs import warc_folder

DEFAULT = "https://web.archive.org"
logger = logging.getLogger(__name__)


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


# Seconds to wait for the archive to accept a connection before the crawl is refused.
REACHABLE_TIMEOUT = 15.0


def check_reachable(archive: str) -> None:
    """The archive's host must resolve and accept a TCP connection: found before the crawl
    starts, with one line, rather than as a failed CDX search per URL. No HTTP request is
    sent, so IA's budget is not touched."""
    parts = urlsplit(archive)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=REACHABLE_TIMEOUT):
            pass
    except socket.gaierror:
        raise BadInputError(
            f"the archive {archive} does not resolve: no such host {host!r}"
        ) from None
    except OSError as error:
        raise BadInputError(
            f"the archive {archive} does not answer ({error.strerror or error}); check --archive"
        ) from None


def check_window(from_ts: str | None, to_ts: str | None) -> None:
    bounds = []
    for name, value, upper in (("--from", from_ts, False), ("--to", to_ts, True)):
        try:
            bounds.append(window_bound(value, upper=upper) if value else None)
        except ValueError as error:
            raise BadInputError(f"{name} {error}") from None
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
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
    """Crawl `targets` into `db`; returns the run id. Inputs are checked before anything runs;
    the run is opened (stale runs closed, targets loaded in bulk) before the reactor starts."""
    loaded, settings = _checked(targets, db, archive, from_ts, to_ts, local, extra)
    with crawl_lock(db):
        return _crawl(targets, db, loaded, settings, archive, from_ts, to_ts)


def _checked(
    targets: Path,
    db: Path,
    archive: str | None,
    from_ts: str | None,
    to_ts: str | None,
    local: bool,
    extra: dict | None,
) -> tuple[list[Target], Settings]:
    """Every input checked, cheapest first, before anything is opened or sent."""
    loaded = load_targets(targets)
    check_archive(archive, local=local)
    check_window(from_ts, to_ts)
    check_path(db)
    settings = crawl_settings(db, archive, local=local, extra=extra)
    check_reachable(settings.get("WAYBACK_ARCHIVE_URL"))
    return loaded, settings


def _run_spider(
    settings: Settings,
    targets: Path,
    loaded: list[Target],
    archive: str | None,
    from_ts: str | None,
    to_ts: str | None,
) -> Crawler:
    """The wayback spider, run to its end in this process (Scrapy's reactor runs once), given
    what earlier runs in the database did (read before the store opens it for writing)."""
    db = settings.get("POLICYTRAIL_DB")
    ledger = read_ledger(Path(db)) if db else Ledger()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(WaybackSpider)
    process.crawl(
        crawler,
        targets=str(targets),
        archive=archive,
        from_ts=from_ts,
        to_ts=to_ts,
        loaded_targets=loaded,
        ledger=ledger,
    )
    process.start()
    return crawler


def _crawl(
    targets: Path,
    db: Path,
    loaded: list,
    settings: Settings,
    archive: str | None,
    from_ts: str | None,
    to_ts: str | None,
) -> int:
    connection = connect(db)  # creates or migrates it; fails now if another process holds it
    try:
        start = begin_run(
            connection,
            loaded,
            archive=(archive or settings.get("WAYBACK_ARCHIVE_URL")).rstrip("/"),
            targets_file=str(targets),
            software=f"policytrail {version('policytrail')}",
            warc_folder=warc_folder(settings),
            db_folder=db.resolve().parent,
        )
    except (OSError, duckdb.Error) as error:  # a refused write (a full disk): rolled back
        raise DatabaseError(
            f"{db}: cannot write ({str(error).splitlines()[0]}); nothing was changed"
        ) from None
    finally:
        connection.close()
    run_id = start.run_id
    jobdir = Path(settings.get("JOBDIR")) if settings.get("JOBDIR") else None
    if jobdir is not None:
        open_job(jobdir)
    settings.set("POLICYTRAIL_RUN_ID", run_id, priority="cmdline")
    crawler = _run_spider(settings, targets, loaded, archive, from_ts, to_ts)
    if jobdir is not None and crawler.stats and crawler.stats.get_value("finish_reason"):
        close_job(jobdir)  # Scrapy closed its queue: the next run may trust it
    store = _close_abandoned_store(crawler)
    failure = getattr(store, "write_failed", None)
    if failure is not None:
        raise DatabaseError(
            f"{db}: cannot write ({str(failure).splitlines()[0]}): the crawl stopped; what was "
            "committed is kept, and the next run goes on from there"
        )
    return run_id


@dataclass(frozen=True, slots=True)
class DryRun:
    """What a run would do: per site, captures to fetch and to skip; and how long it would
    take at the configured rates."""

    sites: dict[str, tuple[int, int]]  # site -> (to fetch, to skip)
    cdx_requests: int  # sent by the dry run itself: a real run sends as many
    cdx_seconds: float  # those CDX requests at the configured CDX rate
    replay_seconds: float  # the fetches at the configured replay rate (without retries)


def dry_run(
    targets: Path,
    db: Path,
    *,
    archive: str | None = None,
    from_ts: str | None = None,
    to_ts: str | None = None,
    local: bool = False,
    extra: dict | None = None,
) -> DryRun:
    """List every target's captures (CDX only) and count what a crawl would fetch, against
    what `db` already holds; nothing is fetched or recorded. URLs a policy moved to are found
    only by fetching its redirects, so a dry run counts the URLs known so far."""
    loaded, settings = _checked(targets, db, archive, from_ts, to_ts, local, extra)
    if db.exists():
        # a clear line now if it is unusable or locked; an older schema is migrated, as any
        # command would, so the run's memory of earlier runs can be read
        connect(db).close()
    settings.set("POLICYTRAIL_DRY_RUN", True, priority="cmdline")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("JOBDIR", None, priority="cmdline")
    crawler = _run_spider(settings, targets, loaded, archive, from_ts, to_ts)
    spider = crawler.spider
    planned = getattr(spider, "planned", {})
    sites = {site: (counts["fetch"], counts["skip"]) for site, counts in sorted(planned.items())}
    cdx = crawler.stats.get_value("policytrail/requests/cdx", 0) if crawler.stats else 0
    fetches = sum(fetch for fetch, _ in sites.values())
    # the slots' delays are the rates (WAYBACK_*_RATE_PER_MINUTE, or none with --local)
    slots = settings.getdict("DOWNLOAD_SLOTS")
    cdx_delay = float(slots.get("cdx", {}).get("delay", 0))
    replay_delay = float(slots.get("replay", {}).get("delay", 0))
    return DryRun(sites, cdx, cdx * cdx_delay, fetches * replay_delay)


# What Scrapy keeps in a JOBDIR: the request queue, the duplicate filter, the spider's state.
JOB_FILES = ("requests.queue", "requests.seen", "spider.state")


# Written in a JOBDIR when a crawl closed Scrapy's queue cleanly; absent, the queue is torn.
CLOSED_MARK = "policytrail.closed"


def open_job(jobdir: Path) -> None:
    """Use a JOBDIR only if the last crawl that used it closed it: a disk queue written up to
    a SIGKILL (or a second Ctrl-C) can lose the requests pushed onto it later."""
    mark = jobdir / CLOSED_MARK
    if (jobdir / "requests.queue").exists() and not mark.exists():
        forget_job_queue(jobdir)
    mark.unlink(missing_ok=True)


def close_job(jobdir: Path) -> None:
    jobdir.mkdir(parents=True, exist_ok=True)
    (jobdir / CLOSED_MARK).write_text("closed cleanly: the queue may be resumed\n")


def forget_job_queue(jobdir: Path) -> None:
    """A JOBDIR whose last crawl did not close it is not to be trusted. The database says
    what is left to do, so the job's files go and the run starts its queue afresh."""
    removed = []
    for name in JOB_FILES:
        path = jobdir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(name)
    if removed:
        logger.warning(
            "%s: the last crawl using it did not close it, so its queue is not trusted: "
            "cleared %s (the database says what is left to do)",
            jobdir,
            ", ".join(removed),
        )


def _close_abandoned_store(crawler: Crawler) -> object | None:
    """After an unclean stop (a second Ctrl-C) the store never heard that the spider closed:
    write what it holds and mark the run interrupted, so the database is left usable.
    Returns the store pipeline, if there is one."""
    engine = getattr(crawler, "engine", None)
    scraper = getattr(engine, "scraper", None)
    pipelines = getattr(getattr(scraper, "itemproc", None), "middlewares", ())
    for pipeline in pipelines:
        abandon = getattr(pipeline, "abandon", None)
        if abandon is not None:
            abandon()
            return pipeline
    return None


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
