"""The `warc` export: one gzipped WARC that warcio reads and the local archive serves again,
with the crawl's records byte for byte."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import duckdb
import pytest
from export_helpers import assert_manifest_matches, run_export
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.server import ArchiveServer
from pipelines.reprocess import read_record


def records_of(path: Path) -> list[tuple[str, str | None, str | None, bytes]]:
    """(type, target URI, WARC-Date, payload) of each record."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            headers = record.rec_headers
            found.append(
                (
                    record.rec_type,
                    headers.get_header("WARC-Target-URI"),
                    headers.get_header("WARC-Date"),
                    record.content_stream().read(),
                )
            )
    return found


def crawl_records(db: Path, fetch_status: str | None = None) -> list[tuple]:
    connection = duckdb.connect(str(db), read_only=True)
    try:
        return connection.execute(
            "SELECT url, strftime(timestamp, '%Y%m%d%H%M%S'), warc_path, warc_offset, warc_length"
            " FROM captures WHERE text_hash IS NOT NULL"
            " AND (? IS NULL OR fetch_status = ?) ORDER BY timestamp",
            [fetch_status, fetch_status],
        ).fetchall()
    finally:
        connection.close()


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.read()


@pytest.fixture(scope="module")
def sampled_export(sample_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("warc-export") / "captures"
    code = run_export("--format", "warc", str(out), "--db", str(sample_db), "--sample-every", "6M")
    assert code == 0
    return out


def test_versions_give_their_first_captures_records_byte_for_byte(sample_db, tmp_path):
    out = tmp_path / "captures"
    assert run_export("--format", "warc", str(out), "--db", str(sample_db)) == 0
    manifest = assert_manifest_matches(out)
    assert list(manifest["files"]) == ["captures.warc.gz"]
    assert manifest["warc"] == {"responses": 15, "revisits": 0, "missing": []}
    exported = (out / "captures.warc.gz").read_bytes()
    records = records_of(out / "captures.warc.gz")
    assert records[0][0] == "warcinfo"
    assert [kind for kind, *_ in records[1:]] == ["response", "metadata"] * 15
    # each response record is the crawl's gzip member itself
    folder = sample_db.parent
    first_captures = {
        (url, stamp): (path, offset, length)
        for url, stamp, path, offset, length in crawl_records(sample_db, "fetched")
    }
    for _, url, date, _ in (r for r in records if r[0] == "response"):
        stamp = date.replace("-", "").replace("T", "").replace(":", "").rstrip("Z")
        path, offset, length = first_captures[(url, stamp)]
        with (folder / path).open("rb") as stream:
            stream.seek(offset)
            assert stream.read(length) in exported


def test_the_export_is_served_again_with_the_same_bytes(sampled_export, sample_db, tmp_path):
    manifest = assert_manifest_matches(sampled_export)
    details = manifest["warc"]
    assert details["revisits"] > 0 and details["missing"] == []
    folder = sample_db.parent
    captures = crawl_records(sample_db)
    exported = records_of(sampled_export / "captures.warc.gz")
    served = {(url, date) for kind, url, date, _ in exported if kind in ("response", "revisit")}
    assert len(served) == details["responses"] + details["revisits"]
    with ArchiveServer([sampled_export], index_path=tmp_path / "index.sqlite3") as archive:
        status, body = fetch(
            f"{archive.base_url}/cdx/search/cdx?url=shop.kettleworks.example/privacy.htm"
        )
        assert status == 200
        listed = {line.split()[1] for line in body.decode().splitlines()}
        # one SURT key covers the http and https captures
        kettle = {stamp for url, stamp, *_ in captures if "kettleworks" in url}
        assert listed == {
            date.replace("-", "").replace("T", "").replace(":", "").rstrip("Z")
            for url, date in served
            if "kettleworks" in url
        }
        assert listed <= kettle
        checked = 0
        for url, stamp, path, offset, _ in captures:
            date = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:"
            date += f"{stamp[12:]}Z"
            if (url, date) not in served:
                continue
            # a duplicate capture is answered from the record of the fetch it repeats
            payload, _ = read_record(str(folder / path), offset)
            status, body = fetch(f"{archive.base_url}/web/{stamp}id_/{url}")
            assert (status, body) == (200, payload), (url, stamp)
            checked += 1
        assert checked == len(served)


def test_each_record_is_copied_once(sampled_export):
    exported = records_of(sampled_export / "captures.warc.gz")
    responses = [(url, date) for kind, url, date, _ in exported if kind == "response"]
    assert len(responses) == len(set(responses))
    revisits = [(url, date) for kind, url, date, _ in exported if kind == "revisit"]
    assert len(revisits) == len(set(revisits)) and not set(revisits) & set(responses)
