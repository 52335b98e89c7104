"""The ledger of earlier runs: what a crawl reads so nothing is listed or fetched twice."""

from __future__ import annotations

from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.ledger import Ledger, capture_key
from crawler.spiders.wayback import WaybackSpider
from pipelines.store.database import connect
from pipelines.store.ledger import EarlierRuns, read_ledger

ARCHIVE = {"WAYBACK_ARCHIVE_URL": "http://127.0.0.1:8765"}
ROW = (
    "INSERT INTO captures (site, url, timestamp, digest, urlkey, fetch_status, target_url,"
    " http_status, memento_datetime, payload_sha1, run_id)"
    " VALUES (?, ?, ?, ?, 'k', ?, 'u', ?, ?, ?, 1)"
)


def a_database_with_captures(tmp_path):
    db = tmp_path / "ledger.duckdb"
    connection = connect(db)
    at = "2020-01-02 03:04:05"
    rows = [
        ("a.example", "https://a.example/p", at, "AAA", "fetched", 200, at, "AAA"),
        (
            "a.example",
            "https://a.example/p",
            "2021-01-02 03:04:05",
            "BBB",
            "skipped",
            None,
            None,
            None,
        ),
        (
            "a.example",
            "https://a.example/p",
            "2022-01-02 03:04:05",
            "CCC",
            "failed",
            None,
            None,
            None,
        ),
        (
            "a.example",
            "https://a.example/p",
            "2023-01-02 03:04:05",
            "DDD",
            "fetched",
            404,
            at,
            "DDD",
        ),
        # the archive answered with a neighbouring capture: another page, not EEE's
        (
            "a.example",
            "https://a.example/p",
            "2024-01-02 03:04:05",
            "EEE",
            "fetched",
            200,
            at,
            "AAA",
        ),
    ]
    for row in rows:
        connection.execute(ROW, list(row))
    connection.close()
    return db


def test_a_ledger_knows_recorded_captures_and_fetched_pages(tmp_path):
    ledger = read_ledger(a_database_with_captures(tmp_path))
    assert ledger.knows("a.example", "https://a.example/p", "20200102030405", "AAA")
    assert ledger.knows("a.example", "https://a.example/p", "20210102030405", "BBB")
    # A failed capture is tried again; any other part of the key differing is another capture.
    assert not ledger.knows("a.example", "https://a.example/p", "20220102030405", "CCC")
    assert not ledger.knows("b.example", "https://a.example/p", "20200102030405", "AAA")
    assert not ledger.knows("a.example", "https://a.example/p", "20200102030406", "AAA")
    assert ledger.fetched == {"AAA"}  # the 404 page is no page to share, nor another's copy
    assert len(ledger.recorded) == 4


def test_keys_are_kept_as_short_digests_that_do_not_merge_fields():
    assert len(capture_key("a", "b", "c", "d")) == 16
    assert capture_key("ab", "c", "t", "d") != capture_key("a", "bc", "t", "d")


def test_a_database_not_made_yet_has_an_empty_ledger(tmp_path):
    ledger = read_ledger(tmp_path / "new.duckdb")
    assert not ledger.recorded and not ledger.fetched and not ledger.aliases


def targets_file(tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text("site,policy_url\na.example,https://a.example/p\n")
    return str(targets)


def test_scrapy_crawl_gets_the_ledger_from_the_extension(tmp_path):
    db = a_database_with_captures(tmp_path)
    crawler = get_crawler(WaybackSpider, {"POLICYTRAIL_DB": str(db), **ARCHIVE})
    crawler.spider = WaybackSpider.from_crawler(crawler, targets=targets_file(tmp_path))
    build_from_crawler(EarlierRuns, crawler)
    assert crawler.spider.ledger.fetched == {"AAA"}
    assert len(crawler.spider.ledger.recorded) == 4


def test_a_ledger_given_as_spider_argument_is_not_read_again(tmp_path):
    db = a_database_with_captures(tmp_path)
    crawler = get_crawler(WaybackSpider, {"POLICYTRAIL_DB": str(db), **ARCHIVE})
    given = Ledger(fetched={"ZZZ"})
    crawler.spider = WaybackSpider.from_crawler(
        crawler, targets=targets_file(tmp_path), ledger=given
    )
    build_from_crawler(EarlierRuns, crawler)
    assert crawler.spider.ledger is given
