"""The local archive's replay, availability and timemap endpoints, and replay's pure functions."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

from crawler.archive import replay
from crawler.archive.builder import CaptureSpec
from crawler.archive.index import IndexedCapture
from crawler.archive.server import ArchiveOptions, ArchiveServer

HTML = ("Content-Type", "text/html; charset=utf-8")
PRIVACY = "http://example.com/privacy"

CAPTURES = [
    CaptureSpec(
        PRIVACY,
        "20100101000000",
        body=b"<p>v1</p>",
        headers=(
            HTML,
            ("Server", "Apache/2.2"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("Last-Modified", "Thu, 31 Dec 2009 10:00:00 GMT"),
            ("Content-Length", "9"),
        ),
    ),
    CaptureSpec(
        "https://www.example.com/privacy", "20100601000000", headers=(HTML,), body=b"<p>v2</p>"
    ),
    CaptureSpec(PRIVACY, "20110101000000", headers=(HTML,), body=b"<p>v3</p>"),
    CaptureSpec(PRIVACY, "20110601000000", status=404, headers=(HTML,), body=b"gone"),
    CaptureSpec(PRIVACY, "20120101000000", kind="revisit", refers_to_timestamp="20100101000000"),
    # Archived redirects, one per form of Location.
    CaptureSpec(
        "http://example.com/absolute",
        "20100101000000",
        status=301,
        headers=(("Location", "https://example.com/privacy"),),
    ),
    CaptureSpec(
        "http://example.com/scheme-relative",
        "20100101000000",
        status=302,
        headers=(("Location", "//example.com/privacy"),),
    ),
    CaptureSpec(
        "http://example.com/root-relative",
        "20100101000000",
        status=301,
        headers=(("Location", "/privacy?lang=en"),),
    ),
    CaptureSpec(
        "http://example.com/legal/old",
        "20100101000000",
        status=303,
        headers=(("Location", "new"), HTML),
        body=b"<a href=new>moved</a>",
    ),
    CaptureSpec(
        "http://example.com/only-404",
        "20100101000000",
        status=404,
        headers=(HTML,),
        body=b"not found",
    ),
    CaptureSpec(
        "http://example.com/search?q=privacy&lang=en",
        "20100101000000",
        headers=(HTML,),
        body=b"results",
    ),
]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str, method: str = "GET") -> tuple[int, Message, bytes]:
    """Status, headers and body, without following redirects and whatever the status."""
    try:
        with OPENER.open(urllib.request.Request(url, method=method), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def replayed(archive: ArchiveServer, timestamp: str, url: str) -> tuple[int, Message, bytes]:
    return fetch(f"{archive.base_url}/web/{timestamp}id_/{url}")


@pytest.fixture
def archive(archive_factory) -> ArchiveServer:
    return archive_factory(CAPTURES)


def links(header: str) -> list[tuple[str, str]]:
    """(rel, target) of each entry of a Link header, in order."""
    found = []
    for part in header.split(", <"):
        target, _, params = part.lstrip("<").partition(">")
        rel = params.split('rel="', 1)[1].split('"', 1)[0]
        found.append((rel, target))
    return found


# ---- exact captures --------------------------------------------------------------------------


def test_exact_capture_has_its_status_body_and_memento_headers(archive: ArchiveServer) -> None:
    status, headers, body = fetch(f"{archive.base_url}/web/20100101000000id_/{PRIVACY}")
    assert status == 200
    assert body == b"<p>v1</p>"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Memento-Datetime"] == "Fri, 01 Jan 2010 00:00:00 GMT"
    assert headers["X-Archive-Src"] == "part-000.warc.gz"
    assert "X-Archive-Redirect-Reason" not in headers


def test_original_headers_come_back_prefixed(archive: ArchiveServer) -> None:
    _, headers, _ = fetch(f"{archive.base_url}/web/20100101000000id_/{PRIVACY}")
    assert headers["X-Archive-Orig-Server"] == "Apache/2.2"
    assert headers.get_all("X-Archive-Orig-Set-Cookie") == ["a=1", "b=2"]
    assert headers["X-Archive-Orig-Last-Modified"] == "Thu, 31 Dec 2009 10:00:00 GMT"
    assert headers["X-Archive-Orig-Content-Length"] == "9"
    # None of them is passed through as the live site's own header.
    assert headers.get("Set-Cookie") is None
    assert headers.get("Last-Modified") is None
    assert headers["Server"] != "Apache/2.2"
    assert "X-Archive-Orig-Content-Type" not in headers


def test_every_capture_of_a_url_is_reachable_by_its_timestamp(archive: ArchiveServer) -> None:
    for timestamp, expected in [
        ("20100101000000", b"<p>v1</p>"),
        ("20100601000000", b"<p>v2</p>"),
        ("20110101000000", b"<p>v3</p>"),
    ]:
        status, _, body = fetch(f"{archive.base_url}/web/{timestamp}id_/{PRIVACY}")
        assert (status, body) == (200, expected)


def test_variant_url_at_the_exact_timestamp_gets_the_capture(archive: ArchiveServer) -> None:
    status, headers, body = fetch(
        f"{archive.base_url}/web/20100101000000id_/https://www.example.com/privacy"
    )
    assert (status, body) == (200, b"<p>v1</p>")
    assert headers["Memento-Datetime"] == "Fri, 01 Jan 2010 00:00:00 GMT"
    assert links(headers["Link"])[0] == ("original", PRIVACY)


def test_url_without_scheme_means_http(archive: ArchiveServer) -> None:
    status, _, body = fetch(f"{archive.base_url}/web/20100601000000id_/www.example.com/privacy")
    assert (status, body) == (200, b"<p>v2</p>")


def test_archived_error_status_is_a_capture(archive: ArchiveServer) -> None:
    status, headers, body = fetch(f"{archive.base_url}/web/20110601000000id_/{PRIVACY}")
    assert (status, body) == (404, b"gone")
    assert headers["Memento-Datetime"] == "Wed, 01 Jun 2011 00:00:00 GMT"


def test_head_request_gives_the_headers_without_a_body(archive: ArchiveServer) -> None:
    status, headers, body = fetch(f"{archive.base_url}/web/20100101000000id_/{PRIVACY}", "HEAD")
    assert status == 200
    assert body == b""
    assert headers["Memento-Datetime"] == "Fri, 01 Jan 2010 00:00:00 GMT"
    assert headers["X-Archive-Orig-Server"] == "Apache/2.2"
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_view_mode_without_id_serves_the_same_capture(archive: ArchiveServer) -> None:
    status, _, body = fetch(f"{archive.base_url}/web/20100101000000/{PRIVACY}")
    assert (status, body) == (200, b"<p>v1</p>")


# ---- URLs as clients write them --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/web/20100101000000id_/http%3A//example.com/privacy",
        "/web/20100101000000id_/http%3A%2F%2Fexample.com%2Fprivacy",
        "/web/20100101000000id_/HTTP%3a%2F%2Fexample.com%2Fprivacy",
        "/web/20100101000000id_/http:/example.com/privacy",
    ],
)
def test_quoted_and_folded_urls_in_the_path(archive: ArchiveServer, path: str) -> None:
    status, _, body = fetch(f"{archive.base_url}{path}")
    assert (status, body) == (200, b"<p>v1</p>")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/search?q=privacy&lang=en",
        "http://example.com/search?lang=en&q=privacy",
        "http%3A%2F%2Fexample.com%2Fsearch%3Fq%3Dprivacy%26lang%3Den",
    ],
)
def test_query_string_is_part_of_the_archived_url(archive: ArchiveServer, url: str) -> None:
    status, headers, body = fetch(f"{archive.base_url}/web/20100101000000id_/{url}")
    assert (status, body) == (200, b"results")
    assert links(headers["Link"])[0] == ("original", "http://example.com/search?q=privacy&lang=en")


def test_the_same_path_without_its_query_is_another_url(archive: ArchiveServer) -> None:
    status, headers, _ = replayed(archive, "20100101000000", "http://example.com/search")
    assert status == 404
    assert "Memento-Datetime" not in headers


# ---- inexact timestamps ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        ("2010", "20100101000000"),
        ("20100301", "20100101000000"),  # 59 days after vs 92 before June
        ("20100901", "20100601000000"),  # 92 days after vs 122 before 2011
        ("20100101000001", "20100101000000"),
        ("19990101000000", "20100101000000"),
        ("20300101000000", "20120101000000"),
    ],
)
def test_inexact_timestamp_redirects_to_the_closest_capture(
    archive: ArchiveServer, asked: str, found: str
) -> None:
    status, headers, body = fetch(f"{archive.base_url}/web/{asked}id_/{PRIVACY}")
    assert status == 302
    location = headers["Location"]
    assert location.startswith(f"{archive.base_url}/web/{found}id_/")
    assert headers["X-Archive-Redirect-Reason"] == f"found capture at {found}"
    assert "Memento-Datetime" not in headers


def test_redirect_names_the_url_as_captured_and_keeps_the_mode(archive: ArchiveServer) -> None:
    _, headers, _ = fetch(f"{archive.base_url}/web/20100602/{PRIVACY}")
    assert headers["Location"] == (
        f"{archive.base_url}/web/20100601000000/https://www.example.com/privacy"
    )


def test_following_the_redirect_lands_on_the_capture(archive: ArchiveServer) -> None:
    with urllib.request.urlopen(f"{archive.base_url}/web/20100902id_/{PRIVACY}") as response:
        assert response.status == 200
        assert response.read() == b"<p>v2</p>"
        assert response.headers["Memento-Datetime"] == "Tue, 01 Jun 2010 00:00:00 GMT"


def test_timegate_without_timestamp_redirects_to_the_latest(archive: ArchiveServer) -> None:
    for path in (f"/web/{PRIVACY}", "/web/example.com/privacy", f"/web/id_/{PRIVACY}"):
        status, headers, _ = fetch(f"{archive.base_url}{path}")
        assert status == 302, path
        assert "/web/20120101000000" in headers["Location"]


def test_timegate_in_the_link_header_answers(archive: ArchiveServer) -> None:
    _, headers, _ = fetch(f"{archive.base_url}/web/20100101000000id_/{PRIVACY}")
    timegate = dict(links(headers["Link"]))["timegate"]
    status, redirect, _ = fetch(timegate)
    assert status == 302
    assert redirect["Location"] == f"{archive.base_url}/web/20120101000000/{PRIVACY}"


# ---- never archived, excluded ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/web/20100101000000id_/http://example.com/never", "/web/2010id_/http://other.example.org/"],
)
def test_never_archived_url_is_404_without_memento_datetime(archive: ArchiveServer, path) -> None:
    status, headers, body = fetch(f"{archive.base_url}{path}")
    assert status == 404
    assert "Memento-Datetime" not in headers
    assert "Link" not in headers
    assert b"no capture" in body


def test_excluded_url_gives_a_page_without_memento_datetime(archive_factory) -> None:
    archive = archive_factory(CAPTURES, ArchiveOptions(exclusions=("http://example.com/privacy",)))
    status, headers, body = fetch(f"{archive.base_url}/web/20100101000000id_/{PRIVACY}")
    assert status == 200
    assert "Memento-Datetime" not in headers
    assert b"excluded" in body
    search = "http://example.com/search?q=privacy&lang=en"
    status, _, body = replayed(archive, "20100101000000", search)
    assert (status, body) == (200, b"results")


# ---- archived redirects ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "location"),
    [
        (
            "http://example.com/absolute",
            301,
            "{base}/web/20100101000000id_/https://example.com/privacy",
        ),
        (
            "http://example.com/scheme-relative",
            302,
            "//{host}/web/20100101000000id_/http://example.com/privacy",
        ),
        (
            "http://example.com/root-relative",
            301,
            "/web/20100101000000id_/http://example.com/privacy?lang=en",
        ),
        (
            "http://example.com/legal/old",
            303,
            "/web/20100101000000id_/http://example.com/legal/new",
        ),
    ],
)
def test_archived_redirect_keeps_status_and_the_form_of_location(
    archive: ArchiveServer, url: str, status: int, location: str
) -> None:
    got, headers, _ = fetch(f"{archive.base_url}/web/20100101000000id_/{url}")
    assert got == status
    host = urlsplit(archive.base_url).netloc
    assert headers["Location"] == location.format(base=archive.base_url, host=host)
    assert headers["Memento-Datetime"] == "Fri, 01 Jan 2010 00:00:00 GMT"
    assert "X-Archive-Orig-Location" not in headers
    assert "X-Archive-Redirect-Reason" not in headers


def test_archived_redirect_location_keeps_the_request_mode(archive: ArchiveServer) -> None:
    _, headers, _ = fetch(f"{archive.base_url}/web/20100101000000/http://example.com/root-relative")
    assert headers["Location"] == "/web/20100101000000/http://example.com/privacy?lang=en"


def test_archived_redirect_body_is_replayed(archive: ArchiveServer) -> None:
    _, headers, body = replayed(archive, "20100101000000", "http://example.com/legal/old")
    assert body == b"<a href=new>moved</a>"
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_archived_redirect_without_content_type_or_body(archive: ArchiveServer) -> None:
    status, headers, body = replayed(archive, "20100101000000", "http://example.com/absolute")
    assert (status, body) == (301, b"")
    assert "Content-Type" not in headers


def test_base_url_option_goes_into_location_and_link(archive_factory) -> None:
    archive = archive_factory(CAPTURES, ArchiveOptions(base_url="https://web.archive.org/"))
    _, headers, _ = replayed(archive, "20100101000000", "http://example.com/absolute")
    assert headers["Location"] == (
        "https://web.archive.org/web/20100101000000id_/https://example.com/privacy"
    )
    assert dict(links(headers["Link"]))["timemap"] == (
        "https://web.archive.org/web/timemap/link/http://example.com/absolute"
    )
    _, headers, _ = fetch(f"{archive.base_url}/web/2010id_/{PRIVACY}")
    assert headers["Location"].startswith("https://web.archive.org/web/20100101000000id_/")


# ---- revisits --------------------------------------------------------------------------------


def test_revisit_replays_the_original_payload_at_its_own_time(archive: ArchiveServer) -> None:
    status, headers, body = fetch(f"{archive.base_url}/web/20120101000000id_/{PRIVACY}")
    assert (status, body) == (200, b"<p>v1</p>")
    assert headers["Memento-Datetime"] == "Sun, 01 Jan 2012 00:00:00 GMT"
    # The revisit record holds a bare status line: headers come from the original.
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Archive-Orig-Server"] == "Apache/2.2"


def test_revisit_keeps_its_own_headers_when_it_has_them(archive_factory) -> None:
    archive = archive_factory(
        [
            CaptureSpec(PRIVACY, "20100101000000", headers=(HTML, ("Server", "old")), body=b"same"),
            CaptureSpec(
                PRIVACY,
                "20100201000000",
                kind="revisit",
                refers_to_timestamp="20100101000000",
                headers=(HTML, ("Server", "new")),
            ),
        ]
    )
    _, headers, body = fetch(f"{archive.base_url}/web/20100201000000id_/{PRIVACY}")
    assert body == b"same"
    assert headers["X-Archive-Orig-Server"] == "new"


def test_revisit_found_by_digest_under_another_url(archive_factory) -> None:
    archive = archive_factory(
        [
            CaptureSpec(PRIVACY, "20100101000000", headers=(HTML,), body=b"shared"),
            CaptureSpec(
                "http://example.com/privacy-copy",
                "20100201000000",
                kind="revisit",
                refers_to_timestamp="20100101000000",
                refers_to_url=PRIVACY,
            ),
        ]
    )
    status, _, body = replayed(archive, "20100201000000", "http://example.com/privacy-copy")
    assert (status, body) == (200, b"shared")


# ---- Link header -----------------------------------------------------------------------------


def memento_link(base: str, timestamp: str, url: str = PRIVACY) -> str:
    return f"{base}/web/{timestamp}/{url}"


def test_link_header_of_a_middle_capture(archive: ArchiveServer) -> None:
    base = archive.base_url
    _, headers, _ = fetch(f"{base}/web/20110101000000id_/{PRIVACY}")
    assert links(headers["Link"]) == [
        ("original", PRIVACY),
        ("timemap", f"{base}/web/timemap/link/{PRIVACY}"),
        ("timegate", f"{base}/web/{PRIVACY}"),
        ("first memento", memento_link(base, "20100101000000")),
        ("prev memento", memento_link(base, "20100601000000", "https://www.example.com/privacy")),
        ("memento", memento_link(base, "20110101000000")),
        ("next memento", memento_link(base, "20110601000000")),
        ("last memento", memento_link(base, "20120101000000")),
    ]
    assert 'datetime="Sat, 01 Jan 2011 00:00:00 GMT"' in headers["Link"]
    assert 'rel="timemap"; type="application/link-format"' in headers["Link"]


def test_link_header_of_the_first_and_last_captures(archive: ArchiveServer) -> None:
    _, first, _ = fetch(f"{archive.base_url}/web/20100101000000id_/{PRIVACY}")
    assert [rel for rel, _ in links(first["Link"])] == [
        "original",
        "timemap",
        "timegate",
        "first memento",
        "memento",
        "next memento",
        "last memento",
    ]
    _, last, _ = fetch(f"{archive.base_url}/web/20120101000000id_/{PRIVACY}")
    assert [rel for rel, _ in links(last["Link"])] == [
        "original",
        "timemap",
        "timegate",
        "first memento",
        "prev memento",
        "memento",
        "last memento",
    ]


def test_link_header_of_a_single_capture(archive: ArchiveServer) -> None:
    _, headers, _ = replayed(archive, "20100101000000", "http://example.com/absolute")
    found = links(headers["Link"])
    assert [rel for rel, _ in found] == [
        "original",
        "timemap",
        "timegate",
        "first memento",
        "memento",
        "last memento",
    ]
    assert found[3][1] == found[4][1] == found[5][1]


def test_link_header_counts_a_capture_held_twice_once(archive_factory) -> None:
    capture = CaptureSpec(PRIVACY, "20100101000000", headers=(HTML,), body=b"x")
    later = CaptureSpec(PRIVACY, "20100201000000", headers=(HTML,), body=b"y")
    archive = archive_factory([[capture, later], [capture]])
    _, headers, _ = fetch(f"{archive.base_url}/web/20100201000000id_/{PRIVACY}")
    assert [rel for rel, _ in links(headers["Link"])] == [
        "original",
        "timemap",
        "timegate",
        "first memento",
        "prev memento",
        "memento",
        "last memento",
    ]


# ---- availability API ------------------------------------------------------------------------


def available(archive: ArchiveServer, **params: str) -> dict:
    status, headers, body = fetch(f"{archive.base_url}/wayback/available?{urlencode(params)}")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    return json.loads(body)


def test_available_gives_the_closest_capture_by_timestamp(archive: ArchiveServer) -> None:
    host = urlsplit(archive.base_url).netloc
    answer = available(archive, url="example.com/privacy", timestamp="20100901")
    assert answer == {
        "url": "example.com/privacy",
        "archived_snapshots": {
            "closest": {
                "status": "200",
                "available": True,
                "url": f"http://{host}/web/20100601000000/https://www.example.com/privacy",
                "timestamp": "20100601000000",
            }
        },
    }


def test_available_without_timestamp_gives_the_latest(archive: ArchiveServer) -> None:
    closest = available(archive, url="example.com/privacy")["archived_snapshots"]["closest"]
    # The latest is the 2012 revisit, whose original answered 200.
    assert (closest["timestamp"], closest["status"]) == ("20120101000000", "200")


def test_available_passes_over_error_captures(archive: ArchiveServer) -> None:
    # 20110601 is the 404; of the others, 2011-01 is nearer than the 2012 revisit.
    answer = available(archive, url=PRIVACY, timestamp="20110601000000")
    assert answer["archived_snapshots"]["closest"]["timestamp"] == "20110101000000"


def test_available_offers_redirect_captures(archive: ArchiveServer) -> None:
    closest = available(archive, url="example.com/absolute")["archived_snapshots"]["closest"]
    assert (closest["status"], closest["timestamp"]) == ("301", "20100101000000")


def test_available_with_a_404_only_url_is_empty(archive: ArchiveServer) -> None:
    assert available(archive, url="http://example.com/only-404") == {
        "url": "http://example.com/only-404",
        "archived_snapshots": {},
    }


def test_available_for_an_unknown_url_is_empty(archive: ArchiveServer) -> None:
    assert available(archive, url="example.org/")["archived_snapshots"] == {}


def test_available_url_with_scheme_and_snapshot_url_with_http(archive: ArchiveServer) -> None:
    answer = available(archive, url="https://www.example.com/privacy", timestamp="2010")
    closest = answer["archived_snapshots"]["closest"]
    assert answer["url"] == "https://www.example.com/privacy"
    assert closest["timestamp"] == "20100101000000"
    assert closest["url"].startswith("http://")
    assert closest["url"].endswith("/web/20100101000000/http://example.com/privacy")
    # The snapshot address replays the capture.
    status, _, body = fetch(closest["url"])
    assert (status, body) == (200, b"<p>v1</p>")


def test_available_reads_only_the_digits_of_the_timestamp(archive: ArchiveServer) -> None:
    closest = available(archive, url=PRIVACY, timestamp="2010-06-01")["archived_snapshots"]
    assert closest["closest"]["timestamp"] == "20100601000000"


def test_available_refuses_excluded_urls(archive_factory) -> None:
    archive = archive_factory(CAPTURES, ArchiveOptions(exclusions=("example.com/privacy",)))
    assert available(archive, url=PRIVACY)["archived_snapshots"] == {}


# ---- timemap ---------------------------------------------------------------------------------


def test_timemap_lists_every_memento_in_order(archive: ArchiveServer) -> None:
    base = archive.base_url
    status, headers, body = fetch(f"{base}/web/timemap/link/{PRIVACY}")
    assert status == 200
    assert headers["Content-Type"].startswith("application/link-format")
    lines = body.decode().splitlines()
    assert lines[0] == f'<{PRIVACY}>; rel="original",'
    assert lines[1] == (
        f'<{base}/web/20100101000000/{PRIVACY}>; rel="memento";'
        ' datetime="Fri, 01 Jan 2010 00:00:00 GMT",'
    )
    assert lines[2].startswith(f"<{base}/web/20100601000000/https://www.example.com/privacy>")
    assert [line.split("/web/", 1)[1][:14] for line in lines[1:]] == [
        "20100101000000",
        "20100601000000",
        "20110101000000",
        "20110601000000",
        "20120101000000",
    ]
    assert all(line.endswith(",") for line in lines[:-1])
    assert not lines[-1].endswith(",")


def test_timemap_of_an_unknown_url_is_404(archive: ArchiveServer) -> None:
    status, _, _ = fetch(f"{archive.base_url}/web/timemap/link/http://example.com/never")
    assert status == 404


# ---- unreadable records ----------------------------------------------------------------------


def damage(path: Path, offset: int, length: int, how: str) -> None:
    """Spoil one record of a WARC already indexed, as disk decay or a cut-off copy would."""
    data = bytearray(path.read_bytes())
    if how == "flipped":
        # The member's header and first deflate bytes: a flip deeper in can decode to other
        # bytes of the right length, which warcio does not notice (it skips the gzip CRC).
        for at in range(offset, offset + 16):
            data[at] ^= 0xFF
    elif how == "truncated-record":  # the file ends inside the record
        del data[offset + length // 2 :]
    elif how == "truncated-file":  # the file ends before the record
        del data[offset:]
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["flipped", "truncated-record", "truncated-file"])
def test_a_damaged_record_is_503_in_plain_text_and_logs_file_and_offset(
    archive_factory, caplog, how: str
) -> None:
    body = bytes(range(256)) * 40  # does not compress away, so the member is long
    archive = archive_factory(
        [
            CaptureSpec(PRIVACY, "20100101000000", headers=(HTML,), body=b"<p>v1</p>"),
            CaptureSpec(PRIVACY, "20110101000000", headers=(HTML,), body=body),
        ]
    )
    spoiled = archive.index.captures_of("com,example)/privacy")[1]
    damage(Path(spoiled.path), spoiled.offset, spoiled.length, how)
    status, headers, answer = fetch(f"{archive.base_url}/web/20110101000000id_/{PRIVACY}")
    assert status == 503
    assert headers["Content-Type"].startswith("text/plain")
    assert answer.decode().startswith("Capture unavailable")
    assert len(answer.splitlines()) == 1
    assert "Memento-Datetime" not in headers
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == 1
    assert logged[0].levelno == logging.WARNING
    line = logged[0].getMessage()
    assert spoiled.path in line and f"offset {spoiled.offset}" in line
    assert "\n" not in line
    # The record before the damage is untouched and still replays.
    status, _, answer = fetch(f"{archive.base_url}/web/20100101000000id_/{PRIVACY}")
    assert (status, answer) == (200, b"<p>v1</p>")


# ---- malformed URLs --------------------------------------------------------------------------

MALFORMED = ["http://x.example:99999/p", "http://x.example:port/p", "http://[::1/p"]


@pytest.mark.parametrize("url", MALFORMED)
@pytest.mark.parametrize(
    "endpoint",
    [
        "/web/2010id_/{url}",
        "/web/20100101000000id_/{url}",
        "/web/{url}",
        "/web/timemap/link/{url}",
        "/wayback/available?url={quoted}",
        "/wayback/available?url={quoted}&timestamp=2010",
        "/cdx/search/cdx?url={quoted}",
    ],
)
def test_a_malformed_url_is_400_on_every_endpoint_and_logs_no_error(
    archive: ArchiveServer, caplog, endpoint: str, url: str
) -> None:
    path = endpoint.format(url=url, quoted=quote(url, safe=""))
    status, headers, body = fetch(f"{archive.base_url}{path}")
    assert status == 400
    assert "Memento-Datetime" not in headers
    assert b"invalid url" in body.lower()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("location", ["http://[::1/next", "//[::1/next", "http://x.example:99999/"])
def test_an_archived_redirect_to_a_malformed_url_keeps_it_unrewritten(
    archive_factory, caplog, location: str
) -> None:
    archive = archive_factory(
        [CaptureSpec(PRIVACY, "20100101000000", status=301, headers=(("Location", location),))]
    )
    status, headers, _ = fetch(f"{archive.base_url}/web/20100101000000id_/{PRIVACY}")
    # Still the archived redirect, but with no target an archive could point into.
    assert status == 301
    assert headers["Memento-Datetime"] == "Fri, 01 Jan 2010 00:00:00 GMT"
    assert "Location" not in headers
    assert headers["X-Archive-Orig-Location"] == location
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


# ---- pure functions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "timestamp", "mode", "url"),
    [
        (
            "/web/20171124151315id_/https://example.com/?q",
            "20171124151315",
            "id_",
            "https://example.com/?q",
        ),
        ("/web/2017/http://example.com/", "2017", "", "http://example.com/"),
        ("/web/20171124151315if_/example.com/a", "20171124151315", "if_", "http://example.com/a"),
        (
            "/web/2017id_/http%3A%2F%2Fexample.com%2Fa%3Fb%3Dc",
            "2017",
            "id_",
            "http://example.com/a?b=c",
        ),
        ("/web/2017id_/https:/example.com/a", "2017", "id_", "https://example.com/a"),
        ("/web/https://example.com/a", "", "", "https://example.com/a"),
        ("/web/example.com/a", "", "", "http://example.com/a"),
        ("/web/id_/http://example.com/a", "", "id_", "http://example.com/a"),
        ("/web/2017id_/http://example.com/a%20b", "2017", "id_", "http://example.com/a%20b"),
        ("/web/2017id_/http://1.2.3.4/x", "2017", "id_", "http://1.2.3.4/x"),
    ],
)
def test_parse_target(path: str, timestamp: str, mode: str, url: str) -> None:
    assert replay.parse_target(path) == replay.ReplayTarget(timestamp, mode, url)


@pytest.mark.parametrize("path", ["/cdx/search/cdx", "/web/", "/webs/2017/http://a/", "/"])
def test_parse_target_of_what_is_no_replay_address(path: str) -> None:
    assert replay.parse_target(path) is None


def test_parse_target_urlkey() -> None:
    target = replay.parse_target("/web/2017id_/https://www.example.com/privacy")
    assert target is not None
    assert target.urlkey == "com,example)/privacy"


def capture(timestamp: str, original: str = PRIVACY) -> IndexedCapture:
    return IndexedCapture(
        "com,example)/privacy",
        timestamp,
        original,
        "text/html",
        "200",
        "D",
        100,
        "/tmp/x.warc.gz",
        0,
        "response",
        None,
        None,
    )


TIMELINE = [capture("20100101000000"), capture("20100103000000"), capture("20100201000000")]


@pytest.mark.parametrize(
    ("wanted", "found"),
    [
        ("20100102000000", "20100101000000"),  # a tie: the earlier wins
        ("20100102000001", "20100103000000"),
        ("20100101", "20100101000000"),
        ("2010", "20100101000000"),
        ("201002", "20100201000000"),
        ("2099", "20100201000000"),
        ("1990", "20100101000000"),
        ("", "20100201000000"),  # no timestamp: the latest
    ],
)
def test_closest(wanted: str, found: str) -> None:
    assert replay.closest(TIMELINE, wanted).timestamp == found


def test_closest_of_one_capture() -> None:
    assert replay.closest(TIMELINE[:1], "2099").timestamp == "20100101000000"


REDIRECT = capture("20100101000000", "http://example.com/legal/old?x=1")


@pytest.mark.parametrize(
    ("location", "mode", "rewritten"),
    [
        (
            "https://example.com/privacy",
            "id_",
            "http://archive:8000/web/20100101000000id_/https://example.com/privacy",
        ),
        ("HTTP://Example.com/P", "", "http://archive:8000/web/20100101000000/http://Example.com/P"),
        (
            "//cdn.example.com/p",
            "id_",
            "//archive:8000/web/20100101000000id_/http://cdn.example.com/p",
        ),
        ("/privacy", "id_", "/web/20100101000000id_/http://example.com/privacy"),
        ("new", "id_", "/web/20100101000000id_/http://example.com/legal/new"),
        ("../terms?a=b", "", "/web/20100101000000/http://example.com/terms?a=b"),
        ("?x=2", "id_", "/web/20100101000000id_/http://example.com/legal/old?x=2"),
        (" /privacy ", "id_", "/web/20100101000000id_/http://example.com/privacy"),
    ],
)
def test_rewrite_location_keeps_the_form(location: str, mode: str, rewritten: str) -> None:
    assert replay.rewrite_location(location, REDIRECT, mode, "http://archive:8000") == rewritten


def test_rewrite_location_of_an_https_archive() -> None:
    assert replay.rewrite_location("//a.example/p", REDIRECT, "id_", "https://web.archive.org") == (
        "//web.archive.org/web/20100101000000id_/http://a.example/p"
    )


def test_link_header_pure_order() -> None:
    header = replay.link_header("http://archive/", TIMELINE, TIMELINE[1])
    assert [rel for rel, _ in links(header)] == [
        "original",
        "timemap",
        "timegate",
        "first memento",
        "prev memento",
        "memento",
        "next memento",
        "last memento",
    ]
    assert "http://archive/web/20100103000000/" in header
    assert "//web" not in header.replace("http://", "")
