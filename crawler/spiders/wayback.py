"""The wayback spider: lists every capture of each target's policy URLs, fetches those needed."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.items import FAILED, FETCHED, SKIPPED, AliasItem, CaptureItem, Memento
from crawler.selection import is_redirect, replay_skip_reason, skip_reason
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
from pipelines.ledger import Ledger, capture_key, read_ledger

ORIGINAL_PREFIX = "x-archive-orig-"
# Original headers that described the bytes on the wire; the payload we keep is decoded.
WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class WaybackSpider(Spider):
    """Enumerates captures through the CDX API and fetches them raw (`id_`) from the archive.

    Run it with `policytrail crawl TARGETS` or `scrapy crawl wayback -a targets=TARGETS`.
    Listing runs far ahead of fetching (a CDX page holds thousands of rows, and replays are
    rate-limited), so the next CDX page of a URL waits while more than
    WAYBACK_MAX_PENDING_FETCHES fetches are pending: memory stays bounded on huge histories.
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
        self.max_pending = 0
        self.collapse_digest = False
        self._fetched: set[str] = set()  # digests of pages fetched or being fetched
        self._seen: set[bytes] = set()  # capture_key() of the rows considered in this run
        self._keys: dict[tuple[str, str], set[str]] = {}
        self._pending = 0  # memento fetches scheduled and not yet settled
        self._waiting_pages: deque[Request] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.archive = (spider.archive_arg or settings.get("WAYBACK_ARCHIVE_URL")).rstrip("/")
        spider.page_size = settings.getint("WAYBACK_CDX_PAGE_SIZE")
        spider.max_redirects = settings.getint("WAYBACK_MAX_REDIRECTS")
        spider.max_pending = settings.getint("WAYBACK_MAX_PENDING_FETCHES")
        spider.collapse_digest = settings.getbool("WAYBACK_CDX_COLLAPSE_DIGEST")
        db = settings.get("POLICYTRAIL_DB")
        spider.ledger = read_ledger(Path(db)) if db else Ledger()
        spider._fetched = set(spider.ledger.fetched)
        crawler.signals.connect(spider.release_waiting_pages, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        self._resume_state()
        for target in self.targets:
            key = (target.site, target.policy_url)
            self._keys[key] = {surt_key(url) for url in target.urls}
            for url in target.urls:
                via = None if url == target.policy_url else "alias"
                yield self.cdx_request(target, url, via=via)
            for url, via in self.ledger.aliases.get(key, []):
                if surt_key(url) not in self._keys[key]:
                    self._keys[key].add(surt_key(url))
                    yield self.cdx_request(target, url, via=via)

    def _resume_state(self) -> None:
        """With a JOBDIR, what this run already scheduled survives an interruption."""
        state = getattr(self, "state", None)
        if isinstance(state, dict):
            self._fetched |= state.get("fetched", set())
            self._seen |= state.get("seen", set())
            state["fetched"], state["seen"] = self._fetched, self._seen

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
        return Request(
            query,
            callback=self.parse_cdx,
            errback=self.cdx_failed,
            cb_kwargs={"target": target, "url": url, "via": via},
            meta={"download_slot": "cdx", "handle_httpstatus_all": True, "dont_redirect": True},
            # listed again on every start, even when a JOBDIR remembers the last run's pages
            dont_filter=True,
        )

    def parse_cdx(
        self, response: Response, target: Target, url: str, via: str | None
    ) -> Iterator[Request | CaptureItem]:
        self.crawler.stats.inc_value("policytrail/cdx_requests")
        if response.status != 200:
            self.crawler.stats.inc_value("policytrail/cdx_failed")
            self.logger.error(
                "CDX search for %s answered HTTP %s: %s (it is listed again next run)",
                url,
                response.status,
                " ".join(response.text[:200].split()),
            )
            return
        try:
            records, resume_key = parse_cdx_json(response.text)
        except (ValueError, IndexError) as error:
            self.crawler.stats.inc_value("policytrail/cdx_failed")
            self.logger.error("CDX answer for %s is not CDX JSON (%s)", url, error)
            return
        self.crawler.stats.inc_value("policytrail/cdx_rows", len(records))
        for record in records:
            yield from self.consider(target, record, via)
        if resume_key:
            page = self.cdx_request(target, url, via=via, resume_key=resume_key)
            if self._pending > self.max_pending:
                self._waiting_pages.append(page)
            else:
                yield page

    def cdx_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("policytrail/cdx_failed")
        self.logger.error(
            "CDX search failed for %s: %s (it is listed again next run)",
            request.cb_kwargs.get("url"),
            failure.getErrorMessage() or failure.type.__name__,
        )

    def release_waiting_pages(self) -> None:
        """When nothing else is left to do, list the next CDX pages that waited."""
        if not self._waiting_pages:
            return
        while self._waiting_pages and self._pending <= self.max_pending:
            self.crawler.engine.crawl(self._waiting_pages.popleft())
        raise DontCloseSpider

    def consider(
        self, target: Target, record: CdxRecord, via: str | None
    ) -> Iterator[Request | CaptureItem]:
        """One CDX row: drop exact repeats, then record it as skipped or fetch it."""
        key = capture_key(target.site, record.original, record.timestamp, record.digest)
        if key in self._seen or key in self.ledger.recorded:
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
        if not is_redirect(record):
            self._fetched.add(record.digest)
        self._pending += 1
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
            # filtered, so a run resumed from a JOBDIR does not fetch a queued memento twice
            dont_filter=False,
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
        self._pending -= 1
        reason = replay_skip_reason(capture.record, response.status, memento.content_type)
        if reason is not None:
            self._fetched.discard(capture.digest)
            yield replace(capture, fetch_status=SKIPPED, reason=reason)
            yield from self._next_pages()
            return
        if 300 <= response.status < 400:
            memento.location = _original_location(response)
            if memento.location:
                yield from self._follow_move(target, capture, memento.location)
        yield replace(capture, fetch_status=FETCHED, reason=None, memento=memento)
        yield from self._next_pages()

    def _next_pages(self) -> Iterator[Request]:
        """CDX pages that waited for fetches to catch up, once half of the backlog is done."""
        while self._waiting_pages and self._pending <= self.max_pending // 2:
            yield self._waiting_pages.popleft()

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
        reason = f"HTTP {response.status} without Memento-Datetime: {text}"
        yield self._failed(capture, reason[:300])
        yield from self._next_pages()

    def _follow_move(self, target: Target, capture: CaptureItem, location: str) -> Iterator:
        """A captured redirect to another URL: the policy moved, so that URL joins the target.

        Every such redirect is reported (the store keeps the earliest as the URL's origin);
        the new URL is enumerated once. A redirect to a site's home page is no move: it is
        where sites send retired pages.
        """
        parts = urlsplit(location)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return
        if parts.path in ("", "/") and not parts.query:
            self.crawler.stats.inc_value("policytrail/redirects_home")
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
        yield from self._next_pages()

    def _failed(self, capture: CaptureItem, reason: str) -> CaptureItem:
        # Not fetched after all: a later row with the same digest may try again.
        self._pending -= 1
        self._fetched.discard(capture.digest)
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
