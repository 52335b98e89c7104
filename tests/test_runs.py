"""A run's opening (pipelines/store/runs.py): targets loaded in bulk, stale runs marked killed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from crawl_helpers import crawl_local, query

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.archive.server import ArchiveServer
from crawler.targets import load_targets
from pipelines.store.database import connect
from pipelines.store.runs import begin_run

HTML = (("Content-Type", "text/html; charset=utf-8"),)


def open_run(db: Path, targets_file: Path):
    connection = connect(db)
    try:
        return begin_run(
            connection,
            load_targets(targets_file),
            archive="http://archive.test",
            targets_file=str(targets_file),
            software="test",
            warc_folder=db.parent / "warcs",
            db_folder=db.parent,
        )
    finally:
        connection.close()


def test_targets_are_loaded_in_bulk_with_their_urls_windows_and_sources(tmp_path):
    rows = ["site,policy_url,alias_urls,from,to"]
    rows += [
        f"s{n}.example,http://s{n}.example/p,http://s{n}.example/old,,2019" for n in range(1500)
    ]
    rows += [f"s{n}.example,http://s{n}.example/q,,2005," for n in range(1500)]
    targets = tmp_path / "targets.csv"
    targets.write_text("\n".join(rows) + "\n")
    db = tmp_path / "study.duckdb"
    start = open_run(db, targets)
    assert query(db, "SELECT count(*) FROM targets") == [(3000,)]
    assert query(db, "SELECT count(*) FROM target_urls") == [(4500,)]
    assert query(
        db,
        "SELECT alias_urls, from_ts, to_ts, source FROM targets WHERE policy_url = ?",
        "http://s7.example/p",
    ) == [(["http://s7.example/old"], None, datetime(2019, 12, 31, 23, 59, 59), f"{targets}:9")]
    assert query(
        db,
        "SELECT url, via, run_id FROM target_urls WHERE site = 's7.example' ORDER BY url",
    ) == [
        ("http://s7.example/old", "alias", start.run_id),
        ("http://s7.example/p", "listed", start.run_id),
        ("http://s7.example/q", "listed", start.run_id),
    ]
    # a later run with a changed row updates the target, and marks the first run killed
    rows[1] = "s0.example,http://s0.example/p,,2001,2002"
    targets.write_text("\n".join(rows) + "\n")
    again = open_run(db, targets)
    assert again.killed == [start.run_id]
    assert query(db, "SELECT status FROM crawl_runs ORDER BY run_id") == [
        ("killed",),
        ("running",),
    ]
    assert query(
        db,
        "SELECT alias_urls, year(from_ts), year(to_ts) FROM targets WHERE site = 's0.example'"
        " AND policy_url = 'http://s0.example/p'",
    ) == [([], 2001, 2002)]


def test_a_crawl_with_a_time_window_in_its_targets_file(tmp_path):
    """Issue 8.2: any `to` in a targets CSV crashed the crawl while the targets were stored."""
    url = "http://www.acme.example/privacy"
    folder = tmp_path / "warcs"
    body = b"<html><body><h1>Privacy policy</h1><p>We collect personal data.</p></body></html>"
    write_warc(
        [
            CaptureSpec(url, f"20{year}0601000000", headers=HTML, body=body)
            for year in range(10, 16)
        ],
        folder / "a.warc.gz",
    )
    targets = tmp_path / "targets.csv"
    targets.write_text(f"site,policy_url,from,to\nacme.example,{url},2011,201306\n")
    db = tmp_path / "study.duckdb"
    with ArchiveServer([folder], index_path=tmp_path / "index.sqlite3") as archive:
        result = crawl_local(tmp_path, archive.base_url, targets, db)
    assert result.returncode == 0, result.stderr[-2000:]
    years = query(db, "SELECT DISTINCT year(timestamp) FROM captures ORDER BY 1")
    assert years == [(2011,), (2012,), (2013,)]
    assert query(db, "SELECT from_ts, to_ts FROM targets") == [
        (datetime(2011, 1, 1), datetime(2013, 6, 30, 23, 59, 59))
    ]
