"""Incremental listing: a URL listed completely in a finished run is asked next time only for
captures from its last listed one (less an overlap); everything again weekly or with --full;
failed captures are fetched again from the database, wherever the listing starts."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
from crawl_helpers import crawl_local, query

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.archive.server import ArchiveServer

HTML = (("Content-Type", "text/html; charset=utf-8"),)
URL = "http://www.acme.example/privacy"


def page(version: int) -> bytes:
    text = "We collect your email address and use your personal data to run the service. " * 8
    return (
        f"<html><head><title>Privacy policy</title></head><body><h1>Privacy policy</h1>"
        f"<p>{text}</p><p>Version {version}.</p></body></html>"
    ).encode()


def crawl(tmp_path: Path, folder: Path, db: Path, *options: str):
    targets = tmp_path / "targets.txt"
    targets.write_text(URL + "\n")
    index = tmp_path / f"index-{len(list(tmp_path.glob('index-*')))}.sqlite3"
    with ArchiveServer([folder], index_path=index) as archive:
        result = crawl_local(tmp_path, archive.base_url, targets, db, "--verbose", *options)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return result


def cdx_froms(result) -> list[str | None]:
    """The `from` of each CDX search the crawl sent, from its log."""
    searches = re.findall(r"Crawled \(\d+\) <GET (\S+/cdx/search/cdx\?\S+)>", result.stderr)
    return [parse_qs(urlsplit(url).query).get("from", [None])[0] for url in searches]


def test_the_next_run_lists_only_what_is_newer_and_full_lists_everything(tmp_path):
    folder = tmp_path / "warcs"
    write_warc(
        [CaptureSpec(URL, f"201{n}0601000000", headers=HTML, body=page(n)) for n in range(5)],
        folder / "a.warc.gz",
    )
    db = tmp_path / "study.duckdb"
    assert cdx_froms(crawl(tmp_path, folder, db)) == [None]  # first: from the first capture
    assert query(db, "SELECT strftime(listed_until, '%Y%m%d') FROM target_urls") == [("20140601",)]
    # a new capture, and a late one indexed under an old timestamp
    write_warc(
        [
            CaptureSpec(URL, "20150601000000", headers=HTML, body=page(5)),
            CaptureSpec(URL, "20120101000000", headers=HTML, body=page(9)),
        ],
        folder / "b.warc.gz",
    )
    second = crawl(tmp_path, folder, db)
    assert cdx_froms(second) == ["20140529000000"]  # three days of overlap
    years = [row[0] for row in query(db, "SELECT strftime(timestamp, '%Y%m') FROM captures")]
    assert "201506" in years and "201201" not in years
    assert query(db, "SELECT cdx_rows_saved FROM crawl_runs ORDER BY run_id") == [(0,), (5,)]
    # --full, and a week after the last full listing, reach the late capture
    assert cdx_froms(crawl(tmp_path, folder, db, "--full")) == [None]
    years = [row[0] for row in query(db, "SELECT strftime(timestamp, '%Y%m') FROM captures")]
    assert "201201" in years
    connection = duckdb.connect(str(db))
    connection.execute("UPDATE target_urls SET full_listed_at = full_listed_at - INTERVAL 8 DAY")
    connection.close()
    assert cdx_froms(crawl(tmp_path, folder, db)) == [None]
    assert cdx_froms(crawl(tmp_path, folder, db)) == ["20150529000000"]


def test_failed_captures_are_fetched_again_though_the_listing_starts_after_them(tmp_path):
    folder = tmp_path / "warcs"
    specs = [CaptureSpec(URL, f"201{n}0601000000", headers=HTML, body=page(n)) for n in range(4)]
    write_warc(specs, folder / "a.warc.gz")
    db = tmp_path / "study.duckdb"
    crawl(tmp_path, folder, db)
    # as if the 2011 fetch had failed in that run
    connection = duckdb.connect(str(db))
    connection.execute(
        "UPDATE captures SET fetch_status = 'failed', reason = 'ResponseDataLossError',"
        " reason_code = 'network', warc_path = NULL, text_hash = NULL"
        " WHERE year(timestamp) = 2011"
    )
    connection.close()
    result = crawl(tmp_path, folder, db)
    assert result.returncode == 0, result.stderr[-2000:]
    assert cdx_froms(result) == ["20130529000000"]
    assert query(db, "SELECT fetch_status FROM captures WHERE year(timestamp) = 2011") == [
        ("fetched",)
    ]


def test_a_run_that_does_not_finish_does_not_move_the_listing_on(tmp_path):
    folder = tmp_path / "warcs"
    write_warc(
        [CaptureSpec(URL, "20100601000000", headers=HTML, body=page(0))], folder / "a.warc.gz"
    )
    db = tmp_path / "study.duckdb"
    crawl(tmp_path, folder, db)
    connection = duckdb.connect(str(db))
    connection.execute("UPDATE target_urls SET listed_until = NULL, full_listed_at = NULL")
    connection.close()
    (tmp_path / "targets.txt").write_text(URL + "\n")
    env_result = crawl_local(tmp_path, "http://127.0.0.1:9", tmp_path / "targets.txt", db)
    assert env_result.returncode == 2  # refused before anything is written
    assert query(db, "SELECT listed_until FROM target_urls") == [(None,)]
