"""Why a capture was skipped or failed: a stable code for programs, a sentence for people."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Outcome(StrEnum):
    """The `reason_code` column of `captures`. Codes never change meaning once released."""

    # skipped: nothing to fetch, or nothing more to keep
    STATUS = "status"  # the CDX row's status is neither 2xx nor 3xx
    MIMETYPE = "mimetype"  # the CDX row is not HTML or PDF
    DUPLICATE = "duplicate"  # its payload is stored under another capture (same digest)
    REPLAY_STATUS = "replay_status"  # a revisit that replays as an error page
    REPLAY_MIMETYPE = "replay_mimetype"  # a revisit or `unk` row that replays as an image...
    TOO_LARGE = "too_large"  # over the size limit: fetching or keeping it is refused
    NOT_TEXT = "not_text"  # fetched and kept, but binary data under a text label: no text
    # not fetched by change-point fetching (crawler/changepoint.py): between two fetched
    # captures of one text, so of that text too (`captures.text_from` names the fetched page)...
    UNCHANGED_RANGE = "unchanged_range"
    # ...or inside a changed range narrower than the boundary precision: its text is unknown
    WITHIN_PRECISION = "within_precision"
    # failed: tried, and tried again next run
    HTTP_ERROR = "http_error"  # the archive answered an error (no Memento-Datetime)
    RATE_LIMITED = "rate_limited"  # still answered 429 after every retry
    NETWORK = "network"  # connection refused, reset, timed out... after every retry
    DIGEST_MISMATCH = "digest_mismatch"  # the payload is not the one the CDX row names
    REDIRECT_OUTSIDE = "redirect_outside"  # the archive redirected off itself: never followed
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    ERROR = "error"  # the crawl itself failed on it (a bug: see the log); tried again next run

    @property
    def is_failure(self) -> bool:
        return self in FAILURES


FAILURES = frozenset(
    {
        Outcome.HTTP_ERROR,
        Outcome.RATE_LIMITED,
        Outcome.NETWORK,
        Outcome.DIGEST_MISMATCH,
        Outcome.REDIRECT_OUTSIDE,
        Outcome.REDIRECT_LOOP,
        Outcome.TOO_MANY_REDIRECTS,
        Outcome.ERROR,
    }
)


class Reason(NamedTuple):
    """An outcome and the sentence that explains it for this capture ("status 404")."""

    code: Outcome
    text: str
