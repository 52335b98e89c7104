"""Running one crawl (or a dry run) in this process: inputs checked, the run opened, the ledger
read and handed to the spider."""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.domains import load_domains
from crawler.exceptions import BadInputError, DatabaseError
from crawler.jobdir import close_job, open_job
from crawler.ledger import Ledger
from crawler.periods import MASK_EPOCH, parse_period
from crawler.spiders.discover import DiscoverSpider
from crawler.spiders.wayback import WaybackSpider
from crawler.targets import Target, load_targets
from crawler.wayback import window_bound
from pipelines.store.database import check_path, connect, crawl_lock
from pipelines.store.discoveries import discovered_targets, done_periods
from pipelines.store.ledger import read_ledger
from pipelines.store.runs import begin_run
from pipelines.warcs import warc_folder

DEFAULT = "https://web.archive.org"
logger = logging.getLogger(__name__)


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
    targets: Path | None,
    db: Path,
    *,
    archive: str | None = None,
    from_ts: str | None = None,
    to_ts: str | None = None,
    local: bool = False,
    extra: dict | None = None,
    discovered: bool = False,
) -> int:
    """Crawl `targets` (and with `discovered`, the targets `policytrail discover` fed) into
    `db`; returns the run id. Inputs are checked before anything runs; the run is opened
    (stale runs closed, targets loaded in bulk) before the reactor starts."""
    loaded, settings = _checked(targets, db, archive, from_ts, to_ts, local, extra, discovered)
    source = _source(targets, db, discovered)
    with crawl_lock(db):
        return _crawl(source, db, loaded, settings, archive, from_ts, to_ts)


def _source(targets: Path | None, db: Path, discovered: bool) -> Path:
    """What the run's targets came from, as crawl_runs.targets_file records it."""
    found = f"discovered in {db}"
    if targets is None:
        return Path(found)
    return Path(f"{targets} and {found}") if discovered else targets


def _checked(
    targets: Path | None,
    db: Path,
    archive: str | None,
    from_ts: str | None,
    to_ts: str | None,
    local: bool,
    extra: dict | None,
    discovered: bool = False,
) -> tuple[list[Target], Settings]:
    """Every input checked, cheapest first, before anything is opened or sent."""
    loaded = load_targets(targets) if targets is not None else []
    if discovered:
        known = {(target.site, target.policy_url) for target in loaded}
        loaded += [t for t in _discovered(db) if (t.site, t.policy_url) not in known]
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
    return _run(
        settings,
        WaybackSpider,
        targets=str(targets),
        archive=archive,
        from_ts=from_ts,
        to_ts=to_ts,
        loaded_targets=loaded,
        ledger=ledger,
    )


def _run(settings: Settings, spider: type, **arguments: object) -> Crawler:
    """One spider run to its end in this process (Scrapy's reactor runs once per process)."""
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **arguments)
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
    run_id = _open_run(db, settings, archive, str(targets), "crawl", loaded)
    jobdir = Path(settings.get("JOBDIR")) if settings.get("JOBDIR") else None
    if jobdir is not None:
        open_job(jobdir)
    settings.set("POLICYTRAIL_RUN_ID", run_id, priority="cmdline")
    crawler = _run_spider(settings, targets, loaded, archive, from_ts, to_ts)
    if jobdir is not None and crawler.stats and crawler.stats.get_value("finish_reason"):
        close_job(jobdir)  # Scrapy closed its queue: the next run may trust it
    _after_the_run(crawler, db)
    return run_id


def _discovered(db: Path) -> list[Target]:
    if not db.exists():
        raise BadInputError(f"{db}: no such database (run `policytrail discover` first)")
    connection = connect(db, read_only=True)
    try:
        found = discovered_targets(connection)
    finally:
        connection.close()
    if not found:
        raise BadInputError(
            f"{db}: no policy discovered yet (run `policytrail discover DOMAINS --db {db}`)"
        )
    return found


def run_discover(
    domains: Path,
    db: Path,
    *,
    archive: str | None = None,
    from_ts: str | None = None,
    to_ts: str | None = None,
    sample_every: str | None = None,
    local: bool = False,
    extra: dict | None = None,
) -> int:
    """Discover the policies of `domains` into `db`; returns the run id. As `run_crawl`:
    inputs checked first, the run opened before the reactor starts."""
    loaded = load_domains(domains)
    every = parse_period(sample_every or project_settings.DISCOVER_SAMPLE_EVERY)
    check_archive(archive, local=local)
    if from_ts is None and to_ts and window_bound(to_ts) < project_settings.DISCOVER_FROM:
        raise BadInputError(
            f"--to {to_ts} is before the first period discovered without --from "
            f"({project_settings.DISCOVER_FROM}): give --from too"
        )
    check_window(from_ts, to_ts)
    for name, value in (("--from", from_ts), ("--to", to_ts)):
        if value and window_bound(value) < window_bound(str(MASK_EPOCH.year)):
            raise BadInputError(
                f"{name} {value}: periods before {MASK_EPOCH.year} are not discovered (the "
                "web archives begin in 1996)"
            )
    check_path(db)
    settings = crawl_settings(db, archive, local=local, extra=extra)
    settings.set("JOBDIR", None, priority="cmdline")  # the database says what is left to do
    check_reachable(settings.get("WAYBACK_ARCHIVE_URL"))
    with crawl_lock(db):
        run_id = _open_run(db, settings, archive, str(domains), "discover", [])
        connection = connect(db, read_only=True)
        try:
            done = done_periods(connection, every)
        finally:
            connection.close()
        settings.set("POLICYTRAIL_RUN_ID", run_id, priority="cmdline")
        crawler = _run(
            settings,
            DiscoverSpider,
            domains=str(domains),
            archive=archive,
            from_ts=from_ts,
            to_ts=to_ts,
            sample_every=every.label,
            loaded_domains=loaded,
            done=done,
        )
        _after_the_run(crawler, db)
    return run_id


def _open_run(
    db: Path,
    settings: Settings,
    archive: str | None,
    source: str,
    command: str,
    targets: list[Target],
) -> int:
    """The run's row (and its targets), stale runs closed: before the reactor starts."""
    connection = connect(db)  # creates or migrates it; fails now if another process holds it
    try:
        start = begin_run(
            connection,
            targets,
            archive=(archive or settings.get("WAYBACK_ARCHIVE_URL")).rstrip("/"),
            targets_file=source,
            software=f"policytrail {version('policytrail')}",
            warc_folder=warc_folder(settings),
            db_folder=db.resolve().parent,
            command=command,
        )
    except (OSError, duckdb.Error) as error:  # a refused write (a full disk): rolled back
        raise DatabaseError(
            f"{db}: cannot write ({str(error).splitlines()[0]}); nothing was changed"
        ) from None
    finally:
        connection.close()
    return start.run_id


def _after_the_run(crawler: Crawler, db: Path) -> None:
    """The store closed even after an unclean stop; a refused write is the user's to know."""
    store = _close_abandoned_store(crawler)
    failure = getattr(store, "write_failed", None)
    if failure is not None:
        raise DatabaseError(
            f"{db}: cannot write ({str(failure).splitlines()[0]}): the crawl stopped; what was "
            "committed is kept, and the next run goes on from there"
        )


@dataclass(frozen=True, slots=True)
class DryRun:
    """What a run would do: per site, captures to fetch and to skip; and how long it would
    take at the configured rates."""

    sites: dict[str, tuple[int, int]]  # site -> (to fetch, to skip)
    cdx_requests: int  # sent by the dry run itself: a real run sends as many
    cdx_seconds: float  # those CDX requests at the configured CDX rate
    replay_seconds: float  # the fetches at the configured replay rate (without retries)


def dry_run(
    targets: Path | None,
    db: Path,
    *,
    archive: str | None = None,
    from_ts: str | None = None,
    to_ts: str | None = None,
    local: bool = False,
    extra: dict | None = None,
    discovered: bool = False,
) -> DryRun:
    """List every target's captures (CDX only) and count what a crawl would fetch, against
    what `db` already holds; nothing is fetched or recorded. URLs a policy moved to are found
    only by fetching its redirects, so a dry run counts the URLs known so far."""
    loaded, settings = _checked(targets, db, archive, from_ts, to_ts, local, extra, discovered)
    if db.exists():
        # a clear line now if it is unusable or locked; an older schema is migrated, as any
        # command would, so the run's memory of earlier runs can be read
        connect(db).close()
    settings.set("POLICYTRAIL_DRY_RUN", True, priority="cmdline")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("JOBDIR", None, priority="cmdline")
    crawler = _run_spider(
        settings, _source(targets, db, discovered), loaded, archive, from_ts, to_ts
    )
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
