"""Discovery's parts without a crawl: the neighbours a replay names, and what the store keeps of
a domain's periods (the rows, the targets they feed, what a later run may skip)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, datetime

from conftest import html, needs_shared

from crawler.archive.builder import CaptureSpec
from crawler.items import (
    DISCOVERY_FAILED,
    FOUND,
    NO_HOME_PAGE,
    CandidateOutcome,
    DiscoveryCapture,
    DomainDiscovery,
    PeriodDiscovery,
    PolicyLink,
)
from crawler.mementos import neighbour_mementos
from crawler.periods import parse_period
from crawler.wayback import split_memento_url
from pipelines.store.database import connect
from pipelines.store.discoveries import discovered_targets, done_periods, write_discovery


def test_the_neighbours_are_the_captures_just_before_and_after_as_ia_names_them():
    index = needs_shared("real-wayback", "edgi", "index.jsonl")
    checked = 0
    for line in index.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        for value in entry["headers"].get("Link", []):
            if "prev memento" not in value and "next memento" not in value:
                continue
            found = neighbour_mementos(value)
            replayed = split_memento_url(entry["uri"])
            assert found and all(len(stamp) == 14 for stamp, _ in found)
            # never the capture replayed itself, first or last unless also prev or next
            assert replayed is None or all(stamp != replayed[0] for stamp, _ in found)
            checked += 1
    assert checked >= 3


def test_the_local_archive_names_the_same_neighbours(archive_factory):
    url = "http://example.com/privacy"
    archive = archive_factory(
        [
            CaptureSpec(url, "20150101000000", headers=html(""), body=b"<p>one</p>"),
            CaptureSpec(url, "20150201000000", status=404, headers=html(""), body=b"gone"),
            CaptureSpec(url, "20150301000000", headers=html(""), body=b"<p>two</p>"),
        ]
    )
    request = urllib.request.Request(f"{archive.base_url}/web/20150201000000id_/{url}")
    try:
        answer = urllib.request.urlopen(request)
    except urllib.error.HTTPError as archived_404:  # the captured 404, with its headers
        answer = archived_404
    assert neighbour_mementos(answer.headers["Link"]) == [
        ("20150101000000", url),
        ("20150301000000", url),
    ]


def _home(url: str, timestamp: str) -> DiscoveryCapture:
    return DiscoveryCapture(
        site="shop.example",
        target_url=url,
        url=url,
        urlkey="example,shop)/",
        timestamp=timestamp,
        digest="D",
        mimetype="text/html",
        statuscode="200",
        length=None,
        fetch_status="fetched",
        warc_path="warcs/a.warc.gz",
        warc_offset=0,
        warc_length=10,
    )


def _period(year: int, status: str, policy: str | None = None) -> PeriodDiscovery:
    found = PeriodDiscovery(date(year, 1, 1), date(year, 7, 1), date(year, 4, 1), status)
    if status == NO_HOME_PAGE:
        return found
    found.home = _home("http://www.shop.example/", f"{year}0401000000")
    if policy:
        link = PolicyLink(policy, "Privacy", "footer", 3, 10.5, ("a policy's title",), False)
        found.candidates = [
            CandidateOutcome(link, tried=True, page_url=policy, accepted=status == FOUND)
        ]
        found.policy_url = policy if status == FOUND else None
    return found


def test_a_domain_s_periods_feed_one_target_named_by_the_earliest_url(tmp_path):
    connection = connect(tmp_path / "d.duckdb")
    periods = [
        _period(2012, FOUND, "http://www.shop.example/legal/privacy"),
        _period(2010, FOUND, "http://www.shop.example/privacy.html"),
        _period(2011, NO_HOME_PAGE),
        _period(2013, DISCOVERY_FAILED),
    ]
    write_discovery(connection, DomainDiscovery("shop.example", "6M", periods), 1, datetime.now())
    assert connection.execute("SELECT site, policy_url FROM targets").fetchall() == [
        ("shop.example", "http://www.shop.example/privacy.html")
    ]
    urls = connection.execute("SELECT url, via FROM target_urls ORDER BY found_at").fetchall()
    assert urls == [
        (
            "http://www.shop.example/privacy.html",
            "discovered on http://www.shop.example/ at 20100401000000",
        ),
        (
            "http://www.shop.example/legal/privacy",
            "discovered on http://www.shop.example/ at 20120401000000",
        ),
    ]
    assert [t.policy_url for t in discovered_targets(connection)] == [urls[0][0]]
    rows = connection.execute(
        "SELECT period_start, rank, status FROM discoveries ORDER BY 1, 2"
    ).fetchall()
    assert [(start.year, rank, status) for start, rank, status in rows] == [
        (2010, 1, FOUND),
        (2011, 0, NO_HOME_PAGE),
        (2012, 1, FOUND),
        (2013, 0, DISCOVERY_FAILED),
    ]
    # the failed period is not done; the others are
    every = parse_period("6M")
    done = done_periods(connection, every)["shop.example"]
    periods = {every.period_of(date(year, 1, 1)): year for year in range(2009, 2015)}
    assert [year for period, year in periods.items() if every.in_mask(done, period)] == [
        2010,
        2011,
        2012,
    ]
    assert done_periods(connection, parse_period("1Y")) == {}
    # a later run that does the failed period replaces its row, and only its
    again = [_period(2013, FOUND, "http://www.shop.example/legal/privacy")]
    write_discovery(connection, DomainDiscovery("shop.example", "6M", again), 2, datetime.now())
    assert connection.execute(
        "SELECT run_id, count(*) FROM discoveries GROUP BY ALL ORDER BY 1"
    ).fetchall() == [(1, 3), (2, 1)]
    connection.close()


def test_a_period_not_over_when_discovered_is_done_again(tmp_path):
    connection = connect(tmp_path / "d.duckdb")
    found = [_period(2020, NO_HOME_PAGE)]
    write_discovery(
        connection, DomainDiscovery("shop.example", "6M", found), 1, datetime(2020, 5, 1)
    )
    assert done_periods(connection, parse_period("6M")) == {}
    connection.close()


def test_progress_says_pages_read_per_domain_and_what_a_finished_domain_found(capsys):
    from scrapy.utils.test import get_crawler

    from crawler.progress import ProgressReport
    from crawler.spiders.discover import DiscoverSpider

    report = ProgressReport(get_crawler(DiscoverSpider), 5.0)
    home = _home("http://www.shop.example/", "20100401000000")
    for _ in range(3):
        report.item_scraped(home, None, None)
    periods = [_period(2010, FOUND, "http://www.shop.example/p"), _period(2011, NO_HOME_PAGE)]
    report.item_scraped(DomainDiscovery("shop.example", "6M", periods), None, None)
    report.item_scraped(DomainDiscovery("empty.example", "6M", periods[1:]), None, None)
    report.report()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("empty.example: 0 pages read, done: a policy in 0 of 1 periods")
    assert lines[1].endswith("shop.example: 3 pages read, done: a policy in 1 of 2 periods")
    assert lines[2].endswith("2 domain(s) done, 3 pages")
