"""Reprocessing: every stored capture analysed again from its WARC record, on all cores."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.exceptions import DatabaseError
from pipelines.analysis import analyse
from pipelines.database import connect
from pipelines.documents import Document
from pipelines.versions import INSERT_DOCUMENT, document_row, rebuild_versions

# Records handed to a worker at a time: large enough to keep the pool busy, small enough that
# the work spreads evenly over the cores.
CHUNK = 16


@dataclass(frozen=True, slots=True)
class ReprocessSummary:
    records: int
    documents: int
    without_text: int
    versions: int


def read_record(path: str, offset: int) -> tuple[bytes, str | None]:
    """The payload and Content-Type of the WARC response record at `offset`."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        content_type = (
            record.http_headers.get_header("Content-Type") if record.http_headers else None
        )
        return record.content_stream().read(), content_type


def _analyse_record(task: tuple[str, int, str, datetime]) -> Document | None:
    path, offset, url, captured_at = task
    body, content_type = read_record(path, offset)
    return analyse(body, url, content_type, captured_at)


def reprocess(db: Path, workers: int | None = None) -> ReprocessSummary:
    """Rebuild `documents`, captures' `text_hash` and `versions` from the stored WARCs alone.

    Runs in one transaction: a failure leaves the tables as they were. Deterministic: the same
    WARCs and code give identical tables.
    """
    connection = connect(db)
    try:
        folder = Path(db).resolve().parent
        records = connection.execute(
            "SELECT warc_path, warc_offset, min(url), min(coalesce(memento_datetime, timestamp))"
            " FROM captures WHERE fetch_status = 'fetched' AND warc_path IS NOT NULL"
            " AND http_status BETWEEN 200 AND 299 GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        tasks = []
        for warc_path, offset, url, moment in records:
            path = folder / warc_path
            if not path.is_file():
                raise DatabaseError(f"{path}: a stored capture's WARC file is missing")
            tasks.append((str(path), offset, url, moment.replace(tzinfo=UTC)))
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
            documents = list(pool.map(_analyse_record, tasks, chunksize=CHUNK))
        distinct = {d.text_hash: d for d in documents if d is not None}
        connection.execute("BEGIN TRANSACTION")
        try:
            connection.execute("DELETE FROM versions")
            connection.execute("UPDATE captures SET text_hash = NULL, date_after_capture = NULL")
            connection.execute("DELETE FROM documents")
            for text_hash in sorted(distinct):
                connection.execute(INSERT_DOCUMENT, document_row(distinct[text_hash]))
            connection.execute(
                "CREATE TEMP TABLE analysed (warc_path TEXT, warc_offset BIGINT, text_hash TEXT)"
            )
            pairs = [
                (record[0], record[1], document.text_hash)
                for record, document in zip(records, documents, strict=True)
                if document is not None
            ]
            if pairs:
                connection.executemany("INSERT INTO analysed VALUES (?, ?, ?)", pairs)
            connection.execute(
                "UPDATE captures SET text_hash = a.text_hash FROM analysed AS a"
                " WHERE captures.fetch_status = 'fetched' AND captures.warc_path = a.warc_path"
                " AND captures.warc_offset = a.warc_offset"
            )
            connection.execute("DROP TABLE analysed")
            versions = rebuild_versions(connection)
            connection.execute("COMMIT")
        except Exception:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.close()
    return ReprocessSummary(len(records), len(distinct), documents.count(None), versions)
