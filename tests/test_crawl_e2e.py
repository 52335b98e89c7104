"""End to end: the real crawler (CLI in a subprocess) against the local archive on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from crawl_helpers import capture_rows, cdx_rows, query, run_cli

from crawler.archive.builder import CaptureSpec
from crawler.archive.faults import FaultConfig
from crawler.archive.server import ArchiveOptions

HTML = (("Content-Type", "text/html; charset=utf-8"),)
OLD = "http://www.acme.example/privacy.html"
NEW = "https://www.acme.example/legal/privacy"
OTHER = "http://shop.widgets.example/policy"


def page(text: str, noise: str = "") -> bytes:
    return (
        f"<html><head><title>Privacy</title><script>var nonce='{noise}';</script></head>"
        f"<body><h1>Privacy policy</h1><p>{text}</p><footer>{noise}</footer></body></html>"
    ).encode()


def captures() -> list[list[CaptureSpec]]:
    """Two WARC files: the second repeats one capture (IA's CDX lists it twice)."""
    acme = [
        CaptureSpec(
            OLD,
            f"20{year:02d}0301120000",
            headers=HTML,
            body=page(f"Version {1 + (year - 5) // 3} of our policy.", str(year)),
        )
        for year in range(5, 14)
    ]
    acme += [
        CaptureSpec(
            "https://acme.example/privacy.html",
            "20130601000000",
            headers=HTML,
            body=page("Version 3 of our policy.", "13"),
        ),  # an https variant: same key
        CaptureSpec(
            OLD,
            "20140101000000",
            kind="revisit",
            refers_to_timestamp="20130301120000",
            headers=HTML,
        ),
        CaptureSpec(OLD, "20150101000000", status=404, headers=HTML, body=b"<p>Not found</p>"),
        CaptureSpec(OLD, "20150601000000", status=404, headers=HTML, body=b"<p>Not found</p>"),
        CaptureSpec(OLD, "20160101000000", status=301, headers=(("Location", "/legal/privacy"),)),
        CaptureSpec(
            OLD,
            "20170101000000",
            status=301,
            headers=(("Location", NEW), *HTML),
            body=f'<p>Moved to <a href="{NEW}">here</a></p>'.encode(),
        ),
        CaptureSpec(OLD, "20170601000000", headers=(("Content-Type", "image/gif"),), body=b"GIF8"),
    ]
    acme += [
        CaptureSpec(
            NEW,
            f"20{year}0101000500",
            headers=HTML,
            body=page(f"Moved policy, text {year // 2}.", str(year)),
        )
        for year in range(16, 22)
    ]
    widgets = [
        CaptureSpec(
            OTHER,
            f"2010{month:02d}01000000",
            headers=HTML,
            body=page("Widgets collect nothing." if month < 7 else "Widgets collect a bit."),
        )
        for month in range(1, 13)
    ]
    duplicate = [
        CaptureSpec(OTHER, "20100101000000", headers=HTML, body=page("Widgets collect nothing."))
    ]
    return [acme + widgets, duplicate]


@pytest.fixture
def targets(tmp_path: Path) -> Path:
    path = tmp_path / "targets.csv"
    path.write_text(
        f"site,policy_url\nacme.example,{OLD}\nwidgets.example,{OTHER}\nacme.example,{OLD}\n"
    )
    return path


def crawl(tmp_path: Path, base_url: str, targets: Path, db: Path):
    result = run_cli(
        "crawl", str(targets), "--db", str(db), "--archive", base_url, "--local", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def expected_rows(base_url: str) -> set[tuple[str, str, str]]:
    rows = set()
    for url in (OLD, NEW, OTHER):
        for record in cdx_rows(base_url, url):
            rows.add((record.original, record.timestamp, record.digest))
    return rows


def db_rows(db: Path) -> list[tuple[str, str, str]]:
    return [
        (url, moment.strftime("%Y%m%d%H%M%S"), digest)
        for url, moment, digest in capture_rows(db, "url", "timestamp", "digest")
    ]


def test_crawl_records_every_capture_once_and_fetches_each_digest_once(
    archive_factory, tmp_path, targets
):
    archive = archive_factory(captures())
    db = tmp_path / "out" / "study.duckdb"
    result = crawl(tmp_path, archive.base_url, targets, db)

    rows = db_rows(db)
    assert len(rows) == len(set(rows)), "a capture was recorded twice"
    assert set(rows) == expected_rows(archive.base_url)
    fetched = query(
        db,
        "SELECT digest, count(*) FROM captures WHERE fetch_status = 'fetched'"
        " AND statuscode IS DISTINCT FROM 301 GROUP BY digest",
    )
    assert fetched and all(count == 1 for _, count in fetched)
    # every skip and failure says why; fetched rows point at their WARC record
    assert query(
        db,
        "SELECT count(*) FROM captures WHERE fetch_status <> 'fetched'"
        " AND (reason IS NULL OR reason = '')",
    ) == [(0,)]
    assert query(
        db,
        "SELECT count(*) FROM captures WHERE fetch_status = 'fetched'"
        " AND (warc_path IS NULL OR warc_offset IS NULL)",
    ) == [(0,)]
    reasons = dict(
        query(
            db,
            "SELECT reason, count(*) FROM captures WHERE fetch_status = 'skipped' GROUP BY reason",
        )
    )
    assert reasons["status 404"] == 2
    assert reasons["mimetype image/gif"] == 1
    assert reasons["digest already fetched"] >= 6
    # the summary table names both sites
    assert "acme.example" in result.stdout and "widgets.example" in result.stdout


def test_crawl_follows_the_policy_to_its_new_url(archive_factory, tmp_path, targets):
    archive = archive_factory(captures())
    db = tmp_path / "study.duckdb"
    crawl(tmp_path, archive.base_url, targets, db)

    redirects = query(
        db,
        "SELECT strftime(timestamp, '%Y'), statuscode, location FROM captures"
        " WHERE statuscode = 301 ORDER BY timestamp",
    )
    # a root-relative Location resolves against the capture's own URL (http, here)
    assert redirects == [("2016", 301, "http://www.acme.example/legal/privacy"), ("2017", 301, NEW)]
    moved = query(db, "SELECT count(*), min(via) FROM captures WHERE url = ?", NEW)
    assert moved == [(6, f"redirect from {OLD} at 20160101000000")]
    urls = query(db, "SELECT via, url FROM target_urls WHERE site = 'acme.example' ORDER BY via")
    assert urls == [
        ("listed", OLD),
        (f"redirect from {OLD} at 20160101000000", "http://www.acme.example/legal/privacy"),
    ]


def test_a_second_run_adds_nothing_and_a_later_one_only_new_captures(
    archive_factory, tmp_path, targets
):
    specs = captures()
    archive = archive_factory(specs)
    db = tmp_path / "study.duckdb"
    crawl(tmp_path, archive.base_url, targets, db)
    first = capture_rows(db, "*")
    crawl(tmp_path, archive.base_url, targets, db)
    assert capture_rows(db, "*") == first
    runs = query(db, "SELECT run_id, status, captures_listed FROM crawl_runs ORDER BY run_id")
    assert [status for _, status, _ in runs] == ["finished", "finished"]
    assert runs[1][2] == 0

    later = [*specs, [CaptureSpec(NEW, "20230101000500", headers=HTML, body=page("2023 text"))]]
    grown = archive_factory(later)
    crawl(tmp_path, grown.base_url, targets, db)
    added = query(
        db, "SELECT url, strftime(timestamp, '%Y'), fetch_status FROM captures WHERE run_id = 3"
    )
    assert added == [(NEW, "2023", "fetched")]


def test_a_run_through_faults_ends_with_the_rows_of_a_clean_run(archive_factory, tmp_path, targets):
    clean = archive_factory(captures())
    clean_db = tmp_path / "clean.duckdb"
    crawl(tmp_path, clean.base_url, targets, clean_db)

    # a third of all answers: 5xx, 429 or a reset connection
    chaos = FaultConfig(error_rate=0.12, throttle_rate=0.1, reset_rate=0.11, seed=11)
    faulty = archive_factory(captures(), ArchiveOptions(faults=chaos))
    faulty_db = tmp_path / "faulty.duckdb"
    crawl(tmp_path, faulty.base_url, targets, faulty_db)

    assert faulty.stats.get("server_error", 0) > 0 and faulty.stats.get("reset", 0) > 0
    assert faulty.stats.get("rate_limited", 0) > 0
    columns = (
        "site",
        "url",
        "timestamp",
        "digest",
        "statuscode",
        "fetch_status",
        "reason",
        "location",
        "payload_sha1",
    )
    assert capture_rows(faulty_db, *columns) == capture_rows(clean_db, *columns)


def test_bad_targets_give_one_line_and_crawl_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("site,policy_url\nacme.example,http://www.acme.example/p\nbroken,not-a-url\n")
    db = tmp_path / "never.duckdb"
    result = run_cli(
        "crawl", str(bad), "--db", str(db), "--archive", "http://127.0.0.1:9", cwd=tmp_path
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"policytrail: error: {bad}:3: not an http(s) URL: 'not-a-url'"
    ]
    assert not db.exists()
