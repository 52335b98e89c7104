"""Bad input from the user: one clear line on stderr, exit code 2, no traceback, and the
existing database byte for byte as it was."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import duckdb
import pytest
from collection import HTML, page
from crawl_helpers import crawl_local, run_cli

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.archive.server import ArchiveServer

URL = "http://www.acme.example/privacy"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("warcs")
    write_warc(
        [CaptureSpec(URL, f"201{n}0101000000", headers=HTML, body=page(1, n, n)) for n in range(3)],
        folder / "a.warc.gz",
    )
    index = tmp_path_factory.mktemp("index") / "index.sqlite3"
    with ArchiveServer([folder], index_path=index) as server:
        yield server


@pytest.fixture(scope="module")
def study(archive, tmp_path_factory) -> Path:
    """A database with one crawl in it, to be kept intact."""
    folder = tmp_path_factory.mktemp("study")
    targets = folder / "targets.txt"
    targets.write_text(URL + "\n")
    db = folder / "study.duckdb"
    result = crawl_local(folder, archive.base_url, targets, db)
    assert result.returncode == 0, result.stderr[-2000:]
    return db


@pytest.fixture
def db(study, tmp_path) -> Path:
    copy = tmp_path / "study.duckdb"
    shutil.copy(study, copy)
    shutil.copytree(study.parent / "study-warcs", tmp_path / "study-warcs")
    return copy


def assert_refused(result, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


TARGET_FILES = {
    "binary": (b"site,policy_url\n\x00\x01\x02\xff", "not"),
    "empty": (b"", "no targets"),
    "header only": (b"site,policy_url\n", "no targets"),
    "unknown column": (b"site,policy_url,colour\na,http://a.example/p,red\n", "unknown column"),
    "not a URL": (b"not-a-url\n", "not an http(s) URL"),
    "port out of range": (b"http://x.example:99999/p\n", "not a usable URL"),
    "torn IPv6": (b"http://[::1/p\n", "not an http(s) URL"),
    "month 13": (b"site,policy_url,from\na,http://a.example/p,201913\n", "from not a real date"),
    "to": (b"site,policy_url,to\na,http://a.example/p,2019-02-30\n", "to not a real date"),
}


@pytest.mark.parametrize("case", sorted(TARGET_FILES))
def test_malformed_targets_are_refused_in_one_line(archive, db, tmp_path, case):
    content, words = TARGET_FILES[case]
    targets = tmp_path / "targets.csv"
    targets.write_bytes(content)
    before = db.read_bytes()
    result = crawl_local(tmp_path, archive.base_url, targets, db)
    assert_refused(result, str(targets), words)
    assert db.read_bytes() == before


OPTIONS = {
    "from month 13": (["--from", "201913"], "--from not a real date"),
    "inverted window": (["--from", "2019", "--to", "2010"], "is after --to"),
    "archive not a URL": (["--archive", "archive"], "--archive must be an http(s) URL"),
    "archive does not answer": (["--archive", "CLOSED"], "does not answer"),
    "archive does not resolve": (["--archive", "http://no-such-host.invalid"], "does not resolve"),
}


@pytest.mark.parametrize("case", sorted(OPTIONS))
def test_bad_options_are_refused_in_one_line(archive, db, tmp_path, case):
    options, words = OPTIONS[case]
    options = [f"http://127.0.0.1:{closed_port()}" if o == "CLOSED" else o for o in options]
    if "--archive" not in options:
        options += ["--archive", archive.base_url]
    targets = tmp_path / "targets.txt"
    targets.write_text(URL + "\n")
    before = db.read_bytes()
    archive_url = options[options.index("--archive") + 1]
    local = ["--local"] if "127.0.0.1" in archive_url else []  # IA's rates for another host
    result = run_cli("crawl", str(targets), "--db", str(db), *local, *options, cwd=tmp_path)
    assert_refused(result, words)
    assert db.read_bytes() == before


def newer_schema(db: Path) -> Path:
    connection = duckdb.connect(str(db))
    connection.execute("INSERT INTO schema_migrations VALUES (99, now()::TIMESTAMP)")
    connection.close()
    return db


DATABASES = {
    "a folder that cannot be made": (lambda db: Path("/proc/no-such/db.duckdb"), "cannot"),
    "not a DuckDB file": (
        lambda db: db.parent / "notes.duckdb",
        "not a valid DuckDB database",
    ),
    "a newer schema": (newer_schema, "newer than this policytrail"),
}


@pytest.mark.parametrize("case", sorted(DATABASES))
def test_unusable_databases_are_refused_in_one_line(archive, db, tmp_path, case):
    make, words = DATABASES[case]
    (tmp_path / "notes.duckdb").write_text("these are my notes, not a database\n")
    target_db = make(db)
    before = target_db.read_bytes() if target_db.is_file() else None
    targets = tmp_path / "targets.txt"
    targets.write_text(URL + "\n")
    result = crawl_local(tmp_path, archive.base_url, targets, target_db)
    assert_refused(result, words)
    if before is not None:
        assert target_db.read_bytes() == before


def test_reprocess_reports_unreadable_records_and_keeps_the_rest(db, tmp_path):
    warcs = sorted((db.parent / "study-warcs").glob("*.warc.gz"))
    texts_before = (
        duckdb.connect(str(db), read_only=True)
        .execute("SELECT text_hash FROM captures ORDER BY ALL")
        .fetchall()
    )
    data = warcs[0].read_bytes()
    warcs[0].write_bytes(data[: len(data) * 2 // 3])  # the file ends inside a record
    result = run_cli("reprocess", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "unreadable: study-warcs/" in result.stderr and " at offset " in result.stderr
    connection = duckdb.connect(str(db), read_only=True)
    try:
        texts_after = connection.execute("SELECT text_hash FROM captures ORDER BY ALL").fetchall()
        versions = connection.execute("SELECT count(*) FROM versions").fetchone()[0]
    finally:
        connection.close()
    assert texts_after == texts_before  # the unreadable record kept its text
    assert versions >= 1


def test_reprocess_reports_a_missing_warc_file_and_keeps_the_rest(db, tmp_path):
    [warc] = sorted((db.parent / "study-warcs").glob("*.warc.gz"))
    warc.unlink()
    result = run_cli("reprocess", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "unreadable" in result.stderr and warc.name in result.stderr
    assert "FileNotFoundError" in result.stderr
    texts = duckdb.connect(str(db), read_only=True).execute(
        "SELECT count(*) FROM captures WHERE text_hash IS NOT NULL"
    )
    assert texts.fetchone()[0] > 0  # what it stored is kept


@pytest.mark.parametrize(("content", "name"), [(b"", "empty.html"), (b"\x00\xff" * 50, "x.bin")])
def test_extract_of_a_binary_or_empty_file_is_one_line(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    result = run_cli("extract", str(path), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


@pytest.mark.parametrize("point", ["begin:1:enospc", "transaction:1:enospc", "versions:1:enospc"])
def test_a_full_disk_is_one_line_and_loses_nothing_committed(archive, db, tmp_path, point):
    """A write refused (a full disk, simulated at the run's opening or inside a batch): one
    line, exit 2, the committed data as it was; the next run goes on."""
    before = duckdb.connect(str(db), read_only=True)
    captures = before.execute("SELECT * FROM captures ORDER BY ALL").fetchall()
    before.close()
    targets = tmp_path / "targets.txt"
    targets.write_text(URL.replace("acme", "other") + "\n" + URL + "\n")
    crawl = ("crawl", str(targets), "--db", str(db), "--archive", archive.base_url, "--local")
    result = run_cli(*crawl, cwd=tmp_path, env={"POLICYTRAIL_KILL_AT": point})
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("policytrail:")]
    assert len(errors) == 1 and "No space left on device" in errors[0]
    assert "Traceback" not in result.stderr
    after = duckdb.connect(str(db), read_only=True)
    try:
        assert after.execute("SELECT * FROM captures ORDER BY ALL").fetchall() == captures
    finally:
        after.close()
    again = run_cli(*crawl, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
