"""Safety: the crawl never leaves the archive, WARC files never leave their folder, and the
local archive never serves a file from outside its collection."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from crawl_helpers import crawl_local, query
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.archive.server import ArchiveServer
from crawler.middlewares.confine import ArchiveOnlyMiddleware, OutsideTheArchive
from crawler.spiders.wayback import WaybackSpider

HTML = (("Content-Type", "text/html; charset=utf-8"),)


class LiveWeb:
    """A stand-in for the live web on 127.0.0.1 that counts every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                recorder.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"<p>the live web</p>")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def live():
    web = LiveWeb()
    yield web
    web.close()


def test_nothing_an_archived_page_links_to_is_ever_fetched(tmp_path, live):
    url = f"{live.url}/privacy"  # the policy's live address is never asked either
    lure = (
        f'<html><head><meta http-equiv="refresh" content="0; url={live.url}/refresh">'
        f'<link rel="stylesheet" href="{live.url}/style.css">'
        f'<script src="{live.url}/app.js"></script><title>Privacy policy</title></head><body>'
        f'<h1>Privacy policy</h1><p>We collect your personal data. <a href="{live.url}/a">'
        f'more</a> <img src="{live.url}/pixel.gif"><iframe src="{live.url}/frame"></iframe></p>'
        f'<script>location.href="{live.url}/js"</script></body></html>'
    ).encode()
    folder = tmp_path / "warcs"
    write_warc(
        [
            CaptureSpec(url, "20100101000000", headers=HTML, body=lure),
            CaptureSpec(
                url, "20110101000000", status=302, headers=(("Location", f"{live.url}/moved"),)
            ),
            CaptureSpec(f"{live.url}/moved", "20110101000005", headers=HTML, body=lure),
        ],
        folder / "a.warc.gz",
    )
    targets = tmp_path / "targets.txt"
    targets.write_text(url + "\n")
    db = tmp_path / "study.duckdb"
    with ArchiveServer([folder], index_path=tmp_path / "index.sqlite3") as archive:
        result = crawl_local(tmp_path, archive.base_url, targets, db)
    assert result.returncode == 0, result.stderr[-2000:]
    assert live.requests == []
    # the captured redirect was followed as an archive URL: the moved page is in the database
    # (its bytes are the first page's: stored once, skipped as a duplicate)
    assert query(db, "SELECT url, fetch_status FROM captures ORDER BY timestamp") == [
        (url, "fetched"),
        (url, "fetched"),
        (f"{live.url}/moved", "skipped"),
    ]


def test_a_request_to_anywhere_but_the_archive_is_refused(tmp_path):
    crawler = get_crawler(WaybackSpider, {"WAYBACK_ARCHIVE_URL": "http://127.0.0.1:8765"})
    crawler.spider = WaybackSpider.__new__(WaybackSpider)
    crawler.spider.archive = "http://127.0.0.1:8765"
    guard = ArchiveOnlyMiddleware.from_crawler(crawler)
    assert guard.process_request(Request("http://127.0.0.1:8765/web/2010id_/http://a/")) is None
    for elsewhere in (
        "http://127.0.0.1:8766/web/2010id_/http://a/",  # another port
        "https://127.0.0.1:8765/web/2010id_/http://a/",  # another scheme
        "http://a.example/privacy",
        "http://127.0.0.1.evil.example:8765/web/",
    ):
        with pytest.raises(OutsideTheArchive):
            guard.process_request(Request(elsewhere))


def test_warc_files_stay_in_their_folder_whatever_a_site_is_called(tmp_path):
    url = "http://www.acme.example/privacy"
    folder = tmp_path / "warcs"
    body = b"<html><body><h1>Privacy policy</h1><p>We collect personal data.</p></body></html>"
    write_warc([CaptureSpec(url, "20100101000000", headers=HTML, body=body)], folder / "a.warc.gz")
    targets = tmp_path / "targets.csv"
    targets.write_text(f"site,policy_url\n../../../../tmp/escape/..,{url}\n")
    db = tmp_path / "db" / "study.duckdb"
    with ArchiveServer([folder], index_path=tmp_path / "index.sqlite3") as archive:
        result = crawl_local(tmp_path, archive.base_url, targets, db)
    assert result.returncode == 0, result.stderr[-2000:]
    warcs = db.parent / "study-warcs"
    [(path,)] = query(db, "SELECT DISTINCT warc_path FROM captures WHERE warc_path IS NOT NULL")
    assert (db.parent / path).resolve().parent == warcs.resolve()
    written = [p for p in tmp_path.rglob("*.warc.gz") if p.parent != folder]
    assert all(p.resolve().parent == warcs.resolve() for p in written)


def test_the_local_archive_serves_nothing_from_outside_its_collection(tmp_path):
    inside, outside = tmp_path / "collection", tmp_path / "elsewhere"
    write_warc(
        [CaptureSpec("http://a.example/", "20100101000000", headers=HTML, body=b"<p>in</p>")],
        inside / "a.warc.gz",
    )
    write_warc(
        [
            CaptureSpec(
                "http://secret.example/", "20100101000000", headers=HTML, body=b"TOP-SECRET-PAYLOAD"
            )
        ],
        outside / "secret.warc.gz",
    )
    (inside / "link.warc.gz").symlink_to(outside / "secret.warc.gz")
    with ArchiveServer([inside], index_path=tmp_path / "index.sqlite3") as archive:
        base = archive.base_url
        assert (
            urllib.request.urlopen(f"{base}/web/2010id_/http://a.example/").read() == b"<p>in</p>"
        )
        for path in (
            "/web/2010id_/http://secret.example/",
            "/web/2010id_/../elsewhere/secret.warc.gz",
            f"/web/2010id_/{outside / 'secret.warc.gz'}",
            "/web/2010id_/file:///etc/passwd",
            "/../../etc/passwd",
        ):
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(base + path)
            assert answer.value.code in (400, 404), path
            assert b"TOP-SECRET-PAYLOAD" not in answer.value.read()
