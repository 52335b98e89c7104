"""Which CDX rows the crawl fetches, and why it skips the others: pure rules, testable alone."""

from __future__ import annotations

from crawler.wayback import CdxRecord

# Types whose text the project studies; everything else is recorded as skipped.
POLICY_MIMETYPES = frozenset({"text/html", "application/xhtml+xml", "application/pdf"})
# CDX types that say nothing of the payload: fetch, and let the replayed Content-Type tell.
UNKNOWN_MIMETYPES = frozenset({"warc/revisit", "unk", "-", ""})


def is_redirect(record: CdxRecord) -> bool:
    return record.statuscode.isdigit() and 300 <= int(record.statuscode) < 400


def payload_key(record: CdxRecord) -> tuple[str, str]:
    """What "the same digest" means for fetching once: the digest, and for a redirect its URL too.

    A redirect's payload is its (often empty) body, so redirects of different URLs share
    digests while their Locations differ; only repeats of one URL's redirect are the same.
    """
    return (record.digest, record.urlkey if is_redirect(record) else "")


def skip_reason(record: CdxRecord, fetched: set[tuple[str, str]]) -> str | None:
    """Why a row is not fetched (None: fetch it). Redirects are fetched for their Location."""
    status = record.statuscode
    if status.isdigit() and not 200 <= int(status) < 400:
        return f"status {status}"
    redirect = is_redirect(record)
    mimetype = record.mimetype.lower()
    if not redirect and mimetype not in POLICY_MIMETYPES | UNKNOWN_MIMETYPES:
        return f"mimetype {record.mimetype}"
    if payload_key(record) in fetched:
        return "digest already fetched"
    return None
