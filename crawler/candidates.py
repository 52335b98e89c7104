"""The discover spider's reading of replays and its candidate links: each candidate fetched as
captured nearest the home page, its captured redirects followed, its error captures' neighbours
tried, accepted when the classifier says it is a privacy policy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response

from crawler.domains import Domain
from crawler.items import (
    CANDIDATE,
    DISCOVERY_FAILED,
    FETCHED,
    FOUND,
    INLINE,
    NOT_FOUND,
    PARKED_DOMAIN,
    SKIPPED,
    CandidateOutcome,
    DiscoveryCapture,
    DomainDiscovery,
    Memento,
    PeriodDiscovery,
)
from crawler.mementos import neighbour_mementos, original_headers, original_location
from crawler.middlewares.resume import RUN_TOKEN
from crawler.wayback import (
    format_timestamp,
    memento_url,
    parse_http_date,
    parse_timestamp,
    split_memento_url,
    surt_key,
    url_problem,
)

if TYPE_CHECKING:
    from logging import LoggerAdapter

    from scrapy.crawler import Crawler

PRIVACY = "privacy"  # the classifier's kind for a privacy policy (pipelines/classify)
SELF_REDIRECT = "a captured redirect to itself (another scheme or host)"


@dataclass(slots=True)
class DomainWork:
    """A domain being discovered: its periods, and how many are still being fetched."""

    domain: Domain
    number: int  # its order in the list: earlier domains' requests go first
    periods: list[PeriodDiscovery] = field(default_factory=list)
    open_periods: int = 0
    listed: bool = False


@dataclass(slots=True)
class PeriodWork:
    """One period being discovered: where its home page is, and its candidates to try."""

    work: DomainWork
    found: PeriodDiscovery
    home_moment: datetime | None = None
    to_try: list[CandidateOutcome] = field(default_factory=list)
    trying: CandidateOutcome | None = None
    # the page being tried replaced by its neighbouring captures (`_neighbour`): the first
    # capture that was no page, the replays left, the captures known, those still to try
    origin: datetime | None = None
    budget: int = 0
    seen: set[str] = field(default_factory=set)
    neighbours: list[tuple[str, str]] = field(default_factory=list)
    parked: bool = False
    failures: int = 0  # candidate fetches that failed: the period is done again next run

    @property
    def home(self) -> DiscoveryCapture | None:
        return self.found.home


class CandidateChecks:
    """The candidate half of `DiscoverSpider` (crawler/spiders/discover.py), which holds the
    state below and ends each period in `_period_done`."""

    archive: str
    max_redirects: int
    window: timedelta
    neighbours: int
    _pending: int
    _analysed: dict[int, asyncio.Future[DiscoveryCapture | None]]
    crawler: Crawler
    logger: LoggerAdapter

    def _fetch_candidate(
        self, period: PeriodWork, url: str, timestamp: str, chain: tuple[str, ...] = ()
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
        period: PeriodWork,
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
        self,
        response: Response,
        period: PeriodWork,
        capture: DiscoveryCapture,
        chain: tuple,
        callback: Any,
    ) -> Request | Memento | str:
        """The archive's answer: its own redirect to the closest capture (the next request, to
        `callback`), the capture (a Memento), or why there is none (a reason)."""
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

    # ---- its candidates -------------------------------------------------------------------------

    def _next_candidate(self, period: PeriodWork) -> Iterator[Request | DomainDiscovery]:
        """The next candidate's page, as captured nearest the home page; or the period's end."""
        if period.to_try and period.home is not None:
            outcome = period.to_try.pop(0)
            outcome.tried = True
            period.trying = outcome
            period.origin, period.neighbours = None, []
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
        self, response: Response, period: PeriodWork, capture: DiscoveryCapture, chain: tuple
    ) -> AsyncIterator[Request | DiscoveryCapture | DomainDiscovery]:
        self._pending -= 1
        outcome = period.trying
        assert outcome is not None  # set by _next_candidate before the request
        answer = self._read_replay(response, period, capture, chain, self.parse_candidate)
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
        moment = answer.memento_datetime
        if 300 <= answer.http_status < 400:
            hop, outcome.reason = self._captured_redirect(
                capture.url, original_location(response), chain
            )
            if hop is not None:
                yield self._fetch_candidate(period, hop, outcome.timestamp, (*chain, response.url))
                return
            if outcome.reason == SELF_REDIRECT:
                # to itself under another scheme or host: the page is a neighbouring capture
                neighbour = self._neighbour(period, response, moment, period.home_moment)
                if neighbour is not None:
                    yield self._fetch_candidate(period, neighbour[1], neighbour[0], chain)
                    return
        elif not 200 <= answer.http_status < 300:
            outcome.reason = f"captured with status {answer.http_status}"
            # an error captured nearest the home page, while the page may have been captured
            # whole days apart: its neighbours within the window are tried
            neighbour = self._neighbour(period, response, moment, period.home_moment)
            if neighbour is not None:
                yield self._fetch_candidate(period, neighbour[1], neighbour[0])
                return
        elif period.home_moment is None or abs(moment - period.home_moment) > self.window:
            distance = abs(moment - period.home_moment) if period.home_moment else None
            outcome.reason = (
                f"captured {distance.days if distance else '?'} days from the home page (more "
                f"than {self.window.days}): perhaps another page then"
            )
        else:
            page = self._fetched(capture, answer)
            analysed = self._analysed_capture(page)
            yield page
            done = await analysed
            outcome.capture = page
            outcome.page_url, outcome.timestamp = page.url, page.timestamp
            if done is None:
                outcome.reason = "its analysis failed"
                period.failures += 1  # tried again next run
            elif done.document is None:
                outcome.reason = "no text could be read from it"
            else:
                document = done.document
                outcome.kind, outcome.kind_score = document.kind, document.kind_score
                outcome.accepted = document.kind == PRIVACY
                outcome.reason = (
                    "the classifier says it is a privacy policy"
                    if outcome.accepted
                    else f"the classifier says it is {document.kind}, not a privacy policy"
                )
            forget_body(page)
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
        key = surt_key(target)
        if key == surt_key(url):
            return None, SELF_REDIRECT
        visited = {surt_key(found[2]) for hop in chain if (found := split_memento_url(hop))}
        if key in visited:
            return None, f"a redirect loop back to {target}"
        if len(chain) >= self.max_redirects:
            return None, f"more than {self.max_redirects} redirects"
        return target, f"a captured redirect to {target}"

    def _neighbour(
        self,
        period: PeriodWork,
        response: Response,
        moment: datetime,
        near: datetime | None = None,
        within: timedelta | None = None,
    ) -> tuple[str, str] | None:
        """The next capture to try instead of one that is no page (an error, a redirect to
        itself, a revisit of one): of the captures its `Link` header names just before and
        after it, and those of the neighbours tried before it, the one nearest the first
        capture that was no page, within `within` (the window) of `near` (that capture's time
        unless given). DISCOVER_NEIGHBOURS replays at most for each page: a chain of redirects
        (http:// to http://www. to https://www.) takes two."""
        if period.origin is None:
            period.origin, period.budget, period.seen = moment, self.neighbours, set()
            period.neighbours = []
        period.seen.add(format_timestamp(moment))
        link = (response.headers.get(b"Link") or b"").decode("latin-1")
        centre = near or period.origin
        reach = within or self.window
        for timestamp, url in neighbour_mementos(link):
            if timestamp in period.seen:
                continue
            try:
                when = parse_timestamp(timestamp)
            except ValueError:
                continue
            if abs(when - centre) <= reach:
                period.seen.add(timestamp)
                period.neighbours.append((timestamp, url))
        period.neighbours.sort(key=lambda found: abs(parse_timestamp(found[0]) - period.origin))
        if period.budget <= 0 or not period.neighbours:
            return None
        period.budget -= 1
        return period.neighbours.pop(0)

    def _period_done(self, period: PeriodWork) -> Iterator[DomainDiscovery]:
        raise NotImplementedError


def forget_body(capture: DiscoveryCapture) -> None:
    """A page's bytes are in its WARC record by now: a domain's periods wait in memory until
    the last is done, without them."""
    capture.memento = None
    capture.html_text = None
    capture.document = None
    capture.links = ()
