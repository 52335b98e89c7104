"""`policytrail discover`: from a list of domains to their privacy policies' URLs over time."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from crawler import settings
from crawler.cli.options import (
    ARCHIVE_OPTION,
    CONTACT_OPTION,
    LOCAL_OPTION,
    MAX_PAUSE_OPTION,
    WRITE_DB_OPTION,
    run_settings,
)
from crawler.cli.output import aligned
from crawler.exceptions import CrawlIncomplete, CrawlInterrupted, PolicytrailError


@dataclass(frozen=True, slots=True)
class DomainSummary:
    """What a discovery run found for one domain, over the periods it did."""

    domain: str
    periods: int
    found: int  # periods whose home page linked to a policy (or was one)
    no_home_page: int
    not_found: int  # a home page, but no link to a policy (parked pages included)
    failed: int  # done again next run
    addresses: int  # distinct policy URLs found


@click.command()
@click.argument("domains", type=click.Path(path_type=Path))
@WRITE_DB_OPTION
@ARCHIVE_OPTION
@click.option(
    "--from",
    "from_ts",
    default=None,
    metavar="YYYY[MMDD]",
    help=f"The first period: the one holding this date [default: {settings.DISCOVER_FROM}].",
)
@click.option(
    "--to",
    "to_ts",
    default=None,
    metavar="YYYY[MMDD]",
    help="The last period: the one holding this date [default: today's].",
)
@click.option(
    "--sample-every",
    default=settings.DISCOVER_SAMPLE_EVERY,
    show_default=True,
    metavar="SPAN",
    help="The periods: 6M is January-June and July-December, each stood for by the home page "
    "captured nearest its middle (1 April, 1 October); 3M, 1Y...",
)
@click.option(
    "--then-crawl",
    is_flag=True,
    help="Then crawl every capture of every policy URL found (`crawl --discovered`).",
)
@LOCAL_OPTION
@CONTACT_OPTION
@MAX_PAUSE_OPTION
@click.option("-v", "--verbose", is_flag=True, help="Log every request (DEBUG).")
def discover(
    domains,
    db,
    archive,
    from_ts,
    to_ts,
    sample_every,
    then_crawl,
    local,
    contact,
    max_pause,
    verbose,
) -> None:
    """Find each domain's privacy policy in each period from its archived home pages.

    DOMAINS is one domain or URL a line, a CSV with a `domain` column, or a ranked list
    (`1,example.com`, as Tranco's). Per domain, one CDX search lists its home page; per period
    the capture nearest the middle is fetched, its policy links tried best first, and a link
    accepted when its page (captured nearest the home page) is a privacy policy. The URLs
    found join the domain's target, for `policytrail crawl --discovered`. Re-running does only
    the periods not done yet (failed ones, and the one still running).

    \b
    Examples:
      policytrail discover domains.txt --db study.duckdb --contact me@example.org
      policytrail discover tranco.csv --db study.duckdb --from 1998 --to 2024 --then-crawl
      policytrail discover data/domains.sample.txt --archive http://127.0.0.1:8765 --local
    """
    extra = run_settings(verbose, contact, max_pause)
    from crawler.cli.runner import run_discover

    run_id = run_discover(
        domains,
        db,
        archive=archive,
        from_ts=from_ts,
        to_ts=to_ts,
        sample_every=sample_every,
        local=local,
        extra=extra,
    )
    click.echo(format_discovery(discovery_summary(db, run_id)))
    click.echo(f"run {run_id} written to {db}")
    failure, found = _outcome(db, run_id)
    if then_crawl and not found:
        click.echo("no policy discovered: nothing to crawl", err=True)
    elif then_crawl and not isinstance(failure, CrawlInterrupted):
        click.echo("crawling every capture of the policies found:", err=True)
        code = subprocess.call(
            crawl_discovered(
                db, archive=archive, from_ts=from_ts, to_ts=to_ts, contact=contact, local=local
            )
        )
        if code != 0:
            sys.exit(code)
    if failure is not None:
        raise failure


def crawl_discovered(
    db: Path,
    *,
    archive: str | None,
    from_ts: str | None = None,
    to_ts: str | None = None,
    contact: str | None = None,
    local: bool = False,
) -> list[str]:
    """`policytrail crawl --discovered` as a command of its own: after a discovery, in a new
    process (Scrapy's reactor runs once per process)."""
    command = [sys.executable, "-m", "crawler", "crawl", "--discovered", "--db", str(db)]
    for option, value in (
        ("--archive", archive),
        ("--from", from_ts),
        ("--to", to_ts),
        ("--contact", contact),
    ):
        if value:
            command += [option, value]
    return [*command, "--local"] if local else command


def _outcome(db: Path, run_id: int) -> tuple[PolicytrailError | None, bool]:
    """What the run's end means for the exit status, and whether any policy is discovered yet
    (by this run or an earlier one: what --then-crawl crawls)."""
    from pipelines.store.database import connect
    from pipelines.store.discoveries import discovered_targets

    connection = connect(db, read_only=True)
    try:
        status, listings, pages = connection.execute(
            "SELECT status, cdx_failed, item_errors FROM crawl_runs WHERE run_id = ?", [run_id]
        ).fetchone()
        failed = connection.execute(
            "SELECT count(*) FROM discovered_policies WHERE run_id = ? AND status = 'failed'",
            [run_id],
        ).fetchone()[0]
        found = bool(discovered_targets(connection))
    finally:
        connection.close()
    if status != "finished":
        return CrawlInterrupted(
            f"run {run_id} was {status}: run the same command again to pick up the rest"
        ), found
    if listings or pages or failed:
        return CrawlIncomplete(
            f"run {run_id}: {failed} period(s) failed; {listings} home-page listing(s) failed "
            f"and {pages} page(s) could not be analysed (see the log and the `discoveries` "
            "table): the next run tries them again"
        ), found
    return None, found


def discovery_summary(db: Path, run_id: int) -> list[DomainSummary]:
    from pipelines.store.database import connect

    connection = connect(db, read_only=True)
    try:
        rows = connection.execute(
            "SELECT domain, count(*), count(*) FILTER (status IN ('found', 'inline')),"
            " count(*) FILTER (status = 'no home page'),"
            " count(*) FILTER (status IN ('not found', 'parked')),"
            " count(*) FILTER (status = 'failed'),"
            " count(DISTINCT policy_url)"
            " FROM discovered_policies WHERE run_id = ? GROUP BY domain ORDER BY domain",
            [run_id],
        ).fetchall()
    finally:
        connection.close()
    return [DomainSummary(*row) for row in rows]


def format_discovery(rows: list[DomainSummary]) -> str:
    header = ("domain", "periods", "found", "no home page", "not found", "failed", "addresses")
    fields = ("periods", "found", "no_home_page", "not_found", "failed", "addresses")
    return aligned([header] + [(r.domain, *(str(getattr(r, f)) for f in fields)) for r in rows])
