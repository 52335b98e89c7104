"""The discover spider: each domain's home page per period, its policy links, the policy found."""

from __future__ import annotations

import asyncio
import secrets
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.domains import Domain, load_domains
from crawler.homepages import NONE, REDIRECT, choose_home_pages, followed_page
from crawler.items import (
    CANDIDATE,
    DISCOVERY_FAILED,
    EXCLUDED,
    EXCLUDED_DOMAIN,
    FETCHED,
    FOUND,
    HOME_PAGE,
    INLINE,
    LISTED,
    NO_HOME_PAGE,
    NOT_FOUND,
    PARKED_DOMAIN,
    SKIPPED,
    CandidateOutcome,
    DiscoveryCapture,
    DomainDiscovery,
    ListingItem,
    Memento,
    PeriodDiscovery,
)
from crawler.ledger import Ledger
from crawler.listing import CdxListing
from crawler.mementos import neighbour_mementos, original_headers, original_location
from crawler.middlewares.politeness import PauseTooLong
from crawler.middlewares.resume import RUN_TOKEN, StaleRequest
from crawler.periods import SamplingPeriod, parse_period
from crawler.targets import Target
from crawler.wayback import (
    CdxRecord,
    format_timestamp,
    memento_url,
    parse_http_date,
    parse_timestamp,
    split_memento_url,
    surt_key,
    url_problem,
    window_bound,
)

PRIVACY = "privacy"  # the classifier's kind for a privacy policy (pipelines/classify)


@dataclass(slots=True)
class _DomainWork:
    """A domain being discovered: its periods, and how many are still being fetched."""

    domain: Domain
    number: int  # its order in the list: earlier domains' requests go first
    periods: list[PeriodDiscovery] = field(default_factory=list)
    open_periods: int = 0
    listed: bool = False


@dataclass(slots=True)
class _PeriodWork:
    """One period being discovered: where its home page is, and its candidates to try."""

    work: _DomainWork
    found: PeriodDiscovery
    home_moment: datetime | None = None
    to_try: list[CandidateOutcome] = field(default_factory=list)
    trying: CandidateOutcome | None = None
    looked_around: bool = False  # the candidate's neighbouring captures were read
    neighbours: list[tuple[str, str]] = field(default_factory=list)  # still to try
    parked: bool = False
    failures: int = 0  # candidate fetches that failed: the period is done again next run

    @property
    def home(self) -> DiscoveryCapture | None:
        return self.found.home


class DiscoverSpider(CdxListing, Spider):
    """Finds each domain's privacy policy in each period from its archived home pages.

    Run it with `policytrail discover DOMAINS` or `scrapy crawl discover -a domains=DOMAINS`.
    Per domain: one CDX listing of its home page (one row a day at most), then per period the
    capture nearest the period's middle, fetched raw and kept as WARC; its candidate links
    (found by the links stage in the analysis workers), tried best first: each is fetched as
    captured nearest the home page, and accepted when the classifier says it is a privacy
    policy. A home page that is itself the policy is accepted when no link led to one.

    Periods discovered by earlier runs come in as `done` (domain -> its periods as the bits of
    `SamplingPeriod.mask`), read from the database by `policytrail discover`. A domain's
    periods are stored together once all are done; a domain whose listing failed stores
    nothing and is done again.
    """

    name = "discover"
    run_command = "discover"  # crawl_runs.command

    def __init__(
        self,
        domains: str = "",
        archive: str | None = None,
        from_ts: str | None = None,
        to_ts: str | None = None,
        sample_every: str | None = None,
        loaded_domains: list[Domain] | None = None,
        done: dict[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not domains:
            raise ValueError("the discover spider needs domains=PATH (a text or CSV file)")
        self.domains_path = str(domains)
        self.domains: list[Domain] = loaded_domains or load_domains(domains)
        self.archive_arg = archive
        self.from_arg = from_ts
        self.to_arg = to_ts
        self.every_arg = sample_every
        self.done = done or {}
        self.every = SamplingPeriod(6)
        self.first_period = 0
        self.last_period = 0
        self.archive = ""
        self.page_size = 0
        self.max_redirects = 0
        self.max_pending = 0
        self.max_candidates = 0
        self.recorded_candidates = 0
        self.window = timedelta(0)
        self.neighbours = 0
        self.follow_within = timedelta(0)
        self.at_once = 1
        # what the CDX listing (crawler/listing.py) reads
        self.ledger = Ledger()
        self.collapse_digest = False
        self.full_listing = True
        self.overlap = timedelta(0)
        self.full_every = timedelta(0)
        self.from_ts: str | None = None
        self.to_ts: str | None = None
        self.run_token = secrets.token_hex(8)
        self._pending = 0
        self._waiting_pages: deque[Request] = deque()
        self._since: dict[tuple[str, str], str | None] = {}
        self._listed_max: dict[tuple[str, str], str] = {}
        self.listing_ahead = 1
        self._init_listing()
        self._rows: defaultdict[str, list[CdxRecord]] = defaultdict(list)
        self._work: dict[str, _DomainWork] = {}
        self._room = asyncio.Event()
        self._analysed: dict[int, asyncio.Future[DiscoveryCapture | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.archive = (spider.archive_arg or settings.get("WAYBACK_ARCHIVE_URL")).rstrip("/")
        spider.page_size = settings.getint("WAYBACK_CDX_PAGE_SIZE")
        spider.max_redirects = settings.getint("WAYBACK_MAX_REDIRECTS")
        spider.max_pending = settings.getint("WAYBACK_MAX_PENDING_FETCHES")
        spider.listing_ahead = max(settings.getint("WAYBACK_CDX_AHEAD", 2), 1)
        spider.max_candidates = settings.getint("DISCOVER_MAX_CANDIDATES")
        spider.recorded_candidates = settings.getint("DISCOVER_CANDIDATES_RECORDED")
        spider.window = timedelta(days=settings.getfloat("DISCOVER_POLICY_WINDOW_DAYS"))
        spider.neighbours = settings.getint("DISCOVER_NEIGHBOURS")
        spider.follow_within = timedelta(days=settings.getfloat("DISCOVER_FOLLOW_DAYS"))
        spider.at_once = max(settings.getint("DISCOVER_DOMAINS_AT_ONCE"), 1)
        spider.every = parse_period(spider.every_arg or settings.get("DISCOVER_SAMPLE_EVERY"))
        spider.from_ts = window_bound(spider.from_arg or settings.get("DISCOVER_FROM"))
        spider.to_ts = window_bound(spider.to_arg, upper=True) if spider.to_arg else None
        spider.first_period = spider.every.period_of(parse_timestamp(spider.from_ts))
        until = parse_timestamp(spider.to_ts) if spider.to_ts else datetime.now(UTC)
        spider.last_period = spider.every.period_of(until)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider.item_done, signal=signal)
        crawler.signals.connect(spider.release_waiting_pages, signal=signals.spider_idle)
        return spider

    # ---- which domains and periods ------------------------------------------------------------

    def periods_to_do(self, domain: str) -> list[int]:
        """The periods of the run's span that no earlier run discovered for `domain`."""
        done = self.done.get(domain, 0)
        return [
            period
            for period in range(self.first_period, self.last_period + 1)
            if not self.every.in_mask(done, period)
        ]

    async def start(self) -> AsyncIterator[Request]:
        for number, domain in enumerate(self.domains):
            periods = self.periods_to_do(domain.name)
            if not periods:
                self.crawler.stats.inc_value("policytrail/discover/domains_done_before")
                continue
            while len(self._work) >= self.at_once:
                self._room.clear()
                await self._room.wait()
            self._work[domain.name] = _DomainWork(domain, number)
            # listed from the first period not yet done (a nightly run lists the latest only),
            # and the span before it where a redirect's page may lie
            first_day = datetime.combine(self.every.start(periods[0]), datetime.min.time())
            since = (first_day - self.follow_within).strftime("%Y%m%d")
            target = Target(
                domain.name,
                domain.home_page,
                from_ts=max(window_bound(since), self.from_ts or ""),
                to_ts=self.to_ts,
                source=domain.source,
            )
            await self.room_to_list()
            yield self.cdx_request(target, domain.home_page, via=None, first=True)

    def cdx_collapses(self) -> tuple[str, ...]:
        # one row a day at most: a home page may have been captured every few minutes, and
        # a period needs only the capture nearest its middle
        return ("timestamp:8",)

    # ---- the listing ----------------------------------------------------------------------------

    def parse_cdx(
        self, response: Response, target: Target, url: str, via: str | None
    ) -> Iterator[Request | DomainDiscovery]:
        yield from self._without_listing_items(super().parse_cdx(response, target, url, via))

    def cdx_failed(self, failure: Failure) -> Iterator[Request | DomainDiscovery]:
        yield from self._without_listing_items(super().cdx_failed(failure))

    def _without_listing_items(self, outputs: Iterator) -> Iterator[Request | DomainDiscovery]:
        """How a listing ended is the spider's to act on (`listing_ended`): no URL of a target
        was listed, so the store hears nothing of it (it would mark a target's URL listed)."""
        for output in outputs:
            if not isinstance(output, ListingItem):
                yield output

    def consider(
        self, target: Target, record: CdxRecord, via: str | None, listing: str | None = None
    ) -> Iterator[Request]:
        self._rows[target.site].append(record)
        return iter(())

    def listing_ended(
        self, target: Target, url: str, ended: ListingItem
    ) -> Iterator[Request | DomainDiscovery]:
        work = self._work[target.site]
        rows = self._rows.pop(target.site, [])
        work.listed = True
        if ended.status not in (LISTED, EXCLUDED):
            # nothing is stored: every period of the domain is done again next run
            self.logger.warning("%s: its home page could not be listed", target.site)
            self.crawler.stats.inc_value("policytrail/discover/domains_failed")
            self._work.pop(target.site, None)
            self._room.set()
            return
        todo = set(self.periods_to_do(target.site))
        if ended.status == EXCLUDED:
            for period in sorted(todo):
                found = self._period(period)
                found.status, found.reason = EXCLUDED_DOMAIN, ended.message or "excluded"
                work.periods.append(found)
            yield from self._domain_progress(work)
            return
        choices = choose_home_pages(rows, self.every, self.first_period, self.last_period)
        for choice in choices:
            if choice.period not in todo:
                continue
            found = self._period(choice.period)
            work.periods.append(found)
            if choice.kind == NONE or choice.capture is None:
                found.status, found.reason = NO_HOME_PAGE, choice.reason
                continue
            page = choice.capture
            if choice.kind == REDIRECT:
                followed = followed_page(choice.capture, rows, self.follow_within)
                if followed is None:
                    found.status = NO_HOME_PAGE
                    found.reason = (
                        f"only a redirect, to no home page captured within "
                        f"{self.follow_within.days} days"
                    )
                    continue
                page = followed
            found.home_kind = choice.kind
            work.open_periods += 1
            yield self._fetch_home(_PeriodWork(work, found), page)
        yield from self._domain_progress(work)

    def _period(self, period: int) -> PeriodDiscovery:
        return PeriodDiscovery(
            period_start=self.every.start(period),
            period_end=self.every.start(period + 1),
            sampled_at=self.every.instant(period).date(),
        )

    # ---- fetching -------------------------------------------------------------------------------

    def _fetch_home(self, period: _PeriodWork, row: CdxRecord) -> Request:
        capture = DiscoveryCapture(
            site=period.work.domain.name,
            target_url=row.original,
            url=row.original,
            urlkey=row.urlkey,
            timestamp=row.timestamp,
            digest=row.digest,
            mimetype=row.mimetype,
            statuscode=row.statuscode,
            length=int(row.length) if row.length.isdigit() else None,
            fetch_status=SKIPPED,
            role=HOME_PAGE,
        )
        url = memento_url(self.archive, row.timestamp, row.original)
        return self._replay(url, self.parse_home, period, capture, ())

    def _fetch_candidate(
        self, period: _PeriodWork, url: str, timestamp: str, chain: tuple[str, ...] = ()
    ) -> Request:
        capture = DiscoveryCapture(
            site=period.work.domain.name,
            target_url=url,
            url=url,
            urlkey=surt_key(url),
            timestamp=timestamp,
            digest="",  # not listed: nothing to check the payload against
            mimetype="",
            statuscode="",
            length=None,
            fetch_status=SKIPPED,
            role=CANDIDATE,
        )
        return self._replay(
            memento_url(self.archive, timestamp, url), self.parse_candidate, period, capture, chain
        )

    def _replay(
        self,
        url: str,
        callback: Any,
        period: _PeriodWork,
        capture: DiscoveryCapture,
        chain: tuple[str, ...],
    ) -> Request:
        self._pending += 1
        # a domain's candidates before its next home pages, earlier domains before later ones
        rank = 1 if capture.role == CANDIDATE else 0
        return Request(
            url,
            callback=callback,
            errback=self.fetch_failed,
            priority=rank - 2 * period.work.number,
            cb_kwargs={"period": period, "capture": capture, "chain": chain},
            meta={
                "download_slot": "replay",
                "handle_httpstatus_all": True,
                "dont_redirect": True,
                RUN_TOKEN: self.run_token,
            },
            dont_filter=True,
        )

    def _read_replay(
        self, response: Response, period: _PeriodWork, capture: DiscoveryCapture, chain: tuple
    ) -> Request | Memento | str:
        """The archive's answer: its own redirect to the closest capture (the next request), the
        capture (a Memento), or why there is none (a reason)."""
        datetime_header = response.headers.get(b"Memento-Datetime")
        if datetime_header is not None:
            return Memento(
                memento_url=chain[0] if chain else response.url,
                final_url=response.url,
                memento_datetime=parse_http_date(datetime_header.decode("latin-1")),
                http_status=response.status,
                headers=original_headers(response),
                body=response.body,
                redirect_chain=list(chain),
                fetched_at=datetime.now(UTC),
            )
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            hop = urljoin(response.url, location.decode("latin-1"))
            if not hop.startswith(f"{self.archive}/web/"):
                return f"redirect leaves the archive: {hop}"
            if hop in chain or hop == response.url:
                return f"redirect loop at {hop}"
            if len(chain) >= self.max_redirects:
                return f"more than {self.max_redirects} redirects"
            callback = response.request.callback
            return self._replay(hop, callback, period, capture, (*chain, response.url))
        if response.status == 404:
            return "not archived"
        text = " ".join(response.text[:120].split()) if response.body else ""
        return f"HTTP {response.status} without Memento-Datetime: {text}"[:300]

    def _fetched(self, capture: DiscoveryCapture, memento: Memento) -> DiscoveryCapture:
        """The capture as the archive showed it: under the time and address it was captured."""
        replayed = split_memento_url(memento.final_url)
        timestamp, url = capture.timestamp, capture.url
        if replayed is not None and len(replayed[0]) == 14:
            timestamp, url = replayed[0], replayed[2]
        return replace(
            capture,
            url=url,
            urlkey=surt_key(url),
            timestamp=timestamp,
            statuscode=str(memento.http_status),
            mimetype=(memento.content_type or "").split(";")[0].strip(),
            fetch_status=FETCHED,
            memento=memento,
        )

    async def _analysed_capture(self, capture: DiscoveryCapture) -> DiscoveryCapture | None:
        """`capture` once the pipelines are done with it (None if one failed on it)."""
        future: asyncio.Future[DiscoveryCapture | None] = asyncio.get_running_loop().create_future()
        self._analysed[id(capture)] = future
        return await future

    def item_done(self, item: object, **kwargs: object) -> None:
        """An item left the pipelines (scraped, dropped or failed): a page's analysis is known."""
        future = self._analysed.pop(id(item), None)
        if future is None or future.done():
            return
        failed = kwargs.get("failure") is not None or kwargs.get("exception") is not None
        future.set_result(None if failed else item)  # type: ignore[arg-type]

    # ---- a period's home page -------------------------------------------------------------------

    async def parse_home(
        self, response: Response, period: _PeriodWork, capture: DiscoveryCapture, chain: tuple
    ) -> AsyncIterator[Request | DiscoveryCapture | DomainDiscovery]:
        self._pending -= 1
        answer = self._read_replay(response, period, capture, chain)
        if isinstance(answer, Request):
            yield answer
            return
        found = period.found
        if isinstance(answer, str):
            found.status, found.reason = DISCOVERY_FAILED, f"home page: {answer}"
            for output in self._period_done(period):
                yield output
            return
        if not 200 <= answer.http_status < 300:
            found.status = NO_HOME_PAGE
            found.reason = f"the home page replays with status {answer.http_status}"
            for output in self._period_done(period):
                yield output
            return
        home = self._fetched(capture, answer)
        analysed = self._analysed_capture(home)
        yield home
        done = await analysed
        found.home = home
        period.home_moment = answer.memento_datetime
        if done is None:
            found.status, found.reason = DISCOVERY_FAILED, "the home page could not be analysed"
            _forget_body(home)
            for output in self._period_done(period):
                yield output
            return
        found.home_page_kind = done.document.kind if done.document else None
        found.candidates = [
            CandidateOutcome(link) for link in done.links[: self.recorded_candidates]
        ]
        period.parked = done.parked
        if done.parked:
            for outcome in found.candidates:
                outcome.reason = "not tried: the page is a parked domain's"
        else:
            worth = min(done.links_worth_trying, self.max_candidates)
            period.to_try = found.candidates[:worth]
            for outcome in found.candidates[worth:]:
                outcome.reason = (
                    f"not tried: only the best {self.max_candidates} are"
                    if outcome in found.candidates[: done.links_worth_trying]
                    else "not tried: too weak a candidate"
                )
        _forget_body(home)
        for output in self._next_candidate(period):
            yield output

    # ---- its candidates -------------------------------------------------------------------------

    def _next_candidate(self, period: _PeriodWork) -> Iterator[Request | DomainDiscovery]:
        """The next candidate's page, as captured nearest the home page; or the period's end."""
        if period.to_try and period.home is not None:
            outcome = period.to_try.pop(0)
            outcome.tried = True
            period.trying = outcome
            period.looked_around, period.neighbours = False, []
            yield self._fetch_candidate(period, outcome.link.url, period.home.timestamp)
            return
        found = period.found
        home = found.home
        if found.home_page_kind == PRIVACY and home is not None:
            found.status, found.policy_url = INLINE, home.url
            found.reason = "no link led to a policy, and the home page is one"
        elif period.failures:
            found.status = DISCOVERY_FAILED
            found.reason = f"{period.failures} candidate(s) could not be fetched"
        elif any(outcome.tried for outcome in found.candidates):
            found.status, found.reason = NOT_FOUND, "no candidate link led to a privacy policy"
        elif period.parked:
            found.status, found.reason = PARKED_DOMAIN, "a parked domain's page"
        else:
            found.status, found.reason = NOT_FOUND, "no link to a privacy policy"
        yield from self._period_done(period)

    async def parse_candidate(
        self, response: Response, period: _PeriodWork, capture: DiscoveryCapture, chain: tuple
    ) -> AsyncIterator[Request | DiscoveryCapture | DomainDiscovery]:
        self._pending -= 1
        outcome = period.trying
        assert outcome is not None  # set by _next_candidate before the request
        answer = self._read_replay(response, period, capture, chain)
        if isinstance(answer, Request):
            yield answer
            return
        if isinstance(answer, str):
            outcome.reason = answer
            if answer.startswith("HTTP "):
                period.failures += 1  # the archive failed to answer: tried again next run
            for output in self._next_candidate(period):
                yield output
            return
        outcome.page_url = capture.url
        outcome.timestamp = format_timestamp(answer.memento_datetime)
        if 300 <= answer.http_status < 400:
            hop, outcome.reason = self._captured_redirect(
                capture.url, original_location(response), chain
            )
            if hop is not None:
                yield self._fetch_candidate(period, hop, outcome.timestamp, (*chain, response.url))
                return
        elif not 200 <= answer.http_status < 300:
            outcome.reason = f"captured with status {answer.http_status}"
            if not period.looked_around:
                # an error captured nearest the home page, while the page may have been
                # captured whole days apart: its neighbours within the window are tried
                period.looked_around = True
                link = response.headers.get(b"Link", b"").decode("latin-1")
                period.neighbours = self._near(neighbour_mementos(link), period.home_moment)
            if period.neighbours:
                timestamp, url = period.neighbours.pop(0)
                yield self._fetch_candidate(period, url, timestamp)
                return
        else:
            page = self._fetched(capture, answer)
            analysed = self._analysed_capture(page)
            yield page
            done = await analysed
            outcome.capture = page
            outcome.page_url, outcome.timestamp = page.url, page.timestamp
            document = done.document if done is not None else None
            if document is None:
                outcome.reason = "no text could be read from it"
            else:
                outcome.kind, outcome.kind_score = document.kind, document.kind_score
                outcome.accepted = document.kind == PRIVACY
                outcome.reason = (
                    "the classifier says it is a privacy policy"
                    if outcome.accepted
                    else f"the classifier says it is {document.kind}, not a privacy policy"
                )
            _forget_body(page)
        if outcome.accepted:
            found = period.found
            found.status, found.policy_url = FOUND, outcome.link.url
            found.reason = f"linked as {outcome.link.text!r} ({outcome.link.where})"
            for rest in period.to_try:
                rest.reason = "not tried: a better candidate was a policy"
            period.to_try = []
            for output in self._period_done(period):
                yield output
            return
        for output in self._next_candidate(period):
            yield output

    def _captured_redirect(
        self, url: str, location: str | None, chain: tuple
    ) -> tuple[str | None, str]:
        """Where a captured redirect of a candidate leads (an original URL), or why not."""
        if not location:
            return None, "a captured redirect without a Location"
        target = urljoin(url, location)
        parts = urlsplit(target)
        if url_problem(target) or parts.scheme not in ("http", "https") or not parts.hostname:
            return None, f"a captured redirect to an unusable address: {location!r}"
        if parts.path in ("", "/") and not parts.query:
            return None, "a captured redirect to the home page: no policy there then"
        if len(chain) >= self.max_redirects:
            return None, f"more than {self.max_redirects} redirects"
        return target, f"a captured redirect to {target}"

    def _near(self, captures: list[tuple[str, str]], moment: datetime | None) -> list:
        """The captures within the window of `moment`, nearest first, DISCOVER_NEIGHBOURS."""
        if moment is None:
            return []
        distances = []
        for timestamp, url in captures:
            try:
                distance = abs(parse_timestamp(timestamp) - moment)
            except ValueError:
                continue
            if distance <= self.window:
                distances.append((distance, timestamp, url))
        return [(timestamp, url) for _, timestamp, url in sorted(distances)[: self.neighbours]]

    def fetch_failed(self, failure: Failure) -> Iterator[Request | DomainDiscovery]:
        request = failure.request  # type: ignore[attr-defined]
        period: _PeriodWork = request.cb_kwargs["period"]
        capture: DiscoveryCapture = request.cb_kwargs["capture"]
        self._pending -= 1
        message = failure.getErrorMessage() or failure.type.__name__
        if failure.check(StaleRequest, PauseTooLong):
            message = "not sent: the run stopped"
        self.crawler.stats.inc_value("policytrail/discover/fetch_failed")
        if capture.role == HOME_PAGE:
            period.found.status = DISCOVERY_FAILED
            period.found.reason = f"home page: {failure.type.__name__}: {message}"[:300]
            yield from self._period_done(period)
            return
        if period.trying is not None:
            period.trying.reason = f"{failure.type.__name__}: {message}"[:300]
        period.failures += 1
        yield from self._next_candidate(period)

    # ---- a domain's end -------------------------------------------------------------------------

    def _period_done(self, period: _PeriodWork) -> Iterator[DomainDiscovery]:
        period.work.open_periods -= 1
        self.crawler.stats.inc_value(f"policytrail/discover/{period.found.status}")
        yield from self._domain_progress(period.work)

    def _domain_progress(self, work: _DomainWork) -> Iterator[DomainDiscovery]:
        """A domain whose every period is done goes to the store, as one item."""
        if not work.listed or work.open_periods > 0:
            return
        self._work.pop(work.domain.name, None)
        self._room.set()
        periods = sorted(work.periods, key=lambda found: found.period_start)
        found = [p for p in periods if p.status in (FOUND, INLINE)]
        urls = {surt_key(p.policy_url) for p in found if p.policy_url}
        failed = sum(1 for p in periods if p.status == DISCOVERY_FAILED)
        self.logger.info(
            "%s: a policy in %d of %d period(s), at %d address(es)%s",
            work.domain.name,
            len(found),
            len(periods),
            len(urls),
            f"; {failed} period(s) failed, done again next run" if failed else "",
        )
        self.crawler.stats.inc_value("policytrail/discover/domains")
        yield DomainDiscovery(work.domain.name, self.every.label, periods)


def _forget_body(capture: DiscoveryCapture) -> None:
    """A page's bytes are in its WARC record by now: a domain's periods wait in memory until
    the last is done, without them."""
    capture.memento = None
    capture.html_text = None
    capture.document = None
    capture.links = ()
