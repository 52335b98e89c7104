"""Pacing: an endpoint keeps its rate when the reactor sends late, and never exceeds it by more
than the catch-up allows."""

from __future__ import annotations

import random

import pytest
from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.pacing import PacedDownloader, PacedSlot, booked_time

DELAY = 0.125  # IA's replay pace at 80%: 480 a minute


def sends(lateness, catch_up: float, count: int) -> list[float]:
    """When a slot sends `count` requests, each always waiting, under Scrapy's rule (the next
    goes once `lastseen + delay` has passed) and the reactor's `lateness()` on each timer."""
    booked: float | None = None
    sent_at: list[float] = []
    now = 0.0
    for _ in range(count):
        due = 0.0 if booked is None else booked + DELAY
        now = max(now, due) + lateness()
        sent_at.append(now)
        booked = booked_time(booked, now, DELAY, catch_up) if catch_up else now
    return sent_at


def most_in_any_window(times: list[float], span: float) -> int:
    most, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - span:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_late_sends_are_made_up_and_the_rate_is_kept():
    randomness = random.Random(7)
    late = lambda: randomness.uniform(0, 0.9 * DELAY)  # noqa: E731
    paced = sends(late, catch_up=1.0, count=4_000)
    rate = (len(paced) - 1) / (paced[-1] - paced[0])
    assert rate >= 0.99 / DELAY
    # Scrapy's own rule loses every lateness: here about 30% of the budget
    plain = sends(late, catch_up=0.0, count=4_000)
    assert (len(plain) - 1) / (plain[-1] - plain[0]) < 0.8 / DELAY


@pytest.mark.parametrize("catch_up", [0.5, 1.0, 3.0])
def test_no_window_gets_more_than_the_catch_up_over_the_rate(catch_up):
    randomness = random.Random(11)

    def late():  # mostly on time, sometimes very late (a long page analysed on the reactor)
        return randomness.choice([0.0, 0.0, 0.01, 0.3, 2.0])

    times = sends(late, catch_up, count=3_000)
    for span in (DELAY, 1.0, 60.0):
        assert most_in_any_window(times, span) <= span / DELAY + catch_up + 1


def test_booking_starts_at_the_first_send_and_keeps_no_credit_from_idleness():
    assert booked_time(None, 50.0, DELAY, 1.0) == 50.0
    assert booked_time(50.0, 50.2, DELAY, 1.0) == 50.125  # late by 0.075: booked when due
    # idle for a minute: the next may follow at most one delay early, not a minute's worth
    assert booked_time(50.125, 110.0, DELAY, 1.0) == 110.0 - DELAY


def test_the_crawlers_downloader_paces_the_endpoints_that_have_a_delay(monkeypatch):
    names = ("DOWNLOAD_SLOTS", "DOWNLOADER", "WAYBACK_CATCH_UP_INTERVALS")
    settings = {name: getattr(project_settings, name) for name in names}
    crawler = get_crawler(settings_dict=settings)
    downloader = PacedDownloader(crawler)
    monkeypatch.setattr(downloader, "_start_slot_gc", lambda: None)  # a reactor's looping call
    _, replay = downloader._get_slot(Request("http://a.example/", meta={"download_slot": "replay"}))
    _, cdx = downloader._get_slot(Request("http://a.example/", meta={"download_slot": "cdx"}))
    _, other = downloader._get_slot(Request("http://elsewhere.example/"))
    assert isinstance(replay, PacedSlot) and isinstance(cdx, PacedSlot)
    assert replay.delay == 60.0 / project_settings.WAYBACK_REPLAY_RATE_PER_MINUTE
    assert type(other) is Slot  # no delay: nothing to pace
    again = downloader._get_slot(Request("http://b.example/", meta={"download_slot": "replay"}))
    assert again[1] is replay
    # Scrapy's downloader writes lastseen as it sends; the slot books the due time
    replay.lastseen = 100.0
    replay.lastseen = 100.0 + replay.delay + 0.05
    assert replay.lastseen == pytest.approx(100.0 + replay.delay)
    assert project_settings.DOWNLOADER == "crawler.pacing.PacedDownloader"


def test_a_slot_in_use_is_never_replaced(monkeypatch):
    # AutoThrottle raises a slot's delay after Scrapy made it with none: the slot, with its
    # requests in flight, stays the one the downloader uses
    settings = {"DOWNLOAD_DELAY": 0, "WAYBACK_CATCH_UP_INTERVALS": 1.0}
    downloader = PacedDownloader(get_crawler(settings_dict=settings))
    monkeypatch.setattr(downloader, "_start_slot_gc", lambda: None)
    request = Request("http://a.example/")
    _, slot = downloader._get_slot(request)
    assert type(slot) is Slot
    slot.transferring.add(request)
    slot.delay = 0.5
    assert downloader._get_slot(Request("http://a.example/next"))[1] is slot
