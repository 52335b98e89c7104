"""The WARC pipeline: keeps every fetched memento as WARC records, so nothing is fetched twice."""

from __future__ import annotations

import io
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.items import FETCHED, CaptureItem
from crawler.killpoints import kill_now, passing
from crawler.signals import before_commit
from crawler.wayback import reason_phrase

logger = logging.getLogger(__name__)


class WarcPipeline:
    """Writes each fetched capture as a `response` record (the original URL, status, headers and
    payload, dated by its Memento-Datetime) followed by a `metadata` record with its provenance
    (memento URL, redirect chain, CDX row). Files rotate at `max_bytes`.

    Records carry the capture's original URL and date, so the files can be served again by
    `policytrail archive serve` and reprocessed without the network.
    """

    def __init__(self, folder: Path, db_folder: Path, max_bytes: int, crawler: Crawler) -> None:
        self.folder = folder
        self.db_folder = db_folder
        self.max_bytes = max_bytes
        self.crawler = crawler
        self._handle: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None
        self._sequence = 0
        self._stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        db = crawler.settings.get("POLICYTRAIL_DB")
        if not db:
            raise NotConfigured("POLICYTRAIL_DB is not set")
        db_folder = Path(db).resolve().parent
        pipeline = cls(
            warc_folder(crawler.settings),
            db_folder,
            crawler.settings.getint("POLICYTRAIL_WARC_MAX_BYTES"),
            crawler,
        )
        crawler.signals.connect(pipeline.sync, signal=before_commit)
        return pipeline

    def sync(self) -> None:
        """Make what was written so far durable (before the database refers to it)."""
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def process_item(self, item):
        if isinstance(item, CaptureItem) and item.fetch_status == FETCHED and item.memento:
            self._write(item)
        return item

    def close_spider(self) -> None:
        self._close_file()

    def _write(self, item: CaptureItem) -> None:
        writer = self._current_writer()
        memento = item.memento
        assert memento is not None and self._handle is not None and self._path is not None
        reason = reason_phrase(memento.http_status)
        http_headers = StatusAndHeaders(
            f"{memento.http_status} {reason}", memento.headers, protocol="HTTP/1.1"
        )
        date = memento.memento_datetime.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        response = writer.create_warc_record(
            item.url,
            "response",
            payload=io.BytesIO(memento.body),
            length=len(memento.body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date},
        )
        offset = self._handle.tell()
        if passing("warc"):
            _write_torn(response, self._handle)
        writer.write_record(response)
        length = self._handle.tell() - offset
        provenance = {
            "memento_url": memento.memento_url,
            "final_url": memento.final_url,
            "redirect_chain": memento.redirect_chain,
            "location": memento.location,
            "fetched_at": (memento.fetched_at or datetime.now(UTC)).isoformat(),
            "cdx": {
                "urlkey": item.urlkey,
                "timestamp": item.timestamp,
                "original": item.url,
                "mimetype": item.mimetype,
                "statuscode": item.statuscode,
                "digest": item.digest,
                "length": item.length,
            },
            "site": item.site,
            "target_url": item.target_url,
        }
        metadata = writer.create_warc_record(
            item.url,
            "metadata",
            payload=io.BytesIO(json.dumps(provenance, sort_keys=True).encode("utf-8")),
            warc_content_type="application/json",
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(metadata)
        self._handle.flush()
        item.warc_path = (
            self._path.relative_to(self.db_folder).as_posix()
            if self._path.is_relative_to(self.db_folder)
            else str(self._path)
        )
        item.warc_offset = offset
        item.warc_length = length
        self.crawler.stats.inc_value("policytrail/warc_bytes", length)
        if self._handle.tell() >= self.max_bytes:
            self._close_file()

    def _current_writer(self) -> WARCWriter:
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            run_id = self.crawler.stats.get_value("policytrail/run_id") or 0
            while True:
                self._sequence += 1
                name = f"policytrail-{self._stamp}-run{run_id}-{self._sequence:05d}.warc.gz"
                self._path = self.folder / name
                if not self._path.exists():
                    break
            self._handle = self._path.open("wb")
            self._writer = WARCWriter(self._handle, gzip=True)
            self._writer.write_record(
                self._writer.create_warcinfo_record(name, {"software": "policytrail"})
            )
        return self._writer

    def _close_file(self) -> None:
        if self._handle is not None:
            self.sync()
            self._handle.close()
        self._handle = self._writer = None


def _write_torn(record: object, handle: io.BufferedWriter) -> None:
    """The `warc` kill point: half of the record reaches the file, then the process dies."""
    buffer = io.BytesIO()
    WARCWriter(buffer, gzip=True).write_record(record)
    handle.write(buffer.getvalue()[: buffer.tell() // 2])
    handle.flush()
    kill_now()


def warc_folder(settings: BaseSettings) -> Path:
    """Where a crawl keeps its WARC files: POLICYTRAIL_WARC_DIR, or `<db name>-warcs/` beside
    the database, so two databases in one folder never share (or delete) WARCs."""
    db_path = Path(settings.get("POLICYTRAIL_DB")).resolve()
    chosen = settings.get("POLICYTRAIL_WARC_DIR") or db_path.parent / f"{db_path.stem}-warcs"
    return Path(chosen).resolve()


def repair_warc(path: Path, referenced_end: int | None) -> None:
    """Cut a WARC file of a killed run back to what the database refers to.

    `referenced_end` is where the last referenced `response` record ends; the `metadata`
    record written with it is kept too. Everything after (records never committed, and a
    record torn by the kill) goes; a file with no referenced record is removed.
    """
    if referenced_end is None:
        path.unlink()
        logger.warning("%s: no record of it was stored (its run was killed): removed", path)
        return
    end = referenced_end
    with path.open("rb") as handle:
        handle.seek(end)
        records = ArchiveIterator(handle)
        try:
            following = next(records, None)
            if following is not None and following.rec_type == "metadata":
                following.content_stream().read()
                # warcio counts offsets from the start of the file, not from the seek
                end = records.get_record_offset() + records.get_record_length()
        except (ArchiveLoadFailed, OSError, EOFError, ValueError):
            pass  # the metadata record itself is torn: cut before it
    size = path.stat().st_size
    if end < size:
        with path.open("r+b") as handle:
            handle.truncate(end)
        logger.warning(
            "%s: cut %d bytes written after the last stored record (its run was killed)",
            path,
            size - end,
        )
