"""Kill the crawl anywhere, run it again: the same tables as a run never killed, nothing torn.

Each named kill point (crawler/killpoints.py) SIGKILLs the real crawl, in a subprocess, the Nth
time it passes there; then the same crawl runs again to its end. With and without a JOBDIR.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest
from collection import (
    content,
    crawl,
    kill_group,
    run_statuses,
    start_crawl,
    warc_problems,
    write_collection,
    write_targets,
)

from crawler.archive.server import ArchiveServer

# (point, pass): the Nth pass kills. Chosen so that each falls in the middle of the crawl.
KILLS = [
    ("listing", 3),  # after the third CDX page was read, before its fetches were stored
    ("fetching", 25),  # while mementos arrive
    ("warc", 20),  # half of a WARC record written
    ("transaction", 2),  # inside the second DuckDB transaction, before its COMMIT
    ("versions", 1),  # while versions are rebuilt at the end
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = write_collection(tmp_path_factory.mktemp("collection"))
    index = tmp_path_factory.mktemp("index") / "index.sqlite3"
    with ArchiveServer([folder], index_path=index) as server:
        yield server


@pytest.fixture(scope="module")
def reference(archive, tmp_path_factory):
    """What a crawl never killed stores."""
    folder = tmp_path_factory.mktemp("clean")
    db = folder / "clean.duckdb"
    result = crawl(db, write_targets(folder / "targets.csv"), archive.base_url)
    assert result.returncode == 0, result.stderr[-2000:]
    tables = content(db)
    assert len(tables["captures"]) > 100 and len(tables["versions"]) >= 8 * 3
    return tables


def assert_same_as_never_killed(db: Path, reference) -> None:
    tables = content(db)
    for table, rows in reference.items():
        assert tables[table] == rows, f"{table} differs from the run never killed"
    assert warc_problems(db) == []


@pytest.mark.parametrize("with_jobdir", [False, True], ids=["db-only", "jobdir"])
@pytest.mark.parametrize(("point", "nth"), KILLS, ids=[p for p, _ in KILLS])
def test_a_crawl_killed_at_a_named_point_ends_as_if_never_killed(
    archive, reference, tmp_path, point, nth, with_jobdir
):
    db = tmp_path / "study.duckdb"
    targets = write_targets(tmp_path / "targets.csv")
    jobdir = tmp_path / "job" if with_jobdir else None
    killed = crawl(db, targets, archive.base_url, kill_at=f"{point}:{nth}", jobdir=jobdir)
    assert killed.returncode == -signal.SIGKILL, f"{point}:{nth} was never reached"
    rerun = crawl(db, targets, archive.base_url, jobdir=jobdir)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert run_statuses(db) == ["killed", "finished"]
    assert_same_as_never_killed(db, reference)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_crawl_killed_at_a_random_moment_ends_as_if_never_killed(
    archive, reference, tmp_path, seed
):
    db = tmp_path / "study.duckdb"
    targets = write_targets(tmp_path / "targets.csv")
    jobdir = tmp_path / "job" if seed % 2 else None
    process = start_crawl(db, targets, archive.base_url, jobdir=jobdir)
    time.sleep(random.Random(seed).uniform(1.5, 4.0))
    kill_group(process, signal.SIGKILL)
    process.communicate(timeout=60)
    rerun = crawl(db, targets, archive.base_url, jobdir=jobdir)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert_same_as_never_killed(db, reference)
