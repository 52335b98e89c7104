"""Faults from the archive: every capture ends stored correctly or recorded as failed, and the
next run fetches what failed. The real crawl against the local archive's fault injection."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from collection import HTML, page
from crawl_helpers import crawl_local, query
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.archive.faults import FaultConfig
from crawler.archive.server import ArchiveOptions, ArchiveServer
from crawler.wayback import payload_digest

URL = "http://www.acme.example/privacy"
OTHER = "http://www.hidden.example/privacy"


def targets(tmp_path: Path, *urls: str) -> Path:
    path = tmp_path / "targets.txt"
    path.write_text("\n".join(urls) + "\n")
    return path


def crawl(tmp_path: Path, archive: str, target_file: Path, db: Path):
    return crawl_local(tmp_path, archive, target_file, db)


def serve(tmp_path: Path, folder: Path, options: ArchiveOptions | None = None) -> ArchiveServer:
    index = tmp_path / f"index-{len(list(tmp_path.glob('index-*')))}.sqlite3"
    return ArchiveServer([folder], options, index_path=index).start()


def response_offset(path: Path, timestamp: str) -> int:
    with path.open("rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            date = record.rec_headers.get_header("WARC-Date") or ""
            if record.rec_type == "response" and date.replace("-", "").replace(":", "").startswith(
                f"{timestamp[:8]}T{timestamp[8:]}"
            ):
                return records.get_record_offset()
    raise AssertionError(f"no response record at {timestamp}")


def test_a_copy_that_can_never_be_fetched_does_not_hide_its_twin(tmp_path):
    """Issue 8.3: the later capture of the same page was skipped as 'already fetched' while the
    first was in flight; the first then failed for good, and nothing of the page was stored."""
    body = page(1, 1, 1)
    folder = tmp_path / "warcs"
    write_warc(
        [
            CaptureSpec(URL, "20100101000000", headers=HTML, body=body),
            CaptureSpec(URL, "20110101000000", headers=HTML, body=body),
        ],
        folder / "a.warc.gz",
    )
    archive = serve(tmp_path, folder)
    try:
        warc = folder / "a.warc.gz"
        data = bytearray(warc.read_bytes())
        offset = response_offset(warc, "20100101000000")
        for at in range(offset, offset + 16):  # the first record's gzip header: unreadable
            data[at] ^= 0xFF
        warc.write_bytes(bytes(data))
        db = tmp_path / "study.duckdb"
        target_file = targets(tmp_path, URL)
        first = crawl(tmp_path, archive.base_url, target_file, db)
        assert first.returncode == 1, first.stderr[-2000:]  # a failure, said as such
        rows = query(db, "SELECT strftime(timestamp, '%Y'), fetch_status FROM captures ORDER BY 1")
        assert rows == [("2010", "failed"), ("2011", "fetched")]
        assert query(db, "SELECT count(*) FROM documents") == [(1,)]
        assert query(db, "SELECT count(*) FROM versions") == [(1,)]
        # the next run sees the page stored under its twin: the broken copy is not needed
        second = crawl(tmp_path, archive.base_url, target_file, db)
        assert second.returncode == 0, second.stderr[-2000:]
    finally:
        archive.stop()
    rows = query(
        db,
        "SELECT strftime(timestamp, '%Y'), fetch_status, reason_code, warc_offset FROM captures"
        " ORDER BY 1",
    )
    assert [row[:3] for row in rows] == [
        ("2010", "skipped", "duplicate"),
        ("2011", "fetched", None),
    ]
    assert rows[0][3] == rows[1][3] is not None  # the skip points at the stored copy


def test_a_body_cut_short_without_content_length_is_never_stored_as_fetched(tmp_path):
    """Issue 8.4: with no Content-Length a cut body looks whole; only the CDX digest tells."""
    folder = tmp_path / "warcs"
    specs = [
        CaptureSpec(URL, f"201{n}0101000000", headers=HTML, body=page(1, n, n)) for n in range(4)
    ]
    write_warc(specs, folder / "a.warc.gz")
    target_file = targets(tmp_path, URL)
    db = tmp_path / "study.duckdb"
    cutting = serve(
        tmp_path,
        folder,
        ArchiveOptions(faults=FaultConfig(cut_rate=1.0, endpoints=frozenset({"replay"}))),
    )
    try:
        result = crawl(tmp_path, cutting.base_url, target_file, db)
    finally:
        cutting.stop()
    assert result.returncode == 1
    assert query(db, "SELECT DISTINCT fetch_status, reason_code FROM captures") == [
        ("failed", "digest_mismatch")
    ]
    assert query(db, "SELECT count(*) FROM documents") == [(0,)]
    clean = serve(tmp_path, folder)
    try:
        result = crawl(tmp_path, clean.base_url, target_file, db)
    finally:
        clean.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    stored = query(db, "SELECT payload_sha1, digest FROM captures WHERE fetch_status = 'fetched'")
    assert len(stored) == 4 and all(sha1 == digest for sha1, digest in stored)


def test_a_site_the_archive_excludes_is_reported_and_leaves_the_run_complete(tmp_path):
    """Issue 8.7: IA's 403 'Blocked Site Error' is a final answer, recorded per URL."""
    folder = tmp_path / "warcs"
    write_warc(
        [
            CaptureSpec(URL, "20100101000000", headers=HTML, body=page(1, 1, 1)),
            CaptureSpec(OTHER, "20100101000000", headers=HTML, body=page(2, 1, 1)),
        ],
        folder / "a.warc.gz",
    )
    archive = serve(tmp_path, folder, ArchiveOptions(exclusions=("hidden.example",)))
    db = tmp_path / "study.duckdb"
    try:
        for _ in range(2):
            result = crawl(tmp_path, archive.base_url, targets(tmp_path, URL, OTHER), db)
            assert result.returncode == 0, result.stderr[-2000:]
            assert f"excluded by the archive: hidden.example {OTHER}" in result.stdout
    finally:
        archive.stop()
    listing = query(db, "SELECT url, listing_status, listing_message FROM target_urls ORDER BY 1")
    assert [row[:2] for row in listing] == [(URL, "listed"), (OTHER, "excluded")]
    assert "Blocked Site Error" in listing[1][2]
    assert query(db, "SELECT cdx_failed, cdx_excluded FROM crawl_runs") == [(0, 1), (0, 1)]


def test_a_page_over_the_size_limit_is_skipped_too_large_and_a_gzip_bomb_too(tmp_path):
    """Issue 8: a huge page, and a gzip body that inflates past the limit, are 'too_large'."""
    from collection import crawl as crawl_with_settings

    folder = tmp_path / "warcs"
    bomb = gzip.compress(b" " * 3_000_000)  # 3 KB that inflate to 3 MB
    write_warc(
        [
            CaptureSpec(URL, "20100101000000", headers=HTML, body=page(1, 1, 1)),
            CaptureSpec(URL, "20110101000000", headers=HTML, body=b"<p>" + b"x" * 2_500_000),
            CaptureSpec(
                URL,
                "20120101000000",
                headers=(*HTML, ("Content-Encoding", "gzip")),
                body=bomb,
            ),
        ],
        folder / "a.warc.gz",
    )
    assert zlib.decompress(bomb, 16 + zlib.MAX_WBITS).startswith(b" ")
    archive = serve(tmp_path, folder)
    db = tmp_path / "study.duckdb"
    try:
        result = crawl_with_settings(
            db,
            targets(tmp_path, URL),
            archive.base_url,
            settings={"DOWNLOAD_MAXSIZE": 1_000_000, "DOWNLOAD_WARNSIZE": 500_000},
        )
    finally:
        archive.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    rows = query(
        db,
        "SELECT strftime(timestamp, '%Y'), fetch_status, reason_code FROM captures ORDER BY 1",
    )
    assert rows == [
        ("2010", "fetched", None),
        ("2011", "skipped", "too_large"),
        ("2012", "skipped", "too_large"),
    ]
    assert payload_digest(page(1, 1, 1)) in {r[0] for r in query(db, "SELECT digest FROM captures")}


FAULT_KINDS = {  # name: (the fault, as the archive counts it)
    "5xx bursts": (FaultConfig(error_rate=0.5, seed=1), "server_error"),
    "429 storm": (FaultConfig(throttle_rate=0.6, seed=2), "rate_limited"),
    "resets": (FaultConfig(reset_rate=0.4, seed=3), "reset"),
    "truncated bodies": (FaultConfig(truncate_rate=0.5, seed=4), "truncated"),
    "cut bodies without length": (FaultConfig(cut_rate=0.5, seed=11), "cut"),
    "slow bodies": (FaultConfig(slow_rate=0.5, slow_seconds=0.5, seed=6), "slow"),
    "malformed CDX rows": (FaultConfig(malformed_rate=1.0, seed=7), "malformed"),
}


def odd_pages() -> list[CaptureSpec]:
    """Pages as 2000s servers sent them: wrong and missing charsets, binary data labelled
    text/html, nesting thousands deep."""
    latin = "Politique de confidentialité : nous protégeons vos données personnelles. " * 6
    deep = "<div>" * 5000 + "<p>We collect personal data deep down.</p>" + "</div>" * 5000
    return [
        CaptureSpec(URL, "20100101000000", headers=HTML, body=page(1, 1, 1)),
        CaptureSpec(  # says utf-8, is latin-1
            URL,
            "20110101000000",
            headers=HTML,
            body=f"<html><body><h1>Confidentialité</h1><p>{latin}</p></body></html>".encode(
                "latin-1"
            ),
        ),
        CaptureSpec(  # no charset anywhere
            URL,
            "20120101000000",
            headers=(("Content-Type", "text/html"),),
            body=f"<html><body><p>{latin}</p></body></html>".encode("cp1252"),
        ),
        CaptureSpec(URL, "20130101000000", headers=HTML, body=bytes(range(256)) * 64),
        CaptureSpec(
            URL, "20140101000000", headers=HTML, body=f"<html><body>{deep}</body></html>".encode()
        ),
        CaptureSpec(URL, "20150101000000", headers=HTML, body=page(1, 2, 2)),
    ]


@pytest.mark.parametrize("kind", sorted(FAULT_KINDS))
def test_under_each_fault_every_capture_is_stored_right_or_failed_and_fetched_next_run(
    tmp_path, kind
):
    folder = tmp_path / "warcs"
    write_warc(odd_pages(), folder / "a.warc.gz")
    target_file = targets(tmp_path, URL)
    clean_db = tmp_path / "clean.duckdb"
    clean = serve(tmp_path, folder)
    try:
        assert crawl(tmp_path, clean.base_url, target_file, clean_db).returncode == 0
    finally:
        clean.stop()
    db = tmp_path / "study.duckdb"
    config, counted = FAULT_KINDS[kind]
    endpoint = "cdx" if config.malformed_rate else "replay"
    faults = replace(config, endpoints=frozenset({endpoint}))
    faulty = serve(tmp_path, folder, ArchiveOptions(faults=faults))
    try:
        first = crawl(tmp_path, faulty.base_url, target_file, db)
    finally:
        faulty.stop()
    assert faulty.stats.get(counted, 0) > 0, faulty.stats  # the fault did happen
    assert first.returncode in (0, 1) and "Traceback" not in first.stderr
    for status, sha1, digest in query(
        db, "SELECT fetch_status, payload_sha1, digest FROM captures"
    ):
        assert status == "failed" or sha1 == digest  # never a damaged payload stored
    again = serve(tmp_path, folder)
    try:
        assert crawl(tmp_path, again.base_url, target_file, db).returncode == 0
    finally:
        again.stop()
    columns = "url, timestamp, fetch_status, payload_sha1, text_hash, encoding"
    sql = f"SELECT {columns} FROM captures ORDER BY timestamp"
    assert query(db, sql) == query(clean_db, sql)
    texts = [text for (text,) in query(clean_db, "SELECT text FROM documents")]
    assert query(clean_db, "SELECT reason_code FROM captures WHERE year(timestamp) = 2013") == [
        ("not_text",)
    ]
    assert not any("\ufffd" in text for text in texts)  # the wrong label is not believed
    assert any("confidentialité" in text and "données" in text for text in texts)
    assert any("deep down" in text for text in texts)
    assert not any("\x00" in text for text in texts)
