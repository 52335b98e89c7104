"""The decode, extract, classify, dates and dedupe pipelines, built through a crawler, on one
capture; and the same stages in worker processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.signals import item_scraped
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import FETCHED, SKIPPED, CaptureItem, Document, Memento
from crawler.spiders.wayback import WaybackSpider
from pipelines.classify import ClassifyPipeline
from pipelines.dates import DatesPipeline
from pipelines.decode import DecodePipeline
from pipelines.extract import ExtractPipeline
from pipelines.pool import AnalysisPipeline, _sigint_held
from pipelines.versions import DedupePipeline

ROOT = Path(__file__).resolve().parents[1]
URL = "http://www.acme.example/privacy"
POLICY = (
    "<html><head><title>Acme Privacy Policy</title></head><body><h1>Privacy Policy</h1>"
    "<p>Last updated: March 3, 2015</p>"
    + "<p>We collect the personal information you give us and use cookies. We share data with"
    " service providers only. You may ask us to access or delete your personal data.</p>"
    * 8
    + "</body></html>"
).encode()
NOT_FOUND = (
    b"<html><head><title>Page not found</title></head><body><h1>404</h1>"
    b"<p>Sorry, the page you are looking for cannot be found.</p></body></html>"
)


def capture(body: bytes, status: str = FETCHED, captured: str = "20150601000000") -> CaptureItem:
    moment = datetime.strptime(captured, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    memento = Memento(
        memento_url=f"http://archive.test/web/{captured}id_/{URL}",
        final_url=f"http://archive.test/web/{captured}id_/{URL}",
        memento_datetime=moment,
        http_status=200,
        headers=[("Content-Type", "text/html; charset=utf-8")],
        body=body,
    )
    return CaptureItem(
        site="acme.example",
        target_url=URL,
        url=URL,
        urlkey="example,acme)/privacy",
        timestamp=captured,
        digest="D",
        mimetype="text/html",
        statuscode="200",
        length=1,
        fetch_status=status,
        memento=memento if status == FETCHED else None,
    )


@pytest.fixture
def chain():
    crawler = get_crawler(WaybackSpider, {})
    stages = [
        build_from_crawler(c, crawler)
        for c in (ExtractPipeline, ClassifyPipeline, DatesPipeline, DedupePipeline)
    ]

    def run(item: CaptureItem, stored: bool = True) -> CaptureItem:
        for stage in stages:
            item = stage.process_item(item)
        if stored:  # as the engine says once the store pipeline, the last, has it
            crawler.signals.send_catch_log(signal=item_scraped, item=item, response=None)
        return item

    run.stats = crawler.stats
    return run


def test_a_policy_capture_gets_a_dated_hashed_document(chain):
    document = chain(capture(POLICY)).document
    assert document is not None and document.title == "Acme Privacy Policy"
    assert document.is_policy and document.policy_score > 0.5
    assert (document.effective_date, document.effective_date_text) == (
        "2015-03-03",
        "Last updated: March 3, 2015",
    )
    assert len(document.text_hash) == 64 and document.sketch
    assert document.extractor == "trafilatura" and document.extractor_settings.startswith("{")


def test_the_same_text_in_other_markup_shares_the_hash(chain):
    noisy = POLICY.replace(b"<h1>", b"<script>var n='x9';</script><h1>")
    assert chain(capture(POLICY)).document.text_hash == chain(capture(noisy)).document.text_hash


def test_a_soft_404_is_kept_but_flagged(chain):
    document = chain(capture(NOT_FOUND)).document
    assert document is not None and document.is_policy is False
    assert chain.stats.get_value("policytrail/not_a_policy") == 1


def test_a_date_after_the_capture_is_flagged(chain):
    document = chain(capture(POLICY, captured="20150101000000")).document
    assert document.effective_date_after_capture
    assert chain.stats.get_value("policytrail/date_after_capture") == 1


def test_skipped_captures_and_empty_pages_get_no_document(chain):
    assert chain(capture(POLICY, status=SKIPPED)).document is None
    assert chain(capture(b"<html><body></body></html>")).document is None
    assert chain.stats.get_value("policytrail/extract_empty") == 1


def test_a_page_over_the_analysis_limit_is_kept_fetched_with_a_reason():
    crawler = get_crawler(WaybackSpider, {"POLICYTRAIL_MAX_ANALYSIS_BYTES": len(POLICY) - 1})
    pipeline = build_from_crawler(ExtractPipeline, crawler)
    item = pipeline.process_item(capture(POLICY))
    assert item.fetch_status == FETCHED and item.memento.body == POLICY
    assert item.document is None
    assert item.reason == f"too large to analyse (over {len(POLICY) - 1:,} bytes)"
    assert crawler.stats.get_value("policytrail/analysis_too_large") == 1
    assert crawler.stats.get_value("policytrail/extract_empty") is None


def test_a_page_is_decoded_once_and_extraction_reads_the_decoded_text(monkeypatch):
    crawler = get_crawler(WaybackSpider, {})
    decode, extract = (build_from_crawler(c, crawler) for c in (DecodePipeline, ExtractPipeline))
    item = decode.process_item(capture(POLICY))
    assert item.html_text == POLICY.decode("utf-8")
    item.html_text = item.html_text.replace("Acme", "Apex")

    def decode_again(*args):
        raise AssertionError("the page was decoded a second time")

    monkeypatch.setattr("pipelines.extract.decode_html", decode_again)
    item = extract.process_item(item)
    assert item.document is not None and item.document.title == "Apex Privacy Policy"


# ---- a text seen before is not analysed again (pipelines/memo.py) --------------------------


def test_a_text_seen_before_takes_its_analysed_document_and_skips_the_costly_steps(
    chain, monkeypatch
):
    first = chain(capture(POLICY)).document
    steps = []
    for name in (
        "pipelines.extract.html._finish",
        "pipelines.classify.classify_document",
        "pipelines.dates.date_document",
        "pipelines.versions.hash_document",
    ):
        monkeypatch.setattr(name, lambda *args, name=name, **kw: steps.append(name))
    noisy = POLICY.replace(b"<h1>", b"<script>var n='x9';</script><h1>")
    again = chain(capture(noisy, captured="20150101000000")).document
    assert steps == []
    assert again.text_hash == first.text_hash and again.markdown == first.markdown
    assert (again.kind, again.effective_date) == (first.kind, first.effective_date)
    # only what depends on the capture is its own: its time is before the stated date
    assert again.effective_date_after_capture and not first.effective_date_after_capture
    assert chain.stats.get_value("policytrail/kind_privacy") == 2
    assert chain.stats.get_value("policytrail/date_after_capture") == 1


def test_a_capture_that_was_not_stored_decides_nothing_for_the_next(chain):
    cookies = POLICY.replace(b"Acme Privacy Policy", b"Acme Cookie Policy")
    failed = chain(capture(cookies), stored=False).document  # its WARC or store step failed
    again = chain(capture(POLICY)).document
    assert again.text_hash == failed.text_hash
    assert again.title == "Acme Privacy Policy" and again is not failed


def test_another_text_is_analysed_in_full(chain):
    first = chain(capture(POLICY)).document
    other = chain(capture(POLICY.replace(b"cookies", b"beacons")))
    assert other.document.text_hash != first.text_hash
    assert "beacons" in other.document.markdown


def test_the_memo_keeps_the_most_recently_used_texts_within_its_bound():
    from dataclasses import replace

    from pipelines.memo import TextMemo
    from pipelines.normalise import text_hash

    def analysed(text: str):
        return replace(chain_document, text=text, markdown=text, text_hash=text_hash(text))

    chain_document = Document(
        text="",
        markdown="",
        title=None,
        language="en",
        extractor="t",
        extractor_version="1",
        extractor_settings="{}",
        strategy="s",
    )
    memo = TextMemo(max_bytes=2 * 2 * 100)  # two texts of 100 characters, with their Markdown
    a, b, c = ("a" * 100, "b" * 100, "c" * 100)
    memo.put(analysed(a))
    memo.put(analysed(b))
    assert memo.get(a) is not None  # a is now the most recent: b goes first
    memo.put(analysed(c))
    assert memo.get(b) is None and memo.get(a) is not None and memo.get(c) is not None
    assert len(memo) == 2 and memo.size == 400
    memo.put(replace(chain_document, text="not analysed"))  # no text_hash: not kept
    assert len(memo) == 2


# ---- the stages in worker processes (pipelines/pool.py) ------------------------------------


def analyse_in(pipeline: AnalysisPipeline, *items: CaptureItem) -> list:
    """Each item through the pipeline, as Scrapy awaits it; an exception is returned."""

    async def run():
        return await asyncio.gather(
            *(pipeline.process_item(item) for item in items), return_exceptions=True
        )

    return asyncio.run(run())


@pytest.fixture
def pooled():
    crawler = get_crawler(WaybackSpider, {"POLICYTRAIL_ANALYSIS_WORKERS": 1})
    pipeline = build_from_crawler(AnalysisPipeline, crawler)
    pipeline.open_spider()
    yield pipeline
    pipeline.close_spider()


def test_the_stages_read_a_page_in_a_worker_as_in_the_crawl_s_process(pooled, chain):
    [item] = analyse_in(pooled, capture(POLICY, captured="20150101000000"))
    here = chain(capture(POLICY, captured="20150101000000"))
    assert item.document == here.document and item.document.is_policy
    assert item.html_text == POLICY.decode() and item.encoding  # decoded there too
    # what the stages counted in the worker is the crawl's
    assert pooled.crawler.stats.get_value("policytrail/date_after_capture") == 1


def test_a_worker_that_dies_fails_its_page_and_the_next_pages_are_read(pooled):
    analyse_in(pooled, capture(POLICY))  # the worker is up
    for process in list(pooled.pool._processes.values()):
        os.kill(process.pid, signal.SIGKILL)
    [lost] = analyse_in(pooled, capture(POLICY))
    assert isinstance(lost, BrokenProcessPool)  # not stored: the next run fetches it again
    [item] = analyse_in(pooled, capture(POLICY))
    assert item.document is not None and item.document.is_policy


def test_a_worker_starts_deaf_to_a_terminal_s_ctrl_c_and_ignores_it_once_set_up(pooled):
    # Ctrl-C in a terminal reaches every process of the group, a worker still starting too: it
    # starts with SIGINT blocked (no KeyboardInterrupt while Python reads its modules), and
    # ignores it from its set-up on.
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    with _sigint_held():
        starting = pool.submit(signal.pthread_sigmask, signal.SIG_BLOCK, set())
    assert signal.SIGINT in starting.result()
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())  # not here
    pool.shutdown()
    analyse_in(pooled, capture(POLICY))  # the crawl's worker is set up
    assert pooled.pool.submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN
    mask = pooled.pool.submit(signal.pthread_sigmask, signal.SIG_BLOCK, set()).result()
    assert signal.SIGINT not in mask


def test_captures_not_fetched_do_not_reach_the_workers(pooled):
    [item] = analyse_in(pooled, capture(POLICY, status=SKIPPED))
    assert item.document is None and item.html_text is None


def test_in_the_crawls_process_the_stages_are_set_up_while_the_first_requests_go_out(chain):
    crawler = get_crawler(WaybackSpider, {"POLICYTRAIL_ANALYSIS_WORKERS": 0})
    pipeline = build_from_crawler(AnalysisPipeline, crawler)
    pipeline.open_spider()
    warming = pipeline.warming
    assert warming is not None  # a thread sets up the stages; open_spider does not wait for it
    # pages that arrive meanwhile wait for it, then read as the stages read them anywhere
    items = analyse_in(pipeline, *(capture(POLICY, captured=f"2015010{n}000000") for n in (1, 2)))
    assert warming.done() and pipeline.warming is None
    here = chain(capture(POLICY, captured="20150101000000"))
    assert [item.document for item in items[:1]] == [here.document]
    assert all(item.document.is_policy for item in items)
    pipeline.close_spider()


def test_a_dry_run_sets_nothing_up_and_a_crawl_that_fetched_nothing_closes_after_it():
    dry = build_from_crawler(
        AnalysisPipeline, get_crawler(WaybackSpider, {"POLICYTRAIL_DRY_RUN": True})
    )
    dry.open_spider()
    assert dry.warming is None and dry.pool is None
    dry.close_spider()
    in_process = {"POLICYTRAIL_ANALYSIS_WORKERS": 0}
    idle = build_from_crawler(AnalysisPipeline, get_crawler(WaybackSpider, in_process))
    idle.open_spider()
    idle.close_spider()  # waits for the set-up thread: none is left running at exit
    assert idle.warming is not None and idle.warming.done()


def test_a_worker_whose_crawl_is_gone_ends_even_while_it_sets_itself_up(tmp_path):
    # a crawl SIGKILLed while its workers import and warm up: each ends, none waits forever
    gone = 2**22 + 1  # the pid of a crawl that is not this worker's parent any more
    code = (
        "import time\n"
        "from pipelines.pool import _start_worker\n"
        f"_start_worker(10_000_000, {gone})\n"
        "time.sleep(60)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=50
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr
