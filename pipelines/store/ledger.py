"""Reading what earlier runs already did from the database, once before a crawl, so nothing is
listed or fetched twice (the ledger's types are in crawler/ledger.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.ledger import FailedCapture, Ledger, Listing, capture_key
from crawler.wayback import CdxRecord
from pipelines.store.database import connect

# A fetched row `f` that holds the page its digest names (other captures of that digest may
# point at it): a 2xx replay of the capture at its own second, or a payload with that digest.
STORED_COPY = (
    "f.fetch_status = 'fetched' AND f.http_status BETWEEN 200 AND 299"
    " AND (f.memento_datetime = f.timestamp OR f.payload_sha1 = f.digest)"
)
# Rows read from the database at a time, so the rows never sit in memory all at once.
READ_BATCH = 50_000


def read_ledger(db_path: str | Path) -> Ledger:
    """The ledger of a database; an empty one if the database does not exist yet."""
    ledger = Ledger()
    if not Path(db_path).exists():
        return ledger
    connection = connect(db_path, read_only=True)
    try:
        # Done: fetched or skipped, except a duplicate whose stored copy is missing (a failed
        # fetch left it pointing at nothing in releases before schema 3): that one is
        # decided again.
        rows = connection.execute(
            "SELECT site, url, strftime(timestamp, '%Y%m%d%H%M%S'), digest FROM captures c"
            " WHERE fetch_status = 'fetched' OR (fetch_status = 'skipped'"
            " AND (reason_code IS DISTINCT FROM 'duplicate' OR EXISTS (SELECT 1 FROM captures f"
            f" WHERE f.digest = c.digest AND {STORED_COPY})))"
        )
        while batch := rows.fetchmany(READ_BATCH):
            ledger.recorded.update(capture_key(*row) for row in batch)
        # each stored page's text (the earliest copy's), for change-point fetching; equal
        # texts share one string
        same: dict[str, str] = {}
        for digest, text_hash in connection.execute(
            f"SELECT digest, arg_min(text_hash, timestamp) FROM captures f WHERE {STORED_COPY}"
            " GROUP BY digest"
        ).fetchall():
            ledger.fetched.add(digest)
            ledger.texts[digest] = same.setdefault(text_hash, text_hash) if text_hash else None
        for site, policy_url, url, via in connection.execute(
            "SELECT site, policy_url, url, via FROM target_urls WHERE via <> 'listed'"
            " ORDER BY run_id, url"
        ).fetchall():
            ledger.aliases.setdefault((site, policy_url), []).append((url, via))
        for site, urlkey, until, full_at, rows in connection.execute(
            "SELECT t.site, t.urlkey, strftime(t.listed_until, '%Y%m%d%H%M%S'), t.full_listed_at,"
            " coalesce(n.rows, 0) FROM target_urls t LEFT JOIN (SELECT site, urlkey, count(*)"
            " AS rows FROM captures GROUP BY ALL) n USING (site, urlkey)"
            " WHERE t.listed_until IS NOT NULL"
        ).fetchall():
            ledger.listings[(site, urlkey)] = Listing(until, full_at, rows)
        for row in connection.execute(
            "SELECT site, target_url, urlkey, strftime(timestamp, '%Y%m%d%H%M%S'), url,"
            " coalesce(mimetype, ''), coalesce(CAST(statuscode AS TEXT), '-'), digest,"
            " coalesce(CAST(length AS TEXT), ''), via FROM captures c WHERE fetch_status = 'failed'"
            # a duplicate whose stored copy is missing is decided again too
            " OR (reason_code = 'duplicate' AND NOT EXISTS (SELECT 1 FROM captures f"
            f" WHERE f.digest = c.digest AND {STORED_COPY}))"
            " ORDER BY site, url, timestamp"
        ).fetchall():
            site, target_url, *fields, via = row
            ledger.failed.append(FailedCapture(site, target_url, CdxRecord(*fields), via))
    finally:
        connection.close()
    return ledger


class EarlierRuns:
    """Hands a spider started without a ledger (`scrapy crawl wayback`) the one of POLICYTRAIL_DB.

    `policytrail crawl` reads the ledger itself and passes it as the spider argument `ledger`;
    then this extension does nothing. It reads when it is built: after the spider, before the
    store opens its write connection (DuckDB refuses a read-only one beside it in a process).
    """

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        db = crawler.settings.get("POLICYTRAIL_DB")
        if not db:
            raise NotConfigured("POLICYTRAIL_DB is not set")
        extension = cls(Path(db))
        spider = crawler.spider
        if spider is not None and not getattr(spider, "ledger_given", True):
            spider.remember(read_ledger(extension.db_path))
        return extension
