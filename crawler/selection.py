"""Which CDX rows the crawl lists and fetches, and why it skips the others: pure rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from crawler.outcomes import Outcome, Reason
from crawler.wayback import (
    EMPTY_DIGEST,
    TIMESTAMP_FORMAT,
    CdxRecord,
    parse_timestamp,
    url_problem,
)

# Types whose text the project studies; everything else is recorded as skipped.
POLICY_MIMETYPES = frozenset({"text/html", "application/xhtml+xml", "application/pdf"})
# CDX types that say nothing of the payload: fetch, and let the replayed Content-Type tell.
UNKNOWN_MIMETYPES = frozenset({"warc/revisit", "unk", "-", ""})
DUPLICATE = "digest already fetched"


def is_redirect(record: CdxRecord) -> bool:
    return record.statuscode.isdigit() and 300 <= int(record.statuscode) < 400


def skip_reason(record: CdxRecord, fetched: set[str]) -> Reason | None:
    """Why a row is not fetched (None: fetch it).

    `fetched` holds the digests of pages already stored (2xx): never one only in flight, since
    a skip must point at a stored copy. Redirects are always fetched:
    their Location is in the headers, and body-less ones all share one digest. The empty
    digest is never taken as already fetched for the same reason.
    """
    status = record.statuscode
    if status.isdigit() and not 200 <= int(status) < 400:
        return Reason(Outcome.STATUS, f"status {status}")
    if is_redirect(record):
        return None
    mimetype = record.mimetype.lower()
    if mimetype not in POLICY_MIMETYPES | UNKNOWN_MIMETYPES:
        return Reason(Outcome.MIMETYPE, f"mimetype {record.mimetype}")
    if record.digest != EMPTY_DIGEST and record.digest in fetched:
        return Reason(Outcome.DUPLICATE, DUPLICATE)
    return None


def replay_skip_reason(record: CdxRecord, status: int, content_type: str | None) -> Reason | None:
    """Why a fetched capture is not kept after all: a revisit (or an `unk` row) may turn out to
    be a 404 page or an image once replayed. What the CDX stated is taken at its word."""
    if not record.statuscode.isdigit() and not 200 <= status < 400:
        return Reason(Outcome.REPLAY_STATUS, f"status {status} on replay")
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    listed = record.mimetype.lower()
    if listed in UNKNOWN_MIMETYPES and 200 <= status < 300 and mimetype not in POLICY_MIMETYPES:
        return Reason(Outcome.REPLAY_MIMETYPE, f"mimetype {mimetype or 'unknown'} on replay")
    return None


def row_problem(record: CdxRecord) -> str | None:
    """What makes a CDX row unusable (a timestamp that is no moment, an original that is no
    http(s) URL), or None. Such a row cannot be fetched or stored: it is left out."""
    timestamp, original = record.timestamp, record.original
    if len(timestamp) != 14 or not timestamp.isdigit():
        return f"timestamp {timestamp!r}"
    try:
        parse_timestamp(timestamp)
    except ValueError:
        return f"timestamp {timestamp!r}"
    if not original.startswith(("http://", "https://")) or url_problem(original):
        return f"original {original!r}"
    return None


def listing_start(
    listing: object, now: datetime, overlap: timedelta, full_every: timedelta
) -> str | None:
    """Where an incremental listing of a URL starts: its last listed capture less `overlap`;
    None (from the first capture) when it was never fully listed, or not for `full_every`.

    `listing` has `listed_until` (14 digits) and `full_listed_at` (naive UTC), as the ledger's
    Listing does."""
    full_at = getattr(listing, "full_listed_at", None)
    until = getattr(listing, "listed_until", None)
    if full_at is None or until is None or now.replace(tzinfo=None) - full_at > full_every:
        return None
    since = datetime.strptime(until, TIMESTAMP_FORMAT) - overlap
    return since.strftime(TIMESTAMP_FORMAT)


def shares_payload(record: CdxRecord) -> bool:
    """Whether captures of this row's digest can share one stored copy. Redirects cannot:
    their Location is in the headers, and body-less ones all have the empty digest."""
    return not is_redirect(record) and record.digest != EMPTY_DIGEST
