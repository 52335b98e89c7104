"""Researchers' own SQL, run read-only: one statement that reads, or a clear refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from crawler.exceptions import BadInputError

# Statements that only read. DuckDB parses DESCRIBE, SHOW, SUMMARIZE and PRAGMA table_info
# as SELECT; COPY, ATTACH, SET, INSTALL and every DDL/DML are refused before anything runs
# (COPY ... TO and ATTACH would write outside the read-only database).
_READING = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})
FETCH_ROWS = 2048
# What comes before the statement an EXPLAIN explains: comments, the keyword, ANALYZE and the
# options in parentheses. EXPLAIN ANALYZE runs that statement, so it is checked in its turn.
_EXPLAIN = re.compile(
    r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*EXPLAIN\s+(?:ANALY[SZ]E\b\s*)?(?:\([^)]*\)\s*)?",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: list[str]
    rows: Iterator[tuple[object, ...]]  # fetched in batches as they are read


def check_read_only(connection: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse anything but one reading statement, before running it."""
    try:
        statements = connection.extract_statements(sql)
    except duckdb.Error as error:
        raise BadInputError(f"not valid SQL: {_first_line(error)}") from None
    if not statements:
        raise BadInputError("no SQL statement given")
    if len(statements) > 1:
        raise BadInputError(f"one statement at a time ({len(statements)} given)")
    kind = statements[0].type
    if kind == duckdb.StatementType.EXPLAIN:
        kind = _explained(connection, statements[0].query)
    if kind not in _READING:
        raise BadInputError(
            f"refused: {kind.name} would change something, and `query` only reads "
            "(the database is opened read-only)"
        )


def _explained(connection: duckdb.DuckDBPyConnection, sql: str) -> duckdb.StatementType:
    """The kind of statement an EXPLAIN explains."""
    found = _EXPLAIN.match(sql)
    try:
        inner = connection.extract_statements(sql[found.end() :]) if found else []
    except duckdb.Error:
        inner = []
    if len(inner) != 1:
        raise BadInputError("refused: cannot tell which statement this EXPLAIN explains")
    if inner[0].type == duckdb.StatementType.EXPLAIN:
        return _explained(connection, inner[0].query)
    return inner[0].type


def run_query(connection: duckdb.DuckDBPyConnection, sql: str) -> QueryResult:
    """Run one reading statement; errors in it (an unknown column...) are the user's input."""
    check_read_only(connection, sql)
    try:
        cursor = connection.execute(sql)
    except duckdb.Error as error:
        raise BadInputError(_first_line(error)) from None
    columns = [column[0] for column in cursor.description or []]
    return QueryResult(columns, _batches(cursor))


def _batches(cursor: duckdb.DuckDBPyConnection) -> Iterator[tuple[object, ...]]:
    while True:
        try:
            batch = cursor.fetchmany(FETCH_ROWS)
        except duckdb.Error as error:
            raise BadInputError(_first_line(error)) from None
        if not batch:
            return
        yield from batch


def _first_line(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
