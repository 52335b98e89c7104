"""The base of the analysis pipelines: built from the crawler, whose stats they count in."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler


class Stage:
    """A pipeline that needs nothing but the crawler; subclasses define `process_item`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)
