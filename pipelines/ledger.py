"""What earlier runs already did, read once before a crawl so nothing is listed or fetched twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crawler.wayback import CdxRecord
from pipelines.database import connect

# A fetched row `f` that holds the page its digest names (other captures of that digest may
# point at it): a 2xx replay of the capture at its own second, or a payload with that digest.
STORED_COPY = (
    "f.fetch_status = 'fetched' AND f.http_status BETWEEN 200 AND 299"
    " AND (f.memento_datetime = f.timestamp OR f.payload_sha1 = f.digest)"
)
# Rows read from the database at a time, so the rows never sit in memory all at once.
READ_BATCH = 50_000
# A recorded capture is kept as a 16-byte BLAKE2b digest of its key, about 90 bytes in the set
# against some 330 for the four strings: a million captures need some 90 MB. Two keys share a
# digest with a probability near 1e-27 for a billion captures.
KEY_DIGEST_BYTES = 16


def capture_key(site: str, url: str, timestamp: str, digest: str) -> bytes:
    """What the ledger keeps of a capture's key (site, url, 14-digit timestamp, digest)."""
    joined = "\0".join((site, url, timestamp, digest)).encode("utf-8")
    return hashlib.blake2b(joined, digest_size=KEY_DIGEST_BYTES).digest()


@dataclass(frozen=True, slots=True)
class Listing:
    """How far a URL's captures were last listed, in a run that finished."""

    listed_until: str  # 14 digits: the latest capture timestamp that listing covered
    full_listed_at: datetime | None  # when it was last listed from its first capture
    rows: int  # capture rows recorded for the URL


@dataclass(frozen=True, slots=True)
class FailedCapture:
    """A capture an earlier run failed to fetch, with its CDX row: fetched again next run."""

    site: str
    target_url: str
    record: CdxRecord
    via: str | None


@dataclass(slots=True)
class Ledger:
    """Recorded capture keys, fetched digests and discovered alias URLs, from the database."""

    recorded: set[bytes] = field(default_factory=set)  # capture_key() of each recorded capture
    fetched: set[str] = field(default_factory=set)  # digests of pages (2xx) fetched
    aliases: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    listings: dict[tuple[str, str], Listing] = field(default_factory=dict)  # by (site, urlkey)
    failed: list[FailedCapture] = field(default_factory=list)

    def knows(self, site: str, url: str, timestamp: str, digest: str) -> bool:
        return capture_key(site, url, timestamp, digest) in self.recorded


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
        for (digest,) in connection.execute(
            f"SELECT DISTINCT digest FROM captures f WHERE {STORED_COPY}"
        ).fetchall():
            ledger.fetched.add(digest)
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
