"""The wayback spider: lists every capture of each target's policy URLs, fetches those needed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.items import FAILED, FETCHED, SKIPPED, AliasItem, CaptureItem, Memento
from crawler.selection import payload_key, skip_reason
from crawler.targets import Target, load_targets
from crawler.wayback import (
    CdxRecord,
    cdx_search_url,
    memento_url,
    pad_timestamp,
    parse_cdx_json,
    parse_http_date,
    split_memento_url,
    surt_key,
)
from pipelines.ledger import Ledger, read_ledger

ORIGINAL_PREFIX = "x-archive-orig-"
# Original headers that described the bytes on the wire; the payload we keep is decoded.
WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class WaybackSpider(Spider):
    """Enumerates captures through the CDX API and fetches them raw (`id_`) from the archive.

    Run it with `policytrail crawl TARGETS` or `scrapy crawl wayback -a targets=TARGETS`.
    """

    name = "wayback"

    def __init__(
        self,
        targets: str = "",
        archive: str | None = None,
        from_ts: str | None = None,
        to_ts: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not targets:
            raise ValueError("the wayback spider needs targets=PATH (a CSV or text file)")
        self.targets_path = str(targets)
        self.targets: list[Target] = load_targets(targets)
        self.archive_arg = archive
        self.from_ts = pad_timestamp(from_ts) if from_ts else None
        self.to_ts = pad_timestamp(to_ts, upper=True) if to_ts else None
        self.ledger = Ledger()
        self.archive = ""
        self.page_size = 0
        self.max_redirects = 0
        self._fetched: set[tuple[str, str]] = set()
        self._seen: set[tuple[str, str, str, str]] = set()
        self._keys: dict[tuple[str, str], set[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.archive = (spider.archive_arg or settings.get("WAYBACK_ARCHIVE_URL")).rstrip("/")
        spider.page_size = settings.getint("WAYBACK_CDX_PAGE_SIZE")
        spider.max_redirects = settings.getint("WAYBACK_MAX_REDIRECTS")
        spider.collapse_digest = settings.getbool("WAYBACK_CDX_COLLAPSE_DIGEST")
        db = settings.get("POLICYTRAIL_DB")
        spider.ledger = read_ledger(Path(db)) if db else Ledger()
        spider._fetched = set(spider.ledger.fetched)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for target in self.targets:
            key = (target.site, target.policy_url)
            self._keys[key] = {surt_key(url) for url in target.urls}
            for url in target.urls:
                yield self.cdx_request(
                    target, url, via=None if url == target.policy_url else "alias"
                )
            for url, via in self.ledger.aliases.get(key, []):
                if surt_key(url) not in self._keys[key]:
                    self._keys[key].add(surt_key(url))
                    yield self.cdx_request(target, url, via=via)

    # ---- enumeration -------------------------------------------------------------------------

    def cdx_request(
        self, target: Target, url: str, *, via: str | None, resume_key: str | None = None
    ) -> Request:
        query = cdx_search_url(
            self.archive,
            url,
            from_ts=_later(self.from_ts, target.from_ts),
            to_ts=_earlier(self.to_ts, target.to_ts),
            limit=self.page_size,
            resume_key=resume_key,
            collapses=("digest",) if self.collapse_digest else (),
        )
        self.crawler.stats.inc_value("policytrail/cdx_requests")
        return Request(
            query,
            callback=self.parse_cdx,
            errback=self.cdx_failed,
            cb_kwargs={"target": target, "url": url, "via": via},
            meta={"download_slot": "cdx", "handle_httpstatus_all": True, "dont_redirect": True},
            dont_filter=True,
        )

    def parse_cdx(
        self, response: Response, target: Target, url: str, via: str | None
    ) -> Iterator[Request | CaptureItem]:
        if response.status != 200:
            self.crawler.stats.inc_value(f"policytrail/cdx_http_{response.status}")
            self.logger.error(
                "CDX search for %s answered HTTP %s: %s",
                url,
                response.status,
                response.text[:200].strip(),
            )
            return
        try:
            records, resume_key = parse_cdx_json(response.text)
        except (ValueError, IndexError) as error:
            self.crawler.stats.inc_value("policytrail/cdx_unreadable")
            self.logger.error("CDX answer for %s is not CDX JSON (%s)", url, error)
            return
        self.crawler.stats.inc_value("policytrail/cdx_rows", len(records))
        for record in records:
            yield from self.consider(target, record, via)
        if resume_key:
            yield self.cdx_request(target, url, via=via, resume_key=resume_key)

    def cdx_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("policytrail/cdx_failed")
        self.logger.error(
            "CDX search failed for %s: %s (it is listed again next run)",
            request.cb_kwargs.get("url"),
            failure.getErrorMessage() or failure.type.__name__,
        )

    def consider(
        self, target: Target, record: CdxRecord, via: str | None
    ) -> Iterator[Request | CaptureItem]:
        """One CDX row: drop exact repeats, then record it as skipped or fetch it."""
        key = (target.site, record.original, record.timestamp, record.digest)
        if key in self._seen or self.ledger.knows(*key):
            return
        self._seen.add(key)
        capture = CaptureItem(
            site=target.site,
            target_url=target.policy_url,
            url=record.original,
            urlkey=record.urlkey,
            timestamp=record.timestamp,
            digest=record.digest,
            mimetype=record.mimetype,
            statuscode=record.statuscode,
            length=int(record.length) if record.length.isdigit() else None,
            fetch_status=SKIPPED,
            via=via,
        )
        reason = skip_reason(record, self._fetched)
        if reason is not None:
            capture.reason = reason
            self.crawler.stats.inc_value(f"policytrail/skipped/{reason.split(' ')[0]}")
            yield capture
            return
        self._fetched.add(payload_key(record))
        yield self.memento_request(
            memento_url(self.archive, record.timestamp, record.original), capture, target, ()
        )

    # ---- fetching ----------------------------------------------------------------------------

    def memento_request(
        self, url: str, capture: CaptureItem, target: Target, chain: tuple[str, ...]
    ) -> Request:
        self.crawler.stats.inc_value("policytrail/replay_requests")
        return Request(
            url,
            callback=self.parse_memento,
            errback=self.fetch_failed,
            cb_kwargs={"capture": capture, "target": target, "chain": chain},
            meta={"download_slot": "replay", "handle_httpstatus_all": True, "dont_redirect": True},
            dont_filter=True,
        )

    def parse_memento(
        self, response: Response, capture: CaptureItem, target: Target, chain: tuple[str, ...]
    ) -> Iterator[Request | CaptureItem | AliasItem]:
        datetime_header = response.headers.get(b"Memento-Datetime")
        if datetime_header is None:
            yield from self._not_a_capture(response, capture, target, chain)
            return
        self.crawler.stats.inc_value("policytrail/bytes_fetched", len(response.body))
        memento = Memento(
            memento_url=chain[0] if chain else response.url,
            final_url=response.url,
            memento_datetime=parse_http_date(datetime_header.decode("latin-1")),
            http_status=response.status,
            headers=_original_headers(response),
            body=response.body,
            redirect_chain=list(chain),
            fetched_at=datetime.now(UTC),
        )
        if 300 <= response.status < 400:
            memento.location = _original_location(response)
            if memento.location:
                yield from self._follow_move(target, capture, memento.location)
        yield replace(capture, fetch_status=FETCHED, reason=None, memento=memento)

    def _not_a_capture(
        self, response: Response, capture: CaptureItem, target: Target, chain: tuple[str, ...]
    ) -> Iterator[Request | CaptureItem]:
        """No Memento-Datetime: the archive's own redirect to the closest capture, or an error."""
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            hop = urljoin(response.url, location.decode("latin-1"))
            if not hop.startswith(f"{self.archive}/web/"):
                yield self._failed(capture, f"redirect leaves the archive: {hop}")
            elif hop in chain or hop == response.url:
                yield self._failed(capture, f"redirect loop at {hop}")
            elif len(chain) >= self.max_redirects:
                yield self._failed(capture, f"more than {self.max_redirects} redirects")
            else:
                yield self.memento_request(hop, capture, target, (*chain, response.url))
            return
        text = " ".join(response.text[:200].split()) if response.body else ""
        yield self._failed(
            capture, f"HTTP {response.status} without Memento-Datetime: {text}"[:300]
        )

    def _follow_move(self, target: Target, capture: CaptureItem, location: str) -> Iterator:
        """A captured redirect to another URL: the policy moved, so that URL joins the target.

        Every such redirect is reported (the store keeps the earliest as the URL's origin);
        the new URL is enumerated once.
        """
        if not location.startswith(("http://", "https://")):
            return
        new_key = surt_key(location)
        if new_key in {surt_key(url) for url in target.urls}:
            return
        via = f"redirect from {capture.url} at {capture.timestamp}"
        yield AliasItem(target.site, target.policy_url, location, via, capture.timestamp)
        known = self._keys.setdefault((target.site, target.policy_url), set())
        if new_key in known:
            return
        known.add(new_key)
        self.logger.info("%s: policy moved to %s (%s)", target.site, location, via)
        self.crawler.stats.inc_value("policytrail/aliases_found")
        yield self.cdx_request(target, location, via=via)

    def fetch_failed(self, failure: Failure) -> Iterator[CaptureItem]:
        request = failure.request  # type: ignore[attr-defined]
        capture = request.cb_kwargs["capture"]
        retries = request.meta.get("retry_times", 0)
        message = failure.getErrorMessage() or ""
        reason = f"{failure.type.__name__} after {retries} retries: {message}".strip(": ")
        yield self._failed(capture, reason[:300])

    def _failed(self, capture: CaptureItem, reason: str) -> CaptureItem:
        # Not fetched after all: a later row with the same digest may try again.
        self._fetched.discard(payload_key(capture.record))
        self.crawler.stats.inc_value("policytrail/failed")
        return replace(capture, fetch_status=FAILED, reason=reason)


def _original_headers(response: Response) -> list[tuple[str, str]]:
    """The archived response's own headers: X-Archive-Orig-* unprefixed, plus Content-Type."""
    headers: list[tuple[str, str]] = []
    for raw_name, values in response.headers.items():
        name = raw_name.decode("latin-1")
        lower = name.lower()
        if lower.startswith(ORIGINAL_PREFIX):
            original = name[len(ORIGINAL_PREFIX) :]
            if original.lower() in WIRE_HEADERS:
                continue
            headers.extend((original, value.decode("latin-1")) for value in values)
        elif lower == "content-type":
            headers.extend((name, value.decode("latin-1")) for value in values)
    return headers


def _original_location(response: Response) -> str | None:
    """A captured redirect's target as an original URL (the archive rewrites it into itself)."""
    raw = response.headers.get(b"Location")
    if not raw:
        return None
    absolute = urljoin(response.url, raw.decode("latin-1"))
    parts = split_memento_url(absolute)
    return parts[2] if parts else absolute


def _later(first: str | None, second: str | None) -> str | None:
    values = [v for v in (first, second) if v]
    return max(values) if values else None


def _earlier(first: str | None, second: str | None) -> str | None:
    values = [v for v in (first, second) if v]
    return min(values) if values else None
