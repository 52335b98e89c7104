"""Stopping a crawl: SIGTERM and Ctrl-C end it cleanly as `interrupted` (exit 3), a second
Ctrl-C too; two crawls of one database at once: the second is refused, the first goes on."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from collection import content, crawl, run_statuses, warc_problems, write_collection
from collection import write_targets as write_collection_targets
from crawl_helpers import crawl_local, query, start_cli

from crawler.archive.faults import FaultConfig
from crawler.archive.server import ArchiveOptions, ArchiveServer


@pytest.fixture(scope="module")
def collection_folder(tmp_path_factory) -> Path:
    return write_collection(tmp_path_factory.mktemp("collection"))


@pytest.fixture(scope="module")
def slow_archive(collection_folder, tmp_path_factory):
    """The reliability collection, each CDX answer and replay a little slow, so a crawl lasts a
    few seconds and a signal sent once it fetches always finds it running."""
    folder = collection_folder
    index = tmp_path_factory.mktemp("index") / "index.sqlite3"
    slow = FaultConfig(latency=0.6, endpoints=frozenset({"cdx", "replay"}))
    options = ArchiveOptions(faults=slow)
    with ArchiveServer([folder], options, index_path=index) as server:
        yield server


@pytest.fixture(scope="module")
def never_stopped(slow_archive, tmp_path_factory) -> dict:
    """What a crawl of the collection that nobody stops stores."""
    folder = tmp_path_factory.mktemp("never-stopped")
    db = folder / "clean.duckdb"
    targets = write_collection_targets(folder / "targets.csv")
    assert crawl(db, targets, slow_archive.base_url).returncode == 0
    return content(db)


TERMINAL_CTRL_C = -1  # not a signal number: SIGINT to the crawl's process group


def start_crawl_cli(tmp_path: Path, archive: str, db: Path, *extra: str) -> subprocess.Popen[str]:
    targets = write_collection_targets(tmp_path / "targets.csv")
    crawl = ("crawl", str(targets), "--db", str(db), "--archive", archive, "--local")
    return start_cli(*crawl, *extra, cwd=tmp_path)


def wait_for_fetching(db: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until the crawl has written its first WARC record (it is well under way)."""
    folder = db.parent / f"{db.stem}-warcs"
    deadline = time.monotonic() + timeout
    while not any(folder.glob("*.warc.gz")):
        assert process.poll() is None, process.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the crawl never started fetching"
        time.sleep(0.05)
    time.sleep(0.3)


@pytest.mark.parametrize(
    ("signals", "jobdir"),
    [
        ((signal.SIGTERM,), False),
        ((signal.SIGINT,), False),
        ((signal.SIGINT, signal.SIGINT), False),
        ((signal.SIGTERM,), True),
        ((TERMINAL_CTRL_C,), False),
    ],
    ids=["sigterm", "ctrl-c", "ctrl-c-twice", "sigterm-jobdir", "ctrl-c-in-a-terminal"],
)
def test_a_stopped_crawl_is_interrupted_and_the_next_run_completes_it(
    slow_archive, never_stopped, tmp_path, signals, jobdir
):
    db = tmp_path / "study.duckdb"
    job = ["--jobdir", str(tmp_path / "job")] if jobdir else []
    process = start_crawl_cli(tmp_path, slow_archive.base_url, db, *job)
    wait_for_fetching(db, process)
    for number in signals:
        if number == TERMINAL_CTRL_C:
            # a terminal's Ctrl-C goes to the whole process group: the analysis workers too
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(number)
        time.sleep(0.2)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 3, stderr[-2000:]  # interrupted: run it again
    assert "Traceback" not in stderr
    assert "not a usable DuckDB database" not in stderr
    assert run_statuses(db) == ["interrupted"]
    assert warc_problems(db) == []
    rerun = crawl(
        db,
        tmp_path / "targets.csv",
        slow_archive.base_url,
        jobdir=tmp_path / "job" if jobdir else None,
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert run_statuses(db) == ["interrupted", "finished"]
    assert content(db) == never_stopped


def test_a_second_crawl_of_the_same_database_is_refused_and_the_first_goes_on(
    slow_archive, tmp_path
):
    db = tmp_path / "study.duckdb"
    first = start_crawl_cli(tmp_path, slow_archive.base_url, db)
    time.sleep(0.5)  # both start within a second
    second = start_crawl_cli(tmp_path, slow_archive.base_url, db)
    _, second_err = second.communicate(timeout=120)
    _, first_err = first.communicate(timeout=180)
    assert second.returncode == 2, second_err[-2000:]
    lines = [line for line in second_err.splitlines() if line.strip()]
    assert len(lines) == 1 and "is in use by another policytrail process" in lines[0]
    assert first.returncode == 0, first_err[-2000:]
    assert run_statuses(db) == ["finished"]


def test_a_lock_left_by_a_killed_crawl_is_taken_over_with_a_message(slow_archive, tmp_path):
    db = tmp_path / "study.duckdb"
    (tmp_path / "study.duckdb.lock").write_text("999999")  # a process that is gone
    process = start_crawl_cli(tmp_path, slow_archive.base_url, db)
    _, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr[-2000:]
    assert "cleared a stale lock left by process 999999" in stderr


def test_a_pause_longer_than_max_pause_stops_the_crawl_as_interrupted(tmp_path):
    """A nightly job would rather run again tomorrow than wait an hour: exit 3."""
    from collection import HTML, page

    from crawler.archive.builder import CaptureSpec, write_warc

    url = "http://www.acme.example/privacy"
    folder = tmp_path / "warcs"
    write_warc(
        [CaptureSpec(url, f"201{n}0101000000", headers=HTML, body=page(1, n, n)) for n in range(4)],
        folder / "a.warc.gz",
    )
    targets = tmp_path / "targets.txt"
    targets.write_text(url + "\n")
    db = tmp_path / "study.duckdb"
    slow_down = FaultConfig(throttle_rate=1.0, retry_after=600, endpoints=frozenset({"replay"}))
    with ArchiveServer(
        [folder], ArchiveOptions(faults=slow_down), index_path=tmp_path / "i.sqlite3"
    ) as archive:
        started = time.monotonic()
        result = crawl_local(tmp_path, archive.base_url, targets, db, "--max-pause", "30")
        seconds = time.monotonic() - started
    assert result.returncode == 3, result.stderr[-2000:]
    assert "longer than the 30 s this crawl may wait" in result.stderr
    assert seconds < 120  # it did not wait the 600 s out
    assert run_statuses(db) == ["interrupted"]
    assert query(db, "SELECT count(*) FROM captures WHERE fetch_status = 'failed'") == [(0,)]
    with ArchiveServer([folder], index_path=tmp_path / "j.sqlite3") as archive:
        assert crawl_local(tmp_path, archive.base_url, targets, db).returncode == 0
    assert query(db, "SELECT count(*) FROM captures WHERE fetch_status = 'fetched'") == [(4,)]


def test_a_jobdir_made_for_another_archive_address_is_not_used_against_this_one(
    slow_archive, collection_folder, tmp_path
):
    """Review finding: after a stop, the next run may use another address (a new port, http
    instead of https); the queued requests for the old one must not be sent, nor failed."""
    db = tmp_path / "study.duckdb"
    job = tmp_path / "job"
    process = start_crawl_cli(tmp_path, slow_archive.base_url, db, "--jobdir", str(job))
    wait_for_fetching(db, process)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    assert process.returncode == 3
    with ArchiveServer([collection_folder], index_path=tmp_path / "moved.sqlite3") as moved:
        assert moved.base_url != slow_archive.base_url
        rerun = crawl(db, tmp_path / "targets.csv", moved.base_url, jobdir=job)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert query(db, "SELECT count(*) FROM captures WHERE fetch_status = 'failed'") == [(0,)]
    assert warc_problems(db) == []


def test_sigterm_during_a_long_pause_stops_at_once(tmp_path):
    """Review finding: a stop waited out the archive's pause (an hour with IA's defaults),
    past any service manager's stop timeout."""
    from collection import HTML, page

    from crawler.archive.builder import CaptureSpec, write_warc

    url = "http://www.acme.example/privacy"
    folder = tmp_path / "warcs"
    write_warc(
        [CaptureSpec(url, "20100101000000", headers=HTML, body=page(1, 1, 1))], folder / "a.warc.gz"
    )
    (tmp_path / "targets.csv").write_text(url + "\n")
    slow_down = FaultConfig(throttle_rate=1.0, retry_after=600, endpoints=frozenset({"replay"}))
    with ArchiveServer(
        [folder], ArchiveOptions(faults=slow_down), index_path=tmp_path / "i.sqlite3"
    ) as archive:
        db = tmp_path / "study.duckdb"
        process = start_cli(
            "crawl",
            str(tmp_path / "targets.csv"),
            "--db",
            str(db),
            "--archive",
            archive.base_url,
            "--local",
            cwd=tmp_path,
        )
        deadline = time.monotonic() + 60
        while archive.stats.get("rate_limited", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # well into the 600 s pause
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, stderr = process.communicate(timeout=120)
        stopped_in = time.monotonic() - started
    assert process.returncode == 3, stderr[-2000:]
    assert stopped_in < 30
    assert run_statuses(db) == ["interrupted"]
