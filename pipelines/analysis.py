"""From a capture's bytes to a `Document`: extraction, classification, dating, hashing.

Each step is a pure function of its own stage's module, and the crawl's item pipelines each run
one of them; `analyse` runs all four (for `policytrail extract` and `policytrail reprocess`).
"""

from __future__ import annotations

from datetime import datetime

from crawler.items import Document
from crawler.settings import POLICYTRAIL_MAX_ANALYSIS_BYTES
from pipelines.classify import classify_document
from pipelines.dates import date_document, redate_capture
from pipelines.extract import extract_document
from pipelines.memo import TextMemo
from pipelines.versions import hash_document


def analyse(
    body: bytes,
    url: str,
    content_type: str | None = None,
    captured_at: datetime | None = None,
    max_bytes: int = POLICYTRAIL_MAX_ANALYSIS_BYTES,
    memo: TextMemo | None = None,
) -> Document | None:
    """All four steps, as the crawl's pipelines run them; None when there is no text.

    A text `memo` holds is not analysed again (its Document is returned, dated for this
    capture); one that it does not is analysed and kept in it.
    Raises PageTooLargeError for a body over `max_bytes`, as the crawl records it.
    """
    document = extract_document(body, url, content_type, max_bytes, memo=memo)
    if document is None:
        return None
    if document.analysed:
        return redate_capture(document, captured_at)
    document = hash_document(date_document(classify_document(document, url), captured_at, url))
    if memo is not None:
        memo.put(document)
    return document
