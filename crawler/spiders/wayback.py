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
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from crawler.items import (
    EXCLUDED,
    FAILED,
    FETCHED,
    LISTED,
    LISTING_FAILED,
    SKIPPED,
    AliasItem,
    CaptureItem,
    ListingItem,
    Memento,
)
from crawler.killpoints import kill_point
from crawler.ledger import Ledger, capture_key
from crawler.middlewares.confine import OutsideTheArchive
from crawler.middlewares.integrity import PayloadMismatch
from crawler.middlewares.politeness import PauseTooLong
from crawler.middlewares.resume import RUN_TOKEN, StaleRequest
from crawler.outcomes import Outcome, Reason
from crawler.selection import (
    DUPLICATE,
    is_redirect,
    listing_start,
    replay_skip_reason,
    row_problem,
    skip_reason,
)
from crawler.targets import Target, load_targets
from crawler.wayback import (
    EMPTY_DIGEST,
    CdxRecord,
    cdx_search_url,
    memento_url,
    parse_http_date,
    payload_digest,
    split_cdx_json,
    split_memento_url,
    surt_key,
    url_problem,
    window_bound,
)

ORIGINAL_PREFIX = "x-archive-orig-"
# Original headers that described the bytes on the wire; the payload we keep is decoded.
WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
# What IA's CDX server says (with a 403) of a URL whose site is excluded from the archive.
EXCLUSION_MARKERS = (b"Blocked Site Error", b"AdministrativeAccessControlException")


class WaybackSpider(Spider):
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
    the `pipelines.ledger.EarlierRuns` extension (in EXTENSIONS) reads POLICYTRAIL_DB's and
    hands it over through `remember()` before the crawl starts.
    """

    name = "wayback"

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
        if ledger is not None:
            self.remember(ledger)
        # Digest being fetched -> captures with that digest waiting for the outcome.
        self._in_flight: dict[str, list[tuple[CaptureItem, Target]]] = {}
        self._seen: set[bytes] = set()  # capture_key() of the rows taken on in this run
        self._keys: dict[tuple[str, str], set[str]] = {}
        self._pending = 0  # memento fetches scheduled and not yet settled
        self._waiting_pages: deque[Request] = deque()
        self.full_listing = False
        self.dry_run = False
        # per site: captures fetched (or, in a dry run, to fetch) and skipped by this run
        self.planned: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.overlap = timedelta(0)
        self.full_every = timedelta(0)
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
        spider.collapse_digest = settings.getbool("WAYBACK_CDX_COLLAPSE_DIGEST")
        spider.max_bytes = settings.getint("DOWNLOAD_MAXSIZE")
        spider.full_listing = settings.getbool("WAYBACK_CDX_FULL")
        spider.dry_run = settings.getbool("POLICYTRAIL_DRY_RUN")
        spider.overlap = timedelta(days=settings.getfloat("WAYBACK_CDX_OVERLAP_DAYS"))
        spider.full_every = timedelta(days=settings.getfloat("WAYBACK_CDX_FULL_EVERY_DAYS"))
        crawler.signals.connect(spider.release_waiting_pages, signal=signals.spider_idle)
        return spider

    def remember(self, ledger: Ledger) -> None:
        """What earlier runs did: their captures are not taken on again, their pages shared."""
        self.ledger = ledger
        self._stored = set(ledger.fetched)

    async def start(self) -> AsyncIterator[Request | CaptureItem]:
        failed: dict[tuple[str, str], list] = {}
        for capture in self.ledger.failed:
            failed.setdefault((capture.site, capture.target_url), []).append(capture)
        for target in self.targets:
            key = (target.site, target.policy_url)
            self._keys[key] = {surt_key(url) for url in target.urls}
            for url in target.urls:
                via = None if url == target.policy_url else "alias"
                yield self.cdx_request(target, url, via=via, first=True)
            for url, via in self.ledger.aliases.get(key, []):
                if surt_key(url) not in self._keys[key]:
                    self._keys[key].add(surt_key(url))
                    yield self.cdx_request(target, url, via=via, first=True)
            # Failed captures are tried again from their stored CDX rows: an incremental
            # listing does not reach back to them.
            for capture in failed.get(key, []):
                for output in self.consider(target, capture.record, capture.via):
                    yield output

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
        capture = request.cb_kwargs.get("capture")
        target = request.cb_kwargs.get("target")
        if not isinstance(capture, CaptureItem) or request.cb_kwargs.get("chain"):
            return False
        if not request.url.startswith(f"{self.archive}/"):
            return False  # made for another archive address: this run asks its own
        key = capture_key(capture.site, capture.url, capture.timestamp, capture.digest)
        if key in self._seen or key in self.ledger.recorded:
            return False
        if _shares_payload(capture.record):
            if capture.digest in self._stored or capture.digest in self._in_flight:
                return False
            self._in_flight[capture.digest] = []
        self._seen.add(key)
        self._pending += 1
        request.meta[RUN_TOKEN] = self.run_token
        self.crawler.stats.inc_value("policytrail/resumed_fetches")
        self.logger.debug("resuming the fetch of %s (%s)", capture.url, target)
        return True

    # ---- enumeration -------------------------------------------------------------------------

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
            collapses=("digest",) if self.collapse_digest else (),
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
        yield from outputs

    def _parse_cdx(
        self, response: Response, target: Target, url: str, via: str | None
    ) -> Iterator[Request | CaptureItem | ListingItem]:
        if response.status == 403 and any(m in response.body for m in EXCLUSION_MARKERS):
            # A final answer, not a failure: the archive does not show this site.
            message = " ".join(response.text[:300].split())
            self.crawler.stats.inc_value("policytrail/cdx_excluded")
            self.logger.warning("%s: the archive excludes %s (%s)", target.site, url, message)
            yield ListingItem(target.site, target.policy_url, url, EXCLUDED, message)
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
            yield from self.consider(target, record, via)
            if record.timestamp > self._listed_max.get(key, ""):
                self._listed_max[key] = record.timestamp
        kill_point("listing")
        if not resume_key:
            previous = self.ledger.listings.get(key)
            until = max(self._listed_max.get(key, ""), previous.listed_until if previous else "")
            # a listing within a time window is no full one, whatever it started from
            full = self._since.get(key) is None and self._window(target) == (None, None)
            yield ListingItem(
                target.site, target.policy_url, url, LISTED, until=until or None, full=full
            )
            return
        page = self.cdx_request(target, url, via=via, resume_key=resume_key)
        if self._pending > self.max_pending:
            self._waiting_pages.append(page)
        else:
            yield page

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

    def cdx_failed(self, failure: Failure) -> Iterator[ListingItem]:
        if failure.check(StaleRequest, PauseTooLong):
            return
        request = failure.request  # type: ignore[attr-defined]
        message = failure.getErrorMessage() or failure.type.__name__
        yield from self._listing_failed(
            request.cb_kwargs["target"], request.cb_kwargs["url"], message
        )

    def _listing_failed(self, target: Target, url: str, message: str) -> Iterator[ListingItem]:
        self.crawler.stats.inc_value("policytrail/cdx_failed")
        self.logger.error(
            "CDX search for %s failed: %s (it is listed again next run)", url, message
        )
        yield ListingItem(target.site, target.policy_url, url, LISTING_FAILED, message[:300])

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
        """One CDX row: drop exact repeats, then record it as skipped or fetch it.

        A row whose page is being fetched under another capture waits for that fetch: it is
        recorded as a duplicate once the copy is stored, or fetched itself if the copy fails.
        """
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
        reason = skip_reason(record, self._stored)
        if reason is None and capture.length is not None and capture.length > self.max_bytes > 0:
            # the CDX length is the compressed record's: a page larger even so is too large
            reason = Reason(Outcome.TOO_LARGE, f"over {self.max_bytes} bytes (CDX length)")
        if reason is not None:
            yield self._skipped(capture, reason)
            return
        if self.dry_run:
            # what a run would fetch: one capture per page, as if each fetch succeeded
            self.planned[target.site]["fetch"] += 1
            if _shares_payload(record):
                self._stored.add(record.digest)
            return
        if _shares_payload(record):
            waiting = self._in_flight.get(record.digest)
            if waiting is not None:
                waiting.append((capture, target))
                return
            self._in_flight[record.digest] = []
        yield self._fetch(capture, target)

    def _fetch(self, capture: CaptureItem, target: Target) -> Request:
        self._pending += 1
        return self.memento_request(
            memento_url(self.archive, capture.timestamp, capture.url), capture, target, ()
        )

    def _skipped(self, capture: CaptureItem, reason: Reason) -> CaptureItem:
        self.crawler.stats.inc_value(f"policytrail/skipped/{reason.code}")
        self.planned[capture.site]["skip"] += 1
        return replace(capture, fetch_status=SKIPPED, reason=reason.text, reason_code=reason.code)

    def _settle(self, capture: CaptureItem, *, stored: bool) -> Iterator[Request | CaptureItem]:
        """A fetch ended: release the captures that waited on its page, and list on."""
        self._pending -= 1
        if _shares_payload(capture.record):
            waiting = self._in_flight.pop(capture.digest, [])
            if stored:
                self._stored.add(capture.digest)
                duplicate = Reason(Outcome.DUPLICATE, DUPLICATE)
                for other, _ in waiting:
                    yield self._skipped(other, duplicate)
            elif waiting:
                # the copy failed or was not kept: the next capture of that page tries itself
                other, other_target = waiting.pop(0)
                self._in_flight[capture.digest] = waiting
                yield self._fetch(other, other_target)
        yield from self._next_pages()

    # ---- fetching ----------------------------------------------------------------------------

    def memento_request(
        self, url: str, capture: CaptureItem, target: Target, chain: tuple[str, ...]
    ) -> Request:
        return Request(
            url,
            callback=self.parse_memento,
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
            headers=_original_headers(response),
            body=response.body,
            redirect_chain=list(chain),
            fetched_at=datetime.now(UTC),
        )
        reason = replay_skip_reason(capture.record, response.status, memento.content_type)
        if reason is not None:
            yield self._skipped(capture, reason)
            yield from self._settle(capture, stored=False)
            return
        if 300 <= response.status < 400:
            memento.location = _original_location(response)
            if memento.location:
                yield from self._follow_move(target, capture, memento.location)
        yield replace(capture, fetch_status=FETCHED, reason=None, reason_code=None, memento=memento)
        yield from self._settle(capture, stored=_is_its_page(capture, response))

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
                reason = Reason(Outcome.REDIRECT_OUTSIDE, f"redirect leaves the archive: {hop}")
            elif hop in chain or hop == response.url:
                reason = Reason(Outcome.REDIRECT_LOOP, f"redirect loop at {hop}")
            elif len(chain) >= self.max_redirects:
                reason = Reason(
                    Outcome.TOO_MANY_REDIRECTS, f"more than {self.max_redirects} redirects"
                )
            else:
                yield self.memento_request(hop, capture, target, (*chain, response.url))
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
        yield self.cdx_request(target, location, via=via)

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
            yield self._skipped(
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


def _is_its_page(capture: CaptureItem, response: Response) -> bool:
    """Whether a 2xx answer holds the page the capture's digest names, so that other captures
    of that digest can point at it: the archive's own copy at that second (the payload was
    checked against the digest), or bytes with that very digest. An archive that redirects
    to a neighbouring capture serves another page."""
    if not 200 <= response.status < 300:
        return False
    replayed = split_memento_url(response.url)
    return (replayed is not None and replayed[0] == capture.timestamp) or (
        payload_digest(response.body) == capture.digest
    )


def _shares_payload(record: CdxRecord) -> bool:
    """Whether captures of this row's digest can share one stored copy. Redirects cannot:
    their Location is in the headers, and body-less ones all have the empty digest."""
    return not is_redirect(record) and record.digest != EMPTY_DIGEST


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
