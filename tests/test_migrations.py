"""A database of the released schema (v2, the demo crawl, kept as DuckDB's EXPORT DATABASE in
tests/fixtures/schema-v2) migrates to the current schema with nothing lost, and crawls on."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from crawl_helpers import crawl_local

from crawler.archive.server import ArchiveServer
from pipelines.store.database import connect
from pipelines.store.schema import SCHEMA_VERSION

FIXTURE = Path(__file__).parent / "fixtures" / "schema-v2"
DATA = Path(__file__).resolve().parents[1] / "data"
V2_TABLES = ("targets", "target_urls", "crawl_runs", "captures", "documents", "versions")


@pytest.fixture
def v2_database(tmp_path) -> Path:
    db = tmp_path / "v2.duckdb"
    connection = duckdb.connect(str(db))
    connection.execute(f"IMPORT DATABASE '{FIXTURE}'")
    connection.close()
    return db


def v2_content(db: Path) -> dict[str, list[tuple]]:
    """Every v2 column of every table, as it reads before and after."""
    connection = duckdb.connect(str(db), read_only=True)
    try:
        content = {}
        for table in V2_TABLES:
            columns = [
                name
                for (name,) in duckdb.connect(str(db), read_only=True)
                .execute(
                    "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                    [str(FIXTURE / f"{table}.parquet")],
                )
                .fetchall()
            ]
            quoted = ", ".join(f'"{name}"' for name in columns)
            content[table] = connection.execute(
                f"SELECT {quoted} FROM {table} ORDER BY ALL"
            ).fetchall()
        return content
    finally:
        connection.close()


def test_the_v2_fixture_is_a_v2_database(v2_database):
    connection = duckdb.connect(str(v2_database), read_only=True)
    assert connection.execute("SELECT max(version) FROM schema_migrations").fetchone() == (2,)
    assert connection.execute("SELECT count(*) FROM captures").fetchone()[0] > 50


def test_a_v2_database_migrates_with_nothing_lost(v2_database):
    before = v2_content(v2_database)
    connect(v2_database).close()
    after = v2_content(v2_database)
    assert after == before
    connection = duckdb.connect(str(v2_database), read_only=True)
    try:
        version = connection.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        codes = dict(
            connection.execute(
                "SELECT coalesce(reason, ''), any_value(reason_code) FROM captures GROUP BY 1"
            ).fetchall()
        )
        coverage = connection.execute("SELECT sum(captures) FROM coverage").fetchone()[0]
    finally:
        connection.close()
    assert version == SCHEMA_VERSION
    # the reasons written as text before schema 3 get their typed codes
    assert codes["digest already fetched"] == "duplicate"
    assert codes["status 404"] == "status"
    assert codes[""] is None
    assert coverage == len(before["captures"])


def test_a_migrated_database_crawls_on_and_adds_nothing_already_there(v2_database, tmp_path):
    before = v2_content(v2_database)
    with ArchiveServer([DATA / "sample"], index_path=tmp_path / "index.sqlite3") as archive:
        result = crawl_local(tmp_path, archive.base_url, DATA / "targets.sample.csv", v2_database)
    assert result.returncode == 0, result.stderr[-2000:]
    after = v2_content(v2_database)
    assert after["captures"] == before["captures"]
    assert after["documents"] == before["documents"]
    assert len(after["crawl_runs"]) == len(before["crawl_runs"]) + 1
