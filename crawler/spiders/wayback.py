"""The wayback spider: lists every capture of each target's policy URLs, fetches those needed."""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from crawler.fetch_plans import EVERY_DIGEST, PlannedFetching
from crawler.items import (
    FAILED,
    FETCHED,
    SKIPPED,
    AliasItem,
    CaptureItem,
    Memento,
)
from crawler.killpoints import kill_point
from crawler.ledger import Ledger, capture_key
from crawler.listing import CdxListing
from crawler.mementos import is_its_page, original_headers, original_location
from crawler.middlewares.confine import OutsideTheArchive
from crawler.middlewares.integrity import PayloadMismatch
from crawler.middlewares.politeness import PauseTooLong
from crawler.middlewares.resume import RUN_TOKEN, StaleRequest
from crawler.outcomes import Outcome, Reason
from crawler.selection import (
    DUPLICATE,
    replay_skip_reason,
    shares_payload,
    skip_reason,
)
from crawler.settings import FETCH_STRATEGIES
from crawler.targets import Target, load_targets
from crawler.wayback import (
    CdxRecord,
    memento_url,
    parse_http_date,
    surt_key,
    url_problem,
    window_bound,
)


class WaybackSpider(PlannedFetching, CdxListing, Spider):
    """Enumerates captures through the CDX API and fetches them raw (`id_`) from the archive.

    Run it with `policytrail crawl TARGETS` or `scrapy crawl wayback -a targets=TARGETS`.
    Listing runs far ahead of fetching (a CDX page holds thousands of rows, and replays are
    rate-limited), so the next CDX page of a URL waits while more than
    WAYBACK_MAX_PENDING_FETCHES fetches are pending: memory stays bounded on huge histories.

    What earlier runs did (the `Ledger`: captures recorded, pages stored, aliases found, how
    far each URL was listed) comes in as the spider argument `ledger`, as Scrapy passes any
    spider argument: `policytrail crawl` reads it from the database and calls
    `process.crawl(crawler, ledger=...)`. The spider never opens the database itself, since
    crawler/ is the layer below pipelines/. `scrapy crawl wayback` passes no ledger; there
    the `pipelines.store.ledger.EarlierRuns` extension (in EXTENSIONS) reads POLICYTRAIL_DB's and
    hands it over through `remember()` before the crawl starts.
    """

    name = "wayback"
    run_command = "crawl"  # crawl_runs.command

    def __init__(
        self,
        targets: str = "",
        archive: str | None = None,
        from_ts: str | None = None,
        to_ts: str | None = None,
        loaded_targets: list[Target] | None = None,
        ledger: Ledger | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not targets:
            raise ValueError("the wayback spider needs targets=PATH (a CSV or text file)")
        self.targets_path = str(targets)
        # `policytrail crawl` has read the file already; `scrapy crawl` reads it here
        self.targets: list[Target] = loaded_targets or load_targets(targets)
        self.archive_arg = archive
        self.from_ts = window_bound(from_ts) if from_ts else None
        self.to_ts = window_bound(to_ts, upper=True) if to_ts else None
        self.ledger = Ledger()
        self.ledger_given = ledger is not None
        self.archive = ""
        self.page_size = 0
        self.max_redirects = 0
        self.max_pending = 0
        self.collapse_digest = False
        self.max_bytes = 0
        # Per process: requests an earlier process queued (in a JOBDIR) carry another token.
        self.run_token = secrets.token_hex(8)
        # Digests with a stored 2xx copy (earlier runs, and this one once written): a capture
        # is skipped as a duplicate only of a stored copy, never of one still in flight.
        self._stored: set[str] = set()
        self._init_plans()
        if ledger is not None:
            self.remember(ledger)
        # Digest being fetched -> captures with that digest waiting for the outcome.
        self._in_flight: dict[str, list[tuple[CaptureItem, Target]]] = {}
        self._seen: set[bytes] = set()  # capture_key() of the rows taken on in this run
        self._keys: dict[tuple[str, str], set[str]] = {}
        self._pending = 0  # memento fetches scheduled and not yet settled
        self._waiting_pages: deque[Request] = deque()
        self.listing_ahead = 1
        self.replays_per_turn = 1
        self._replays_asked: Counter[str] = Counter()  # per site
        self._init_listing()
        self.full_listing = False
        self.dry_run = False
        # per site: captures fetched (or, in a dry run, to fetch) and skipped by this run
        self.planned: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.overlap = timedelta(0)
        self.full_every = timedelta(0)
        self.strategy = ""
        self.precision: timedelta | None = None
        self.sample_every: timedelta | None = None
        self._since: dict[tuple[str, str], str | None] = {}  # (site, urlkey) -> listed from
        self._listed_max: dict[tuple[str, str], str] = {}  # (site, urlkey) -> latest listed

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.archive = (spider.archive_arg or settings.get("WAYBACK_ARCHIVE_URL")).rstrip("/")
        spider.page_size = settings.getint("WAYBACK_CDX_PAGE_SIZE")
        spider.max_redirects = settings.getint("WAYBACK_MAX_REDIRECTS")
        spider.max_pending = settings.getint("WAYBACK_MAX_PENDING_FETCHES")
        spider.listing_ahead = max(settings.getint("WAYBACK_CDX_AHEAD", 2), 1)
        spider.replays_per_turn = max(settings.getint("WAYBACK_REPLAYS_PER_TURN", 50), 1)
        spider.collapse_digest = settings.getbool("WAYBACK_CDX_COLLAPSE_DIGEST")
        spider.max_bytes = settings.getint("DOWNLOAD_MAXSIZE")
        spider.full_listing = settings.getbool("WAYBACK_CDX_FULL")
        spider.dry_run = settings.getbool("POLICYTRAIL_DRY_RUN")
        spider.overlap = timedelta(days=settings.getfloat("WAYBACK_CDX_OVERLAP_DAYS"))
        spider.full_every = timedelta(days=settings.getfloat("WAYBACK_CDX_FULL_EVERY_DAYS"))
        spider.strategy = settings.get("WAYBACK_FETCH_STRATEGY", EVERY_DIGEST)
        if spider.strategy not in FETCH_STRATEGIES:
            raise ValueError(f"WAYBACK_FETCH_STRATEGY is one of {', '.join(FETCH_STRATEGIES)}")
        precision = settings.getfloat("WAYBACK_BOUNDARY_PRECISION_DAYS")
        spider.precision = timedelta(days=precision) if precision > 0 else None
        probes = settings.getfloat("WAYBACK_PROBE_EVERY_DAYS")
        spider.sample_every = timedelta(days=probes) if probes > 0 else None
        crawler.signals.connect(spider.release_waiting_pages, signal=signals.spider_idle)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider.item_done, signal=signal)
        return spider

    def remember(self, ledger: Ledger) -> None:
        """What earlier runs did: their captures are not taken on again, their pages shared."""
        self.ledger = ledger
        self._stored = set(ledger.fetched)
        self.remember_texts(ledger)

    async def start(self) -> AsyncIterator[Request | CaptureItem]:
        failed: dict[tuple[str, str], list] = {}
        for capture in self.ledger.failed:
            failed.setdefault((capture.site, capture.target_url), []).append(capture)
        for target in self.targets:
            key = (target.site, target.policy_url)
            self._keys[key] = {surt_key(url) for url in target.urls}
            urls = [(url, None if url == target.policy_url else "alias") for url in target.urls]
            for url, via in self.ledger.aliases.get(key, []):
                if surt_key(url) not in self._keys[key]:
                    self._keys[key].add(surt_key(url))
                    urls.append((url, via))
            for url, via in urls:
                # one search at a time past this point: replays find room in the downloader
                await self.room_to_list()
                yield self.cdx_request(target, url, via=via, first=True)
            # Failed captures are tried again from their stored CDX rows: an incremental
            # listing does not reach back to them.
            for capture in failed.get(key, []):
                for output in self.consider(target, capture.record, capture.via):
                    yield output

    def admit(self, request: Request) -> bool:
        """Whether a request is still wanted when it is about to be downloaded.

        The database, not the JOBDIR, says what is done: a request queued by an earlier
        process (killed, or stopped with a JOBDIR) is fetched only if its capture is neither
        recorded nor taken on by this run, and its page is neither stored nor in flight.
        CDX pages and redirect hops of earlier processes are dropped: every URL is listed
        again from its first page, and a capture's fetch starts again from its memento.
        """
        if request.meta.get(RUN_TOKEN) == self.run_token:
            return True
        if self.planning:
            return False  # each URL's plan decides again what to fetch
        capture = request.cb_kwargs.get("capture")
        target = request.cb_kwargs.get("target")
        if not isinstance(capture, CaptureItem) or request.cb_kwargs.get("chain"):
            return False
        if not request.url.startswith(f"{self.archive}/"):
            return False  # made for another archive address: this run asks its own
        key = capture_key(capture.site, capture.url, capture.timestamp, capture.digest)
        if key in self._seen or key in self.ledger.recorded:
            return False
        if shares_payload(capture.record):
            if capture.digest in self._stored or capture.digest in self._in_flight:
                return False
            self._in_flight[capture.digest] = []
        self._seen.add(key)
        self._pending += 1
        request.meta[RUN_TOKEN] = self.run_token
        self.crawler.stats.inc_value("policytrail/resumed_fetches")
        self.logger.debug("resuming the fetch of %s (%s)", capture.url, target)
        return True

    def consider(
        self, target: Target, record: CdxRecord, via: str | None, listing: str | None = None
    ) -> Iterator[Request | CaptureItem]:
        """One CDX row: drop exact repeats, then record it as skipped or fetch it.

        A row whose page is being fetched under another capture waits for that fetch: it is
        recorded as a duplicate once the copy is stored, or fetched itself if the copy fails.
        Under change-point fetching a row of the URL being listed (`listing`) that could be
        fetched waits for the URL's plan instead.
        """
        key = capture_key(target.site, record.original, record.timestamp, record.digest)
        if key in self._seen or key in self.ledger.recorded:
            return
        self._seen.add(key)
        capture = self.capture(target, record, via)
        reason = skip_reason(record, self._stored)
        if reason is None and capture.length is not None and capture.length > self.max_bytes > 0:
            # the CDX length is the compressed record's: a page larger even so is too large
            reason = Reason(Outcome.TOO_LARGE, f"over {self.max_bytes} bytes (CDX length)")
        if listing is not None and not self.dry_run and self.holds(record, reason):
            self.hold(target, record, via, listing)
            return
        if reason is not None:
            yield self.skipped(capture, reason)
            return
        if self.dry_run:
            # what a run would fetch: one capture per page, as if each fetch succeeded
            self.planned[target.site]["fetch"] += 1
            if shares_payload(record):
                self._stored.add(record.digest)
            return
        if shares_payload(record):
            waiting = self._in_flight.get(record.digest)
            if waiting is not None:
                waiting.append((capture, target))
                return
            self._in_flight[record.digest] = []
        yield self.fetch(capture, target)

    def capture(self, target: Target, record: CdxRecord, via: str | None) -> CaptureItem:
        """A listed row as a capture of `target`, not (yet) fetched."""
        return CaptureItem(
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

    def fetch(self, capture: CaptureItem, target: Target) -> Request:
        """A capture's replay. Sites take turns: each replay of a site ranks below its
        WAYBACK_REPLAYS_PER_TURN before, so a site listed late is not served last (Scrapy's
        scheduler pops the highest priority first)."""
        self._pending += 1
        turn = self._replays_asked[capture.site] // self.replays_per_turn
        self._replays_asked[capture.site] += 1
        return self.memento_request(
            memento_url(self.archive, capture.timestamp, capture.url),
            capture,
            target,
            (),
            priority=-turn,
        )

    def skipped(self, capture: CaptureItem, reason: Reason) -> CaptureItem:
        self.crawler.stats.inc_value(f"policytrail/skipped/{reason.code}")
        self.planned[capture.site]["skip"] += 1
        return replace(capture, fetch_status=SKIPPED, reason=reason.text, reason_code=reason.code)

    def _settle(
        self, capture: CaptureItem, *, stored: bool, fetched: CaptureItem | None = None
    ) -> Iterator[Request | CaptureItem]:
        """A fetch ended: release the captures that waited on its page, and list on. Those
        skipped as duplicates of a stored copy travel with the copy (`fetched`)."""
        self._pending -= 1
        if shares_payload(capture.record):
            waiting = self._in_flight.pop(capture.digest, [])
            if stored:
                self._stored.add(capture.digest)
                duplicate = Reason(Outcome.DUPLICATE, DUPLICATE)
                duplicates = [self.skipped(other, duplicate) for other, _ in waiting]
                if fetched is not None:
                    fetched.duplicates.extend(duplicates)
                else:
                    yield from duplicates
            elif waiting:
                # the copy failed or was not kept: the next capture of that page tries itself
                other, other_target = waiting.pop(0)
                self._in_flight[capture.digest] = waiting
                yield self.fetch(other, other_target)
        if self.planning:
            yield from self.planned_fetch_ended(capture, stored=stored)
        yield from self._next_pages()

    # ---- fetching ----------------------------------------------------------------------------

    def memento_request(
        self,
        url: str,
        capture: CaptureItem,
        target: Target,
        chain: tuple[str, ...],
        priority: int = 0,
    ) -> Request:
        key = capture_key(capture.site, capture.url, capture.timestamp, capture.digest)
        planned = self.planning and self.is_planned(key)
        return Request(
            url,
            callback=self.parse_planned_memento if planned else self.parse_memento,
            priority=priority,
            errback=self.fetch_failed,
            cb_kwargs={"capture": capture, "target": target, "chain": chain},
            meta={
                "download_slot": "replay",
                "handle_httpstatus_all": True,
                "dont_redirect": True,
                RUN_TOKEN: self.run_token,
            },
            # Never dropped by Scrapy's duplicate filter: with a JOBDIR it remembers requests
            # that were never stored. admit() drops what is done, by the database.
            dont_filter=True,
        )

    def parse_memento(
        self, response: Response, capture: CaptureItem, target: Target, chain: tuple[str, ...]
    ) -> Iterator[Request | CaptureItem | AliasItem]:
        kill_point("fetching")
        try:
            # materialised: an error half-way must not leave a capture yielded and unsettled
            outputs = list(self._parse_memento(response, capture, target, chain))
        except Exception as error:  # noqa: BLE001 - any bug here must not lose the capture
            self.logger.exception("could not process %s", response.url)
            outputs = list(
                self._failed(capture, Reason(Outcome.ERROR, f"{type(error).__name__}: {error}"))
            )
        yield from outputs

    async def parse_planned_memento(
        self, response: Response, capture: CaptureItem, target: Target, chain: tuple[str, ...]
    ) -> AsyncIterator[Request | CaptureItem | AliasItem]:
        """A capture change-point fetching asked for: once the pipelines have its text, the
        search of its URL goes on from there."""
        for output in self.parse_memento(response, capture, target, chain):
            yield output
        expected = self.expected_text(capture)
        if expected is not None:
            text = await expected[0]
            for output in self.text_known(capture, text):
                yield output

    def _parse_memento(
        self, response: Response, capture: CaptureItem, target: Target, chain: tuple[str, ...]
    ) -> Iterator[Request | CaptureItem | AliasItem]:
        datetime_header = response.headers.get(b"Memento-Datetime")
        if datetime_header is None:
            yield from self._not_a_capture(response, capture, target, chain)
            return
        memento = Memento(
            memento_url=chain[0] if chain else response.url,
            final_url=response.url,
            memento_datetime=parse_http_date(datetime_header.decode("latin-1")),
            http_status=response.status,
            headers=original_headers(response),
            body=response.body,
            redirect_chain=list(chain),
            fetched_at=datetime.now(UTC),
        )
        reason = replay_skip_reason(capture.record, response.status, memento.content_type)
        if reason is not None:
            yield self.skipped(capture, reason)
            yield from self._settle(capture, stored=False)
            return
        if 300 <= response.status < 400:
            memento.location = original_location(response)
            if memento.location:
                yield from self._follow_move(target, capture, memento.location)
        fetched = replace(
            capture,
            fetch_status=FETCHED,
            reason=None,
            reason_code=None,
            memento=memento,
            duplicates=[],
        )
        stored = is_its_page(capture, response)
        outputs = list(self._settle(capture, stored=stored, fetched=fetched))
        yield fetched
        yield from outputs

    def _not_a_capture(
        self, response: Response, capture: CaptureItem, target: Target, chain: tuple[str, ...]
    ) -> Iterator[Request | CaptureItem]:
        """No Memento-Datetime: the archive's own redirect to the closest capture, or an error."""
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            hop = urljoin(response.url, location.decode("latin-1"))
            if not hop.startswith(f"{self.archive}/web/"):
                reason = Reason(Outcome.REDIRECT_OUTSIDE, f"redirect leaves the archive: {hop}")
            elif hop in chain or hop == response.url:
                reason = Reason(Outcome.REDIRECT_LOOP, f"redirect loop at {hop}")
            elif len(chain) >= self.max_redirects:
                reason = Reason(
                    Outcome.TOO_MANY_REDIRECTS, f"more than {self.max_redirects} redirects"
                )
            else:
                yield self.memento_request(
                    hop, capture, target, (*chain, response.url), response.request.priority
                )
                return
            yield from self._failed(capture, reason)
            return
        text = " ".join(response.text[:200].split()) if response.body else ""
        code = Outcome.RATE_LIMITED if response.status == 429 else Outcome.HTTP_ERROR
        message = f"HTTP {response.status} without Memento-Datetime: {text}"
        yield from self._failed(capture, Reason(code, message[:300]))

    def _follow_move(self, target: Target, capture: CaptureItem, location: str) -> Iterator:
        """A captured redirect to another URL: the policy moved, so that URL joins the target.

        Every such redirect is reported (the store keeps the earliest as the URL's origin);
        the new URL is enumerated once. A redirect to a site's home page is no move: it is
        where sites send retired pages.
        """
        if url_problem(location):
            return  # a Location no archive could hold ("http://x:99999/")
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
        yield from self._list(self.cdx_request(target, location, via=via))

    def fetch_failed(self, failure: Failure) -> Iterator[Request | CaptureItem]:
        if failure.check(StaleRequest, PauseTooLong):
            # queued by an earlier process and no longer wanted, or not sent because the
            # crawl stops: nothing is recorded, and the next run does it
            return
        request = failure.request  # type: ignore[attr-defined]
        capture = request.cb_kwargs["capture"]
        retries = request.meta.get("retry_times", 0)
        message = failure.getErrorMessage() or ""
        if failure.check(DownloadCancelledError, CancelledError) or (
            failure.check(IgnoreRequest) and "maxsize" in message.lower().replace(" ", "")
        ):
            yield self.skipped(
                capture, Reason(Outcome.TOO_LARGE, f"over {self.max_bytes} bytes: {message}"[:300])
            )
            yield from self._settle(capture, stored=False)
            return
        if failure.check(PayloadMismatch):
            code = Outcome.DIGEST_MISMATCH
        elif failure.check(OutsideTheArchive):
            code = Outcome.REDIRECT_OUTSIDE
        else:
            code = Outcome.NETWORK
        text = f"{failure.type.__name__} after {retries} retries: {message}".strip(": ")
        yield from self._failed(capture, Reason(code, text[:300]))

    def _failed(self, capture: CaptureItem, reason: Reason) -> Iterator[Request | CaptureItem]:
        self.crawler.stats.inc_value("policytrail/failed")
        self.crawler.stats.inc_value(f"policytrail/failed/{reason.code}")
        yield replace(capture, fetch_status=FAILED, reason=reason.text, reason_code=reason.code)
        yield from self._settle(capture, stored=False)
