"""The WARC and store pipelines, called directly through a crawler, and the database's lock."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import duckdb
import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.server import ArchiveServer
from crawler.items import FETCHED, SKIPPED, AliasItem, CaptureItem, Memento
from crawler.outcomes import Outcome
from crawler.spiders.wayback import WaybackSpider
from pipelines.store.database import connect
from pipelines.store.pipeline import StorePipeline
from pipelines.store.schema import SCHEMA_VERSION
from pipelines.warcs import WarcPipeline

URL = "http://www.acme.example/privacy"


def capture(ts: str, digest: str, status: str = FETCHED, body: bytes | None = b"<p>v1</p>"):
    memento = None
    if status == FETCHED:
        memento = Memento(
            memento_url=f"http://archive.test/web/{ts}id_/{URL}",
            final_url=f"http://archive.test/web/{ts}id_/{URL}",
            memento_datetime=datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC),
            http_status=200,
            headers=[("Content-Type", "text/html; charset=utf-8"), ("Server", "Apache")],
            body=body or b"",
        )
    return CaptureItem(
        site="acme.example",
        target_url=URL,
        url=URL,
        urlkey="example,acme)/privacy",
        timestamp=ts,
        digest=digest,
        mimetype="text/html",
        statuscode="200",
        length=10,
        fetch_status=status,
        reason=None if status == FETCHED else "digest already fetched",
        reason_code=None if status == FETCHED else Outcome.DUPLICATE,
        memento=memento,
    )


def finish(store: StorePipeline, reason: str = "finished") -> None:
    """What Scrapy does at the end of a crawl: close the pipeline, then signal why."""
    store.close_spider()
    store.spider_closed(None, reason)


@pytest.fixture
def pipelines(tmp_path):
    db = tmp_path / "db" / "study.duckdb"
    crawler = get_crawler(
        WaybackSpider,
        {
            "POLICYTRAIL_DB": str(db),
            "POLICYTRAIL_STORE_BATCH": 2,
            "POLICYTRAIL_WARC_MAX_BYTES": 10**9,
        },
    )
    crawler.spider = WaybackSpider.__new__(WaybackSpider)
    crawler.spider.targets = []
    crawler.spider.archive = "http://archive.test"
    crawler.spider.targets_path = "targets.csv"
    warcs = build_from_crawler(WarcPipeline, crawler)
    store = build_from_crawler(StorePipeline, crawler)
    store.open_spider()
    return db, warcs, store


def test_fetched_captures_are_written_to_a_warc_and_the_database(pipelines):
    db, warcs, store = pipelines
    items = [
        capture("20100101000000", "D1"),
        capture("20110101000000", "D1", SKIPPED),
        capture("20120101000000", "D2", body=b"<p>v2</p>"),
    ]
    for item in items:
        store.process_item(warcs.process_item(item))
    warcs.close_spider()
    finish(store)

    rows = (
        duckdb.connect(str(db), read_only=True)
        .execute(
            "SELECT strftime(timestamp, '%Y'), fetch_status, warc_path, warc_offset, payload_sha1"
            " FROM captures ORDER BY timestamp"
        )
        .fetchall()
    )
    assert [r[:2] for r in rows] == [("2010", "fetched"), ("2011", "skipped"), ("2012", "fetched")]
    assert rows[1][2:] == rows[0][2:], "a skipped duplicate points at the fetched copy"
    path = db.parent / rows[0][2]
    assert rows[0][2].startswith("study-warcs/") and path.is_file()
    with path.open("rb") as stream:
        stream.seek(rows[2][3])
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == URL
        assert record.rec_headers.get_header("WARC-Date") == "2012-01-01T00:00:00Z"
        assert record.content_stream().read() == b"<p>v2</p>"


def test_the_kept_warcs_can_be_served_again_by_the_local_archive(pipelines, tmp_path):
    db, warcs, store = pipelines
    for item in (capture("20100101000000", "D1"), capture("20120101000000", "D2", body=b"v2")):
        store.process_item(warcs.process_item(item))
    warcs.close_spider()
    finish(store)
    with ArchiveServer([db.parent / "study-warcs"], index_path=tmp_path / "i.sqlite3") as archive:
        import urllib.request

        with urllib.request.urlopen(f"{archive.base_url}/web/20120101000000id_/{URL}") as answer:
            assert answer.read() == b"v2"
            assert answer.headers["X-Archive-Orig-Server"] == "Apache"


def test_runs_are_recorded_and_batches_upsert_failed_rows(pipelines):
    db, warcs, store = pipelines
    failed = capture("20100101000000", "D1", SKIPPED)
    failed.fetch_status, failed.reason = "failed", "HTTP 503 after 5 retries"
    store.process_item(failed)
    store.flush()
    store.process_item(warcs.process_item(capture("20100101000000", "D1")))
    store.process_item(
        AliasItem("acme.example", URL, "https://acme.example/new", "redirect", "2011")
    )
    warcs.close_spider()
    finish(store)
    connection = duckdb.connect(str(db), read_only=True)
    assert connection.execute("SELECT fetch_status, reason FROM captures").fetchall() == [
        ("fetched", None)
    ]
    run = connection.execute("SELECT status, fetched, failed, archive FROM crawl_runs").fetchall()
    assert run == [("finished", 1, 1, "http://archive.test")]
    assert connection.execute("SELECT url, via FROM target_urls").fetchall() == [
        ("https://acme.example/new", "redirect")
    ]
    assert connection.execute("SELECT max(version) FROM schema_migrations").fetchone() == (
        SCHEMA_VERSION,
    )


def test_an_interrupted_crawl_is_recorded_as_such(pipelines):
    db, warcs, store = pipelines
    store.process_item(warcs.process_item(capture("20100101000000", "D1")))
    warcs.close_spider()
    finish(store, "shutdown")
    connection = duckdb.connect(str(db), read_only=True)
    assert connection.execute("SELECT status, fetched FROM crawl_runs").fetchall() == [
        ("interrupted", 1)
    ]
    assert connection.execute("SELECT count(*) FROM captures").fetchone() == (1,)


def test_a_second_process_gets_a_clear_error_while_a_crawl_writes(pipelines):
    db, _, store = pipelines  # the store holds the write connection, as during a crawl
    code = (
        "import sys\nfrom pipelines.store.database import connect\n"
        "from crawler.exceptions import DatabaseLockedError\n"
        f"try:\n    connect({str(db)!r})\nexcept DatabaseLockedError as e:\n"
        "    print(e); sys.exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 3, result.stderr
    assert "is in use by another policytrail process" in result.stdout
    finish(store)
    connect(db).close()  # free again once the crawl is done


def test_the_warc_records_a_batch_refers_to_are_on_disk_before_it_commits(pipelines, monkeypatch):
    """A power cut must never leave a committed row pointing at bytes the disk never got."""
    import pipelines.warcs as warcs_module

    db, warcs, store = pipelines
    events: list[str] = []
    real_fsync = warcs_module.os.fsync
    monkeypatch.setattr(
        warcs_module.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1]
    )
    real_execute = store.connection.execute

    class Watched:
        def execute(self, sql, *args):
            if sql == "COMMIT":
                events.append("commit")
            return real_execute(sql, *args)

        def __getattr__(self, name):
            return getattr(store.connection_real, name)

    store.connection_real = store.connection
    store.connection = Watched()
    store.process_item(warcs.process_item(capture("20100101000000", "D1")))
    store.process_item(warcs.process_item(capture("20110101000000", "D2", body=b"<p>v2</p>")))
    assert events[:2] == ["fsync", "commit"]  # the batch of 2 committed after the sync
    store.connection = store.connection_real
    warcs.close_spider()
    finish(store)


def test_a_run_with_errors_does_not_move_its_listings_on(pipelines):
    """Review finding: after a pipeline error some listed rows may be missing from the
    database, so the next run must list those URLs in full again, not from where this ended."""
    from crawler.items import LISTED, ListingItem

    db, warcs, store = pipelines
    store.connection.execute(
        "INSERT INTO target_urls (site, policy_url, url, urlkey, via) VALUES (?, ?, ?, ?, ?)",
        ["acme.example", URL, URL, "example,acme)/privacy", "listed"],
    )
    store.process_item(
        ListingItem("acme.example", URL, URL, LISTED, until="20200101000000", full=True)
    )
    store.item_error(None, None, None, None)  # a pipeline failed on some item
    store.close_spider()
    store.spider_closed(None, "finished")
    rows = duckdb.connect(str(db), read_only=True).execute(
        "SELECT listing_status, listed_until, full_listed_at FROM target_urls"
    )
    assert rows.fetchall() == [("listed", None, None)]
    errors = duckdb.connect(str(db), read_only=True).execute("SELECT item_errors FROM crawl_runs")
    assert errors.fetchall() == [(1,)]
