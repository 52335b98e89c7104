"""Reading a WARC file into the index's rows: the CDX values of each readable response and
revisit record, damaged stretches skipped and logged, the rest of the file still read."""

from __future__ import annotations

import logging
import mmap
import zlib
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.exceptions import WarcError
from crawler.wayback import format_timestamp, payload_digest, surt_key, url_problem

# What a record starts with: a gzip member's magic, or an uncompressed WARC's version line.
_RECORD_STARTS = (b"\x1f\x8b\x08", b"WARC/1.0\r\n", b"WARC/1.1\r\n")
# Where reading stopped early, and why.
Damage = tuple[int, str]

logger = logging.getLogger(__name__)


def index_file(path: Path) -> Iterator[tuple]:
    """CDX values of each readable response and revisit record of one WARC file.

    A damaged stretch (a torn gzip member, a file cut off mid-record) costs only its own records:
    it is logged in one line and reading resumes at the next record start. A file in which no
    record at all can be read is no WARC, and says so.
    """
    start, read_any = 0, False
    damage: Damage | None = None  # where the stretch being skipped began, and why
    while True:
        read, stop = yield from _index_stretch(path, start)
        read_any = read_any or read > 0
        if read and damage is not None:
            _log_damage(path, damage, start)
            damage = None
        if stop is None:
            return
        damage = damage or stop
        # Past the failing record's own start, or the search would find it again.
        resume = _next_record_start(path, stop[0] + 1 if stop[0] == start else stop[0])
        if resume is None:
            if not read_any:
                raise WarcError(f"{path}: cannot read as WARC ({damage[1]})")
            _log_damage(path, damage, None)
            return
        start = resume


def _index_stretch(path: Path, start: int) -> Generator[tuple, None, tuple[int, Damage | None]]:
    """Index records from `start`; returns how many were read and where and why it stopped early."""
    at, read = start, 0
    try:
        with path.open("rb") as stream:
            stream.seek(start)
            records = ArchiveIterator(stream, arc2warc=True)
            for record in records:
                values = _capture_values(record, records)
                offset, length = records.get_record_offset(), records.get_record_length()
                # warcio ends a record cut short without a word: only its unmet length tells.
                if getattr(record.raw_stream, "limit", 0) > 0:
                    return read, (offset, "record cut short")
                if not record.rec_type:  # what warcio makes of the start of a torn last member
                    return read, (offset, "no WARC record there")
                at, read = offset + length, read + 1
                if isinstance(values, str):
                    logger.warning("%s: record at offset %d skipped: %s", path, offset, values)
                elif values is not None:
                    yield (*values, length, offset, record.rec_type, *_refers(record))
            # warcio also ends quietly at a torn gzip member too short to decompress to anything.
            stream.seek(at)
            if stream.read().strip(b"\r\n"):
                return read, (at, "trailing data that is no WARC record")
    except OSError as error:
        raise WarcError(f"{path}: cannot read ({error.strerror or error})") from None
    except ArchiveLoadFailed:
        return read, (at, "no WARC record there")  # warcio's message quotes the binary it met
    except AttributeError:
        # warcio's parser trips over some torn headers this way (it meets None for a line).
        return read, (at, "torn WARC headers")
    except (EOFError, zlib.error) as error:
        return read, (at, f"damaged gzip data: {error or 'cut short'}")
    except ValueError as error:
        return read, (at, str(error).splitlines()[0][:80])
    return read, None


def _capture_values(record, records: ArchiveIterator) -> list | str | None:
    """The CDX values of a response or revisit (the record read to its end); a reason to skip it
    if its URL cannot be parsed; None if it is no capture."""
    uri = record.rec_headers.get_header("WARC-Target-URI")
    if record.rec_type not in ("response", "revisit") or not uri:
        return None
    if not uri.lower().startswith(("http:", "https:")):
        return None
    if problem := url_problem(uri):
        return f"invalid url {uri!r} ({problem})"
    values = _cdx_values(record, uri)
    if values is None:
        return None
    record_digest = record.rec_headers.get_header("WARC-Payload-Digest")
    if not record_digest and record.rec_type == "response":
        record_digest = payload_digest(record.content_stream().read())
    records.read_to_end()
    values[6] = (record_digest or "").split(":", 1)[-1]
    return values


def _next_record_start(path: Path, start: int) -> int | None:
    """Where the next gzip member or uncompressed WARC record begins at or after `start`."""
    if start >= path.stat().st_size:
        return None
    with path.open("rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
        found = [at for mark in _RECORD_STARTS if (at := data.find(mark, start)) >= 0]
    return min(found, default=None)


def _log_damage(path: Path, damage: Damage, resumed: int | None) -> None:
    skipped = f"skipped to offset {resumed}" if resumed is not None else "rest of file skipped"
    logger.warning(
        "%s: unreadable WARC data at offset %d (%s), %s", path, damage[0], damage[1], skipped
    )


def _cdx_values(record, uri: str) -> list | None:
    date = record.rec_headers.get_header("WARC-Date") or ""
    try:
        moment = datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    timestamp = format_timestamp(moment)
    urlkey = surt_key(uri)
    if record.rec_type == "revisit":
        mimetype, status = "warc/revisit", "-"
    else:
        http = record.http_headers
        status = http.get_statuscode() if http else "-"
        content_type = http.get_header("Content-Type") if http else None
        mimetype = (content_type or "unk").split(";", 1)[0].strip().lower() or "unk"
    return [f"{urlkey} {timestamp}", urlkey, timestamp, uri, mimetype, status, ""]


def _refers(record) -> tuple[str | None, str | None]:
    if record.rec_type != "revisit":
        return None, None
    refers_url = record.rec_headers.get_header("WARC-Refers-To-Target-URI")
    refers_date = record.rec_headers.get_header("WARC-Refers-To-Date")
    if refers_date:
        try:
            moment = datetime.fromisoformat(refers_date.replace("Z", "+00:00"))
            refers_date = format_timestamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        except ValueError:
            refers_date = None
    return refers_url, refers_date
