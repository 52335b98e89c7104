"""Shared fixtures: WARCs from the fixture builder, served by the local archive on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.archive.server import ArchiveOptions, ArchiveServer

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DATA = SHARED / "data"


def needs_shared(*parts: str) -> Path:
    """The path under ../shared/data, or skip the test with a clear message when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data/{'/'.join(parts)} is not here (only present in CI and dev)")
    return path


def html(body: str, charset: str = "utf-8") -> tuple[tuple[str, str], ...]:
    return (("Content-Type", f"text/html; charset={charset}"),)


ArchiveFactory = Callable[..., ArchiveServer]


@pytest.fixture
def archive_factory(tmp_path: Path) -> Iterator[ArchiveFactory]:
    """Start archives over captures written to WARCs in tmp_path; all stopped at teardown.

    `archive_factory(captures, options=None, files=1)` spreads the captures over `files` WARCs.
    """
    started: list[ArchiveServer] = []
    counter = iter(range(1_000_000))

    def start(
        captures: Sequence[CaptureSpec] | Sequence[Sequence[CaptureSpec]],
        options: ArchiveOptions | None = None,
    ) -> ArchiveServer:
        run = next(counter)
        folder = tmp_path / f"archive-{run}"
        groups = captures if captures and isinstance(captures[0], list | tuple) else [captures]
        for number, group in enumerate(groups):
            write_warc(group, folder / f"part-{number:03d}.warc.gz")
        server = ArchiveServer([folder], options, index_path=tmp_path / f"index-{run}.sqlite3")
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """The demo's database (the bundled sample archive crawled), built once per test session.
    Readers' tests only read it; a test that writes works on a copy (`sample_db_copy`)."""
    from crawl_helpers import run_cli

    folder = tmp_path_factory.mktemp("sample-db")
    db = folder / "demo.duckdb"
    result = run_cli("demo", "--db", str(db), cwd=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return db


@pytest.fixture
def sample_db_copy(sample_db: Path, tmp_path: Path) -> Path:
    """A copy of the sample database (and its WARC folder) that a test may change."""
    import shutil

    target = tmp_path / "sample"
    shutil.copytree(sample_db.parent, target, ignore=shutil.ignore_patterns("cache"))
    return target / sample_db.name
