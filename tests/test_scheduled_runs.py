"""Scheduled runs: `policytrail runs` counts what each run really sent and found, and
`policytrail changes` lists the versions a run found, with the words added and removed."""

from __future__ import annotations

import json
from pathlib import Path

from crawl_helpers import crawl_local, query, run_cli

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.archive.faults import FaultConfig
from crawler.archive.server import ArchiveOptions, ArchiveServer
from pipelines.worddiff import word_changes, word_hunks

HTML = (("Content-Type", "text/html; charset=utf-8"),)
URL = "http://www.acme.example/privacy"
BASE = (
    "We collect your name and email address when you register. We use your personal data "
    "to provide the service and keep it secure. We keep your data for two years. "
)


def policy(extra: str) -> bytes:
    paragraphs = "".join(f"<p>{BASE}Section {n}.</p>" for n in range(5))
    return (
        "<html><head><title>Privacy policy</title></head><body><h1>Privacy policy</h1>"
        f"{paragraphs}<p>{extra}</p></body></html>"
    ).encode()


def crawl(tmp_path: Path, folder: Path, db: Path, options=None):
    targets = tmp_path / "targets.txt"
    targets.write_text(URL + "\n")
    index = tmp_path / f"index-{len(list(tmp_path.glob('index-*')))}.sqlite3"
    with ArchiveServer([folder], options, index_path=index) as archive:
        return crawl_local(tmp_path, archive.base_url, targets, db)


def test_word_changes_count_what_was_added_and_removed():
    assert word_changes("we keep data for two years", "we keep data for five years") == (
        word_changes("a", "b")
    )
    changes = word_changes("we sell nothing to anyone", "we sell data to advertisers and anyone")
    assert (changes.added, changes.removed) == (3, 1)
    assert word_changes(None, "three new words").added == 3
    assert not word_changes("same text", "same  text").changed
    [hunk] = word_hunks("we keep data for two years here", "we keep data for five years here", 2)
    assert (hunk.before, hunk.removed, hunk.added, hunk.after) == (
        "data for",
        "two",
        "five",
        "years here",
    )


def test_runs_and_changes_after_a_nightly_run_that_found_a_new_version(tmp_path):
    folder = tmp_path / "warcs"
    write_warc(
        [
            CaptureSpec(URL, "20100101000000", headers=HTML, body=policy("Version one.")),
            CaptureSpec(URL, "20110101000000", headers=HTML, body=policy("Version one.")),
        ],
        folder / "a.warc.gz",
    )
    db = tmp_path / "study.duckdb"
    assert crawl(tmp_path, folder, db).returncode == 0
    # the next night the archive holds one more capture, with a changed text
    write_warc(
        [
            CaptureSpec(
                URL,
                "20120101000000",
                headers=HTML,
                body=policy("Version two: we now share your data with advertisers."),
            )
        ],
        folder / "b.warc.gz",
    )
    assert crawl(tmp_path, folder, db).returncode == 0

    result = run_cli("changes", "--db", str(db), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [change] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (change["site"], change["version"], change["run_id"]) == ("acme.example", 2, 2)
    # "one." -> "two: we now share your data with advertisers."
    assert (change["words_added"], change["words_removed"]) == (8, 1)
    assert change["memento_url"].endswith(f"/web/20120101000000id_/{URL}")
    text = run_cli("changes", "--db", str(db), "--since", "0", cwd=tmp_path).stdout
    assert "version 1, first seen 2010-01-01 (run 1)" in text and "version 2" in text
    assert run_cli("changes", "--db", str(db), "--since", "2", cwd=tmp_path).stdout.strip() == (
        "no new versions"
    )

    result = run_cli("runs", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["run", "started"]
    newest, oldest = lines[2].split(), lines[3].split()
    assert newest[0] == "2" and newest[-1] == "1"  # run 2 found one version
    assert oldest[0] == "1" and oldest[-1] == "1"
    assert query(db, "SELECT new_versions FROM crawl_runs ORDER BY run_id") == [(1,), (1,)]


def test_runs_count_every_request_sent_retries_included(tmp_path):
    folder = tmp_path / "warcs"
    write_warc(
        [
            CaptureSpec(URL, f"201{n}0101000000", headers=HTML, body=policy(str(n)))
            for n in range(6)
        ],
        folder / "a.warc.gz",
    )
    db = tmp_path / "study.duckdb"
    flaky = ArchiveOptions(
        faults=FaultConfig(
            error_rate=0.4, throttle_rate=0.2, seed=3, endpoints=frozenset({"replay"})
        )
    )
    result = crawl(tmp_path, folder, db, flaky)
    assert result.returncode == 0, result.stderr[-2000:]
    [(cdx, replays, fetched, rate_limited)] = query(
        db, "SELECT cdx_requests, replay_requests, fetched, rate_limited FROM crawl_runs"
    )
    assert cdx == 1 and fetched == 6
    assert replays > fetched and rate_limited > 0  # retries and re-sends are counted


def test_readers_of_a_database_a_crawl_holds_get_one_line(tmp_path):
    db = tmp_path / "study.duckdb"
    import duckdb

    holder = duckdb.connect(str(db))
    holder.execute("CREATE TABLE x (a INTEGER)")
    try:
        for command in (["runs"], ["changes"]):
            result = run_cli(*command, "--db", str(db), cwd=tmp_path)
            assert result.returncode == 2 and "Traceback" not in result.stderr
            assert "is in use by another policytrail process" in result.stderr
    finally:
        holder.close()


def test_a_dry_run_lists_what_a_run_would_fetch_and_how_long_it_would_take(tmp_path):
    folder = tmp_path / "warcs"
    write_warc(
        [
            CaptureSpec(URL, f"201{n}0101000000", headers=HTML, body=policy(str(n)))
            for n in range(3)
        ],
        folder / "a.warc.gz",
    )
    db = tmp_path / "study.duckdb"
    assert crawl(tmp_path, folder, db).returncode == 0
    write_warc(
        [
            CaptureSpec(URL, "20150101000000", headers=HTML, body=policy("new")),
            CaptureSpec(URL, "20150601000000", headers=HTML, body=policy("new")),  # same page
            CaptureSpec(URL, "20160101000000", status=404, headers=HTML, body=b"gone"),
        ],
        folder / "b.warc.gz",
    )
    before = query(db, "SELECT count(*), max(run_id) FROM captures")
    targets = tmp_path / "targets.txt"
    with ArchiveServer([folder], index_path=tmp_path / "dry.sqlite3") as archive:
        # IA's rates (no --local): the estimate is what a real run would take
        result = run_cli(
            "crawl",
            str(targets),
            "--db",
            str(db),
            "--archive",
            archive.base_url,
            "--dry-run",
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["site", "to", "fetch", "to", "skip"]
    assert lines[1].split() == ["acme.example", "1", "2"]  # the new page; its twin and the 404
    assert "1 CDX requests (0 min) and 1 replays (0 min)" in lines[-1]
    assert "nothing was fetched or written" in lines[-1]
    assert query(db, "SELECT count(*), max(run_id) FROM captures") == before
    assert query(db, "SELECT count(*) FROM crawl_runs") == [(1,)]
