"""The `warc` export: the archived captures behind the selected records, as one WARC file that
web-archive tools (and `policytrail archive serve`) read as they read the crawl's own."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import duckdb
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

from pipelines.export.selection import SELECTED

FILE_NAME = "captures.warc.gz"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
# What a missing, cut or damaged WARC file raises when a record is read from it.
READ_ERRORS = (OSError, EOFError, ValueError, StopIteration, ArchiveLoadFailed, zlib.error)
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class CaptureRef:
    """A capture a record stands for, and where the crawl kept the record of its payload (for
    a capture skipped as a duplicate, the record of the fetched capture with the same digest)."""

    url: str
    timestamp: datetime  # naive UTC, as the database keeps it
    digest: str
    warc_path: str | None  # relative to the database's folder (or absolute)
    warc_offset: int | None
    warc_length: int | None


@dataclass(slots=True)
class WarcSummary:
    responses: int = 0  # response records copied
    revisits: int = 0  # revisit records written for captures skipped as duplicates
    # "url at timestamp: why" for each capture whose record could not be copied
    missing: list[str] = field(default_factory=list)


def selected_captures(connection: duckdb.DuckDBPyConnection) -> list[CaptureRef]:
    """Each capture the selected records stand for, once, in the records' order."""
    rows = connection.execute(
        f"SELECT original_url, captured_at, digest, warc_path, warc_offset, warc_length"
        f" FROM {SELECTED} WHERE original_url IS NOT NULL GROUP BY ALL"
        f" ORDER BY min(record_no)"
    ).fetchall()
    return [CaptureRef(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class _Copied:
    """A response record already in the export, as a revisit refers to it."""

    record_id: str
    url: str
    date: str  # its WARC-Date
    payload_digest: str


def write_warc(
    captures: Iterable[CaptureRef], db_folder: Path, out: Path, software: str
) -> tuple[list[Path], WarcSummary]:
    """Write OUT/captures.warc.gz: a warcinfo record, then for each capture the crawl's
    response record and the metadata record written with it (its provenance: memento URL,
    redirects, CDX row), copied byte for byte, each once. A capture whose own record is
    another capture's (skipped as a duplicate of it) gets a revisit record of its own, so the
    exported file answers for it at its own URL and time, as the crawl's archive did."""
    summary = WarcSummary()
    copied: dict[tuple[Path, int], _Copied] = {}
    revisited: set[tuple[str, datetime]] = set()
    target = out / FILE_NAME
    with target.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(
            writer.create_warcinfo_record(
                FILE_NAME,
                {
                    "software": software,
                    "format": "WARC File Format 1.1",
                    "description": "Captures of privacy policies exported from a policytrail "
                    "database: response and metadata records copied byte for byte from the "
                    "crawl's WARC files, and revisit records for captures of identical payloads.",
                },
            )
        )
        for capture in captures:
            if capture.warc_path is None or capture.warc_offset is None:
                summary.missing.append(f"{_where(capture)}: no WARC record was kept")
                continue
            path = db_folder / capture.warc_path
            key = (path, capture.warc_offset)
            if key not in copied:
                try:
                    blocks, response = _read_records(path, capture.warc_offset)
                except READ_ERRORS as error:
                    reason = f"{type(error).__name__}: {error}"[:200]
                    summary.missing.append(f"{_where(capture)}: {path}: {reason}")
                    continue
                for block in blocks:
                    handle.write(block)
                copied[key] = response
                summary.responses += 1
            response = copied[key]
            stamp = _warc_date(capture.timestamp)
            own = response.url == capture.url and response.date == stamp
            if not own and (capture.url, capture.timestamp) not in revisited:
                revisited.add((capture.url, capture.timestamp))
                writer.write_record(_revisit(writer, capture, response))
                summary.revisits += 1
    return [Path(FILE_NAME)], summary


def _read_records(path: Path, offset: int) -> tuple[list[bytes], _Copied]:
    """The response record at `offset` and the metadata record written with it (when there
    is one), each as the bytes of one gzip member, and what a revisit needs of the response."""
    with path.open("rb") as stream:
        spans = list(_record_spans(stream, offset))
        response_span, metadata_span = spans[0], spans[1] if len(spans) > 1 else None
        start, length, record = response_span
        if record.rec_type != "response":
            raise ValueError(f"the record at offset {offset} is a {record.rec_type} record")
        blocks = [_read_block(stream, start, length)]
        if metadata_span is not None:
            blocks.append(_read_block(stream, metadata_span[0], metadata_span[1]))
    headers = record.rec_headers
    return blocks, _Copied(
        headers.get_header("WARC-Record-ID"),
        headers.get_header("WARC-Target-URI"),
        headers.get_header("WARC-Date"),
        headers.get_header("WARC-Payload-Digest") or "",
    )


def _record_spans(stream: BinaryIO, offset: int) -> Iterator[tuple[int, int, ArcWarcRecord]]:
    """(start, length, record) of the record at `offset`, then of the next one if it is the
    metadata record written with it (WARC-Concurrent-To naming it)."""
    stream.seek(offset)
    records = ArchiveIterator(stream)
    response = next(records)
    response.content_stream().read()
    records.read_to_end()
    length = records.get_record_length()
    yield offset, length, response
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    following = next(records, None)
    if following is None or following.rec_type != "metadata":
        return
    if following.rec_headers.get_header("WARC-Concurrent-To") != response_id:
        return
    following.content_stream().read()
    records.read_to_end()
    # the crawl writes the metadata record right after its response
    yield offset + length, records.get_record_length(), following


def _read_block(stream: BinaryIO, start: int, length: int) -> bytes:
    """One record's bytes, as a gzip member of its own (a record of an uncompressed WARC is
    compressed as it is, so the export stays one .warc.gz file)."""
    stream.seek(start)
    block = stream.read(length)
    if len(block) != length:
        raise EOFError(f"record at offset {start} is cut short")
    return block if block.startswith(_GZIP_MAGIC) else gzip.compress(block)


def _revisit(writer: WARCWriter, capture: CaptureRef, response: _Copied) -> ArcWarcRecord:
    """A revisit record: `capture` had the payload of `response` (same digest), no body."""
    record = writer.create_revisit_record(
        capture.url,
        digest=response.payload_digest or f"sha1:{capture.digest}",
        refers_to_uri=response.url,
        refers_to_date=response.date,
        warc_headers_dict={
            "WARC-Date": _warc_date(capture.timestamp),
            "WARC-Refers-To": response.record_id,
        },
    )
    record.rec_headers.replace_header("WARC-Profile", REVISIT_PROFILE)
    return record


def _warc_date(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _where(capture: CaptureRef) -> str:
    return f"{capture.url} at {capture.timestamp:%Y%m%d%H%M%S}"
