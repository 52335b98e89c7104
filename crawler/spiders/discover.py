"""The discover spider: each domain's home page per period, its policy links, the policy found."""

from __future__ import annotations

import asyncio
import secrets
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.candidates import (
    CandidateChecks,
    DomainWork,
    PeriodWork,
    forget_body,
)
from crawler.domains import Domain, load_domains
from crawler.homepages import NONE, REDIRECT, choose_home_pages, followed_page
from crawler.items import (
    DISCOVERY_FAILED,
    EXCLUDED,
    EXCLUDED_DOMAIN,
    FOUND,
    HOME_PAGE,
    INLINE,
    LISTED,
    NO_HOME_PAGE,
    SKIPPED,
    CandidateOutcome,
    DiscoveryCapture,
    DomainDiscovery,
    ListingItem,
    PeriodDiscovery,
)
from crawler.ledger import Ledger
from crawler.listing import CdxListing
from crawler.middlewares.politeness import PauseTooLong
from crawler.middlewares.resume import StaleRequest
from crawler.periods import SamplingPeriod, parse_period
from crawler.targets import Target
from crawler.wayback import (
    CdxRecord,
    format_timestamp,
    memento_url,
    parse_timestamp,
    surt_key,
    window_bound,
)


class DiscoverSpider(CandidateChecks, CdxListing, Spider):
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
        self._work: dict[str, DomainWork] = {}
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
        # --from and --to name the first and last periods, each done whole: the listing's own
        # window (the CDX listing's from_ts and to_ts stay None) is set per domain in start()
        since = window_bound(spider.from_arg or settings.get("DISCOVER_FROM"))
        until = window_bound(spider.to_arg, upper=True) if spider.to_arg else None
        spider.first_period = spider.every.period_of(parse_timestamp(since))
        end = parse_timestamp(until) if until else datetime.now(UTC)
        spider.last_period = spider.every.period_of(end)
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
            self._work[domain.name] = DomainWork(domain, number)
            # listed from the first period not yet done (a nightly run lists the latest only) to
            # the end of the last, whole, and the span around them where a redirect's page may lie
            first_day = datetime.combine(self.every.start(periods[0]), datetime.min.time())
            last_day = datetime.combine(self.every.start(periods[-1] + 1), datetime.min.time())
            target = Target(
                domain.name,
                domain.home_page,
                from_ts=format_timestamp(first_day - self.follow_within),
                to_ts=format_timestamp(last_day + self.follow_within - timedelta(seconds=1)),
                source=domain.source,
            )
            await self.room_to_list()
            yield self.cdx_request(target, domain.home_page, via=None, first=True)

    def cdx_collapses(self) -> tuple[str, ...]:
        # one row a day at most: a home page may have been captured every few minutes, and
        # a period needs only the capture nearest its middle
        return ("timestamp:8",)

    def cdx_filters(self) -> tuple[str, ...]:
        # errors are never a home page, and the day's one row should not be one: a 503 at
        # midnight would hide the page captured a minute on (where an archive collapses before
        # it filters, such a day is still seen through the redirect or its neighbours)
        return ("!statuscode:[45]..",)

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
                # the page it leads to, if listed; else the redirect itself, whose replay names
                # the captures next to it (parse_home)
                page = followed_page(choice.capture, rows, self.follow_within) or page
            found.home_kind = choice.kind
            work.open_periods += 1
            yield self._fetch_home(PeriodWork(work, found), page)
        yield from self._domain_progress(work)

    def _period(self, period: int) -> PeriodDiscovery:
        return PeriodDiscovery(
            period_start=self.every.start(period),
            period_end=self.every.start(period + 1),
            sampled_at=self.every.instant(period).date(),
        )

    # ---- fetching -------------------------------------------------------------------------------

    def _fetch_home(self, period: PeriodWork, row: CdxRecord) -> Request:
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

    # ---- a period's home page -------------------------------------------------------------------

    async def parse_home(
        self, response: Response, period: PeriodWork, capture: DiscoveryCapture, chain: tuple
    ) -> AsyncIterator[Request | DiscoveryCapture | DomainDiscovery]:
        self._pending -= 1
        answer = self._read_replay(response, period, capture, chain, self.parse_home)
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
            # a redirect to itself under another scheme or host (its page, captured seconds
            # later, lost to the listing's one row a day), or a revisit of one: the capture
            # next to it, within DISCOVER_FOLLOW_DAYS
            moment = answer.memento_datetime
            neighbour = self._neighbour(period, response, moment, within=self.follow_within)
            if neighbour is not None:
                found.home_kind = REDIRECT if 300 <= answer.http_status < 400 else found.home_kind
                yield self._fetch_home(period, neighbour_row(neighbour, capture.urlkey))
                return
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
            forget_body(home)
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
        forget_body(home)
        for output in self._next_candidate(period):
            yield output

    def fetch_failed(self, failure: Failure) -> Iterator[Request | DomainDiscovery]:
        request = failure.request  # type: ignore[attr-defined]
        period: PeriodWork = request.cb_kwargs["period"]
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

    def _period_done(self, period: PeriodWork) -> Iterator[DomainDiscovery]:
        period.work.open_periods -= 1
        self.crawler.stats.inc_value(f"policytrail/discover/{period.found.status}")
        yield from self._domain_progress(period.work)

    def _domain_progress(self, work: DomainWork) -> Iterator[DomainDiscovery]:
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


def neighbour_row(neighbour: tuple[str, str], urlkey: str) -> CdxRecord:
    """A capture known from a replay's `Link` header, not from the listing: no digest to
    check its payload against, no status until it is replayed."""
    timestamp, url = neighbour
    return CdxRecord(urlkey, timestamp, url, "", "", "", "")
