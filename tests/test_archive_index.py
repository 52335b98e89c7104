"""The SQLite capture index: what it holds, persistence, re-indexing and unreadable files."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest

from crawler.archive.builder import CaptureSpec, payload_digest, write_warc
from crawler.archive.index import INDEX_FORMAT, ArchiveIndex, default_index_path, find_warcs
from crawler.exceptions import BadInputError, WarcError

HTML = ("Content-Type", "text/html; Charset=UTF-8")
PRIVACY = "http://example.com/privacy"
FIRST = [
    CaptureSpec(PRIVACY, "20100101000000", headers=(HTML,), body=b"v1"),
    CaptureSpec("https://www.example.com/privacy", "20110101000000", headers=(HTML,), body=b"v2"),
    CaptureSpec(PRIVACY, "20120101000000", kind="revisit", refers_to_timestamp="20100101000000"),
]
SECOND = [
    CaptureSpec("http://example.com/terms", "20100101000000", status=404, body=b"gone"),
]


@pytest.fixture
def warcs(tmp_path: Path) -> list[Path]:
    return [
        write_warc(FIRST, tmp_path / "warcs" / "first.warc.gz"),
        write_warc(SECOND, tmp_path / "warcs" / "second.warc.gz"),
    ]


def open_index(warcs: list[Path], tmp_path: Path) -> tuple[ArchiveIndex, int]:
    return ArchiveIndex.open(warcs, tmp_path / "cache" / "index.sqlite3")


def rows(index: ArchiveIndex) -> list[tuple[str, str, str]]:
    return [(c.urlkey, c.timestamp, Path(c.path).name) for c in index.scan("", "\U0010ffff")]


# ---- what is indexed -------------------------------------------------------------------------


def test_index_holds_the_cdx_fields_of_every_response_and_revisit(warcs, tmp_path) -> None:
    index, indexed = open_index(warcs, tmp_path)
    try:
        assert indexed == 2
        assert len(index) == 4  # request and warcinfo records are not captures
        first, second, revisit = index.captures_of("com,example)/privacy")
        assert (first.timestamp, first.original) == ("20100101000000", PRIVACY)
        assert second.original == "https://www.example.com/privacy"
        assert (first.mimetype, first.statuscode) == ("text/html", "200")
        assert first.digest == payload_digest(b"v1")
        assert first.length > 0
        assert first.kind == "response" and not first.is_revisit
        assert (revisit.mimetype, revisit.statuscode) == ("warc/revisit", "-")
        assert revisit.digest == first.digest
        assert revisit.is_revisit
        assert (revisit.refers_to_url, revisit.refers_to_date) == (PRIVACY, "20100101000000")
        (terms,) = index.captures_of("com,example)/terms")
        assert (terms.mimetype, terms.statuscode) == ("unk", "404")
    finally:
        index.close()


def test_cdx_values_and_sortkey(warcs, tmp_path) -> None:
    index, _ = open_index(warcs, tmp_path)
    try:
        capture = index.captures_of("com,example)/privacy")[0]
        assert capture.sortkey == "com,example)/privacy 20100101000000"
        values = capture.cdx_values()
        assert list(values) == [
            "urlkey",
            "timestamp",
            "original",
            "mimetype",
            "statuscode",
            "digest",
            "length",
        ]
        assert values["length"] == str(capture.length)
    finally:
        index.close()


def test_scan_is_in_cdx_order_and_honours_bounds(warcs, tmp_path) -> None:
    index, _ = open_index(warcs, tmp_path)
    try:
        assert rows(index) == [
            ("com,example)/privacy", "20100101000000", "first.warc.gz"),
            ("com,example)/privacy", "20110101000000", "first.warc.gz"),
            ("com,example)/privacy", "20120101000000", "first.warc.gz"),
            ("com,example)/terms", "20100101000000", "second.warc.gz"),
        ]
        in_2011 = index.scan("", "\U0010ffff", from_ts="20110101000000", to_ts="20119999999999")
        assert [c.timestamp for c in in_2011] == ["20110101000000"]
        after = index.scan("", "\U0010ffff", after="com,example)/privacy 20110101000000")
        assert [c.timestamp for c in after] == ["20120101000000", "20100101000000"]
        inclusive = index.scan(
            "", "\U0010ffff", after="com,example)/privacy 20110101000000", inclusive_after=True
        )
        assert len(list(inclusive)) == 3
    finally:
        index.close()


def test_original_of_a_revisit(warcs, tmp_path) -> None:
    index, _ = open_index(warcs, tmp_path)
    try:
        first, _, revisit = index.captures_of("com,example)/privacy")
        assert index.original_of(revisit) == first
    finally:
        index.close()


def test_original_of_a_revisit_without_refers_to_is_found_by_digest(tmp_path) -> None:
    warc = write_warc(
        [
            CaptureSpec("http://example.com/a", "20100101000000", body=b"shared"),
            CaptureSpec(
                "http://example.com/b",
                "20100201000000",
                kind="revisit",
                digest=payload_digest(b"shared"),
            ),
        ],
        tmp_path / "d.warc.gz",
    )
    index, _ = open_index([warc], tmp_path)
    try:
        (revisit,) = index.captures_of("com,example)/b")
        assert revisit.refers_to_date in (None, "")
        original = index.original_of(revisit)
        assert original is not None
        assert original.original == "http://example.com/a"
    finally:
        index.close()


def test_original_of_a_revisit_with_nothing_to_refer_to(tmp_path) -> None:
    warc = write_warc(
        [CaptureSpec("http://example.com/b", "2010", kind="revisit", digest="NONE")],
        tmp_path / "d.warc.gz",
    )
    index, _ = open_index([warc], tmp_path)
    try:
        assert index.original_of(index.captures_of("com,example)/b")[0]) is None
    finally:
        index.close()


def test_the_same_capture_in_two_files_is_two_rows(tmp_path) -> None:
    capture = [CaptureSpec(PRIVACY, "20100101000000", body=b"x")]
    warcs = [write_warc(capture, tmp_path / "a.warc.gz"), write_warc(capture, tmp_path / "b.warc")]
    index, _ = open_index(warcs, tmp_path)
    try:
        assert [Path(c.path).name for c in index.captures_of("com,example)/privacy")] == [
            "a.warc.gz",
            "b.warc",
        ]
    finally:
        index.close()


def test_records_of_other_schemes_are_skipped(tmp_path) -> None:
    warc = write_warc(
        [
            CaptureSpec("dns:example.com", "20100101000000", body=b"93.184.216.34"),
            CaptureSpec(PRIVACY, "20100101000000", body=b"x"),
        ],
        tmp_path / "dns.warc.gz",
    )
    index, _ = open_index([warc], tmp_path)
    try:
        assert len(index) == 1
    finally:
        index.close()


# ---- persistence -----------------------------------------------------------------------------


def test_second_open_reads_no_file(warcs, tmp_path) -> None:
    index, indexed = open_index(warcs, tmp_path)
    before = rows(index)
    index.close()
    assert indexed == 2
    assert (tmp_path / "cache" / "index.sqlite3").is_file()
    again, indexed = open_index(warcs, tmp_path)
    try:
        assert indexed == 0
        assert rows(again) == before
    finally:
        again.close()


def test_a_changed_file_is_indexed_again(warcs, tmp_path) -> None:
    index, _ = open_index(warcs, tmp_path)
    index.close()
    more = [*SECOND, CaptureSpec("http://example.com/terms", "20130101000000", body=b"back")]
    write_warc(more, warcs[1])
    index, indexed = open_index(warcs, tmp_path)
    try:
        assert indexed == 1
        assert [c.timestamp for c in index.captures_of("com,example)/terms")] == [
            "20100101000000",
            "20130101000000",
        ]
        assert len(index.captures_of("com,example)/privacy")) == 3
    finally:
        index.close()


def test_a_touched_file_of_the_same_size_is_indexed_again(warcs, tmp_path) -> None:
    index, _ = open_index(warcs, tmp_path)
    index.close()
    stat = warcs[0].stat()
    os.utime(warcs[0], ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    index, indexed = open_index(warcs, tmp_path)
    try:
        assert indexed == 1
        assert len(index) == 4  # the old rows were replaced, not doubled
    finally:
        index.close()


def test_a_removed_file_is_dropped(warcs, tmp_path) -> None:
    index, _ = open_index(warcs, tmp_path)
    index.close()
    index, indexed = open_index(warcs[:1], tmp_path)
    try:
        assert indexed == 0
        assert index.captures_of("com,example)/terms") == []
        assert len(index) == 3
    finally:
        index.close()


def test_an_added_file_is_the_only_one_read(warcs, tmp_path) -> None:
    index, _ = open_index(warcs[:1], tmp_path)
    index.close()
    index, indexed = open_index(warcs, tmp_path)
    try:
        assert indexed == 1
        assert len(index) == 4
    finally:
        index.close()


def test_an_index_of_another_format_is_rebuilt(warcs, tmp_path) -> None:
    index, _ = open_index(warcs, tmp_path)
    index.close()
    with sqlite3.connect(tmp_path / "cache" / "index.sqlite3") as connection:
        connection.execute(
            "UPDATE meta SET value = ? WHERE key = 'format'", (str(INDEX_FORMAT - 1),)
        )
    connection.close()
    index, indexed = open_index(warcs, tmp_path)
    try:
        assert indexed == 2
        assert len(index) == 4
    finally:
        index.close()


# ---- one index, one collection ---------------------------------------------------------------


def test_an_index_refuses_another_collection_and_names_its_own(tmp_path) -> None:
    first = write_warc(FIRST, tmp_path / "first" / "a.warc.gz")
    second = write_warc(SECOND, tmp_path / "second" / "b.warc.gz")
    shared = tmp_path / "shared.sqlite3"
    index, _ = ArchiveIndex.open([first], shared, roots=[first.parent])
    try:
        with pytest.raises(BadInputError) as refused:
            ArchiveIndex.open([second], shared, roots=[second.parent])
        message = str(refused.value)
        assert str(shared) in message and str(first.parent.resolve()) in message
        assert str(second.parent.resolve()) in message
        # The refusal left the first collection's index as it was, while it is still served.
        assert [c.original for c in index.captures_of("com,example)/privacy")][0] == PRIVACY
        assert index.captures_of("com,example)/terms") == []
    finally:
        index.close()
    again, indexed = ArchiveIndex.open([first], shared, roots=[first.parent])
    try:
        assert (indexed, len(again)) == (0, 3)
    finally:
        again.close()


def test_an_index_whose_folders_are_gone_is_taken_over(tmp_path) -> None:
    old = write_warc(FIRST, tmp_path / "old-checkout" / "a.warc.gz")
    index, _ = ArchiveIndex.open([old], tmp_path / "index.sqlite3", roots=[old.parent])
    index.close()
    moved = old.parent.rename(tmp_path / "new-checkout") / "a.warc.gz"
    index, indexed = ArchiveIndex.open([moved], tmp_path / "index.sqlite3", roots=[moved.parent])
    try:
        assert (indexed, len(index)) == (1, 3)
        assert {Path(c.path) for c in index.scan("", "\U0010ffff")} == {moved.resolve()}
    finally:
        index.close()


def test_an_index_takes_files_added_under_its_folders(tmp_path) -> None:
    root = tmp_path / "collection"
    first = write_warc(FIRST, root / "a.warc.gz")
    index, _ = ArchiveIndex.open([first], tmp_path / "index.sqlite3", roots=[root])
    index.close()
    added = write_warc(SECOND, root / "later" / "b.warc.gz")
    index, indexed = ArchiveIndex.open([first, added], tmp_path / "index.sqlite3", roots=[root])
    try:
        assert (indexed, len(index)) == (1, 4)
    finally:
        index.close()


# ---- unreadable input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.warc", b"<!doctype html><html><body>not a WARC</body></html>\n"),
        ("spec.warc.gz", b'{"captures": []}\n'),
        ("zip.warc", b"PK\x03\x04\x14\x00\x00\x00\x08\x00"),
    ],
)
def test_a_file_that_is_no_warc_gives_warc_error(tmp_path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(WarcError, match=f"{name}: cannot read as WARC"):
        open_index([path], tmp_path)


def test_after_a_warc_error_the_fixed_file_is_indexed(tmp_path) -> None:
    path = tmp_path / "late.warc.gz"
    path.write_bytes(b"<html>not yet</html>\n")
    with pytest.raises(WarcError):
        open_index([path], tmp_path)
    write_warc(FIRST, path)
    index, indexed = open_index([path], tmp_path)
    try:
        assert (indexed, len(index)) == (1, 3)
    finally:
        index.close()


# ---- damaged WARCs: the readable records are indexed, the damage is logged ----------------

# Bodies that do not compress away, so each gzip member is long enough to damage in its middle.
LONG = [
    CaptureSpec(PRIVACY, f"20{year}0101000000", headers=(HTML,), body=bytes(range(256)) * 20)
    for year in (10, 11, 12)
]


def member_offsets(path: Path, tmp_path: Path) -> list[tuple[int, int]]:
    """(offset, length) of each capture's record, read from an index of the intact file."""
    index, _ = ArchiveIndex.open([path], tmp_path / "intact.sqlite3")
    try:
        return [(c.offset, c.length) for c in index.scan("", "\U0010ffff")]
    finally:
        index.close()


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_damaged_member_mid_file_is_skipped_and_the_rest_indexed(tmp_path, caplog) -> None:
    path = write_warc(LONG, tmp_path / "warcs" / "damaged.warc.gz")
    (offset, length), *_ = member_offsets(path, tmp_path)[1:]
    data = bytearray(path.read_bytes())
    for at in range(offset, offset + 16):  # its header: deeper flips can decode unnoticed
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    index, indexed = open_index([path], tmp_path)
    try:
        assert indexed == 1
        assert [c.timestamp for c in index.captures_of("com,example)/privacy")] == [
            "20100101000000",
            "20120101000000",
        ]
    finally:
        index.close()
    (line,) = warnings_of(caplog)
    assert str(path) in line and f"offset {offset}" in line


def test_a_file_cut_inside_a_record_keeps_the_records_before_the_cut(tmp_path, caplog) -> None:
    path = write_warc(LONG, tmp_path / "warcs" / "torn.warc.gz")
    offset, length = member_offsets(path, tmp_path)[2]
    path.write_bytes(path.read_bytes()[: offset + length // 2])
    index, indexed = open_index([path], tmp_path)
    try:
        assert indexed == 1
        assert [c.timestamp for c in index.captures_of("com,example)/privacy")] == [
            "20100101000000",
            "20110101000000",
        ]
    finally:
        index.close()
    (line,) = warnings_of(caplog)
    assert str(path) in line and f"offset {offset}" in line


def test_a_file_cut_inside_its_last_request_record_keeps_every_capture(tmp_path, caplog) -> None:
    path = write_warc(LONG, tmp_path / "warcs" / "torn.warc.gz")
    offset, length = member_offsets(path, tmp_path)[2]
    request_at = offset + length  # the builder writes each response's request after it
    path.write_bytes(path.read_bytes()[: request_at + 60])
    index, _ = open_index([path], tmp_path)
    try:
        assert len(index.captures_of("com,example)/privacy")) == 3
    finally:
        index.close()
    (line,) = warnings_of(caplog)
    assert str(path) in line and f"offset {request_at}" in line


def test_an_uncompressed_warc_cut_inside_a_record_keeps_the_rest(tmp_path, caplog) -> None:
    path = write_warc(LONG, tmp_path / "warcs" / "torn.warc", gzip=False)
    offset, length = member_offsets(path, tmp_path)[1]
    path.write_bytes(path.read_bytes()[: offset + length // 2])
    index, _ = open_index([path], tmp_path)
    try:
        assert [c.timestamp for c in index.captures_of("com,example)/privacy")] == [
            "20100101000000"
        ]
    finally:
        index.close()
    (line,) = warnings_of(caplog)
    assert str(path) in line and f"offset {offset}" in line


def test_a_record_with_an_unparseable_url_is_skipped_not_the_file(tmp_path, caplog) -> None:
    odd = CaptureSpec("http://x.example:99999/p", "20100101000000", body=b"odd")
    path = write_warc([odd, *FIRST], tmp_path / "warcs" / "odd.warc.gz")
    index, _ = open_index([path], tmp_path)
    try:
        assert len(index) == 3
    finally:
        index.close()
    (line,) = warnings_of(caplog)
    assert str(path) in line and "x.example:99999" in line


# ---- finding WARC files ----------------------------------------------------------------------


def test_find_warcs_walks_folders_and_keeps_warc_names(tmp_path) -> None:
    root = tmp_path / "collection"
    for name in ("a.warc.gz", "sub/b.warc", "sub/deeper/c.arc.gz", "d.arc"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")
    (root / "notes.txt").write_text("not a warc")
    (root / "index.sqlite3").write_bytes(b"")
    found = find_warcs([root])
    assert [p.relative_to(root.resolve()).as_posix() for p in found] == [
        "a.warc.gz",
        "d.arc",
        "sub/b.warc",
        "sub/deeper/c.arc.gz",
    ]
    assert all(p.is_absolute() for p in found)


def test_find_warcs_takes_a_named_file_whatever_its_name_and_drops_repeats(tmp_path) -> None:
    named = tmp_path / "capture.bin"
    named.write_bytes(b"")
    (tmp_path / "x.warc").write_bytes(b"")
    found = find_warcs([named, tmp_path, tmp_path / "x.warc"])
    assert found == sorted({named.resolve(), (tmp_path / "x.warc").resolve()})


def test_find_warcs_of_a_missing_path(tmp_path) -> None:
    with pytest.raises(BadInputError, match="nowhere: no such file or folder"):
        find_warcs([tmp_path / "nowhere"])


def test_default_index_path_is_one_per_collection(tmp_path) -> None:
    one = [tmp_path / "a.warc.gz"]
    two = [tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"]
    assert default_index_path(tmp_path, one) == default_index_path(tmp_path, list(one))
    assert default_index_path(tmp_path, one) != default_index_path(tmp_path, two)
    assert default_index_path(tmp_path, one).parent == tmp_path / "archive-index"
    assert default_index_path(tmp_path, one).suffix == ".sqlite3"
