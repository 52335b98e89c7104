"""The store's `versions` table, rebuilt from captures and their documents one target at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

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
    if targets is None:
        targets = connection.execute(
            "SELECT DISTINCT site, target_url FROM captures ORDER BY ALL"
        ).fetchall()
    written = 0
    for site, target_url in targets:
        rows = connection.execute(
            "SELECT c.url, c.timestamp, c.digest, c.text_hash, d.sketch, d.effective_date,"
            " d.is_policy FROM captures c JOIN documents d USING (text_hash)"
            " WHERE c.site = ? AND c.target_url = ? ORDER BY c.timestamp, c.url, c.digest",
            [site, target_url],
        ).fetchall()
        sketches = {}
        captures = []
        for url, moment, digest, text_hash, sketch, effective, is_policy in rows:
            if text_hash not in sketches:
                sketches[text_hash] = sketch_from_bytes(sketch) if sketch else None
            captures.append(
                PolicyCapture(
                    key=(url, moment, digest),
                    captured_at=moment.replace(tzinfo=UTC),
                    text_hash=text_hash,
                    sketch=sketches[text_hash],
                    effective_date=effective,
                    is_policy=bool(is_policy),
                )
            )
        connection.execute(
            "DELETE FROM versions WHERE site = ? AND target_url = ?", [site, target_url]
        )
        version_rows = [
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
            for version in build_versions(captures, texts=_text_loader(connection))
        ]
        insert_rows(
            connection, "versions", VERSION_COLUMNS, version_rows, per_statement=VERSION_INSERT_ROWS
        )
        written += len(version_rows)
    return written
