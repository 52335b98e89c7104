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
from scrapy.http import Response
from twisted.internet.error import ConnectionLost, ConnectionRefusedError, TCPTimedOutError
from twisted.web._newclient import ResponseNeverReceived

logger = logging.getLogger(__name__)

# Errors a firewall block looks like from the client: connections refused, dropped or reset.
BLOCK_SYMPTOMS = (ConnectionRefusedError, ConnectionLost, ResponseNeverReceived, TCPTimedOutError)


@dataclass(slots=True)
class EndpointState:
    """One endpoint's (CDX's or replay's) pause: when it ends and how long the last one was."""

    paused_until: float = 0.0
    last_pause: float = 0.0
    last_429_at: float = float("-inf")


class PolitenessMiddleware(RetryMiddleware):
    """Retries with backoff, and pauses a whole endpoint when the archive says slow down.

    - A 429 without Memento-Datetime (a rate limit, not an archived 429 page) pauses that
      endpoint for at least WAYBACK_429_PAUSE seconds, doubling on repeats and never less than
      Retry-After; the request is tried again after the pause.
    - Connections refused or dropped soon after a 429 mean the archive's firewall has blocked
      this address: the endpoint pauses for WAYBACK_BLOCK_PAUSE and the log says so.
    - 5xx answers, timeouts and resets are retried RETRY_TIMES times, waiting
      WAYBACK_RETRY_BACKOFF * 2**n (capped) before each; then the spider records the failure.
    - Any response carrying Memento-Datetime is a capture and passes through untouched.
    """

    def __init__(self, crawler: Crawler, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.pause_429 = settings.getfloat("WAYBACK_429_PAUSE")
        self.pause_max = settings.getfloat("WAYBACK_429_PAUSE_MAX")
        self.block_pause = settings.getfloat("WAYBACK_BLOCK_PAUSE")
        self.block_window = settings.getfloat("WAYBACK_BLOCK_WINDOW")
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
        wait = state.paused_until - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)
        return None

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        state = self.state(request)
        if b"Memento-Datetime" in response.headers or request.meta.get("dont_retry"):
            state.last_pause = 0.0
            return response
        if response.status == 429:
            return self._on_429(request, response)
        if response.status in self.retry_http_codes:
            retry = self._retry(request, f"HTTP {response.status}")
            if retry is not None:
                await self._back_off(retry)
                return retry
            return response
        state.last_pause = 0.0
        return response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        state = self.state(request)
        now = self._clock()
        if isinstance(exception, BLOCK_SYMPTOMS) and now - state.last_429_at < self.block_window:
            state.paused_until = max(state.paused_until, now + self.block_pause)
            self.crawler.stats.inc_value("policytrail/blocked")
            logger.error(
                "The archive refuses connections right after rate limiting (%s): this looks like "
                "an IP block. Pausing %s requests for %.0f s.",
                type(exception).__name__,
                request.meta.get("download_slot"),
                self.block_pause,
            )
            retry = request.copy()
            retry.dont_filter = True
            return retry
        if isinstance(exception, self.exceptions_to_retry):
            retry = self._retry(request, exception)
            if retry is not None:
                await self._back_off(retry)
            return retry
        return None

    def _on_429(self, request: Request, response: Response) -> Request | Response:
        state = self.state(request)
        now = self._clock()
        pause = (
            self.pause_429 if state.last_pause == 0 else min(state.last_pause * 2, self.pause_max)
        )
        retry_after = _retry_after(response)
        if retry_after is not None:
            pause = max(pause, retry_after)
        state.last_pause = pause
        state.last_429_at = now
        state.paused_until = max(state.paused_until, now + pause)
        self.crawler.stats.inc_value("policytrail/rate_limited")
        times = request.meta.get("policytrail_429s", 0) + 1
        if times > self.max_429_retries:
            logger.error("Giving up on %s after %d rate-limit answers", request.url, times - 1)
            return response
        logger.warning(
            "Rate limited by the archive (429) on %s: pausing those requests for %.0f s",
            request.meta.get("download_slot"),
            pause,
        )
        retry = request.copy()
        retry.meta["policytrail_429s"] = times
        retry.dont_filter = True
        return retry

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
