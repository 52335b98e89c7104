"""Resuming from a JOBDIR: a request an earlier process queued is sent only if still needed."""

from __future__ import annotations

import logging
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)

# The request.meta key holding the token of the process that made the request.
RUN_TOKEN = "policytrail_run_token"


class StaleRequest(IgnoreRequest):
    """Queued by an earlier process for work this run has done, or will do, itself."""


class ResumeFilterMiddleware:
    """Asks the spider's `admit(request)` before each download; drops what it no longer wants.

    Scrapy's JOBDIR keeps the queue of a stopped or killed crawl, but the database is the
    record of what is done: the spider decides from it, not from the job folder.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        admit = getattr(self.crawler.spider, "admit", None)
        if admit is None or admit(request):
            return None
        self.crawler.stats.inc_value("policytrail/stale_requests_dropped")
        logger.debug("dropped a request queued by an earlier run: %s", request.url)
        raise StaleRequest(f"queued by an earlier run and no longer needed: {request.url}")
