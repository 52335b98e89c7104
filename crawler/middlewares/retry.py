"""Retries of 5xx answers and broken transfers, with exponential backoff between tries."""

from __future__ import annotations

import asyncio
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.misc import load_object
from scrapy.utils.response import response_status_message

from crawler.middlewares.politeness import PAUSE_CHECK_SECONDS, PauseTooLong, crawl_stopping


class BackoffRetryMiddleware:
    """Scrapy's retry rules (RETRY_ENABLED, RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS,
    `dont_retry` and `max_retry_times` in meta), plus a wait of WAYBACK_RETRY_BACKOFF * 2**n
    seconds (at most WAYBACK_RETRY_BACKOFF_MAX) before the n-th retry.

    It replaces Scrapy's RetryMiddleware, whose retries follow at once: against an archive
    that is struggling, a quick retry only adds to its load. Rate limits (429) and firewall
    blocks are the politeness middleware's concern, not this one's.
    """

    def __init__(
        self,
        crawler: Crawler,
        *,
        http_codes: frozenset[int],
        exceptions: tuple[type[BaseException], ...],
        backoff: float,
        backoff_max: float,
    ) -> None:
        self.crawler = crawler
        self.http_codes = http_codes
        self.exceptions = exceptions
        self.backoff = backoff
        self.backoff_max = backoff_max

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured("RETRY_ENABLED is off")
        return cls(
            crawler,
            http_codes=frozenset(int(code) for code in settings.getlist("RETRY_HTTP_CODES")),
            exceptions=tuple(
                load_object(name) if isinstance(name, str) else name
                for name in settings.getlist("RETRY_EXCEPTIONS")
            ),
            backoff=settings.getfloat("WAYBACK_RETRY_BACKOFF"),
            backoff_max=settings.getfloat("WAYBACK_RETRY_BACKOFF_MAX"),
        )

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.http_codes:
            return response
        retry = await self._retry(request, response_status_message(response.status))
        return retry or response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions):
            return None
        return await self._retry(request, exception)

    async def _retry(self, request: Request, reason: str | Exception) -> Request | None:
        spider = self.crawler.spider
        if spider is None:
            raise RuntimeError("a download finished with no spider running")
        retry = get_retry_request(request, spider=spider, reason=reason)
        if retry is not None:
            attempt = retry.meta["retry_times"]
            # waited in short steps, so a crawl that is stopping does not wait the backoff out
            remaining = min(self.backoff * 2 ** (attempt - 1), self.backoff_max)
            while remaining > 0:
                if crawl_stopping(self.crawler):
                    raise PauseTooLong("not retried: the crawl is stopping")
                step = min(remaining, PAUSE_CHECK_SECONDS)
                await asyncio.sleep(step)
                remaining -= step
        return retry
