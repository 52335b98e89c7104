"""Accounting: every HTTP request a crawl really sends, per endpoint, retries included."""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response


class RequestAccountingMiddleware:
    """Counts requests, bytes and 429 answers per download slot (`cdx`, `replay`).

    It sits next to the downloader, so each retry and each re-send after a 429 is counted as
    the archive sees it: `policytrail/requests/<slot>`, `policytrail/bytes/<slot>`,
    `policytrail/429/<slot>`. The store writes them to `crawl_runs`.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        self.stats.inc_value(f"policytrail/requests/{_slot(request)}")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        slot = _slot(request)
        self.stats.inc_value(f"policytrail/bytes/{slot}", len(response.body))
        if response.status == 429 and b"Memento-Datetime" not in response.headers:
            self.stats.inc_value(f"policytrail/429/{slot}")
        return response


def _slot(request: Request) -> str:
    return str(request.meta.get("download_slot", "other"))
