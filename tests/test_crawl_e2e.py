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


def test_a_run_through_rate_limits_and_a_firewall_block_ends_with_the_clean_rows(
    archive_factory, tmp_path, targets
):
    clean = archive_factory(captures())
    clean_db = tmp_path / "clean.duckdb"
    crawl(tmp_path, clean.base_url, targets, clean_db)

    # IA's limits on a one-second clock; more than two 429s in a window block the client
    limits = FaultConfig(
        rate_limits=True,
        cdx_per_minute=3,
        replay_per_minute=8,
        window_seconds=1.0,
        block_after=2,
        block_seconds=1.0,
    )
    strict = archive_factory(captures(), ArchiveOptions(faults=limits))
    strict_db = tmp_path / "strict.duckdb"
    result = crawl(tmp_path, strict.base_url, targets, strict_db)

    assert strict.stats.get("rate_limited", 0) > 0 and strict.stats.get("blocked", 0) > 0
    assert "looks like an IP block" in result.stderr
    columns = ("site", "url", "timestamp", "digest", "fetch_status", "reason", "payload_sha1")
    assert capture_rows(strict_db, *columns) == capture_rows(clean_db, *columns)


def test_bodies_cut_short_after_429s_are_retried_and_never_taken_for_a_firewall_block(
    archive_factory, tmp_path, targets
):
    # every memento stops halfway through its Content-Length, and replays are rate limited:
    # each cut body comes within a second (WAYBACK_BLOCK_WINDOW with --local) of a 429
    cut = FaultConfig(
        rate_limits=True,
        cdx_per_minute=1000,
        replay_per_minute=8,
        window_seconds=1.0,
        block_after=1_000_000,
        truncate_rate=1.0,
        endpoints=frozenset({"replay"}),
    )
    archive = archive_factory(captures(), ArchiveOptions(faults=cut))
    db = tmp_path / "cut.duckdb"
    result = run_cli(
        "crawl",
        str(targets),
        "--db",
        str(db),
        "--archive",
        archive.base_url,
        "--local",
        cwd=tmp_path,
    )
    assert result.returncode == 1  # finished, with failures the next run retries

    assert archive.stats.get("truncated", 0) > 0 and archive.stats.get("rate_limited", 0) > 0
    assert "looks like an IP block" not in result.stderr
    assert "'policytrail/blocked'" not in result.stderr
    assert "'retry/reason_count/scrapy.exceptions.ResponseDataLossError'" in result.stderr
    reasons = {reason for (reason,) in query(db, "SELECT reason FROM captures WHERE reason <> ''")}
    failed = query(db, "SELECT count(*) FROM captures WHERE fetch_status = 'failed'")[0][0]
    assert failed > 0 and any(reason.startswith("ResponseDataLossError") for reason in reasons)


def test_every_move_of_a_url_is_followed_even_with_identical_redirect_bodies(
    archive_factory, tmp_path
):
    first, second = "http://www.moves.example/privacy-v2", "http://www.moves.example/legal/privacy"
    old = "http://www.moves.example/privacy"
    specs = [
        CaptureSpec(old, "20100101000000", headers=HTML, body=page("v1")),
        CaptureSpec(old, "20120101000000", status=301, headers=(("Location", "/privacy-v2"),)),
        CaptureSpec(first, "20120101000010", headers=HTML, body=page("v2")),
        CaptureSpec(old, "20180101000000", status=301, headers=(("Location", "/legal/privacy"),)),
        CaptureSpec(second, "20180101000010", headers=HTML, body=page("v3")),
        # a revisit of the 2018 redirect, and a revisit of a 404 page
        CaptureSpec(
            old,
            "20190101000000",
            kind="revisit",
            status=301,
            refers_to_timestamp="20180101000000",
            headers=(("Location", "/legal/privacy"),),
        ),
        CaptureSpec(second, "20190601000000", status=404, headers=HTML, body=b"<p>gone</p>"),
        CaptureSpec(
            second,
            "20200101000000",
            kind="revisit",
            status=404,
            refers_to_timestamp="20190601000000",
            headers=HTML,
        ),
    ]
    archive = archive_factory(specs)
    targets = tmp_path / "moves.txt"
    targets.write_text(f"{old}\n")
    db = tmp_path / "moves.duckdb"
    crawl(tmp_path, archive.base_url, targets, db)

    assert query(db, "SELECT url FROM target_urls ORDER BY found_at NULLS FIRST") == [
        (old,),
        (first,),
        (second,),
    ]
    rows = query(
        db,
        "SELECT strftime(timestamp, '%Y'), fetch_status, location, reason FROM captures"
        " WHERE url = ? ORDER BY timestamp",
        old,
    )
    assert rows == [
        ("2010", "fetched", None, None),
        ("2012", "fetched", first, None),
        ("2018", "fetched", second, None),
        ("2019", "fetched", second, None),
    ]
    gone = query(
        db,
        "SELECT fetch_status, reason FROM captures WHERE url = ? AND"
        " timestamp >= '2019-06-01' ORDER BY timestamp",
        second,
    )
    assert gone == [("skipped", "status 404"), ("skipped", "status 404 on replay")]


def test_local_is_refused_for_a_remote_archive(tmp_path, targets):
    result = run_cli(
        "crawl", str(targets), "--db", str(tmp_path / "x.duckdb"), "--local", cwd=tmp_path
    )
    assert result.returncode == 2  # could not start: bad input
    assert "--local lifts the rate limits" in result.stderr
    assert not (tmp_path / "x.duckdb").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--archive", "notaurl"], "--archive must be an http(s) URL"),
        (["--db", "out.csv"], "a database needs a name such as study.duckdb"),
        (["--from", "2019", "--to", "2010"], "--from 2019 is after --to 2010"),
    ],
)
def test_bad_options_give_one_line(tmp_path, targets, args, message):
    result = run_cli(
        "crawl", str(targets), *(["--db", str(tmp_path / "x.duckdb")] + args), cwd=tmp_path
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
