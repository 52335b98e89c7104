"""What earlier runs already did, as the spider reads it: plain data, no database."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from crawler.wayback import CdxRecord

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
    texts: dict[str, str | None] = field(default_factory=dict)  # their text_hash (None: no text)
    aliases: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    listings: dict[tuple[str, str], Listing] = field(default_factory=dict)  # by (site, urlkey)
    failed: list[FailedCapture] = field(default_factory=list)

    def knows(self, site: str, url: str, timestamp: str, digest: str) -> bool:
        return capture_key(site, url, timestamp, digest) in self.recorded
