"""`policytrail crawl` and `policytrail demo`: a crawl into DuckDB, of IA or a local archive."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler import settings
from crawler.cli.options import (
    ARCHIVE_OPTION,
    CONTACT_OPTION,
    LOCAL_OPTION,
    MAX_PAUSE_OPTION,
    WRITE_DB_OPTION,
    Span,
    run_settings,
)
from crawler.exceptions import BadInputError, CrawlIncomplete, CrawlInterrupted

if TYPE_CHECKING:
    from crawler.cli.runner import DryRun

PROJECT_DATA = Path(__file__).resolve().parents[2] / "data"


@click.command()
@click.argument("targets", type=click.Path(path_type=Path), required=False)
@click.option(
    "--discovered",
    is_flag=True,
    help="Also (or only) the policies `policytrail discover` found, with every URL each had.",
)
@WRITE_DB_OPTION
@ARCHIVE_OPTION
@click.option(
    "--from", "from_ts", default=None, metavar="YYYY[MMDD]", help="Only captures from this date on."
)
@click.option(
    "--to", "to_ts", default=None, metavar="YYYY[MMDD]", help="Only captures up to this date."
)
@LOCAL_OPTION
@CONTACT_OPTION
@click.option(
    "--jobdir",
    type=click.Path(path_type=Path),
    default=None,
    help="Keep Scrapy's request queue here, so an interrupted crawl resumes where it was.",
)
@click.option(
    "--full",
    is_flag=True,
    help="List every URL from its first capture (by default a URL listed completely before "
    "is asked only for what is newer, and fully again once a week).",
)
@MAX_PAUSE_OPTION
@click.option(
    "--dry-run",
    is_flag=True,
    help="List (CDX only) what a run would fetch, and estimate how long it would take.",
)
@click.option(
    "--fetch",
    "strategy",
    type=click.Choice(settings.FETCH_STRATEGIES),
    default=settings.WAYBACK_FETCH_STRATEGY,
    show_default=True,
    help="Which captures to replay: one per distinct payload, or change-point (each URL's ends "
    "first, then inside a range only while the texts at its ends differ: far fewer replays "
    "where pages churn, but a text that changes and changes back between two captures of one "
    "text is not seen).",
)
@click.option(
    "--boundary-precision",
    type=Span(),
    default=None,
    metavar="SPAN",
    help="change-point: stop locating a change once it lies within this span (30d, 2w, 6M; "
    "default: between neighbouring captures, as exact as fetching every payload).",
)
@click.option(
    "--probe-every",
    type=Span(),
    default=None,
    metavar="SPAN",
    help="change-point: replay one capture per this span inside long unchanged ranges, to "
    "catch a text that changed and came back (6M, 1Y; default: none).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every request (DEBUG).")
def crawl(
    targets,
    discovered,
    db,
    archive,
    from_ts,
    to_ts,
    local,
    contact,
    jobdir,
    full,
    max_pause,
    dry_run,
    strategy,
    boundary_precision,
    probe_every,
    verbose,
) -> None:
    """Enumerate, fetch and record every archived capture of the targets' policy URLs.

    TARGETS is a CSV with header site,policy_url[,alias_urls,from,to] or a text file of one
    URL per line; with --discovered it may be left out. Re-running adds only new captures;
    failed ones are retried.

    \b
    Examples:
      policytrail crawl data/targets.example.csv --contact me@example.org
      policytrail crawl urls.txt --db study.duckdb --from 2005 --to 2019
      policytrail crawl data/targets.sample.csv --archive http://127.0.0.1:8765 --local
      policytrail crawl urls.txt --fetch change-point --probe-every 1Y
      policytrail crawl --discovered --db study.duckdb
    """
    if targets is None and not discovered:
        raise BadInputError("crawl needs a TARGETS file, or --discovered (or both)")
    extra = run_settings(verbose, contact, max_pause)
    if jobdir:
        extra["JOBDIR"] = str(jobdir)
    if full:
        extra["WAYBACK_CDX_FULL"] = True
    extra["WAYBACK_FETCH_STRATEGY"] = strategy
    if boundary_precision is not None or probe_every is not None:
        if strategy != "change-point":
            raise BadInputError("--boundary-precision and --probe-every need --fetch change-point")
        extra["WAYBACK_BOUNDARY_PRECISION_DAYS"] = boundary_precision or 0.0
        extra["WAYBACK_PROBE_EVERY_DAYS"] = probe_every or 0.0
    # Scrapy and the pipelines load here, not with the CLI: the other commands never need them.
    from crawler.cli.runner import dry_run as plan_run
    from crawler.cli.runner import run_crawl
    from crawler.cli.summary import format_summary, run_outcome, run_summary

    if dry_run:
        _print_dry_run(
            plan_run(
                targets,
                db,
                archive=archive,
                from_ts=from_ts,
                to_ts=to_ts,
                local=local,
                extra=extra,
                discovered=discovered,
            )
        )
        return
    run_id = run_crawl(
        targets,
        db,
        archive=archive,
        from_ts=from_ts,
        to_ts=to_ts,
        local=local,
        extra=extra,
        discovered=discovered,
    )
    click.echo(format_summary(run_summary(db, run_id)))
    click.echo(f"run {run_id} written to {db}")
    outcome = run_outcome(db, run_id)
    for site, url, message in outcome.excluded:
        click.echo(f"excluded by the archive: {site} {url} ({message[:120]})")
    if outcome.status != "finished":
        raise CrawlInterrupted(
            f"run {run_id} was {outcome.status}: run the same command again to pick up the rest"
        )
    if outcome.cdx_failed or outcome.failed:
        raise CrawlIncomplete(
            f"run {run_id}: {outcome.failed} capture(s) and {outcome.cdx_failed} CDX search(es)"
            " failed (see the log and the `coverage` view): the next run tries them again"
        )


def _print_dry_run(plan: DryRun) -> None:
    width = max([len("site"), len("total"), *(len(site) for site in plan.sites)])
    click.echo(f"{'site'.ljust(width)}  to fetch  to skip")
    for site, (fetch, skip) in plan.sites.items():
        click.echo(f"{site.ljust(width)}  {fetch:8d}  {skip:7d}")
    fetches = sum(fetch for fetch, _ in plan.sites.values())
    skips = sum(skip for _, skip in plan.sites.values())
    click.echo(f"{'total'.ljust(width)}  {fetches:8d}  {skips:7d}")
    longest = max(plan.cdx_seconds, plan.replay_seconds)
    total = plan.cdx_seconds + plan.replay_seconds
    click.echo(
        f"{plan.cdx_requests} CDX requests ({_hours(plan.cdx_seconds)}) and {fetches} replays "
        f"({_hours(plan.replay_seconds)}) at the configured rates: about "
        f"{_hours(longest)} to {_hours(total)}, before retries; nothing was fetched or written"
    )


def _hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


@click.command()
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=PROJECT_DATA / "demo.duckdb",
    show_default=True,
    help="Database to create (a previous demo database is replaced).",
)
@click.option(
    "--discover",
    "from_domains",
    is_flag=True,
    help="Start from the sites' domains (data/domains.sample.txt): find each policy's URLs "
    "over time from the archived home pages, then crawl them.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show the crawl's log.")
def demo(db: Path, from_domains: bool, verbose: bool) -> None:
    """Crawl the bundled sample archive into a fresh database and print what was found.

    Starts the local archive on a free port with data/sample/, crawls
    data/targets.sample.csv with the limits lifted, and prints a per-site summary. With
    --discover it starts from data/domains.sample.txt instead: `policytrail discover` finds
    each site's policy in each half-year from its home pages, then the crawl takes every
    capture of every URL found.

    \b
    Example:
      policytrail demo
      policytrail demo --discover
      policytrail demo --db /tmp/demo.duckdb
    """
    sample = PROJECT_DATA / "sample"
    targets = PROJECT_DATA / "targets.sample.csv"
    domains = PROJECT_DATA / "domains.sample.txt"
    if not sample.is_dir() or not targets.is_file() or not domains.is_file():
        raise BadInputError(f"the sample archive is missing ({sample}, {targets}, {domains})")
    from crawler.archive.server import ArchiveServer
    from crawler.cli.runner import run_crawl
    from crawler.cli.summary import format_summary, run_summary

    _replace_demo_db(db, (targets, domains))
    quiet = {
        "LOG_LEVEL": "INFO" if verbose else "WARNING",
        "POLICYTRAIL_PROGRESS_INTERVAL": 0 if not verbose else 5.0,
    }
    command = _as_typed()
    with ArchiveServer([sample], index_path=db.parent / ".demo-archive-index.sqlite3") as archive:
        click.echo(f"local archive of {sample} at {archive.base_url}", err=True)
        if from_domains:
            run_id = _discover_then_crawl(domains, db, archive.base_url, quiet, verbose)
        else:
            run_id = run_crawl(targets, db, archive=archive.base_url, local=True, extra=quiet)
    click.echo(format_summary(run_summary(db, run_id)))
    click.echo(f"database: {db.resolve()}")
    if from_domains:
        found = "SELECT domain, period_start, status, policy_url FROM discovered_policies"
        click.echo(f'found:   {command} query "{found}" --db {db}')
    click.echo(
        f"read it: {command} sites --db {db}\n"
        f"         {command} timeline lumenbank.example --db {db}\n"
        f"         {command} diff lumenbank.example --db {db}"
    )


def _discover_then_crawl(domains: Path, db: Path, archive: str, quiet: dict, verbose: bool) -> int:
    """The sample sites' policies discovered over the sample's years, then crawled; the
    crawl's run id. The crawl runs in a process of its own: Scrapy's reactor runs once."""
    import subprocess

    from crawler.cli.discover import crawl_discovered, discovery_summary, format_discovery
    from crawler.cli.runner import run_discover
    from pipelines.store.database import connect

    years = ("2004", "2023")  # the sample archive's home pages
    run_id = run_discover(
        domains, db, archive=archive, from_ts=years[0], to_ts=years[1], local=True, extra=quiet
    )
    click.echo(format_discovery(discovery_summary(db, run_id)))
    crawl = crawl_discovered(db, archive=archive, local=True)
    finished = subprocess.run(crawl, capture_output=not verbose, text=True, check=False)
    if finished.returncode != 0:
        raise CrawlIncomplete(f"the crawl of what was discovered failed: {finished.stderr[-500:]}")
    connection = connect(db, read_only=True)
    try:
        return connection.execute("SELECT max(run_id) FROM crawl_runs").fetchone()[0]
    finally:
        connection.close()


def _as_typed() -> str:
    """The command as the user can type it again: `.venv/bin/policytrail` from a venv that is
    not activated (the README's first command), `policytrail` where that is on the PATH."""
    invoked = Path(sys.argv[0])
    if invoked.name != "policytrail" or shutil.which("policytrail") is not None:
        return "policytrail"
    try:
        return str(invoked.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(invoked)


def _replace_demo_db(db: Path, sources: tuple[Path, ...]) -> None:
    """A fresh database each time, but never at the cost of a real one: only a database whose
    every run read the sample's targets or domains (or what they found) from a local archive
    is replaced."""
    if not db.exists():
        return
    from pipelines.store.database import connect

    connection = connect(db, read_only=True)
    try:
        runs = connection.execute("SELECT archive, targets_file FROM crawl_runs").fetchall()
    finally:
        connection.close()
    allowed = {str(source) for source in sources} | {f"discovered in {db}"}
    demo = all(
        (archive or "").startswith("http://127.0.0.1") and targets_file in allowed
        for archive, targets_file in runs
    )
    if not demo:
        raise BadInputError(
            f"{db} holds other crawls than the demo's; the demo will not replace it"
        )
    db.unlink()
    warcs = db.parent / f"{db.stem}-warcs"
    if warcs.is_dir() and all(p.name.startswith("policytrail-") for p in warcs.iterdir()):
        shutil.rmtree(warcs)
