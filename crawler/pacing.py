"""Pacing: each endpoint's requests on a schedule at its rate, lateness made up afterwards.

Scrapy's slot delay counts from when a request actually went out. The timer that sends the next
one fires late whenever the reactor is busy (an answer parsed, a page analysed), and every such
lateness is lost from the archive's budget for good: at IA's replay pace (a request every
0.125 s) the crawl used 93% of its budget. Here a slot keeps the schedule instead: a request
sent late is booked at the time it was due, so the next may go that much sooner. The credit is
bounded (WAYBACK_CATCH_UP_INTERVALS), so over any span a slot sends at most that many requests
more than its rate allows: after an idle spell (or a 429 pause) the first two requests may
go back to back, never more.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler

from crawler.settings import WAYBACK_CATCH_UP_INTERVALS


def booked_time(previous: float | None, sent: float, delay: float, catch_up: float) -> float:
    """When a request sent at `sent` counts as sent, for the slot's next delay to start from.

    Its due time (`previous` + `delay`) if it went out late by no more than `catch_up` delays;
    never earlier than `catch_up` delays before it was actually sent.
    """
    if previous is None:
        return sent
    return max(previous + delay, sent - catch_up * delay)


class PacedSlot(Slot):
    """A downloader slot whose delay keeps a schedule (`booked_time`), not the actual sends.

    Scrapy's downloader writes `lastseen` when it sends a request and waits until `lastseen`
    plus the delay before the next; here that write books the request at its due time.
    """

    def __init__(self, concurrency: int, delay: float, jitter: float, catch_up: float) -> None:
        self.catch_up = catch_up
        self._booked: float | None = None
        super().__init__(concurrency, delay, jitter)
        self._booked = None  # Slot's own initial lastseen (0) is not a send

    @property  # type: ignore[override]
    def lastseen(self) -> float:
        return self._booked if self._booked is not None else 0.0

    @lastseen.setter
    def lastseen(self, sent: float) -> None:
        self._booked = booked_time(self._booked, sent, self.delay, self.catch_up)


class PacedDownloader(Downloader):
    """Scrapy's downloader with paced slots for every endpoint that has a delay."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.catch_up = crawler.settings.getfloat(
            "WAYBACK_CATCH_UP_INTERVALS", WAYBACK_CATCH_UP_INTERVALS
        )

    def _get_slot(self, request: Request, spider: object = None) -> tuple[str, Slot]:
        is_new = self.get_slot_key(request) not in self.slots
        key, slot = super()._get_slot(request)
        if is_new and slot.delay and self.catch_up > 0:
            # Just made by Scrapy: replaced before any request is queued in it. A slot already
            # in use is never replaced (its requests in flight would be forgotten).
            slot = PacedSlot(slot.concurrency, slot.delay, slot.jitter, self.catch_up)
            self.slots[key] = slot
        return key, slot
