"""Reprocessing: every stored capture analysed again from its WARC record, on all cores."""

from __future__ import annotations

import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.exceptions import PageTooLargeError
from crawler.items import Document
from crawler.settings import POLICYTRAIL_CORES, POLICYTRAIL_TEXT_MEMO_BYTES
from pipelines.analysis import analyse
from pipelines.memo import TextMemo
from pipelines.store.database import connect, insert_rows
from pipelines.store.documents import DOCUMENT_COLUMNS, document_row
from pipelines.store.versions import rebuild_versions

# Records handed to a worker at a time: large enough to keep the pool busy, small enough that
# the work spreads evenly over the cores.
CHUNK = 16
# Analysed records and new documents kept before they are written to the staging tables: a
# batch of documents is at most some 50 MB of text and Markdown.
STAGING_BATCH = 5_000
DOCUMENT_BATCH = 500
# Rows in one INSERT of documents: each has DOCUMENT_COLUMNS parameters.
DOCUMENT_INSERT_ROWS = 100
ANALYSED_COLUMNS = ("warc_path", "warc_offset", "text_hash")


@dataclass(frozen=True, slots=True)
class ReprocessSummary:
    records: int
    documents: int
    without_text: int
    too_large: int  # over POLICYTRAIL_MAX_ANALYSIS_BYTES: not analysed, as in the crawl
    versions: int
    # "file at offset N: why" for each record that could not be read; their texts are kept
    unreadable: tuple[str, ...] = ()


def read_record(path: str, offset: int) -> tuple[bytes, str | None]:
    """The payload and Content-Type of the WARC response record at `offset`."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        content_type = (
            record.http_headers.get_header("Content-Type") if record.http_headers else None
        )
        return record.content_stream().read(), content_type


@dataclass(frozen=True, slots=True)
class _Analysed:
    document: Document | None
    too_large: bool = False
    unreadable: str | None = None  # why the record could not be read


# What a missing, cut or damaged WARC file raises when a record is read from it.
READ_ERRORS = (OSError, EOFError, ValueError, StopIteration, ArchiveLoadFailed, zlib.error)


# The texts this worker has analysed in this reprocessing (made by `_start_worker`). A worker
# takes its records in their order, so the first record of a text (the one that stands for it)
# is always analysed, never taken from here.
_MEMO: TextMemo | None = None


def _start_worker() -> None:
    global _MEMO
    _MEMO = TextMemo(POLICYTRAIL_TEXT_MEMO_BYTES)


def _analyse_record(task: tuple[str, int, str, datetime]) -> _Analysed:
    path, offset, url, captured_at = task
    try:
        body, content_type = read_record(path, offset)
    except READ_ERRORS as error:
        return _Analysed(None, unreadable=f"{type(error).__name__}: {error}"[:200])
    try:
        return _Analysed(analyse(body, url, content_type, captured_at, memo=_MEMO))
    except PageTooLargeError:
        return _Analysed(None, too_large=True)


class _Staging:
    """Analysed records, written as they come into temporary tables, a batch at a time.

    Only the text hashes seen so far stay in memory, so a million records need no more than
    their hashes and one batch of documents.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        connection.execute(
            "CREATE TEMP TABLE analysed (warc_path TEXT, warc_offset BIGINT, text_hash TEXT)"
        )
        connection.execute("CREATE TEMP TABLE reanalysed AS SELECT * FROM documents LIMIT 0")
        self.seen: set[str] = set()
        self.pairs: list[list] = []
        self.documents: list[list] = []
        connection.execute("CREATE TEMP TABLE unreadable (warc_path TEXT, warc_offset BIGINT)")
        self.without_text = 0
        self.too_large = 0
        self.unreadable: list[str] = []

    def add(self, warc_path: str, offset: int, analysed: _Analysed) -> None:
        document = analysed.document
        if analysed.unreadable is not None:
            self.unreadable.append(f"{warc_path} at offset {offset}: {analysed.unreadable}")
            self.connection.execute("INSERT INTO unreadable VALUES (?, ?)", [warc_path, offset])
            return
        if analysed.too_large:
            self.too_large += 1
            return
        if document is None:
            self.without_text += 1
            return
        self.pairs.append([warc_path, offset, document.text_hash])
        if document.text_hash not in self.seen:
            # The first record of a text (in record order) stands for it: deterministic.
            self.seen.add(document.text_hash)
            self.documents.append(document_row(document))
        if len(self.pairs) >= STAGING_BATCH or len(self.documents) >= DOCUMENT_BATCH:
            self.flush()

    def flush(self) -> None:
        insert_rows(
            self.connection, "analysed", ANALYSED_COLUMNS, self.pairs, per_statement=STAGING_BATCH
        )
        insert_rows(
            self.connection,
            "reanalysed",
            DOCUMENT_COLUMNS,
            self.documents,
            per_statement=DOCUMENT_INSERT_ROWS,
        )
        self.pairs.clear()
        self.documents.clear()


def reprocess(db: Path, workers: int | None = None) -> ReprocessSummary:
    """Rebuild `documents`, captures' `text_hash` and `versions` from the stored WARCs alone.

    Records are analysed on all cores and staged in temporary tables as they come; the tables
    are then replaced in one transaction, so a failure leaves them as they were. Deterministic:
    the same WARCs and code give identical tables.
    """
    connection = connect(db)
    try:
        folder = Path(db).resolve().parent
        records = connection.execute(
            "SELECT warc_path, warc_offset, min(url), min(coalesce(memento_datetime, timestamp))"
            " FROM captures WHERE fetch_status = 'fetched' AND warc_path IS NOT NULL"
            " AND http_status BETWEEN 200 AND 299 GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        # a missing file is reported per record, like a damaged one, and the rest goes on
        tasks = [
            (str(folder / warc_path), offset, url, moment.replace(tzinfo=UTC))
            for warc_path, offset, url, moment in records
        ]
        staging = _Staging(connection)
        with ProcessPoolExecutor(workers or POLICYTRAIL_CORES, initializer=_start_worker) as pool:
            analysed = pool.map(_analyse_record, tasks, chunksize=CHUNK)
            for (warc_path, offset, _, _), outcome in zip(records, analysed, strict=True):
                staging.add(warc_path, offset, outcome)
        staging.flush()
        connection.execute("BEGIN TRANSACTION")
        try:
            connection.execute("DELETE FROM versions")
            # Records that could not be read keep the text they had: nothing stored is lost.
            connection.execute(
                "UPDATE captures SET text_hash = NULL, date_after_capture = NULL"
                " WHERE NOT EXISTS (SELECT 1 FROM unreadable u WHERE u.warc_path ="
                " captures.warc_path AND u.warc_offset = captures.warc_offset)"
            )
            connection.execute(
                "DELETE FROM documents WHERE text_hash NOT IN (SELECT text_hash FROM captures"
                " WHERE text_hash IS NOT NULL)"
            )
            columns = ", ".join(DOCUMENT_COLUMNS)
            connection.execute(
                f"INSERT INTO documents ({columns}) SELECT {columns} FROM reanalysed"
                " WHERE text_hash NOT IN (SELECT text_hash FROM documents) ORDER BY text_hash"
            )
            connection.execute(
                "UPDATE captures SET text_hash = a.text_hash FROM analysed AS a"
                " WHERE captures.fetch_status = 'fetched' AND captures.warc_path = a.warc_path"
                " AND captures.warc_offset = a.warc_offset"
            )
            versions = rebuild_versions(connection)
            connection.execute("COMMIT")
        except Exception:
            connection.execute("ROLLBACK")
            raise
        connection.execute("DROP TABLE analysed")
        connection.execute("DROP TABLE reanalysed")
        connection.execute("DROP TABLE unreadable")
    finally:
        connection.close()
    return ReprocessSummary(
        len(records),
        len(staging.seen),
        staging.without_text,
        staging.too_large,
        versions,
        tuple(staging.unreadable),
    )
