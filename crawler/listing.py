"""The wayback spider's CDX listing: each URL's capture pages asked for, read, and paged on."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.items import EXCLUDED, LISTED, LISTING_FAILED, CaptureItem, ListingItem
from crawler.killpoints import kill_point
from crawler.ledger import Ledger
from crawler.middlewares.politeness import PauseTooLong
from crawler.middlewares.resume import RUN_TOKEN, StaleRequest
from crawler.selection import listing_start, row_problem
from crawler.targets import Target
from crawler.wayback import CdxRecord, cdx_search_url, split_cdx_json, surt_key

if TYPE_CHECKING:
    from logging import LoggerAdapter

    from scrapy.crawler import Crawler

# What IA's CDX server says (with a 403) of a URL whose site is excluded from the archive.
EXCLUSION_MARKERS = (b"Blocked Site Error", b"AdministrativeAccessControlException")


class CdxListing:
    """The listing half of `WaybackSpider` (crawler/spiders/wayback.py), which holds the state
    below and decides each listed row in `consider()`; `parse_cdx` is its CDX callback."""

    archive: str
    page_size: int
    max_pending: int
    collapse_digest: bool
    full_listing: bool
    overlap: timedelta
    full_every: timedelta
    from_ts: str | None
    to_ts: str | None
    run_token: str
    ledger: Ledger
    _pending: int
    _waiting_pages: deque[Request]
    listing_ahead: int
    _since: dict[tuple[str, str], str | None]
    _listed_max: dict[tuple[str, str], str]
    crawler: Crawler
    logger: LoggerAdapter

    def _init_listing(self) -> None:
        # CDX searches handed to Scrapy and not answered yet, and the rest: see `_list`
        self._listing_out = 0
        self._listing_queue: deque[Request] = deque()
        self._listing_room = asyncio.Event()

    async def room_to_list(self) -> None:
        """Wait until a CDX search may be handed to Scrapy (for `start()`'s first pages)."""
        while self._listing_out >= self.listing_ahead:
            self._listing_room.clear()
            await self._listing_room.wait()
        self._listing_out += 1

    def _list(self, request: Request, *, first: bool = False) -> Iterator[Request]:
        """A CDX search, handed to Scrapy only while fewer than WAYBACK_CDX_AHEAD are: the rest
        wait here, not in the downloader, where they would hold places replays need (Scrapy
        counts requests waiting out a slot's delay against CONCURRENT_REQUESTS). `first`
        puts it before the others waiting (a URL's next page: finish what was begun)."""
        if self._listing_out < self.listing_ahead:
            self._listing_out += 1
            yield request
        elif first:
            self._listing_queue.appendleft(request)
        else:
            self._listing_queue.append(request)

    def _listing_answered(self) -> Iterator[Request]:
        """A CDX search was answered (or failed): the next waiting one may go."""
        self._listing_out -= 1
        yield from self._release_listings()
        if self._listing_out < self.listing_ahead:
            self._listing_room.set()

    def _release_listings(self) -> list[Request]:
        """Waiting searches, as many as may be handed to Scrapy now (a URL's next page first)."""
        released = []
        while self._listing_queue and self._listing_out < self.listing_ahead:
            self._listing_out += 1
            released.append(self._listing_queue.popleft())
        return released

    def consider(
        self, target: Target, record: CdxRecord, via: str | None, listing: str | None = None
    ) -> Iterator[Request | CaptureItem]:
        """One listed row of the URL `listing`, skipped or fetched: the spider's decision."""
        raise NotImplementedError

    def listing_ended(
        self, target: Target, url: str, ended: ListingItem
    ) -> Iterator[Request | CaptureItem]:
        """The listing of `url` ended, completely or not (`ended` says how): the spider may act
        on all it listed."""
        raise NotImplementedError

    def cdx_collapses(self) -> tuple[str, ...]:
        """The listing's `collapse` parameters (none: every capture of the URL)."""
        return ("digest",) if self.collapse_digest else ()

    def cdx_filters(self) -> tuple[str, ...]:
        """The listing's `filter` parameters (none: captures of every status and type)."""
        return ()

    def _listing_since(self, target: Target, url: str) -> str | None:
        """Where this run's listing of `url` starts (None: from its first capture)."""
        listing = self.ledger.listings.get((target.site, surt_key(url)))
        if self.full_listing or listing is None:
            return None
        since = listing_start(listing, datetime.now(UTC), self.overlap, self.full_every)
        if since is not None:
            # what is not listed again: the URL's recorded rows (the overlap aside)
            pages = -(-listing.rows // self.page_size) if self.page_size else 1
            self.crawler.stats.inc_value("policytrail/cdx_requests_saved", max(pages - 1, 0))
            self.crawler.stats.inc_value("policytrail/cdx_rows_saved", listing.rows)
        return since

    def cdx_request(
        self,
        target: Target,
        url: str,
        *,
        via: str | None,
        resume_key: str | None = None,
        first: bool = False,
    ) -> Request:
        key = (target.site, surt_key(url))
        if first:
            self._since[key] = self._listing_since(target, url)
        window_from, window_to = self._window(target)
        query = cdx_search_url(
            self.archive,
            url,
            from_ts=_later(window_from, self._since.get(key)),
            to_ts=window_to,
            limit=self.page_size,
            resume_key=resume_key,
            collapses=self.cdx_collapses(),
            filters=self.cdx_filters(),
        )
        return Request(
            query,
            callback=self.parse_cdx,
            errback=self.cdx_failed,
            cb_kwargs={"target": target, "url": url, "via": via},
            meta={
                "download_slot": "cdx",
                "handle_httpstatus_all": True,
                "dont_redirect": True,
                RUN_TOKEN: self.run_token,
            },
            # listed again on every start, even when a JOBDIR remembers the last run's pages
            dont_filter=True,
        )

    def parse_cdx(
        self, response: Response, target: Target, url: str, via: str | None
    ) -> Iterator[Request | CaptureItem | ListingItem]:
        try:
            outputs = list(self._parse_cdx(response, target, url, via))
        except Exception as error:  # noqa: BLE001 - the URL is listed again, not lost
            self.logger.exception("could not process the CDX answer for %s", url)
            outputs = list(self._listing_failed(target, url, f"{type(error).__name__}: {error}"))
        # its next page, queued first by _list when no room was left, goes before the others
        yield from outputs
        yield from self._listing_answered()

    def _parse_cdx(
        self, response: Response, target: Target, url: str, via: str | None
    ) -> Iterator[Request | CaptureItem | ListingItem]:
        if response.status == 403 and any(m in response.body for m in EXCLUSION_MARKERS):
            # A final answer, not a failure: the archive does not show this site.
            message = " ".join(response.text[:300].split())
            self.crawler.stats.inc_value("policytrail/cdx_excluded")
            self.logger.warning("%s: the archive excludes %s (%s)", target.site, url, message)
            ended = ListingItem(target.site, target.policy_url, url, EXCLUDED, message)
            yield ended
            yield from self.listing_ended(target, url, ended)  # rows of earlier pages, if any
            return
        if response.status != 200:
            message = f"HTTP {response.status}: {' '.join(response.text[:200].split())}"
            yield from self._listing_failed(target, url, message)
            return
        try:
            records, resume_key, bad_rows = split_cdx_json(response.text)
        except (ValueError, IndexError) as error:
            yield from self._listing_failed(target, url, f"not CDX JSON ({error})")
            return
        for problem in bad_rows:
            self._left_out(url, problem)
        records = [record for record in records if self._usable(record, url)]
        self.crawler.stats.inc_value("policytrail/cdx_rows", len(records))
        key = (target.site, surt_key(url))
        for record in records:
            yield from self.consider(target, record, via, listing=url)
            if record.timestamp > self._listed_max.get(key, ""):
                self._listed_max[key] = record.timestamp
        kill_point("listing")
        if not resume_key:
            previous = self.ledger.listings.get(key)
            until = max(self._listed_max.get(key, ""), previous.listed_until if previous else "")
            # a listing within a time window is no full one, whatever it started from
            full = self._since.get(key) is None and self._window(target) == (None, None)
            ended = ListingItem(
                target.site, target.policy_url, url, LISTED, until=until or None, full=full
            )
            yield ended
            yield from self.listing_ended(target, url, ended)
            return
        page = self.cdx_request(target, url, via=via, resume_key=resume_key)
        if self._pending > self.max_pending:
            self._waiting_pages.append(page)
        else:
            yield from self._list(page, first=True)

    def _window(self, target: Target) -> tuple[str | None, str | None]:
        """The captures' time window: the command's and the target's, the narrower of each."""
        return _later(self.from_ts, target.from_ts), _earlier(self.to_ts, target.to_ts)

    def _usable(self, record: CdxRecord, url: str) -> bool:
        problem = row_problem(record)
        if problem is not None:
            self._left_out(url, f"bad {problem}")
        return problem is None

    def _left_out(self, url: str, problem: str) -> None:
        self.crawler.stats.inc_value("policytrail/cdx_bad_rows")
        self.logger.warning("CDX answer for %s: a malformed row is left out (%s)", url, problem)

    def cdx_failed(self, failure: Failure) -> Iterator[ListingItem | Request]:
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get(RUN_TOKEN) != self.run_token:
            return  # queued by an earlier process (a JOBDIR): never counted as handed out
        if not failure.check(StaleRequest, PauseTooLong):
            message = failure.getErrorMessage() or failure.type.__name__
            yield from self._listing_failed(
                request.cb_kwargs["target"], request.cb_kwargs["url"], message
            )
        yield from self._listing_answered()

    def _listing_failed(self, target: Target, url: str, message: str) -> Iterator[ListingItem]:
        self.crawler.stats.inc_value("policytrail/cdx_failed")
        self.logger.error(
            "CDX search for %s failed: %s (it is listed again next run)", url, message
        )
        ended = ListingItem(target.site, target.policy_url, url, LISTING_FAILED, message[:300])
        yield ended
        yield from self.listing_ended(target, url, ended)

    def release_waiting_pages(self) -> None:
        """When nothing else is left to do, list the next CDX pages that waited."""
        if not self._waiting_pages and not self._listing_queue:
            return
        released = []
        while self._waiting_pages and self._pending <= self.max_pending:
            released.extend(self._list(self._waiting_pages.popleft(), first=True))
        released.extend(self._release_listings())
        for request in released:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _next_pages(self) -> Iterator[Request]:
        """CDX pages that waited for fetches to catch up, once half of the backlog is done."""
        while self._waiting_pages and self._pending <= self.max_pending // 2:
            yield from self._list(self._waiting_pages.popleft(), first=True)


def _later(first: str | None, second: str | None) -> str | None:
    values = [v for v in (first, second) if v]
    return max(values) if values else None


def _earlier(first: str | None, second: str | None) -> str | None:
    values = [v for v in (first, second) if v]
    return min(values) if values else None
