"""Payload integrity: a capture's bytes must be those its CDX row names by their SHA-1."""

from __future__ import annotations

import zlib
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.wayback import payload_digest, split_memento_url

# A CDX digest this middleware can check: base32 of a SHA-1 (IA's form since the ARC days).
DIGEST_LENGTH = 32
# Content-Encodings it can undo to find the payload the digest was taken of.
DECODERS = {
    b"gzip": 16 + zlib.MAX_WBITS,
    b"x-gzip": 16 + zlib.MAX_WBITS,
    b"deflate": zlib.MAX_WBITS,
}


class PayloadMismatch(Exception):
    """The payload's SHA-1 is not the CDX digest: a body cut short or damaged on the way."""


class PayloadIntegrityMiddleware:
    """Checks each capture's payload against its CDX digest before anything keeps it.

    A body cut short without a Content-Length ends like a whole one; only the digest tells.
    Only captures whose digest names their own payload are checked: 2xx rows that are not
    revisits, replayed at their own second (the archive may redirect to a neighbour). The
    digest is of the payload as archived, so it is checked against the bytes as received
    and, when the archive compressed them for the transfer, as decompressed. A mismatch is
    retried like a 5xx; after the last retry the capture fails with PayloadMismatch, and the
    next run tries it again. Sits before HttpCompressionMiddleware (it sees the raw bytes).
    """

    def __init__(self, crawler: Crawler, max_bytes: int) -> None:
        self.crawler = crawler
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("WAYBACK_VERIFY_DIGEST"):
            raise NotConfigured("WAYBACK_VERIFY_DIGEST is off")
        return cls(crawler, crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        capture = request.cb_kwargs.get("capture")
        expected = getattr(capture, "digest", "")
        if not _checkable(request, response, capture):
            return response
        encodings = response.headers.getlist("Content-Encoding")
        if payload_matches(response.body, encodings, expected, self.max_bytes):
            return response
        self.crawler.stats.inc_value("policytrail/digest_mismatch")
        reason = f"payload digest mismatch ({len(response.body)} bytes)"
        retry = get_retry_request(request, spider=self.crawler.spider, reason=reason)
        if retry is not None:
            return retry
        raise PayloadMismatch(
            f"payload SHA-1 {payload_digest(response.body)} of {len(response.body)} bytes "
            f"is not the CDX digest {expected}"
        )


def _checkable(request: Request, response: Response, capture: object) -> bool:
    statuscode = getattr(capture, "statuscode", "")
    mimetype = getattr(capture, "mimetype", "")
    digest = getattr(capture, "digest", "")
    timestamp = getattr(capture, "timestamp", "")
    if not (statuscode.isdigit() and 200 <= int(statuscode) < 300 and 200 <= response.status < 300):
        return False
    if mimetype == "warc/revisit" or len(digest) != DIGEST_LENGTH:
        return False
    if b"Memento-Datetime" not in response.headers:
        return False
    replayed = split_memento_url(response.url)
    return replayed is not None and replayed[0] == timestamp


def payload_matches(body: bytes, encodings: list[bytes], expected: str, max_bytes: int) -> bool:
    """Whether `body`, as received or with its Content-Encoding undone, has SHA-1 `expected`."""
    if payload_digest(body) == expected:
        return True
    if not encodings:
        return False
    if len(encodings) != 1 or encodings[0].strip().lower() not in DECODERS:
        return True  # an encoding it cannot undo (br, zstd, stacked): nothing to check against
    decoder = zlib.decompressobj(DECODERS[encodings[0].strip().lower()])
    try:
        # bounded: a gzip bomb stops at max_bytes instead of filling the memory
        decoded = decoder.decompress(body, max_bytes or 0)
    except zlib.error:
        return False
    if decoder.unconsumed_tail:
        return True  # inflates past the size limit: HttpCompressionMiddleware refuses it as such
    return payload_digest(decoded) == expected
