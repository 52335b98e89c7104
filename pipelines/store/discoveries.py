"""Storing what `policytrail discover` found: `discoveries` rows, and the targets they feed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import duckdb

from crawler.items import FOUND, INLINE, DomainDiscovery, PeriodDiscovery
from crawler.periods import MASK_EPOCH, SamplingPeriod
from crawler.targets import Target
from crawler.wayback import surt_key
from pipelines.store.database import insert_rows
from pipelines.store.runs import moment

DISCOVERY_COLUMNS = (
    "domain",
    "sample_every",
    "period_start",
    "period_end",
    "sampled_at",
    "rank",
    "status",
    "reason",
    "policy_url",
    "home_kind",
    "home_url",
    "home_timestamp",
    "home_page_kind",
    "home_warc_path",
    "home_warc_offset",
    "home_warc_length",
    "candidate_url",
    "link_text",
    "link_where",
    "link_position",
    "score",
    "score_reasons",
    "off_site",
    "tried",
    "page_url",
    "page_timestamp",
    "page_kind",
    "page_kind_score",
    "accepted",
    "candidate_reason",
    "warc_path",
    "warc_offset",
    "warc_length",
    "run_id",
    "discovered_at",
)

# Periods a run may skip: discovered with a final outcome, after they ended (a period still
# running when discovered may see a new home page; a failed one is done again). Each domain's
# as one bit string (bit i: the i-th period from MASK_EPOCH, as SamplingPeriod.period_of
# counts them): 100,000 domains by 61 periods read in 0.8 s at a peak of 260 MB for the whole
# process, where a list of dates per domain took 3.8 s and 665 MB.
DONE_PERIODS = """
SELECT domain, bitstring_agg(
    ((year(period_start) * 12 + month(period_start) - 1) // $months - $first)::INTEGER, 0, $bits)
FROM discoveries
WHERE sample_every = $every AND status <> 'failed' AND period_end <= CAST(discovered_at AS DATE)
  AND period_start >= $epoch
GROUP BY domain
"""
# How far period masks reach: bit strings are this many periods long (to 2200 in months).
MASK_MONTHS = 12 * (2200 - MASK_EPOCH.year)


def discovery_rows(found: DomainDiscovery, run_id: int, now: datetime) -> Iterator[tuple]:
    """One row per candidate link of each period (rank 1, 2...), or one (rank 0) without any."""
    for period in found.periods:
        home = period.home
        shared = {
            "domain": found.domain,
            "sample_every": found.sample_every,
            "period_start": period.period_start,
            "period_end": period.period_end,
            "sampled_at": period.sampled_at,
            "status": period.status,
            "reason": period.reason,
            "policy_url": period.policy_url,
            "home_kind": period.home_kind,
            "home_page_kind": period.home_page_kind,
            "run_id": run_id,
            "discovered_at": now,
        }
        if home is not None:
            shared.update(
                home_url=home.url,
                home_timestamp=moment(home.timestamp),
                home_warc_path=home.warc_path,
                home_warc_offset=home.warc_offset,
                home_warc_length=home.warc_length,
            )
        if not period.candidates:
            yield tuple({**shared, "rank": 0}.get(column) for column in DISCOVERY_COLUMNS)
        for rank, outcome in enumerate(period.candidates, 1):
            link, page = outcome.link, outcome.capture
            values = {
                **shared,
                "rank": rank,
                "candidate_url": link.url,
                "link_text": link.text,
                "link_where": link.where,
                "link_position": link.position,
                "score": link.score,
                "score_reasons": list(link.reasons),
                "off_site": link.off_site,
                "tried": outcome.tried,
                "page_url": outcome.page_url,
                "page_timestamp": moment(outcome.timestamp),
                "page_kind": outcome.kind,
                "page_kind_score": outcome.kind_score,
                "accepted": outcome.accepted,
                "candidate_reason": outcome.reason,
            }
            if page is not None:
                values.update(
                    warc_path=page.warc_path,
                    warc_offset=page.warc_offset,
                    warc_length=page.warc_length,
                )
            yield tuple(values.get(column) for column in DISCOVERY_COLUMNS)


def write_discovery(
    connection: duckdb.DuckDBPyConnection, found: DomainDiscovery, run_id: int, now: datetime
) -> None:
    """A domain's periods (replacing what earlier runs recorded of them), and its policy's
    URLs as a target's: the caller holds the transaction."""
    starts = [period.period_start for period in found.periods]
    if starts:
        connection.execute(
            "DELETE FROM discoveries WHERE domain = ? AND sample_every = ?"
            " AND list_contains(?, period_start)",
            [found.domain, found.sample_every, starts],
        )
    insert_rows(
        connection,
        "discoveries",
        DISCOVERY_COLUMNS,
        list(discovery_rows(found, run_id, now)),
        per_statement=500,
    )
    _add_to_target(connection, found.domain, _found_urls(found.periods), run_id)


def _found_urls(periods: list[PeriodDiscovery]) -> list[tuple[str, str, str, str | None]]:
    """(url, via, found at, page it led to) of each period's policy, earliest period first."""
    found = []
    for period in sorted(periods, key=lambda p: p.period_start):
        if period.status not in (FOUND, INLINE) or not period.policy_url or not period.home:
            continue
        home = period.home
        via = f"discovered on {home.url} at {home.timestamp}"
        accepted = next((c for c in period.candidates if c.accepted), None)
        page = accepted.page_url if accepted else None
        found.append((period.policy_url, via, home.timestamp, page))
    return found


def _add_to_target(
    connection: duckdb.DuckDBPyConnection,
    site: str,
    found: list[tuple[str, str, str, str | None]],
    run_id: int,
) -> None:
    """The URLs join the site's target (its first, if the researcher gave several): a new
    target for a site without one, named after the earliest URL found. A URL a link led to
    through a captured redirect joins it too, as the crawl's redirects do."""
    if not found:
        return
    existing = connection.execute(
        "SELECT policy_url FROM targets WHERE site = ? ORDER BY added_run_id, policy_url LIMIT 1",
        [site],
    ).fetchone()
    first_url, first_via, _, _ = found[0]
    if existing is None:
        connection.execute(
            "INSERT INTO targets (site, policy_url, alias_urls, source, added_run_id)"
            " VALUES (?, ?, [], ?, ?)",
            [site, first_url, first_via, run_id],
        )
        policy_url = first_url
    else:
        policy_url = existing[0]
    rows = []
    for url, via, timestamp, page in found:
        rows.append((url, via, timestamp))
        if page and surt_key(page) != surt_key(url):
            rows.append((page, f"{via}, through a redirect from {url}", timestamp))
    for url, via, timestamp in rows:
        # the earliest discovery of a URL names it, as the earliest redirect names an alias
        connection.execute(
            "INSERT INTO target_urls (site, policy_url, url, urlkey, via, found_at, run_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE"
            " SET url = excluded.url, via = excluded.via, found_at = excluded.found_at"
            " WHERE target_urls.found_at IS NOT NULL"
            " AND excluded.found_at < target_urls.found_at",
            [site, policy_url, url, surt_key(url), via, moment(timestamp), run_id],
        )


def done_periods(connection: duckdb.DuckDBPyConnection, every: SamplingPeriod) -> dict[str, int]:
    """Per domain, the periods earlier runs discovered for good, as `every.in_mask` reads."""
    done: dict[str, int] = {}
    rows = connection.execute(
        DONE_PERIODS,
        {
            "months": every.months,
            "first": every.period_of(MASK_EPOCH),
            "bits": MASK_MONTHS // every.months,
            "every": every.label,
            "epoch": MASK_EPOCH,
        },
    )
    while batch := rows.fetchmany(10_000):
        for domain, bits in batch:
            done[domain] = int(bits[::-1], 2)  # its first character is bit 0
    return done


def discovered_targets(connection: duckdb.DuckDBPyConnection) -> list[Target]:
    """The targets discovery added URLs to, for `policytrail crawl --discovered`: each with its
    own URLs; the discovered ones come in with the crawl's memory of earlier runs."""
    rows = connection.execute(
        "SELECT site, policy_url, alias_urls, strftime(from_ts, '%Y%m%d%H%M%S'),"
        " strftime(to_ts, '%Y%m%d%H%M%S'), coalesce(source, '') FROM targets t"
        " WHERE EXISTS (SELECT 1 FROM target_urls u WHERE u.site = t.site"
        " AND u.policy_url = t.policy_url AND u.via LIKE 'discovered on %')"
        " ORDER BY site, policy_url"
    ).fetchall()
    return [
        Target(site, policy_url, list(aliases), from_ts, to_ts, source)
        for site, policy_url, aliases, from_ts, to_ts, source in rows
    ]
