"""Politeness: pause an endpoint on a 429, and every endpoint when the firewall blocks us."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.error import (
    ConnectError,
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
)
from twisted.web.client import ResponseFailed, ResponseNeverReceived
from twisted.web.http import PotentialDataLoss

logger = logging.getLogger(__name__)

# How often a request waiting out a pause looks whether the crawl is stopping instead.
PAUSE_CHECK_SECONDS = 1.0


class PauseTooLong(IgnoreRequest):
    """Not sent: the crawl stops rather than wait out a pause over WAYBACK_MAX_PAUSE."""


# A refused connection right after a 429 is the firewall's answer.
REFUSED = (DownloadConnectionRefusedError, ConnectionRefusedError)
# Connections that end before any answer, or time out, may be a block too when they keep coming
# after a 429. Scrapy reports most of them as DownloadFailedError (a wrapped
# ResponseNeverReceived); raw Twisted errors come from other download handlers.
DROPPED = (
    DownloadFailedError,
    DownloadTimeoutError,
    ConnectError,
    ConnectionLost,
    ConnectionDone,
    ResponseNeverReceived,
)


@dataclass(slots=True)
class EndpointState:
    """One endpoint's (CDX's or replay's) pause and its recent history."""

    paused_until: float = 0.0
    last_pause: float = 0.0
    last_429_at: float = float("-inf")
    drops_since_429: int = 0


class PolitenessMiddleware:
    """Pauses an endpoint (or all of them) when the archive says so; RETRY_* settings aside.

    - A 429 without Memento-Datetime (a rate limit, not an archived 429 page) pauses that
      endpoint for WAYBACK_429_PAUSE seconds, never less than Retry-After. A 429 that arrives
      after the pause has ended doubles it (up to WAYBACK_429_PAUSE_MAX); 429s of requests
      that were already in flight during the pause do not. The request is tried again, up to
      WAYBACK_429_RETRIES times (not with `dont_retry`, though the pause holds all the same).
    - A refused connection within WAYBACK_BLOCK_WINDOW of a 429, or WAYBACK_BLOCK_DROPS
      connections in a row there that ended with no answer at all, means the firewall blocked
      this address: every endpoint pauses for WAYBACK_BLOCK_PAUSE, the log says so, and the
      request is tried again after the pause.
    - A body cut short (fewer bytes than Content-Length) or any other answer shows the
      archive still talks to us: it is no block, and ends a run of dropped connections.
      Retrying broken transfers, 5xx and resets is the retry middleware's job.
    - Any response carrying Memento-Datetime is a capture and passes through untouched.

    Requests wait here before they enter Scrapy's download slots, so once a pause starts at
    most CONCURRENT_REQUESTS requests (those already past this point) can still go out.
    Turned off with WAYBACK_POLITENESS_ENABLED = False.
    """

    def __init__(
        self,
        crawler: Crawler,
        *,
        pause_429: float,
        pause_max: float,
        max_429_retries: int,
        block_window: float,
        block_drops: int,
        block_pause: float,
        max_pause: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.crawler = crawler
        self.pause_429 = pause_429
        self.pause_max = pause_max
        self.max_429_retries = max_429_retries
        self.block_window = block_window
        self.block_drops = block_drops
        self.block_pause = block_pause
        self.max_pause = max_pause  # 0: wait out any pause
        self.stopping = False
        self._clock = clock
        self._endpoints: dict[str, EndpointState] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        # On unless turned off by name: a crawler built without the project's settings stays polite.
        if not settings.getbool("WAYBACK_POLITENESS_ENABLED", True):
            raise NotConfigured("WAYBACK_POLITENESS_ENABLED is off")
        return cls(
            crawler,
            pause_429=settings.getfloat("WAYBACK_429_PAUSE"),
            pause_max=settings.getfloat("WAYBACK_429_PAUSE_MAX"),
            max_429_retries=settings.getint("WAYBACK_429_RETRIES"),
            block_window=settings.getfloat("WAYBACK_BLOCK_WINDOW"),
            block_drops=settings.getint("WAYBACK_BLOCK_DROPS"),
            block_pause=settings.getfloat("WAYBACK_BLOCK_PAUSE"),
            max_pause=settings.getfloat("WAYBACK_MAX_PAUSE"),
        )

    def state(self, request: Request) -> EndpointState:
        slot = str(request.meta.get("download_slot", "default"))
        return self._endpoints.setdefault(slot, EndpointState())

    async def process_request(self, request: Request) -> None:
        state = self.state(request)
        # Re-checked after each wait: a 429 during the wait may have moved the end, and the
        # crawl may be stopping because the pause is longer than it may wait.
        while (wait := state.paused_until - self._clock()) > 0:
            if self.stopping or crawl_stopping(self.crawler):
                raise PauseTooLong(f"not sent: the crawl stopped rather than wait {wait:.0f} s")
            await asyncio.sleep(min(wait, PAUSE_CHECK_SECONDS))
        return None

    def _pausing(self, pause: float) -> None:
        """A pause of `pause` seconds starts: past WAYBACK_MAX_PAUSE, stop the crawl instead
        (it ends `interrupted`, exit 3: a scheduled job runs again later)."""
        if not self.max_pause or pause <= self.max_pause or self.stopping:
            return
        self.stopping = True
        self.crawler.stats.inc_value("policytrail/paused_too_long")
        logger.error(
            "The archive asks for a pause of %.0f s, longer than the %.0f s this crawl may wait "
            "(--max-pause): stopping; run it again later",
            pause,
            self.max_pause,
        )
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and getattr(engine, "spider", None) is not None:
            deferred_from_coro(engine.close_spider_async(reason="paused_too_long"))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        state = self.state(request)
        if response.status == 429 and b"Memento-Datetime" not in response.headers:
            return self._on_429(request, response, state)
        self._answered(state)
        return response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        state = self.state(request)
        if _cut_short(exception):
            self._answered(state)  # headers came: the archive is answering, not blocking
            return None
        now = self._clock()
        if now - state.last_429_at >= self.block_window:
            return None
        if isinstance(exception, DROPPED):
            state.drops_since_429 += 1
        if isinstance(exception, REFUSED) or state.drops_since_429 >= self.block_drops:
            self._blocked(request, exception, now)
            if request.meta.get("dont_retry"):
                return None
            retry = request.copy()
            retry.dont_filter = True
            return retry
        return None

    def _answered(self, state: EndpointState) -> None:
        state.drops_since_429 = 0
        if self._clock() >= state.paused_until:
            state.last_pause = 0.0

    def _on_429(
        self, request: Request, response: Response, state: EndpointState
    ) -> Request | Response:
        now = self._clock()
        if now >= state.paused_until:
            # a new episode: the first pause, or double the last one if it did not help
            pause = (
                min(state.last_pause * 2, self.pause_max) if state.last_pause else self.pause_429
            )
            state.last_pause = pause
        else:
            pause = state.paused_until - now  # already pausing: this request was in flight
        retry_after = _retry_after(response)
        if retry_after is not None:
            pause = max(pause, retry_after)
        state.last_429_at = now
        state.drops_since_429 = 0
        if now + pause > state.paused_until:
            state.paused_until = now + pause
            logger.warning(
                "Rate limited by the archive (429) on %s requests: pausing them for %.0f s",
                request.meta.get("download_slot"),
                pause,
            )
            self._pausing(pause)
        self.crawler.stats.inc_value("policytrail/rate_limited")
        if request.meta.get("dont_retry"):
            return response
        times = request.meta.get("policytrail_429s", 0) + 1
        if times > self.max_429_retries:
            self.crawler.stats.inc_value("policytrail/rate_limited_gave_up")
            logger.error("Giving up on %s after %d rate-limit answers", request.url, times - 1)
            return response
        retry = request.copy()
        retry.meta["policytrail_429s"] = times
        retry.dont_filter = True
        return retry

    def _blocked(self, request: Request, exception: Exception, now: float) -> None:
        """The firewall blocks the whole address: pause every endpoint, not just this one."""
        until = now + self.block_pause
        already = all(s.paused_until >= until - 1 for s in self._endpoints.values())
        for state in self._endpoints.values():
            state.paused_until = max(state.paused_until, until)
            state.drops_since_429 = 0
        if not already:
            self.crawler.stats.inc_value("policytrail/blocked")
            logger.error(
                "The archive refuses connections right after rate limiting (%s on %s): this "
                "looks like an IP block. Pausing all requests for %.0f s.",
                type(exception).__name__,
                request.url,
                self.block_pause,
            )
            self._pausing(self.block_pause)


def crawl_stopping(crawler: Crawler) -> bool:
    """True once the crawl is stopping (SIGTERM, Ctrl-C: Scrapy sets `crawling` off first):
    nothing more should wait or go out."""
    try:
        engine = crawler.engine
    except RuntimeError:  # not crawling yet (a component built for a test)
        return False
    return engine is not None and not crawler.crawling


def _retry_after(response: Response) -> float | None:
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    try:
        return float(value.decode("ascii").strip())
    except ValueError:
        return None


def _cut_short(exception: BaseException) -> bool:
    """Whether the answer began and then broke off: a body shorter than its Content-Length
    (Scrapy's ResponseDataLossError), one of unknown length cut (PotentialDataLoss), or part
    of the status line and headers (Twisted's ResponseFailed, short of ResponseNeverReceived).
    Scrapy may wrap these, so the whole chain of causes is looked at.
    """
    for link in _causes(exception):
        if isinstance(link, ResponseDataLossError | PotentialDataLoss):
            return True
        if isinstance(link, ResponseFailed) and not isinstance(link, ResponseNeverReceived):
            return True
    return False


def _causes(exception: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exception
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__
