"""The bytes a version was archived as: its capture's payload, read back from the stored WARC."""

from __future__ import annotations

import zlib
from datetime import datetime
from pathlib import Path

import duckdb
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.exceptions import WarcError
from pipelines.export.provenance import as_utc
from pipelines.export.records import ExportVersion

# What a missing, cut or damaged WARC file raises when a record is read from it.
_READ_ERRORS = (OSError, EOFError, ValueError, StopIteration, ArchiveLoadFailed, zlib.error)

# The WARC record of each capture `{where}` picks, one per (site, target, time, text): the
# capture's own if it was fetched; for a capture skipped as a duplicate, the earliest fetched
# capture with the same digest (the same payload); failing both, the record the skipped row
# points to (the crawler copies the fetched capture's pointer onto it).
_RECORDS = """
    WITH chosen AS (
        SELECT site, url, target_url, timestamp, digest, fetch_status, warc_path, warc_offset,
               text_hash
        FROM captures WHERE {where}
    ), candidates AS (
        SELECT site, target_url, timestamp, text_hash, warc_path, warc_offset,
               0 AS preference, timestamp AS record_time, url AS record_url
        FROM chosen WHERE fetch_status = 'fetched'
        UNION ALL
        SELECT chosen.site, chosen.target_url, chosen.timestamp, chosen.text_hash,
               copy.warc_path, copy.warc_offset, 1, copy.timestamp, copy.url
        FROM chosen JOIN captures copy
            ON copy.digest = chosen.digest AND copy.fetch_status = 'fetched'
        UNION ALL
        SELECT site, target_url, timestamp, text_hash, warc_path, warc_offset, 2, timestamp, url
        FROM chosen
    )
    SELECT site, target_url, timestamp, text_hash, warc_path, warc_offset FROM candidates
    WHERE warc_path IS NOT NULL AND warc_offset IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY site, target_url, timestamp, text_hash
        ORDER BY preference, record_time, record_url
    ) = 1
"""
_ONE_CAPTURE = "site = ? AND target_url = ? AND timestamp = ? AND text_hash = ?"
_ALL_WITH_TEXT = "text_hash IS NOT NULL"
# RawPayloads' table of every record, ordered by site so one site's rows are read at once.
_TABLE = "export_raw_records"


def read_payload(path: Path, offset: int) -> bytes:
    """The HTTP body of the WARC response record at `offset`, as the server sent it once its
    transfer encoding (chunked) and content encoding (gzip, deflate, br) are undone."""
    try:
        with path.open("rb") as stream:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream)))
            if record.rec_type != "response":
                raise WarcError(f"{path} at offset {offset}: a {record.rec_type} record")
            return record.content_stream().read()
    except _READ_ERRORS as error:
        raise WarcError(f"{path} at offset {offset}: {type(error).__name__}: {error}") from error


def _moment(version: ExportVersion) -> datetime:
    """captured_at as the database stores times: naive UTC."""
    return as_utc(version.captured_at).replace(tzinfo=None)


def raw_payload(
    connection: duckdb.DuckDBPyConnection, db_folder: Path, version: ExportVersion
) -> bytes | None:
    """The payload of the capture `version` stands for (site, target, `captured_at`, text), read
    from the WARC it is stored in (paths relative to `db_folder`); None when no WARC record of
    it is stored. A stored record that cannot be read raises WarcError.

    One query per call: for many versions use RawPayloads.
    """
    key = [version.site, version.target_url, _moment(version), version.text_hash]
    row = connection.execute(_RECORDS.format(where=_ONE_CAPTURE), key).fetchone()
    if row is None:
        return None
    *_, warc_path, offset = row
    return read_payload(db_folder / warc_path, offset)


class RawPayloads:
    """`raw_payload` for a whole export, as the callable `write_git` takes.

    On first use it resolves every capture's record in one query into a temporary table (of the
    connection, read-only or not) ordered by site; then it reads one site's rows at a time, so
    versions grouped by site cost one lookup per site rather than a scan of `captures` each.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection, db_folder: Path) -> None:
        self.connection = connection
        self.db_folder = db_folder
        self._prepared = False
        self._site: str | None = None
        self._records: dict[tuple[str, datetime, str], tuple[str, int]] = {}

    def _prepare(self) -> None:
        self.connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {_TABLE} AS"
            f" {_RECORDS.format(where=_ALL_WITH_TEXT)} ORDER BY site"
        )
        self._prepared = True

    def _load(self, site: str) -> None:
        rows = self.connection.execute(
            f"SELECT target_url, timestamp, text_hash, warc_path, warc_offset FROM {_TABLE}"
            " WHERE site = ?",
            [site],
        ).fetchall()
        self._records = {
            (url, moment, text): (path, offset) for url, moment, text, path, offset in rows
        }
        self._site = site

    def __call__(self, version: ExportVersion) -> bytes | None:
        if not self._prepared:
            self._prepare()
        if version.site != self._site:
            self._load(version.site)
        location = self._records.get((version.target_url, _moment(version), version.text_hash))
        if location is None:
            return None
        warc_path, offset = location
        return read_payload(self.db_folder / warc_path, offset)

    def close(self) -> None:
        """Drop the temporary table (it also goes with the connection)."""
        if self._prepared:
            self.connection.execute(f"DROP TABLE IF EXISTS {_TABLE}")
            self._prepared = False
        self._site = None
        self._records = {}
