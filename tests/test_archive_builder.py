"""The fixture builder: WARC records as written (read back with warcio), and JSON and CSV specs."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.builder import (
    REVISIT_PROFILE,
    CaptureSpec,
    build_from_spec,
    load_spec,
    payload_digest,
    write_warc,
)
from crawler.archive.index import ArchiveIndex
from crawler.exceptions import SpecError

HTML = ("Content-Type", "text/html; charset=utf-8")


def read_records(path: Path) -> list[dict]:
    """Each record's type, WARC headers, HTTP status line and headers, and payload."""
    records = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            http = record.http_headers
            records.append(
                {
                    "type": record.rec_type,
                    "warc": dict(record.rec_headers.headers),
                    "statusline": http.statusline if http else None,
                    "protocol": http.protocol if http else None,
                    "http": list(http.headers) if http else [],
                    "payload": record.content_stream().read(),
                }
            )
    return records


# ---- CaptureSpec -----------------------------------------------------------------------------


def test_capture_spec_pads_a_short_timestamp() -> None:
    assert CaptureSpec("http://example.com/", "2010").timestamp == "20100101000000"
    assert CaptureSpec("http://example.com/", "20100615").timestamp == "20100615000000"
    revisit = CaptureSpec("http://example.com/", "2011", kind="revisit", refers_to_timestamp="2010")
    assert revisit.refers_to_timestamp == "20100101000000"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timestamp": "2010-01-01"}, "1 to 14 digits"),
        ({"timestamp": "20101301"}, "not a real date"),
        ({"kind": "resource"}, "kind must be"),
        ({"kind": "revisit"}, "a revisit needs refers_to_timestamp or digest"),
    ],
)
def test_capture_spec_rejects_impossible_captures(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CaptureSpec(**{"url": "http://example.com/", "timestamp": "2010", **changes})


def test_payload_digest_is_base32_sha1() -> None:
    assert payload_digest(b"") == "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"
    body = b"<p>privacy</p>"
    assert payload_digest(body) == base64.b32encode(hashlib.sha1(body).digest()).decode()
    assert len(payload_digest(body)) == 32


# ---- write_warc ------------------------------------------------------------------------------


def test_response_and_request_records(tmp_path: Path) -> None:
    capture = CaptureSpec(
        "https://example.com/privacy?lang=en",
        "20100615123456",
        status=200,
        headers=(HTML, ("Server", "Apache")),
        body=b"<p>policy</p>",
    )
    path = write_warc([capture], tmp_path / "out" / "one.warc.gz")
    assert path == tmp_path / "out" / "one.warc.gz"
    info, response, request = read_records(path)
    assert info["type"] == "warcinfo"
    assert info["warc"]["WARC-Filename"] == "one.warc.gz"

    assert response["type"] == "response"
    assert response["warc"]["WARC-Target-URI"] == "https://example.com/privacy?lang=en"
    assert response["warc"]["WARC-Date"] == "2010-06-15T12:34:56Z"
    assert response["warc"]["WARC-Payload-Digest"] == f"sha1:{payload_digest(b'<p>policy</p>')}"
    assert response["statusline"] == "200 OK"
    assert response["protocol"] == "HTTP/1.1"
    assert response["http"] == [HTML, ("Server", "Apache")]
    assert response["payload"] == b"<p>policy</p>"

    assert request["type"] == "request"
    assert request["warc"]["WARC-Concurrent-To"] == response["warc"]["WARC-Record-ID"]
    assert request["warc"]["WARC-Date"] == "2010-06-15T12:34:56Z"
    assert request["statusline"] == "/privacy?lang=en HTTP/1.1"
    assert request["protocol"] == "GET"
    assert ("Host", "example.com") in request["http"]


def test_records_follow_the_order_given(tmp_path: Path) -> None:
    captures = [
        CaptureSpec("http://example.com/b", "20110101000000", body=b"b"),
        CaptureSpec("http://example.com/a", "20100101000000", body=b"a"),
    ]
    records = read_records(write_warc(captures, tmp_path / "two.warc.gz"))
    responses = [r["warc"]["WARC-Target-URI"] for r in records if r["type"] == "response"]
    assert responses == ["http://example.com/b", "http://example.com/a"]
    assert [r["type"] for r in records] == [
        "warcinfo",
        "response",
        "request",
        "response",
        "request",
    ]


def test_without_request_record(tmp_path: Path) -> None:
    capture = CaptureSpec("http://example.com/", "2010", body=b"x", with_request=False)
    records = read_records(write_warc([capture], tmp_path / "x.warc.gz"))
    assert [r["type"] for r in records] == ["warcinfo", "response"]


def test_root_url_request_targets_slash(tmp_path: Path) -> None:
    records = read_records(
        write_warc([CaptureSpec("http://example.com", "2010")], tmp_path / "r.warc")
    )
    assert records[2]["statusline"] == "/ HTTP/1.1"


@pytest.mark.parametrize(
    ("status", "reason", "statusline"),
    [
        (404, None, "404 Not Found"),
        (301, None, "301 Moved Permanently"),
        (599, None, "599 Unknown"),
        (200, "Fine", "200 Fine"),
    ],
)
def test_status_line_reason(tmp_path: Path, status: int, reason, statusline: str) -> None:
    capture = CaptureSpec("http://example.com/", "2010", status=status, reason=reason)
    assert (
        read_records(write_warc([capture], tmp_path / "s.warc.gz"))[1]["statusline"] == statusline
    )


def test_gzip_per_record_or_plain(tmp_path: Path) -> None:
    capture = CaptureSpec("http://example.com/", "2010", body=b"plain body")
    packed = write_warc([capture], tmp_path / "packed.warc.gz")
    plain = write_warc([capture], tmp_path / "plain.warc", gzip=False)
    assert packed.read_bytes()[:2] == b"\x1f\x8b"
    assert plain.read_bytes().startswith(b"WARC/1.0")
    assert b"plain body" in plain.read_bytes()
    assert b"plain body" in gzip.decompress(packed.read_bytes())  # one member per record
    assert [r["payload"] for r in read_records(plain)][1] == b"plain body"


def test_revisit_record_refers_to_its_original(tmp_path: Path) -> None:
    captures = [
        CaptureSpec("http://example.com/privacy", "20100101000000", headers=(HTML,), body=b"v1"),
        CaptureSpec(
            "https://example.com/privacy",
            "20110101000000",
            kind="revisit",
            refers_to_timestamp="20100101000000",
            refers_to_url="http://example.com/privacy",
        ),
    ]
    records = read_records(write_warc(captures, tmp_path / "rev.warc.gz"))
    original = records[1]
    revisit = records[3]
    assert revisit["type"] == "revisit"
    assert revisit["warc"]["WARC-Target-URI"] == "https://example.com/privacy"
    assert revisit["warc"]["WARC-Refers-To-Target-URI"] == "http://example.com/privacy"
    assert revisit["warc"]["WARC-Refers-To-Date"] == "2010-01-01T00:00:00Z"
    assert revisit["warc"]["WARC-Profile"] == REVISIT_PROFILE
    assert revisit["warc"]["WARC-Payload-Digest"] == original["warc"]["WARC-Payload-Digest"]
    assert revisit["statusline"] == "200 OK"
    assert revisit["payload"] == b""
    assert records[4]["warc"]["WARC-Concurrent-To"] == revisit["warc"]["WARC-Record-ID"]


def test_revisit_without_refers_to_url_means_the_same_url(tmp_path: Path) -> None:
    captures = [
        CaptureSpec("http://example.com/p", "20100101000000", body=b"v1"),
        CaptureSpec(
            "http://example.com/p",
            "20100201000000",
            kind="revisit",
            refers_to_timestamp="20100101000000",
        ),
    ]
    revisit = read_records(write_warc(captures, tmp_path / "rev.warc.gz"))[3]
    assert revisit["warc"]["WARC-Refers-To-Target-URI"] == "http://example.com/p"
    assert revisit["warc"]["WARC-Payload-Digest"] == f"sha1:{payload_digest(b'v1')}"


def test_revisit_of_a_missing_capture_is_refused(tmp_path: Path) -> None:
    captures = [
        CaptureSpec("http://example.com/p", "20100101000000", body=b"v1"),
        CaptureSpec(
            "http://example.com/p",
            "20100201000000",
            kind="revisit",
            refers_to_timestamp="20090101000000",
        ),
    ]
    with pytest.raises(ValueError, match="revisit of http://example.com/p at 20090101000000"):
        write_warc(captures, tmp_path / "bad.warc.gz")


def test_digest_override_goes_into_the_record_and_the_index(tmp_path: Path) -> None:
    captures = [
        CaptureSpec(
            "http://example.com/p",
            "20100101000000",
            body=b"v1",
            digest="RECORDEDDIGESTFROMIA0000000000000",
        ),
        CaptureSpec(
            "http://example.com/p",
            "20100201000000",
            kind="revisit",
            refers_to_timestamp="20100101000000",
        ),
        CaptureSpec(
            "http://example.com/q",
            "20100301000000",
            kind="revisit",
            digest="ANOTHERDIGEST000000000000000000A",
        ),
    ]
    path = write_warc(captures, tmp_path / "digest.warc.gz")
    records = read_records(path)
    assert records[1]["warc"]["WARC-Payload-Digest"] == "sha1:RECORDEDDIGESTFROMIA0000000000000"
    assert records[3]["warc"]["WARC-Payload-Digest"] == "sha1:RECORDEDDIGESTFROMIA0000000000000"
    assert records[5]["warc"]["WARC-Payload-Digest"] == "sha1:ANOTHERDIGEST000000000000000000A"
    index, _ = ArchiveIndex.open([path], tmp_path / "index.sqlite3")
    try:
        assert [c.digest for c in index.captures_of("com,example)/p")] == [
            "RECORDEDDIGESTFROMIA0000000000000",
            "RECORDEDDIGESTFROMIA0000000000000",
        ]
        assert index.captures_of("com,example)/q")[0].digest == "ANOTHERDIGEST000000000000000000A"
    finally:
        index.close()


# ---- JSON specs ------------------------------------------------------------------------------


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_json_spec_as_a_list(tmp_path: Path) -> None:
    (tmp_path / "bodies").mkdir()
    (tmp_path / "bodies" / "v2.html").write_bytes(b"<p>from a file</p>")
    spec = write_json(
        tmp_path / "spec.json",
        [
            {
                "url": "http://example.com/privacy",
                "timestamp": "2010",
                "status": 200,
                "headers": {"Content-Type": "text/html"},
                "body": "<p>inline</p>",
            },
            {
                "url": "http://example.com/privacy",
                "timestamp": "20110101",
                "headers": [
                    ["Content-Type", "text/html"],
                    ["Set-Cookie", "a=1"],
                    ["Set-Cookie", "b=2"],
                ],
                "body_file": "bodies/v2.html",
            },
            {"url": "http://example.com/bin", "timestamp": "2012", "body_base64": "AAEC/w=="},
            {
                "url": "http://example.com/privacy",
                "timestamp": "2013",
                "kind": "revisit",
                "refers_to_timestamp": "20100101000000",
            },
            {
                "url": "http://example.com/moved",
                "timestamp": "2014",
                "status": "301",
                "headers": {"Location": "/privacy"},
                "digest": "X" * 32,
            },
        ],
    )
    first, second, binary, revisit, moved = load_spec(spec)
    assert first == CaptureSpec(
        "http://example.com/privacy",
        "20100101000000",
        headers=(("Content-Type", "text/html"),),
        body=b"<p>inline</p>",
    )
    assert second.headers == (
        ("Content-Type", "text/html"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    )
    assert second.body == b"<p>from a file</p>"
    assert binary.body == b"\x00\x01\x02\xff"
    assert (revisit.kind, revisit.refers_to_timestamp) == ("revisit", "20100101000000")
    assert (moved.status, moved.digest) == (301, "X" * 32)


def test_json_spec_as_an_object_with_captures(tmp_path: Path) -> None:
    spec = write_json(
        tmp_path / "spec.json",
        {
            "captures": [
                {"url": " http://example.com/ ", "timestamp": 2010},
            ]
        },
    )
    assert load_spec(spec) == [CaptureSpec("http://example.com/", "20100101000000")]


def test_body_file_is_relative_to_the_spec_not_the_working_folder(tmp_path, monkeypatch) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "page.html").write_bytes(b"next to the spec")
    (tmp_path / "page.html").write_bytes(b"in the working folder")
    monkeypatch.chdir(tmp_path)
    spec = write_json(
        specs / "spec.json",
        [
            {"url": "http://example.com/", "timestamp": "2010", "body_file": "page.html"},
        ],
    )
    assert load_spec(Path("specs/spec.json"))[0].body == b"next to the spec"
    assert load_spec(spec)[0].body == b"next to the spec"


def test_build_from_spec_writes_a_warc_and_summarises(tmp_path: Path) -> None:
    spec = write_json(
        tmp_path / "spec.json",
        [
            {"url": "http://example.com/a", "timestamp": "2010", "body": "a"},
            {
                "url": "http://example.com/a",
                "timestamp": "2011",
                "kind": "revisit",
                "refers_to_timestamp": "2010",
            },
            {"url": "http://example.com/b", "timestamp": "2010", "body": "b"},
        ],
    )
    summary = build_from_spec(spec, tmp_path / "out.warc.gz")
    assert summary.path == tmp_path / "out.warc.gz"
    assert (summary.responses, summary.revisits) == (2, 1)
    assert summary.urls == {"http://example.com/a", "http://example.com/b"}
    types = [r["type"] for r in read_records(summary.path)]
    assert types.count("response") == 2
    assert types.count("revisit") == 1
    assert types.count("request") == 3


BAD_JSON_ENTRIES = [
    ({"timestamp": "2010"}, "entry 1: url is required"),
    ({"url": "  ", "timestamp": "2010"}, "entry 1: url is required"),
    ({"url": "http://e/"}, "entry 1: timestamp is required"),
    ({"url": "http://e/", "timestamp": "10 May 2010"}, "entry 1: not a Wayback timestamp"),
    (
        {"url": "http://e/", "timestamp": "20100230"},
        "entry 1: not a real date and time: '20100230000000'",
    ),
    (
        {"url": "http://e/", "timestamp": "2010", "status": "ok"},
        "entry 1: invalid literal for int() with base 10: 'ok'",
    ),
    ({"url": "http://e/", "timestamp": "2010", "kind": "resource"}, "entry 1: kind must be"),
    (
        {"url": "http://e/", "timestamp": "2010", "kind": "revisit"},
        "entry 1: a revisit needs refers_to_timestamp or digest",
    ),
    (
        {"url": "http://e/", "timestamp": "2010", "body": "a", "body_file": "a.html"},
        "entry 1: give one of body, body_base64, body_file, not body and body_file",
    ),
    (
        {"url": "http://e/", "timestamp": "2010", "body_base64": "not base64!"},
        "entry 1: Only base64 data is allowed",
    ),
    (
        {"url": "http://e/", "timestamp": "2010", "headers": "Content-Type: text/html"},
        "entry 1: headers must be an object or a list of [name, value] pairs",
    ),
    (
        {"url": "http://e/", "timestamp": "2010", "headers": [["Content-Type"]]},
        "entry 1: headers must be pairs [name, value]",
    ),
]


@pytest.mark.parametrize(("entry", "message"), BAD_JSON_ENTRIES)
def test_bad_json_entry_names_file_and_entry(tmp_path: Path, entry: dict, message: str) -> None:
    spec = write_json(tmp_path / "spec.json", [entry])
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).startswith(f"{spec}: {message}")
    assert caught.value.source == str(spec)
    assert caught.value.entry == 1
    assert "\n" not in str(caught.value)


def test_bad_entry_is_counted_from_1(tmp_path: Path) -> None:
    spec = write_json(
        tmp_path / "spec.json",
        [
            {"url": "http://e/", "timestamp": "2010"},
            {"url": "http://e/", "timestamp": "2011"},
            "http://e/ 2012",
        ],
    )
    with pytest.raises(SpecError, match=r"spec\.json: entry 3: each capture must be an object"):
        load_spec(spec)


def test_missing_body_file_is_named(tmp_path: Path) -> None:
    spec = write_json(
        tmp_path / "spec.json",
        [
            {"url": "http://e/", "timestamp": "2010", "body_file": "bodies/missing.html"},
        ],
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    message = str(caught.value)
    assert message.startswith(f"{spec}: entry 1: ")
    assert str(tmp_path / "bodies" / "missing.html") in message
    assert message.count("'") % 2 == 0  # quotes stay balanced


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[{", "entry -: not valid JSON"),
        ('{"entries": []}', 'entry -: expected a list of captures or {"captures": [...]}'),
        ('"http://e/"', "entry -: expected a list of captures"),
        ('{"captures": 3}', "entry -: expected a list of captures"),
    ],
)
def test_unreadable_json_spec(tmp_path: Path, text: str, message: str) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).startswith(f"{spec}: {message}")


def test_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no-such.json: entry -: no such file"):
        load_spec(tmp_path / "no-such.json")


def test_json_spec_that_is_not_utf8(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_bytes(b'[{"url": "http://e/\xff", "timestamp": "2010"}]')
    with pytest.raises(SpecError, match="not valid JSON"):
        load_spec(spec)


def test_build_names_the_spec_for_a_revisit_of_nothing(tmp_path: Path) -> None:
    spec = write_json(
        tmp_path / "spec.json",
        [
            {
                "url": "http://e/",
                "timestamp": "2011",
                "kind": "revisit",
                "refers_to_timestamp": "2010",
            },
        ],
    )
    with pytest.raises(
        SpecError, match=r"spec\.json: entry -: revisit of http://e/ at 2010.*no such"
    ):
        build_from_spec(spec, tmp_path / "out.warc.gz")
    # No half-written WARC is left for a later `archive serve` to index.
    assert not (tmp_path / "out.warc.gz").exists()


# ---- CSV specs -------------------------------------------------------------------------------


def test_csv_spec(tmp_path: Path) -> None:
    (tmp_path / "v2.html").write_bytes(b"<p>v2</p>")
    spec = tmp_path / "spec.csv"
    spec.write_text(
        "url,timestamp,status,content_type,location,body,body_file,kind,refers_to_timestamp,"
        "refers_to_url\n"
        'http://example.com/privacy,2010,200,text/html,,"<p>v1, with a comma</p>",,,,\n'
        "http://example.com/privacy,2011,,text/html,,,v2.html,,,\n"
        "http://example.com/old,2011,301,,/privacy,,,,,\n"
        "http://example.com/copy,2012,,,,,,revisit,2010,http://example.com/privacy\n",
        encoding="utf-8",
    )
    first, second, moved, revisit = load_spec(spec)
    assert first == CaptureSpec(
        "http://example.com/privacy",
        "20100101000000",
        headers=(("Content-Type", "text/html"),),
        body=b"<p>v1, with a comma</p>",
    )
    assert (second.status, second.body) == (200, b"<p>v2</p>")
    assert (moved.status, moved.headers) == (301, (("Location", "/privacy"),))
    assert (revisit.kind, revisit.refers_to_timestamp, revisit.refers_to_url) == (
        "revisit",
        "20100101000000",
        "http://example.com/privacy",
    )


def test_csv_spec_builds(tmp_path: Path) -> None:
    spec = tmp_path / "spec.csv"
    spec.write_text("url,timestamp,body\nhttp://example.com/,2010,hello\n", encoding="utf-8")
    summary = build_from_spec(spec, tmp_path / "csv.warc.gz")
    assert (summary.responses, summary.revisits, summary.urls) == (1, 0, {"http://example.com/"})
    assert read_records(summary.path)[1]["payload"] == b"hello"


def test_csv_with_only_required_columns(tmp_path: Path) -> None:
    spec = tmp_path / "spec.csv"
    spec.write_text("timestamp,url\n20100101,http://example.com/\n", encoding="utf-8")
    assert load_spec(spec) == [CaptureSpec("http://example.com/", "20100101000000")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("url,status\nhttp://e/,200\n", "entry header: missing column(s) timestamp"),
        ("", "entry header: missing column(s) timestamp, url"),
        ("url,timestamp,colour\n", "entry header: unknown column(s) colour"),
        (
            "url,timestamp\nhttp://e/,2010\nhttp://e/,2010-01\n",
            "entry line 3: not a Wayback timestamp",
        ),
        ("url,timestamp,status\nhttp://e/,2010,ok\n", "entry line 2: invalid literal for int()"),
        ("url,timestamp\n,2010\n", "entry line 2: url is required"),
        (
            "url,timestamp,kind\nhttp://e/,2010,revisit\n",
            "entry line 2: a revisit needs refers_to_timestamp or digest",
        ),
        (
            "url,timestamp,body\nhttp://e/,2010,one, two\n",
            "entry line 2: 1 field(s) more than the header",
        ),
        (
            "url,timestamp,body_file\nhttp://e/,2010,nowhere.html\n",
            "entry line 2: [Errno 2] No such file or directory: ",
        ),
    ],
)
def test_bad_csv_spec_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    spec = tmp_path / "spec.csv"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).startswith(f"{spec}: {message}")
    assert caught.value.source == str(spec)
