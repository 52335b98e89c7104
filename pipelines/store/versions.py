"""The store's `versions` table, rebuilt from captures and documents, targets in batches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from itertools import groupby

import duckdb

from crawler.outcomes import Outcome
from crawler.wayback import naive_utc
from pipelines.store.database import insert_rows
from pipelines.store.duplicates import TEXT_COLUMNS, share_by_digest
from pipelines.versions import PolicyCapture, build_versions, sketch_from_bytes

VERSION_COLUMNS = (
    "site",
    "target_url",
    "version",
    "text_hash",
    "first_seen",
    "last_seen",
    "next_seen",
    "n_captures",
    "effective_date",
)
# Rows in one INSERT of versions.
VERSION_INSERT_ROWS = 200
# Captures read by one query of a rebuild: a batch of targets holds at most this many (some
# 50 MB of rows in Python), so a rebuild of every target reads the tables a few dozen times.
REBUILD_BATCH_CAPTURES = 100_000
# Temporary tables of a rebuild: the targets to rebuild, and the batch being rebuilt.
_TARGETS = "rebuild_targets"
_BATCH = "rebuild_batch"
DATE_AFTER_CAPTURE = """
UPDATE captures SET date_after_capture = d.effective_date > CAST(captures.timestamp AS DATE)
FROM documents AS d WHERE captures.text_hash = d.text_hash
"""


def _text_loader(connection: duckdb.DuckDBPyConnection) -> Callable[[str], str | None]:
    """The text of a document by its hash, read only when build_versions compares two texts."""

    def text_of(text_hash: str) -> str | None:
        found = connection.execute(
            "SELECT text FROM documents WHERE text_hash = ?", [text_hash]
        ).fetchone()
        return found[0] if found else None

    return text_of


def rebuild_versions(
    connection: duckdb.DuckDBPyConnection, targets: list[tuple[str, str]] | None = None
) -> int:
    """Replace the versions of `targets` (site, policy URL), or of all; returns how many.

    The caller holds the transaction.
    """
    share_by_digest(connection, TEXT_COLUMNS, refresh=True)
    share_by_digest(
        connection, TEXT_COLUMNS, refresh=True, reason=Outcome.UNCHANGED_RANGE, key="text_from"
    )
    # ...unless its own payload was stored since (under another capture): that text is read
    share_by_digest(connection, TEXT_COLUMNS, refresh=True, reason=Outcome.UNCHANGED_RANGE)
    connection.execute(DATE_AFTER_CAPTURE)
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {_TARGETS} (site TEXT, target_url TEXT)")
    if targets is None:
        connection.execute(f"INSERT INTO {_TARGETS} SELECT DISTINCT site, target_url FROM captures")
    else:
        insert_rows(connection, _TARGETS, ("site", "target_url"), targets, per_statement=500)
    written = 0
    for batch in _batches(connection):
        written += _rebuild_batch(connection, batch)
    connection.execute(f"DROP TABLE {_TARGETS}")
    return written


def _batches(connection: duckdb.DuckDBPyConnection) -> list[list[tuple[str, str]]]:
    """The targets to rebuild, in batches of at most REBUILD_BATCH_CAPTURES captures (a target
    with more is a batch of its own)."""
    counts = connection.execute(
        f"SELECT t.site, t.target_url, count(c.timestamp) FROM {_TARGETS} t"
        " LEFT JOIN captures c USING (site, target_url) GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    batches: list[list[tuple[str, str]]] = []
    size = REBUILD_BATCH_CAPTURES
    for site, target_url, count in counts:
        if not batches or size + count > REBUILD_BATCH_CAPTURES:
            batches.append([])
            size = 0
        batches[-1].append((site, target_url))
        size += count
    return batches


def _rebuild_batch(connection: duckdb.DuckDBPyConnection, batch: list[tuple[str, str]]) -> int:
    """Replace the versions of the targets in `batch`: one read of their captures, one delete,
    multi-row inserts. A query per target read every capture and document again: 0.6 s each on
    a database of 3 million captures, hours for the 20,000 targets a first crawl rebuilds."""
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {_BATCH} (site TEXT, target_url TEXT)")
    insert_rows(connection, _BATCH, ("site", "target_url"), batch, per_statement=500)
    connection.execute(
        f"DELETE FROM versions USING {_BATCH} b"
        " WHERE versions.site = b.site AND versions.target_url = b.target_url"
    )
    rows = connection.execute(
        "SELECT c.site, c.target_url, c.url, c.timestamp, c.digest, c.text_hash,"
        f" d.effective_date, d.is_policy FROM captures c JOIN {_BATCH} USING (site, target_url)"
        " JOIN documents d USING (text_hash)"
        " ORDER BY c.site, c.target_url, c.timestamp, c.url, c.digest"
    ).fetchall()
    sketches = {
        text_hash: sketch_from_bytes(sketch) if sketch else None
        for text_hash, sketch in connection.execute(
            "SELECT text_hash, sketch FROM documents WHERE text_hash IN"
            f" (SELECT c.text_hash FROM captures c JOIN {_BATCH} USING (site, target_url))"
        ).fetchall()
    }
    texts = _text_loader(connection)
    version_rows = []
    for (site, target_url), group in groupby(rows, key=lambda row: (row[0], row[1])):
        captures = [
            PolicyCapture(
                key=(url, moment, digest),
                captured_at=moment.replace(tzinfo=UTC),
                text_hash=text_hash,
                sketch=sketches.get(text_hash),
                effective_date=effective,
                is_policy=bool(is_policy),
            )
            for _, _, url, moment, digest, text_hash, effective, is_policy in group
        ]
        version_rows.extend(
            [
                site,
                target_url,
                version.version,
                version.text_hash,
                naive_utc(version.first_seen),
                naive_utc(version.last_seen),
                naive_utc(version.next_seen) if version.next_seen else None,
                version.n_captures,
                version.effective_date,
            ]
            for version in build_versions(captures, texts=texts)
        )
    insert_rows(
        connection, "versions", VERSION_COLUMNS, version_rows, per_statement=VERSION_INSERT_ROWS
    )
    connection.execute(f"DROP TABLE {_BATCH}")
    return len(version_rows)
