"""The progress extension: a line per site every few seconds (listed, fetched, skipped, failed),
or per domain for a discovery (pages read, and once done the periods with a policy)."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.items import FOUND, INLINE, CaptureItem, DiscoveryCapture, DomainDiscovery


class ProgressReport:
    """Counts capture rows per site as they are scraped and reports them on stderr."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.started = time.monotonic()
        self._task: task.LoopingCall | None = None
        self._last_total = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        report = cls(crawler, crawler.settings.getfloat("POLICYTRAIL_PROGRESS_INTERVAL"))
        crawler.signals.connect(report.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(report.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        return report

    def item_scraped(self, item, response, spider) -> None:
        if isinstance(item, DiscoveryCapture):
            self.counts[item.site]["pages"] += 1
        elif isinstance(item, DomainDiscovery):
            domain = self.counts[item.domain]
            domain["periods"] = len(item.periods)
            domain["found"] = sum(1 for p in item.periods if p.status in (FOUND, INLINE))
        elif isinstance(item, CaptureItem):
            for capture in (item, *item.duplicates):
                site = self.counts[capture.site]
                site["listed"] += 1
                site[capture.fetch_status] += 1

    def spider_opened(self, spider) -> None:
        if self.interval > 0:
            self._task = task.LoopingCall(self.report)
            self._task.start(self.interval, now=False)

    def spider_closed(self, spider, reason) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()

    def report(self) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        total = sum(site["listed"] for site in self.counts.values())
        rate = (total - self._last_total) / self.interval
        self._last_total = total
        for name in sorted(self.counts):
            site = self.counts[name]
            if "pages" in site or "periods" in site:
                done = f", done: a policy in {site['found']} of {site['periods']} periods"
                print(
                    f"[{elapsed:7.0f}s] {name}: {site['pages']} pages read"
                    + (done if "periods" in site else ""),
                    file=sys.stderr,
                )
                continue
            print(
                f"[{elapsed:7.0f}s] {name}: listed {site['listed']}, fetched {site['fetched']}, "
                f"skipped {site['skipped']}, failed {site['failed']}",
                file=sys.stderr,
            )
        if any("pages" in site or "periods" in site for site in self.counts.values()):
            pages = sum(site["pages"] for site in self.counts.values())
            domains = sum(1 for site in self.counts.values() if "periods" in site)
            print(f"[{elapsed:7.0f}s] {domains} domain(s) done, {pages} pages", file=sys.stderr)
            return
        print(f"[{elapsed:7.0f}s] all sites: {total} captures, {rate:.1f}/s", file=sys.stderr)
