"""Politeness: pause on 429, back off on failures, stop hammering on a block."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.http import Response
from twisted.internet.error import ConnectError, ConnectionLost, ConnectionRefusedError

logger = logging.getLogger(__name__)

# A refused connection right after a 429 is the firewall's answer.
REFUSED = (DownloadConnectionRefusedError, ConnectionRefusedError)
# Dropped or timed-out connections may be a block too, when they keep coming after a 429.
DROPPED = (
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    ConnectError,
    ConnectionLost,
)


@dataclass(slots=True)
class EndpointState:
    """One endpoint's (CDX's or replay's) pause and its recent history."""

    paused_until: float = 0.0
    last_pause: float = 0.0
    last_429_at: float = float("-inf")
    drops_since_429: int = 0


class PolitenessMiddleware(RetryMiddleware):
    """Retries with backoff, and pauses an endpoint (or all of them) when the archive says so.

    - A 429 without Memento-Datetime (a rate limit, not an archived 429 page) pauses that
      endpoint for WAYBACK_429_PAUSE seconds, never less than Retry-After. A 429 that arrives
      after the pause has ended doubles it (up to WAYBACK_429_PAUSE_MAX); 429s of requests
      that were already in flight during the pause do not. The request is tried again.
    - A refused connection within WAYBACK_BLOCK_WINDOW of a 429, or WAYBACK_BLOCK_DROPS
      dropped connections in a row there, means the firewall blocked this address: every
      endpoint pauses for WAYBACK_BLOCK_PAUSE and the log says so.
    - 5xx answers, timeouts and resets are retried RETRY_TIMES times, waiting
      WAYBACK_RETRY_BACKOFF * 2**n (capped) before each; then the spider records the failure.
    - Any response carrying Memento-Datetime is a capture and passes through untouched.

    Requests wait here before they enter Scrapy's download slots, so once a pause starts at
    most CONCURRENT_REQUESTS requests (those already past this point) can still go out.
    """

    def __init__(self, crawler: Crawler, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.pause_429 = settings.getfloat("WAYBACK_429_PAUSE")
        self.pause_max = settings.getfloat("WAYBACK_429_PAUSE_MAX")
        self.block_pause = settings.getfloat("WAYBACK_BLOCK_PAUSE")
        self.block_window = settings.getfloat("WAYBACK_BLOCK_WINDOW")
        self.block_drops = settings.getint("WAYBACK_BLOCK_DROPS")
        self.backoff = settings.getfloat("WAYBACK_RETRY_BACKOFF")
        self.backoff_max = settings.getfloat("WAYBACK_RETRY_BACKOFF_MAX")
        self.max_429_retries = settings.getint("WAYBACK_429_RETRIES")
        self._clock = clock
        self._endpoints: dict[str, EndpointState] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def state(self, request: Request) -> EndpointState:
        slot = str(request.meta.get("download_slot", "default"))
        return self._endpoints.setdefault(slot, EndpointState())

    async def process_request(self, request: Request) -> None:
        state = self.state(request)
        # Re-checked after each wait: a 429 during the wait may have moved the end.
        while (wait := state.paused_until - self._clock()) > 0:
            await asyncio.sleep(wait)
        return None

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        state = self.state(request)
        if b"Memento-Datetime" in response.headers or request.meta.get("dont_retry"):
            self._answered(state)
            return response
        if response.status == 429:
            return self._on_429(request, response, state)
        if response.status in self.retry_http_codes:
            retry = self._retry(request, f"HTTP {response.status}")
            if retry is not None:
                await self._back_off(retry)
                return retry
            return response
        self._answered(state)
        return response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        state = self.state(request)
        now = self._clock()
        after_429 = now - state.last_429_at < self.block_window
        if after_429 and isinstance(exception, DROPPED):
            state.drops_since_429 += 1
        if after_429 and (
            isinstance(exception, REFUSED) or state.drops_since_429 >= self.block_drops
        ):
            self._blocked(request, exception, now)
            retry = request.copy()
            retry.dont_filter = True
            return retry
        if isinstance(exception, self.exceptions_to_retry):
            retry = self._retry(request, exception)
            if retry is not None:
                await self._back_off(retry)
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
        self.crawler.stats.inc_value("policytrail/rate_limited")
        times = request.meta.get("policytrail_429s", 0) + 1
        if times > self.max_429_retries:
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

    async def _back_off(self, retry: Request) -> None:
        attempt = retry.meta.get("retry_times", 1)
        await asyncio.sleep(min(self.backoff * 2 ** (attempt - 1), self.backoff_max))


def _retry_after(response: Response) -> float | None:
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    try:
        return float(value.decode("ascii").strip())
    except ValueError:
        return None
