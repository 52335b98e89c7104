"""Rebuilding the `versions` table from captures and their documents, one target at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import duckdb

from crawler.wayback import naive_utc
from pipelines.database import insert_rows
from pipelines.dedupe import PolicyCapture, build_versions, sketch_from_bytes
from pipelines.ledger import STORED_COPY

# Captures skipped because their page was fetched under another capture share its document.
SHARE_TEXTS = f"""
UPDATE captures SET text_hash = f.text_hash
FROM (SELECT digest, arg_min(text_hash, timestamp) AS text_hash FROM captures AS f
      WHERE {STORED_COPY} AND text_hash IS NOT NULL GROUP BY digest) AS f
WHERE captures.fetch_status = 'skipped' AND captures.reason = 'digest already fetched'
  AND captures.digest = f.digest AND captures.text_hash IS DISTINCT FROM f.text_hash
"""
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
    connection.execute(SHARE_TEXTS)
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


DOCUMENT_COLUMNS = (
    "text_hash",
    "text",
    "markdown",
    "language",
    "title",
    "effective_date",
    "effective_date_precision",
    "effective_date_text",
    "effective_date_confidence",
    "effective_date_ambiguous",
    "is_policy",
    "policy_score",
    "policy_reasons",
    "extractor",
    "extractor_version",
    "extractor_settings",
    "strategy",
    "n_words",
    "sketch",
)


def document_row(document) -> list:
    """A Document as a `documents` row (columns in DOCUMENT_COLUMNS order)."""
    return [
        document.text_hash,
        document.text,
        document.markdown,
        document.language,
        document.title,
        document.effective_day,
        document.effective_date_precision,
        document.effective_date_text,
        document.effective_date_confidence,
        document.effective_date_ambiguous,
        bool(document.is_policy),
        float(document.policy_score or 0.0),
        list(document.policy_reasons),
        document.extractor,
        document.extractor_version,
        document.extractor_settings,
        document.strategy,
        len(document.text.split()),
        document.sketch or None,
    ]


INSERT_DOCUMENT = (
    f"INSERT INTO documents ({', '.join(DOCUMENT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(DOCUMENT_COLUMNS))}) ON CONFLICT DO NOTHING"
)
