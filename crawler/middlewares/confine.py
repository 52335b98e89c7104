"""Confinement: the crawl talks to the archive and to nothing else, whatever pages contain."""

from __future__ import annotations

from typing import Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest


class OutsideTheArchive(IgnoreRequest):
    """A request to somewhere other than the archive: never sent."""


class ArchiveOnlyMiddleware:
    """Refuses any request whose scheme, host and port are not the archive's.

    The spider only makes archive URLs, and captured redirects are followed as archive URLs;
    this is the guard that holds whatever a target, a capture or a later change contains:
    an archived page's links, meta refreshes or Locations never reach the live web.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        archive = getattr(self.crawler.spider, "archive", "") or self.crawler.settings.get(
            "WAYBACK_ARCHIVE_URL"
        )
        if _origin(request.url) != _origin(archive):
            self.crawler.stats.inc_value("policytrail/refused_outside_archive")
            raise OutsideTheArchive(f"not the archive ({archive}): {request.url}")
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default
