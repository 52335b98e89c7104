"""Opening the DuckDB database: one place that turns DuckDB's lock and IO errors into clear ones."""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import duckdb

from crawler.exceptions import DatabaseError, DatabaseLockedError
from pipelines.store.schema import migrate

logger = logging.getLogger(__name__)

# DuckDB opens these as in-memory databases with a view of the file: nothing would be kept.
NOT_DATABASES = (".csv", ".tsv", ".json", ".jsonl", ".parquet", ".txt", ".gz")


def check_path(target: Path) -> None:
    """Refuse, without opening anything, a path that cannot be a database."""
    if target.suffix.lower() in NOT_DATABASES:
        raise DatabaseError(f"{target}: a database needs a name such as study.duckdb")
    if target.is_dir():
        raise DatabaseError(f"{target}: is a folder, not a database file")


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database (creating and migrating it unless read_only)."""
    target = Path(path)
    check_path(target)
    if read_only and not target.exists():
        raise DatabaseError(f"{target}: no such database")
    if not read_only:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseError(f"{target}: cannot create its folder ({error.strerror})") from None
    try:
        connection = duckdb.connect(str(target), read_only=read_only)
    except OSError as error:
        raise DatabaseError(f"{target}: cannot open ({error.strerror or error})") from None
    except duckdb.IOException as error:
        message = str(error)
        if "lock" in message.lower():
            pid = re.search(r"PID (\d+)", message)
            holder = f" (process {pid.group(1)})" if pid else ""
            raise DatabaseLockedError(
                f"{target} is in use by another policytrail process{holder}; "
                "wait for it to finish or use another --db"
            ) from None
        raise DatabaseError(f"{target}: cannot open ({message.splitlines()[0]})") from None
    except duckdb.Error as error:
        raise DatabaseError(f"{target}: not a usable DuckDB database ({error})") from None
    if not read_only:
        migrate(connection)
    return connection


@contextmanager
def crawl_lock(path: str | Path) -> Iterator[None]:
    """Hold `<database>.lock` for a whole crawl, so a second crawl of the same database is
    refused at once (DuckDB's own lock is dropped between the run's opening and the crawl).

    The kernel releases the lock when the process dies, however it dies: a lock file left by
    a killed crawl is stale, and is taken over with a message.
    """
    target = Path(path)
    lock_path = target.with_name(f"{target.name}.lock")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a+")
    except OSError as error:
        raise DatabaseError(f"{target}: cannot create its lock file ({error.strerror})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            raise DatabaseLockedError(
                f"{target} is in use by another policytrail process"
                f"{f' (process {holder})' if holder else ''}; wait for it to finish or use "
                "another --db"
            ) from None
        handle.seek(0)
        stale = handle.read().strip()
        if stale and stale != str(os.getpid()):
            logger.warning("%s: cleared a stale lock left by process %s", target, stale)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
        handle.seek(0)
        handle.truncate()
    finally:
        handle.close()


@lru_cache(maxsize=32)
def _insert_sql(table: str, columns: tuple[str, ...], rows: int, suffix: str) -> str:
    row = f"({', '.join('?' * len(columns))})"
    values = ", ".join([row] * rows)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}{suffix}"


def insert_rows(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    columns: tuple[str, ...],
    rows: Sequence[Sequence[object]],
    *,
    per_statement: int,
    suffix: str = "",
) -> None:
    """Insert `rows` in multi-row INSERTs of `per_statement` rows (DuckDB runs them some 40 times
    faster than executemany); `suffix` is appended to each, e.g. an ON CONFLICT clause."""
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        sql = _insert_sql(table, columns, len(chunk), suffix)
        connection.execute(sql, [value for row in chunk for value in row])
