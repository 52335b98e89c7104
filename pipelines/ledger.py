"""What earlier runs already did, read once before a crawl so nothing is listed or fetched twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.database import connect


@dataclass(slots=True)
class Ledger:
    """Recorded capture keys, fetched digests and discovered alias URLs, from the database."""

    recorded: set[tuple[str, str, str, str]] = field(default_factory=set)  # site, url, ts, digest
    fetched: set[str] = field(default_factory=set)  # digests of pages (2xx) fetched
    aliases: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)

    def knows(self, site: str, url: str, timestamp: str, digest: str) -> bool:
        return (site, url, timestamp, digest) in self.recorded


def read_ledger(db_path: str | Path) -> Ledger:
    """The ledger of a database; an empty one if the database does not exist yet."""
    ledger = Ledger()
    if not Path(db_path).exists():
        return ledger
    connection = connect(db_path, read_only=True)
    try:
        for site, url, moment, digest in connection.execute(
            "SELECT site, url, strftime(timestamp, '%Y%m%d%H%M%S'), digest FROM captures"
            " WHERE fetch_status IN ('fetched', 'skipped')"
        ).fetchall():
            ledger.recorded.add((site, url, moment, digest))
        for (digest,) in connection.execute(
            "SELECT DISTINCT digest FROM captures WHERE fetch_status = 'fetched'"
            " AND http_status BETWEEN 200 AND 299"
        ).fetchall():
            ledger.fetched.add(digest)
        for site, policy_url, url, via in connection.execute(
            "SELECT site, policy_url, url, via FROM target_urls WHERE via <> 'listed'"
            " ORDER BY run_id, url"
        ).fetchall():
            ledger.aliases.setdefault((site, policy_url), []).append((url, via))
    finally:
        connection.close()
    return ledger
