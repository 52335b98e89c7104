"""The analysis stages run in worker processes, off the reactor's thread (issue 12).

Decoding, extraction, classification, dating and hashing are the crawl's CPU cost, some
hundred times what Scrapy spends on a page; run in the reactor's thread they held up every
request and answer while a page was read. `AnalysisPipeline` hands each fetched capture to a
pool of worker processes, each running the same stage pipelines in the same order (their
`process_item` unchanged), and awaits the result: Scrapy goes on downloading meanwhile, and
the pages are read on every core. Stats the stages count in a worker are added to the crawl's.

POLICYTRAIL_ANALYSIS_WORKERS = 0 runs the stages in the crawl's own process instead.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.items import FETCHED, CaptureItem
from crawler.settings import POLICYTRAIL_ANALYSIS_WORKERS, POLICYTRAIL_MAX_ANALYSIS_BYTES

logger = logging.getLogger(__name__)

# How often a worker checks that the crawl's process is still there.
PARENT_CHECK_SECONDS = 1.0
# What a stage sets on an item: all that travels back from a worker.
RESULT_FIELDS = ("encoding", "html_text", "document", "reason", "reason_code")


@dataclass(slots=True)
class _Counts:
    """A worker's stand-in for Scrapy's stats collector: what the stages counted."""

    values: Counter[str] = field(default_factory=Counter)

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


@dataclass(slots=True)
class _WorkerCrawler:
    """What a stage reads from its crawler in a worker: its stats."""

    stats: _Counts


_STAGES: list = []  # the stages of this worker process, built once
_COUNTS = _Counts()


def stage_classes() -> tuple[type, ...]:
    """The analysis stages in their order (imported here: only the workers need them)."""
    from pipelines.classify import ClassifyPipeline
    from pipelines.dates import DatesPipeline
    from pipelines.decode import DecodePipeline
    from pipelines.discover.pipeline import LinksPipeline
    from pipelines.extract import ExtractPipeline
    from pipelines.versions import DedupePipeline

    return (
        DecodePipeline,
        ExtractPipeline,
        ClassifyPipeline,
        DatesPipeline,
        DedupePipeline,
        LinksPipeline,
    )


# A page each process reads once before its first capture: the first analysis loads models
# and tables (language, kinds, dates, trafilatura's own, the sketch's permutations) for 1.2 s.
WARM_UP_PAGE = b"""<html lang="en"><head><title>Privacy Policy</title></head><body><main>
<h1>Privacy Policy</h1><p class="updated">Last updated: March 3, 2020</p>
<p>This privacy policy explains how we collect, use and share personal information when you
use our website, and the choices you have about your data and cookies.</p>
<h2>Information we collect</h2><ul><li>Contact details you give us.</li>
<li>Usage data and cookies.</li></ul></main></body></html>"""


def warm_up() -> None:
    """Import the stages and analyse WARM_UP_PAGE, so that no capture waits for their set-up."""
    from pipelines.analysis import analyse

    stage_classes()
    analyse(WARM_UP_PAGE, "http://warm-up.invalid/privacy", "text/html")


def _warm_up_into(done: Future[None]) -> None:
    done.set_running_or_notify_cancel()  # running: a page that stops waiting cannot cancel it
    try:
        warm_up()
    except Exception as error:  # noqa: BLE001 - it shows again, and is recorded, on a page
        logger.warning("setting up the analysis failed: %s", error)
    finally:
        done.set_result(None)


def build_stages(crawler: Any, max_bytes: int) -> list:
    from pipelines.extract import ExtractPipeline

    return [
        cls(crawler, max_bytes) if cls is ExtractPipeline else cls(crawler)
        for cls in stage_classes()
    ]


def _start_worker(max_bytes: int, crawl: int) -> None:
    # Watched first: a crawl killed while this worker sets itself up (2 s) is seen too.
    threading.Thread(target=_exit_with, args=(crawl,), daemon=True).start()
    # Ctrl-C in a terminal signals the whole process group: the crawl stops itself and its
    # pool; a worker interrupted on its own broke the pool during its set-up and hung the crawl.
    # The worker was started with SIGINT blocked (`_sigint_held`), so no Ctrl-C reached it
    # before now, while Python started and read its modules: ignored, it may be unblocked.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # The crawl's close waits for its workers to exit: without the interpreter's last
    # collections over the analysis's models, in 0.05 s rather than 0.5 s (as crawler/cli does).
    atexit.register(gc.freeze)
    warm_up()
    _STAGES[:] = build_stages(_WorkerCrawler(_COUNTS), max_bytes)


@contextmanager
def _sigint_held() -> Iterator[None]:
    """SIGINT blocked in this thread while the pool may start a worker (it starts them as work
    is submitted): a worker inherits the block, so a terminal's Ctrl-C cannot interrupt it
    before `_start_worker` ignores it (a traceback on the crawl's output). The crawl's own Ctrl-C
    is not lost: it waits, pending, the few milliseconds of a start."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _exit_with(crawl: int) -> None:
    """End this worker once the crawl's process (`crawl`, its pid) is gone, however it went: a
    SIGKILL leaves the pool's queues open in the other workers, so none would ever see it
    otherwise, and they would keep the crawl's standard output open. The pid comes from the
    crawl itself: one read here could already be that of the process that adopted us."""
    while os.getppid() == crawl:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _ready() -> bool:
    return bool(_STAGES)


def _analyse(item: CaptureItem) -> tuple[dict[str, Any], dict[str, int]]:
    """In a worker: the stages on one item; what they set, and what they counted."""
    _COUNTS.values.clear()
    for stage in _STAGES:
        item = stage.process_item(item)
    names = RESULT_FIELDS + getattr(type(item), "RESULT_FIELDS", ())
    return {name: getattr(item, name) for name in names}, dict(_COUNTS.values)


class AnalysisPipeline:
    """Runs the analysis stages on each fetched capture in a pool of worker processes."""

    def __init__(
        self, crawler: Crawler, workers: int, max_bytes: int, dry_run: bool = False
    ) -> None:
        self.crawler = crawler
        self.workers = workers
        self.max_bytes = max_bytes
        self.dry_run = dry_run  # nothing is fetched, so nothing is analysed
        self.pool: Executor | None = None
        self.stages: list = []  # in this process, when workers is 0
        self.warming: Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            settings.getint("POLICYTRAIL_ANALYSIS_WORKERS", POLICYTRAIL_ANALYSIS_WORKERS),
            settings.getint("POLICYTRAIL_MAX_ANALYSIS_BYTES", POLICYTRAIL_MAX_ANALYSIS_BYTES),
            settings.getbool("POLICYTRAIL_DRY_RUN"),
        )

    def open_spider(self) -> None:
        # In this process the stages are set up in a thread (`warm_up`, some 2 s of imports
        # and models) while the first requests go out: done before them, they delayed the
        # crawl's start; done on the first page, they held the reactor and left a 1.3 s hole
        # in the replay budget. The first pages await the thread, so the stages never run in
        # two threads at once (lxml's parser is shared).
        if self.dry_run:
            return
        if self.workers > 0:
            self._start_pool()
        else:
            self.warming = Future()
            threading.Thread(
                target=_warm_up_into, args=(self.warming,), name="warm-up", daemon=True
            ).start()

    def _start_pool(self) -> None:
        # Spawned, not forked: the crawl's process runs threads (DuckDB's, the reactor's). A
        # fork server would import the stages once for all workers, but it outlives a crawl
        # killed outright, and so do its workers. One worker starts (and imports) now, while
        # the listing runs; the others as pages arrive.
        self.pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.max_bytes, os.getpid()),
        )
        with _sigint_held():
            self.pool.submit(_ready)

    async def process_item(self, item):
        if not isinstance(item, CaptureItem) or item.fetch_status != FETCHED or not item.memento:
            return item
        if self.pool is None:
            if self.warming is not None:
                await asyncio.wrap_future(self.warming)
                self.warming = None
            if not self.stages:
                self.stages = build_stages(self.crawler, self.max_bytes)
            for stage in self.stages:
                item = stage.process_item(item)
            return item
        pool = self.pool
        try:
            with _sigint_held():
                submitted = pool.submit(_analyse, item)
            fields, counts = await asyncio.wrap_future(submitted)
        except BrokenProcessPool:
            # a worker died (out of memory, killed): this capture is not stored, and tried
            # again next run; a new pool reads the rest
            if self.pool is pool:
                logger.error("an analysis worker died: starting new ones")
                pool.shutdown(wait=False, cancel_futures=True)
                self._start_pool()
            raise
        for name, value in fields.items():
            setattr(item, name, value)
        for key, count in counts.items():
            self.crawler.stats.inc_value(key, count)
        return item

    def close_spider(self) -> None:
        if self.warming is not None:
            # a crawl that fetched nothing: the thread ends before the interpreter does
            self.warming.result()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
