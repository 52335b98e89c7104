"""Politeness and retries: separate middlewares with their own switches, chained as Scrapy does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.exceptions import (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    NotConfigured,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.protocol import Protocol, connectionDone
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.web.client import Response as TxResponse
from twisted.web.client import ResponseFailed
from twisted.web.http_headers import Headers

from crawler import settings as project_settings
from crawler.middlewares import retry as retry_module
from crawler.middlewares.politeness import PolitenessMiddleware
from crawler.middlewares.retry import BackoffRetryMiddleware
from crawler.spiders.wayback import WaybackSpider

REPLAY = "http://archive.test/web/2010id_/http://www.acme.example/privacy"
CDX = "http://archive.test/cdx/search/cdx?url=www.acme.example/privacy"
# IA's defaults, on a clock the tests move by hand
POLITE = {
    "WAYBACK_429_PAUSE": 60.0,
    "WAYBACK_429_PAUSE_MAX": 3600.0,
    "WAYBACK_BLOCK_WINDOW": 300.0,
    "WAYBACK_BLOCK_DROPS": 3,
    "WAYBACK_BLOCK_PAUSE": 3600.0,
    "WAYBACK_RETRY_BACKOFF": 0.0,
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Chain:
    """The project's downloader middlewares, as Scrapy builds and runs them for one crawl."""

    def __init__(self, **settings: object) -> None:
        project = {name: getattr(project_settings, name) for name in dir(project_settings)}
        values = {name: value for name, value in project.items() if name.isupper()}
        archive = {"WAYBACK_ARCHIVE_URL": "http://archive.test"}  # where REPLAY and CDX point
        self.crawler = get_crawler(WaybackSpider, {**values, **POLITE, **archive, **settings})
        # a plain spider: requests here are none of the wayback spider's, so nothing drops them
        self.crawler.spider = Spider(name="politeness-test")
        self.crawler.spider.crawler = self.crawler
        self.manager = DownloaderMiddlewareManager.from_crawler(self.crawler)
        self.clock = Clock()
        for middleware in self.manager.middlewares:
            if isinstance(middleware, PolitenessMiddleware):
                middleware._clock = self.clock

    def types(self) -> set[type]:
        return {type(middleware) for middleware in self.manager.middlewares}

    def politeness(self) -> PolitenessMiddleware:
        [middleware] = [m for m in self.manager.middlewares if isinstance(m, PolitenessMiddleware)]
        return middleware

    def answer(self, request: Request, status: int, **headers: str) -> Response | Request:
        async def download(request: Request) -> Response:
            return Response(request.url, status=status, headers=headers, request=request)

        return asyncio.run(self._through_chain(download, request))

    def fail(self, request: Request, error: Exception) -> Response | Request | Exception:
        """The chain's answer to a failed download: a retry, or the error for the errback."""

        async def download(request: Request) -> Response:
            raise error

        try:
            return asyncio.run(self._through_chain(download, request))
        except Exception as unhandled:
            assert unhandled is error
            return unhandled

    async def _through_chain(
        self, download: Callable[[Request], Awaitable[Response]], request: Request
    ) -> Response | Request:
        # a pause on the test's clock would be a real wait: fail instead of hanging an hour
        return await asyncio.wait_for(self.manager.download_async(download, request), 5)

    def stat(self, name: str) -> object:
        return self.crawler.stats.get_value(name)


def replay() -> Request:
    return Request(REPLAY, meta={"download_slot": "replay"})


def cdx() -> Request:
    return Request(CDX, meta={"download_slot": "cdx"})


# ---- real failures, as Twisted's HTTP client and Scrapy's HTTP/1.1 handler raise them ---------


def twisted_failure(received: bytes, lost: Exception) -> BaseException:
    """What Twisted's HTTP/1.1 client reports when the connection ends after `received`."""
    from twisted.web._newclient import HTTP11ClientProtocol
    from twisted.web._newclient import Request as TxRequest

    protocol = HTTP11ClientProtocol()
    protocol.makeConnection(StringTransport())
    answer = protocol.request(TxRequest(b"GET", b"/", Headers({b"host": [b"archive.test"]}), None))
    failures: list[Failure] = []

    class Body(Protocol):
        def connectionLost(self, reason: Failure = connectionDone) -> None:
            failures.append(reason)

    def read_body(response: TxResponse) -> None:
        response.deliverBody(Body())

    answer.addCallbacks(read_body, failures.append)
    if received:
        protocol.dataReceived(received)
    protocol.connectionLost(Failure(lost))
    [failure] = failures
    return failure.value


def scrapy_cut_body() -> ResponseDataLossError:
    """A body shorter than its Content-Length, as Scrapy's HTTP/1.1 handler raises it."""
    cause = twisted_failure(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<p>half a po", ConnectionDone()
    )
    error = ResponseDataLossError()
    error.__cause__ = cause  # scrapy.core.downloader.handlers.http11._ResponseReader
    return error


def scrapy_dropped(received: bytes = b"") -> DownloadFailedError:
    """A connection lost before the whole status line and headers came, as Scrapy raises it."""
    cause = twisted_failure(received, ConnectionLost())
    try:
        raise DownloadFailedError(str(cause)) from cause  # wrap_twisted_exceptions does this
    except DownloadFailedError as error:
        return error


def test_the_failures_are_the_ones_twisted_raises():
    cut = scrapy_cut_body().__cause__
    assert isinstance(cut, ResponseFailed) and "_DataLoss" in repr(cut.reasons)
    assert type(scrapy_dropped().__cause__).__name__ == "ResponseNeverReceived"


# ---- each concern its own switch ----------------------------------------------------------------


def test_with_retries_off_a_429_still_pauses_and_a_block_is_still_detected():
    chain = Chain(RETRY_ENABLED=False)
    assert PolitenessMiddleware in chain.types() and BackoffRetryMiddleware not in chain.types()
    chain.politeness().state(cdx())
    request = replay()
    retry = chain.answer(request, 429)
    assert isinstance(retry, Request) and retry.url == REPLAY
    assert chain.politeness().state(request).paused_until == 1060.0
    assert chain.stat("policytrail/rate_limited") == 1
    chain.clock.now = 1061.0  # the pause is over; the firewall now refuses
    again = chain.fail(retry, DownloadConnectionRefusedError())
    assert isinstance(again, Request)
    assert chain.politeness().state(request).paused_until == 1061.0 + 3600.0
    assert chain.politeness().state(cdx()).paused_until == 1061.0 + 3600.0
    assert chain.stat("policytrail/blocked") == 1
    assert chain.stat("retry/count") is None  # retries are off


def test_the_politeness_switch_turns_off_only_politeness():
    chain = Chain(WAYBACK_POLITENESS_ENABLED=False)
    assert PolitenessMiddleware not in chain.types() and BackoffRetryMiddleware in chain.types()
    limited = chain.answer(replay(), 429)
    assert isinstance(limited, Response) and limited.status == 429  # 429 is no RETRY_HTTP_CODE
    retry = chain.answer(replay(), 503)
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert chain.stat("policytrail/rate_limited") is None
    with pytest.raises(NotConfigured):
        build_from_crawler(PolitenessMiddleware, chain.crawler)


# ---- a body cut short is no block -------------------------------------------------------------


def test_cut_bodies_after_a_429_are_retried_and_never_taken_for_a_block():
    chain = Chain()
    request = replay()
    retry = chain.answer(request, 429)
    chain.clock.now = 1061.0
    for attempt in range(1, 5):  # more than WAYBACK_BLOCK_DROPS in a row, within the window
        retry = chain.fail(retry, scrapy_cut_body())
        assert isinstance(retry, Request) and retry.meta["retry_times"] == attempt
    assert chain.politeness().state(request).paused_until == 1060.0
    assert chain.stat("policytrail/blocked") is None
    assert chain.stat("retry/reason_count/scrapy.exceptions.ResponseDataLossError") == 4


@pytest.mark.parametrize(
    "cut",
    [
        scrapy_cut_body,
        lambda: scrapy_cut_body().__cause__,  # Scrapy before 2.13 let Twisted's error through
        lambda: scrapy_dropped(b"HTTP/1.1 200 OK\r\nContent-Le"),  # headers cut short
    ],
    ids=["ResponseDataLossError", "ResponseFailed-DataLoss", "headers-cut"],
)
def test_a_cut_answer_ends_a_run_of_dropped_connections(cut):
    chain = Chain()
    request = replay()
    chain.answer(request, 429)
    chain.clock.now = 1061.0
    for error in (scrapy_dropped(), scrapy_dropped(), cut(), scrapy_dropped(), scrapy_dropped()):
        chain.fail(request, error)
    assert chain.stat("policytrail/blocked") is None
    chain.fail(request, scrapy_dropped())  # the third drop in a row since the cut answer
    assert chain.stat("policytrail/blocked") == 1
    assert chain.politeness().state(request).paused_until == 1061.0 + 3600.0


# ---- retries through get_retry_request ----------------------------------------------------------


def test_retries_count_in_scrapys_retry_stats_and_wait_longer_each_time(monkeypatch):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    # one sleep per backoff (the middleware wakes every second only to see a stop)
    monkeypatch.setattr(retry_module, "PAUSE_CHECK_SECONDS", 1000.0)
    chain = Chain(RETRY_TIMES=3, WAYBACK_RETRY_BACKOFF=5.0, WAYBACK_RETRY_BACKOFF_MAX=12.0)
    request = replay()
    for _ in range(3):
        request = chain.answer(request, 503)
        assert isinstance(request, Request)
    last = chain.answer(request, 503)
    assert isinstance(last, Response) and last.status == 503
    assert waits == [5.0, 10.0, 12.0]
    assert chain.stat("retry/count") == 3 and chain.stat("retry/max_reached") == 1
    assert chain.stat("retry/reason_count/503 Service Unavailable") == 3


def test_dont_retry_is_honoured_by_both_but_a_429_still_pauses():
    chain = Chain()
    request = Request(REPLAY, meta={"download_slot": "replay", "dont_retry": True})
    assert isinstance(chain.answer(request, 503), Response)
    limited = chain.answer(request, 429)
    assert isinstance(limited, Response) and limited.status == 429
    assert chain.politeness().state(request).paused_until == 1060.0
    assert chain.stat("retry/count") is None and chain.stat("policytrail/rate_limited") == 1


def test_retries_off_means_no_retry_middleware():
    crawler = get_crawler(WaybackSpider, {"RETRY_ENABLED": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(BackoffRetryMiddleware, crawler)
