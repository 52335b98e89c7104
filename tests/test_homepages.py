"""Choosing a home-page capture for each period, as the Princeton-Leuven study did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.homepages import NONE, PAGE, REDIRECT, choose_home_pages, followed_page
from crawler.periods import parse_period
from crawler.wayback import CdxRecord

SIX_MONTHS = parse_period("6M")


def row(timestamp: str, status: str = "200", mimetype: str = "text/html") -> CdxRecord:
    return CdxRecord(
        "example,www)/", timestamp, "http://www.example.com/", mimetype, status, "D", "1"
    )


def chosen(rows, first=None, last=None):
    return [
        (c.instant.date().isoformat(), c.kind, c.capture.timestamp if c.capture else None)
        for c in choose_home_pages(rows, SIX_MONTHS, first, last)
    ]


def test_each_half_year_takes_the_page_captured_closest_to_1_april_or_1_october():
    rows = [
        row("20030110000000"),
        row("20030325120000"),
        row("20030420000000"),  # 19 days after 1 April: the 25 March one is nearer
        row("20030901000000"),
        row("20031215000000"),
    ]
    assert chosen(rows) == [
        ("2003-04-01", PAGE, "20030325120000"),
        ("2003-10-01", PAGE, "20030901000000"),
    ]


def test_a_period_of_redirects_only_takes_one_to_follow_and_an_empty_one_says_so():
    rows = [
        row("20040402000000", status="302", mimetype="text/html"),
        row("20040301000000", status="404"),  # an error page is no home page
        row("20040501000000", mimetype="image/gif"),
        row("20051001000000"),
    ]
    assert chosen(rows) == [
        ("2004-04-01", REDIRECT, "20040402000000"),
        ("2004-10-01", NONE, None),
        ("2005-04-01", NONE, None),
        ("2005-10-01", PAGE, "20051001000000"),
    ]


def test_a_page_beats_a_redirect_closer_to_the_middle_and_ties_go_to_the_earlier():
    rows = [row("20060401000000", status="301"), row("20060601000000"), row("20060201000000")]
    assert chosen(rows) == [("2006-04-01", PAGE, "20060201000000")]


def test_the_study_s_span_bounds_the_periods_even_without_captures():
    first = SIX_MONTHS.period_of(datetime(2001, 1, 1, tzinfo=UTC))
    last = SIX_MONTHS.period_of(datetime(2001, 12, 31, tzinfo=UTC))
    assert chosen([], first, last) == [("2001-04-01", NONE, None), ("2001-10-01", NONE, None)]
    assert chosen([]) == []


def test_revisits_stand_for_the_page_they_repeat():
    # IA lists a revisit as warc/revisit with status "-": its payload is an earlier page's
    rows = [
        row("20200101000000"),
        row("20200612000000", status="-", mimetype="warc/revisit"),
        row("20200930000000", status="-", mimetype="warc/revisit"),
    ]
    assert chosen(rows) == [
        ("2020-04-01", PAGE, "20200612000000"),
        ("2020-10-01", PAGE, "20200930000000"),
    ]


def test_a_redirect_leads_to_the_page_captured_nearest_it_within_the_span():
    rows = [row("20120101", "301"), row("20111201"), row("20120301"), row("20100101")]
    redirect = rows[0]
    assert followed_page(redirect, rows, timedelta(days=200)).timestamp == "20111201"
    assert followed_page(redirect, rows[:1] + rows[3:], timedelta(days=200)) is None
    assert followed_page(redirect, [redirect], timedelta(days=200)) is None
