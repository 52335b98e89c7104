"""The crawl's parts, built through Scrapy's crawler helpers: callbacks, politeness, rules."""

from __future__ import annotations

import asyncio

import click
import pytest
from scrapy import Request
from scrapy.exceptions import DownloadConnectionRefusedError, DownloadFailedError
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.cli.options import Span
from crawler.items import (
    EXCLUDED,
    FAILED,
    FETCHED,
    LISTING_FAILED,
    AliasItem,
    CaptureItem,
    ListingItem,
)
from crawler.middlewares.politeness import PolitenessMiddleware
from crawler.middlewares.resume import RUN_TOKEN
from crawler.middlewares.retry import BackoffRetryMiddleware
from crawler.selection import replay_skip_reason, skip_reason
from crawler.spiders.wayback import WaybackSpider
from crawler.wayback import EMPTY_DIGEST, CdxRecord

ARCHIVE = "http://archive.test"
POLICY = "http://www.acme.example/privacy"


def record(ts="20100101000000", status="200", mime="text/html", digest="AAA", url=POLICY):
    return CdxRecord("example,acme)/privacy", ts, url, mime, status, digest, "100")


# ---- selection rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (record(), None),
        (record(status="404"), ("status", "status 404")),
        (record(status="500"), ("status", "status 500")),
        (record(mime="image/png"), ("mimetype", "mimetype image/png")),
        (record(mime="application/pdf"), None),
        (record(mime="warc/revisit", status="-"), None),  # fetch and let the replay tell
        (record(mime="unk", status="301"), None),  # redirects are fetched for their Location
        (record(digest="SEEN"), ("duplicate", "digest already fetched")),
        (record(digest="SEEN", status="301"), None),  # ... always: Locations live in headers
        (record(digest=EMPTY_DIGEST), None),  # an empty page says nothing of the next one
    ],
)
def test_skip_reason(row, reason):
    # a typed code for programs, a sentence for people (issue 8: no parsing of reasons)
    assert skip_reason(row, {"SEEN", EMPTY_DIGEST}) == reason


@pytest.mark.parametrize(
    ("listed", "status", "content_type", "reason"),
    [
        ("warc/revisit", 200, "text/html; charset=utf-8", None),
        ("warc/revisit", 404, "text/html", ("replay_status", "status 404 on replay")),
        ("warc/revisit", 200, "image/gif", ("replay_mimetype", "mimetype image/gif on replay")),
        ("unk", 200, None, ("replay_mimetype", "mimetype unknown on replay")),
        ("text/html", 200, "text/plain", None),  # a row the CDX typed is taken at its word
        ("text/html", 301, None, None),
        ("text/html", 429, "text/html", None),  # an archived 429 page listed as such is content
    ],
)
def test_replay_skip_reason(listed, status, content_type, reason):
    row = record(mime=listed, status="-" if listed == "warc/revisit" else "200")
    assert replay_skip_reason(row, status, content_type) == reason


# ---- the spider ---------------------------------------------------------------------------------


@pytest.fixture
def spider(tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text(f"site,policy_url\nacme.example,{POLICY}\n")
    crawler = get_crawler(
        WaybackSpider,
        {
            "WAYBACK_ARCHIVE_URL": ARCHIVE,
            "POLICYTRAIL_DB": None,
            "WAYBACK_CDX_PAGE_SIZE": 2,
            "WAYBACK_MAX_REDIRECTS": 5,
            "WAYBACK_MAX_PENDING_FETCHES": 100,
        },
    )
    return WaybackSpider.from_crawler(crawler, targets=str(targets))


def start_requests(spider) -> list[Request]:
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def cdx_response(request: Request, body: str) -> TextResponse:
    return TextResponse(request.url, body=body.encode(), request=request, status=200)


def test_start_asks_the_cdx_api_with_paging(spider):
    [request] = start_requests(spider)
    assert request.url.startswith(f"{ARCHIVE}/cdx/search/cdx?url=http%3A%2F%2Fwww.acme.example")
    assert "output=json" in request.url and "limit=2" in request.url
    assert request.meta["download_slot"] == "cdx"


def many_sites(tmp_path, sites: int, **settings) -> WaybackSpider:
    targets = tmp_path / "many.csv"
    rows = [f"s{n}.example,http://www.s{n}.example/privacy" for n in range(sites)]
    targets.write_text("site,policy_url\n" + "\n".join(rows) + "\n")
    crawler = get_crawler(
        WaybackSpider,
        {"WAYBACK_ARCHIVE_URL": ARCHIVE, "POLICYTRAIL_DB": None, "WAYBACK_CDX_AHEAD": 2} | settings,
    )
    return WaybackSpider.from_crawler(crawler, targets=str(targets))


def listing(site: int, digests: str) -> str:
    url = f"http://www.s{site}.example/privacy"
    rows = [
        f'["example,s{site})/privacy","201{n}0101000000","{url}","text/html","200","{d}","10"]'
        for n, d in enumerate(digests)
    ]
    return (
        "["
        + ",\n".join(
            ['["urlkey","timestamp","original","mimetype","statuscode","digest","length"]', *rows]
        )
        + "]"
    )


def test_only_a_few_cdx_searches_are_handed_to_scrapy_at_once(tmp_path):
    """Searches waiting out the CDX slot's delay inside Scrapy would hold the places replays
    need: the spider hands over WAYBACK_CDX_AHEAD and keeps the rest until one is answered."""
    spider = many_sites(tmp_path, 5)

    async def run():
        start = spider.start()
        first = [await anext(start), await anext(start)]
        third = asyncio.ensure_future(anext(start))
        await asyncio.sleep(0.05)
        assert not third.done()  # two are out: the third waits
        out = list(
            first[0].callback(cdx_response(first[0], listing(0, "AB")), **first[0].cb_kwargs)
        )
        replays = [o for o in out if isinstance(o, Request)]
        assert len(replays) == 2  # the answer's replays go at once
        released = await asyncio.wait_for(third, 1)
        await start.aclose()
        return first, released

    first, released = asyncio.run(run())
    assert [request.cb_kwargs["url"] for request in [*first, released]] == [
        f"http://www.s{n}.example/privacy" for n in range(3)
    ]


def test_sites_take_turns_at_the_replay_budget(tmp_path):
    spider = many_sites(tmp_path, 2, WAYBACK_REPLAYS_PER_TURN=2)

    async def run():
        start = spider.start()
        requests = [await anext(start), await anext(start)]
        await start.aclose()
        return requests

    first, second = asyncio.run(run())
    out = [
        *first.callback(cdx_response(first, listing(0, "ABCDE")), **first.cb_kwargs),
        *second.callback(cdx_response(second, listing(1, "FGH")), **second.cb_kwargs),
    ]
    ranks = [(o.priority, o.cb_kwargs["capture"].site) for o in out if isinstance(o, Request)]
    # two replays a turn: site 1's first two rank with site 0's first two
    assert ranks == [
        (0, "s0.example"), (0, "s0.example"), (-1, "s0.example"), (-1, "s0.example"),
        (-2, "s0.example"), (0, "s1.example"), (0, "s1.example"), (-1, "s1.example"),
    ]  # fmt: skip
    # first come, first served within a rank (Scrapy's default is last in, first out)
    assert project_settings.SCHEDULER_MEMORY_QUEUE.endswith("FifoMemoryQueue")
    assert project_settings.SCHEDULER_DISK_QUEUE.endswith("FifoDiskQueue")


def test_parse_cdx_records_skips_fetches_the_rest_and_follows_the_resume_key(spider):
    [request] = start_requests(spider)
    body = (
        '[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],\n'
        f'["example,acme)/privacy","20100101000000","{POLICY}","text/html","200","D1","10"],\n'
        f'["example,acme)/privacy","20100101000000","{POLICY}","text/html","200","D1","10"],\n'
        f'["example,acme)/privacy","20110101000000","{POLICY}","text/html","404","D2","10"],\n'
        f'["example,acme)/privacy","20120101000000","{POLICY}","text/html","200","D1","10"],\n'
        '[],\n["KEY=="]]\n'
    )
    out = list(request.callback(cdx_response(request, body), **request.cb_kwargs))
    mementos = [o for o in out if isinstance(o, Request) and o.meta["download_slot"] == "replay"]
    pages = [o for o in out if isinstance(o, Request) and o.meta["download_slot"] == "cdx"]
    skipped = [o for o in out if isinstance(o, CaptureItem)]
    assert [m.url for m in mementos] == [f"{ARCHIVE}/web/20100101000000id_/{POLICY}"]
    # the third row's page (D1) is in flight: it waits for that copy instead of pointing at
    # a copy that may never be stored
    assert [(s.timestamp, s.reason) for s in skipped] == [("20110101000000", "status 404")]
    assert len(pages) == 1 and "resumeKey=KEY%3D%3D" in pages[0].url
    [fetch] = mementos
    headers = {"Memento-Datetime": "Fri, 01 Jan 2010 00:00:00 GMT", "Content-Type": "text/html"}
    [fetched] = list(fetch.callback(memento(fetch, 200, headers), **fetch.cb_kwargs))
    assert fetched.fetch_status == FETCHED and fetched.timestamp == "20100101000000"
    # the duplicate travels with its copy, so it is never stored before it
    [duplicate] = fetched.duplicates
    assert (duplicate.timestamp, duplicate.reason_code) == ("20120101000000", "duplicate")


def two_captures_of_one_page(spider) -> Request:
    [request] = start_requests(spider)
    body = (
        '[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],\n'
        f'["example,acme)/privacy","20100101000000","{POLICY}","text/html","200","D1","10"],\n'
        f'["example,acme)/privacy","20120101000000","{POLICY}","text/html","200","D1","10"]]\n'
    )
    out = list(request.callback(cdx_response(request, body), **request.cb_kwargs))
    [fetch] = [o for o in out if isinstance(o, Request)]
    return fetch


def test_when_the_copy_fails_a_capture_waiting_on_it_is_fetched_itself(spider):
    fetch = two_captures_of_one_page(spider)
    out = list(fetch.callback(memento(fetch, 500, {}, b"broken"), **fetch.cb_kwargs))
    failed, retry = out
    assert failed.fetch_status == FAILED and failed.reason_code == "http_error"
    assert isinstance(retry, Request) and "20120101000000id_" in retry.url
    # and when that one is stored, nothing else waits
    headers = {"Memento-Datetime": "Sun, 01 Jan 2012 00:00:00 GMT", "Content-Type": "text/html"}
    [item] = list(retry.callback(memento(retry, 200, headers), **retry.cb_kwargs))
    assert item.fetch_status == FETCHED and spider._in_flight == {}


def test_a_site_the_archive_excludes_is_a_final_answer_not_a_failure(spider):
    [request] = start_requests(spider)
    body = (
        "org.archive.util.io.RuntimeIOException: org.archive.wayback.exception."
        "AdministrativeAccessControlException: Blocked Site Error"
    )
    response = TextResponse(request.url, body=body.encode(), request=request, status=403)
    [listing] = list(request.callback(response, **request.cb_kwargs))
    assert isinstance(listing, ListingItem) and listing.status == EXCLUDED
    assert "Blocked Site Error" in listing.message
    assert not spider.crawler.stats.get_value("policytrail/cdx_failed")


def test_a_listing_that_ends_says_so_and_a_failed_one_too(spider):
    [request] = start_requests(spider)
    response = TextResponse(request.url, body=b"oops", request=request, status=502)
    [listing] = list(request.callback(response, **request.cb_kwargs))
    assert listing.status == LISTING_FAILED and listing.message.startswith("HTTP 502")
    assert spider.crawler.stats.get_value("policytrail/cdx_failed") == 1


def test_requests_of_an_earlier_process_are_admitted_only_when_still_needed(spider):
    fetch = two_captures_of_one_page(spider)
    assert spider.admit(fetch)  # this process's own request
    stale = fetch.replace(meta={**fetch.meta, RUN_TOKEN: "an earlier process"})
    assert not spider.admit(stale)  # this run has taken that capture on already
    # a fresh spider (the rerun) has not listed it yet: the queued request may go
    rerun = WaybackSpider.from_crawler(
        get_crawler(WaybackSpider, {"WAYBACK_ARCHIVE_URL": ARCHIVE, "POLICYTRAIL_DB": None}),
        targets=spider.targets_path,
    )
    assert rerun.admit(stale)
    again = stale.replace(meta={**fetch.meta, RUN_TOKEN: "an earlier process"})
    assert not rerun.admit(again)  # once only
    [cdx_page] = start_requests(rerun)
    stale_page = cdx_page.replace(meta={**cdx_page.meta, RUN_TOKEN: "an earlier process"})
    assert not rerun.admit(stale_page)  # every URL is listed again from its first page


def test_the_next_cdx_page_waits_while_too_many_fetches_are_pending(spider):
    spider.max_pending = 0
    [request] = start_requests(spider)
    body = (
        '[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],\n'
        f'["example,acme)/privacy","20100101000000","{POLICY}","text/html","200","D1","10"],\n'
        '[],\n["KEY=="]]\n'
    )
    [fetch] = list(request.callback(cdx_response(request, body), **request.cb_kwargs))
    assert fetch.meta["download_slot"] == "replay" and len(spider._waiting_pages) == 1
    headers = {"Memento-Datetime": "Fri, 01 Jan 2010 00:00:00 GMT"}
    out = list(fetch.callback(memento(fetch, 200, headers), **fetch.cb_kwargs))
    assert isinstance(out[0], CaptureItem) and out[1].meta["download_slot"] == "cdx"
    assert not spider._waiting_pages


def memento(request: Request, status=200, headers=None, body=b"<p>policy</p>") -> Response:
    return HtmlResponse(
        request.url, status=status, headers=headers or {}, body=body, request=request
    )


def first_memento_request(spider) -> Request:
    [request] = start_requests(spider)
    body = (
        '[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],\n'
        f'["example,acme)/privacy","20100101000000","{POLICY}","text/html","200","D1","10"]]\n'
    )
    [fetch] = [
        o
        for o in request.callback(cdx_response(request, body), **request.cb_kwargs)
        if isinstance(o, Request)
    ]
    return fetch


def test_a_response_with_memento_datetime_is_a_capture_whatever_its_status(spider):
    fetch = first_memento_request(spider)
    headers = {
        "Memento-Datetime": "Fri, 01 Jan 2010 00:00:00 GMT",
        "Content-Type": "text/html",
        "X-Archive-Orig-Server": "Apache",
        "X-Archive-Orig-Content-Encoding": "gzip",
    }
    [item] = list(fetch.callback(memento(fetch, 429, headers), **fetch.cb_kwargs))
    assert item.fetch_status == FETCHED and item.memento.http_status == 429
    assert ("Server", "Apache") in item.memento.headers
    assert all(name != "Content-Encoding" for name, _ in item.memento.headers)  # body is decoded


def test_the_archive_redirect_is_followed_with_its_chain(spider):
    fetch = first_memento_request(spider)
    hop = f"{ARCHIVE}/web/20100102000000id_/{POLICY}"
    [follow] = list(fetch.callback(memento(fetch, 302, {"Location": hop}, b""), **fetch.cb_kwargs))
    assert follow.url == hop and follow.cb_kwargs["chain"] == (fetch.url,)
    headers = {"Memento-Datetime": "Sat, 02 Jan 2010 00:00:00 GMT"}
    [item] = list(follow.callback(memento(follow, 200, headers), **follow.cb_kwargs))
    assert item.memento.final_url == hop and item.memento.redirect_chain == [fetch.url]
    assert item.memento.memento_url == fetch.url


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("https://elsewhere.example/page", "redirect leaves the archive"),
        ("SELF", "redirect loop"),
    ],
)
def test_redirects_out_of_the_archive_or_in_a_loop_fail(spider, location, reason):
    fetch = first_memento_request(spider)
    location = fetch.url if location == "SELF" else location
    [item] = list(
        fetch.callback(memento(fetch, 302, {"Location": location}, b""), **fetch.cb_kwargs)
    )
    assert item.fetch_status == FAILED and item.reason.startswith(reason)


def test_too_many_redirects_fail(spider):
    fetch = first_memento_request(spider)
    chain = tuple(f"{ARCHIVE}/web/2010010{n}000000id_/{POLICY}" for n in range(5))
    hop = f"{ARCHIVE}/web/20100109000000id_/{POLICY}"
    response = memento(fetch, 302, {"Location": hop}, b"")
    [item] = list(fetch.callback(response, **{**fetch.cb_kwargs, "chain": chain}))
    assert item.reason == "more than 5 redirects"


def test_no_memento_datetime_is_a_failure_with_the_reason(spider):
    fetch = first_memento_request(spider)
    [item] = list(
        fetch.callback(memento(fetch, 404, {}, b"<p>Not archived</p>"), **fetch.cb_kwargs)
    )
    assert item.fetch_status == FAILED
    assert item.reason.startswith("HTTP 404 without Memento-Datetime")


def test_a_captured_redirect_to_a_new_url_makes_it_an_alias(spider):
    fetch = first_memento_request(spider)
    new = "https://www.acme.example/legal/privacy"
    headers = {
        "Memento-Datetime": "Fri, 01 Jan 2010 00:00:00 GMT",
        "Location": f"/web/20100101000000id_/{new}",
    }
    out = list(fetch.callback(memento(fetch, 301, headers, b""), **fetch.cb_kwargs))
    alias, cdx, item = out
    assert isinstance(alias, AliasItem) and alias.url == new
    assert alias.via == f"redirect from {POLICY} at 20100101000000"
    assert cdx.meta["download_slot"] == "cdx" and cdx.cb_kwargs["url"] == new
    assert item.memento.location == new and item.statuscode == "200"
    # a second redirect to the same place is reported, but not enumerated again
    again = list(fetch.callback(memento(fetch, 301, headers, b""), **fetch.cb_kwargs))
    assert [type(o) for o in again] == [AliasItem, CaptureItem]


def test_a_redirect_to_a_variant_of_the_same_url_is_no_move(spider):
    fetch = first_memento_request(spider)
    headers = {
        "Memento-Datetime": "Fri, 01 Jan 2010 00:00:00 GMT",
        "Location": f"{ARCHIVE}/web/20100101000000id_/https://acme.example/privacy",
    }
    [item] = list(fetch.callback(memento(fetch, 301, headers, b""), **fetch.cb_kwargs))
    assert item.memento.location == "https://acme.example/privacy"


# ---- politeness -----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def politeness():
    crawler = get_crawler(
        WaybackSpider,
        {
            "WAYBACK_429_PAUSE": 60.0,
            "WAYBACK_429_PAUSE_MAX": 3600.0,
            "WAYBACK_BLOCK_PAUSE": 3600.0,
            "WAYBACK_BLOCK_WINDOW": 300.0,
            "WAYBACK_BLOCK_DROPS": 3,
            "WAYBACK_RETRY_BACKOFF": 0.0,
            "RETRY_TIMES": 2,
            "WAYBACK_429_RETRIES": 3,
            "RETRY_HTTP_CODES": project_settings.RETRY_HTTP_CODES,
        },
    )
    crawler.spider = WaybackSpider.__new__(WaybackSpider)
    crawler.spider.crawler = crawler
    middleware = build_from_crawler(PolitenessMiddleware, crawler)
    middleware._clock = Clock()
    return middleware


@pytest.fixture
def retrying(politeness):
    return build_from_crawler(BackoffRetryMiddleware, politeness.crawler)


def replay_request() -> Request:
    return Request(f"{ARCHIVE}/web/2010id_/{POLICY}", meta={"download_slot": "replay"})


def run(coroutine):
    return asyncio.run(coroutine)


def limited(request: Request, **headers: str) -> Response:
    return Response(request.url, status=429, headers=headers, request=request)


def test_429_pauses_the_endpoint_doubling_only_when_a_pause_did_not_help(politeness):
    request = replay_request()
    clock = politeness._clock
    state = politeness.state(request)
    retry = run(politeness.process_response(request, limited(request)))
    assert isinstance(retry, Request) and state.paused_until == 1060.0
    clock.now = 1010.0  # another request that was in flight when the pause began
    run(politeness.process_response(retry, limited(retry)))
    assert state.paused_until == 1060.0
    clock.now = 1061.0  # the first request after the pause is limited again: double it
    retry = run(politeness.process_response(retry, limited(retry)))
    assert state.paused_until == 1061.0 + 120
    clock.now = 1182.0  # again: 240 s, but Retry-After asks for more
    retry = run(politeness.process_response(retry, limited(retry, **{"Retry-After": "900"})))
    assert state.paused_until == 1182.0 + 900
    # CDX requests are another endpoint: not paused
    assert politeness.state(Request("http://x", meta={"download_slot": "cdx"})).paused_until == 0
    # past WAYBACK_429_RETRIES the response goes through, for the spider to record
    final = limited(retry)
    assert run(politeness.process_response(retry, final)) is final


def test_an_answer_after_the_pause_resets_the_doubling(politeness):
    request = replay_request()
    clock = politeness._clock
    run(politeness.process_response(request, limited(request)))
    clock.now = 1061.0
    run(politeness.process_response(request, Response(request.url, status=200, request=request)))
    run(politeness.process_response(request, limited(request)))
    assert politeness.state(request).paused_until == 1061.0 + 60


def test_an_archived_429_page_is_content_not_a_rate_limit(politeness):
    request = replay_request()
    archived = Response(
        request.url,
        status=429,
        request=request,
        headers={"Memento-Datetime": "Thu, 29 Jan 2015 03:49:04 GMT"},
    )
    assert run(politeness.process_response(request, archived)) is archived
    assert politeness.state(request).paused_until == 0


def test_a_refused_connection_after_a_429_pauses_every_endpoint(politeness):
    cdx = Request("http://archive.test/cdx/search/cdx?url=x", meta={"download_slot": "cdx"})
    request = replay_request()
    politeness.state(cdx)
    run(politeness.process_response(request, limited(request)))
    politeness._clock.now += 30
    retry = run(politeness.process_exception(request, DownloadConnectionRefusedError()))
    assert isinstance(retry, Request)
    assert politeness.state(request).paused_until == 1030.0 + 3600.0
    assert politeness.state(cdx).paused_until == 1030.0 + 3600.0
    assert politeness.crawler.stats.get_value("policytrail/blocked") == 1


def test_dropped_connections_in_a_row_after_a_429_mean_a_block_too(politeness):
    request = replay_request()
    run(politeness.process_response(request, limited(request)))
    politeness._clock.now = 1100.0  # past the 429 pause
    for _ in range(2):
        # no block yet: retrying is left to the retry middleware
        assert run(politeness.process_exception(request, DownloadFailedError())) is None
        assert politeness.state(request).paused_until == 1060.0, "one reset is no block"
    retry = run(politeness.process_exception(request, DownloadFailedError()))
    assert isinstance(retry, Request)
    assert politeness.state(request).paused_until == 1100.0 + 3600.0


def test_a_reset_without_a_recent_429_is_an_ordinary_retry(politeness, retrying):
    request = replay_request()
    assert run(politeness.process_exception(request, DownloadConnectionRefusedError())) is None
    retry = run(retrying.process_exception(request, DownloadConnectionRefusedError()))
    assert retry.meta["retry_times"] == 1
    assert politeness.state(request).paused_until == 0


def test_5xx_retries_then_hands_the_response_on(politeness, retrying):
    request = replay_request()
    answer = Response(request.url, status=503, request=request)
    assert run(politeness.process_response(request, answer)) is answer
    first = run(retrying.process_response(request, answer))
    second = run(retrying.process_response(first, Response(request.url, status=503, request=first)))
    assert isinstance(first, Request) and isinstance(second, Request)
    last = Response(request.url, status=503, request=second)
    assert run(retrying.process_response(second, last)) is last
    assert politeness.state(request).paused_until == 0  # 5xx do not pause the endpoint


def test_a_paused_request_waits_for_the_pause_even_when_it_grows(politeness):
    import time

    request = replay_request()
    politeness._clock = time.monotonic
    state = politeness.state(request)
    state.paused_until = time.monotonic() + 0.15

    async def wait_and_extend():
        async def extend():
            await asyncio.sleep(0.05)
            state.paused_until = time.monotonic() + 0.25  # a 429 while waiting

        started = time.monotonic()
        await asyncio.gather(politeness.process_request(request), extend())
        return time.monotonic() - started

    assert run(wait_and_extend()) >= 0.29


def test_the_time_window_narrows_to_the_target_and_the_command(tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text(f"site,policy_url,from,to\nacme.example,{POLICY},2008,2015\n")
    crawler = get_crawler(WaybackSpider, {"WAYBACK_ARCHIVE_URL": ARCHIVE, "POLICYTRAIL_DB": None})
    spider = WaybackSpider.from_crawler(crawler, targets=str(targets), from_ts="2010", to_ts="2020")
    [request] = start_requests(spider)
    assert "from=20100101000000" in request.url  # the later start wins
    assert "to=20151231235959" in request.url  # the earlier end wins, as a real moment


def test_malformed_cdx_rows_are_left_out_and_the_rest_of_the_page_is_kept(spider):
    [request] = start_requests(spider)
    body = (
        '[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],\n'
        f'["example,acme)/privacy","20100101000000","{POLICY}","text/html","200","D1","10"],\n'
        f'["example,acme)/privacy","20101301000000","{POLICY}","text/html","200","D2","10"],\n'
        f'["example,acme)/privacy","2011","{POLICY}","text/html","200","D3","10"],\n'
        '["example,acme)/privacy","20120101000000","http://[::1/p","text/html","200","D4","1"],\n'
        f'["example,acme)/privacy","20130101000000","{POLICY}"],\n'
        f'["example,acme)/privacy","20140101000000","{POLICY}","text/html","200","D5","10"]]\n'
    )
    out = list(request.callback(cdx_response(request, body), **request.cb_kwargs))
    fetches = [o.url for o in out if isinstance(o, Request)]
    assert fetches == [
        f"{ARCHIVE}/web/20100101000000id_/{POLICY}",
        f"{ARCHIVE}/web/20140101000000id_/{POLICY}",
    ]
    assert spider.crawler.stats.get_value("policytrail/cdx_bad_rows") == 4
    [listing] = [o for o in out if isinstance(o, ListingItem)]
    assert listing.status == "listed"


def test_an_incremental_listing_starts_at_the_last_listed_capture_less_the_overlap():
    from datetime import datetime, timedelta

    from crawler.ledger import Listing
    from crawler.selection import listing_start

    now = datetime(2026, 12, 2, 12, 0)
    week, overlap = timedelta(days=7), timedelta(days=3)
    recent = Listing("20261201000000", datetime(2026, 11, 30), rows=40)
    assert listing_start(recent, now, overlap, week) == "20261128000000"
    stale = Listing("20261201000000", datetime(2026, 11, 20), rows=40)
    assert listing_start(stale, now, overlap, week) is None  # fully again after a week
    never_full = Listing("20261201000000", None, rows=40)
    assert listing_start(never_full, now, overlap, week) is None


@pytest.mark.parametrize(
    ("timestamp", "original", "problem"),
    [
        ("20100101000000", POLICY, None),
        ("2010", POLICY, "timestamp '2010'"),
        ("20101301000000", POLICY, "timestamp '20101301000000'"),
        ("20100101000000", "mailto:a@b.example", "original 'mailto:a@b.example'"),
        ("20100101000000", "http://x.example:99999/p", "original 'http://x.example:99999/p'"),
    ],
)
def test_row_problem(timestamp, original, problem):
    from crawler.selection import row_problem

    assert row_problem(record(ts=timestamp, url=original)) == problem


def test_a_neighbouring_capture_served_instead_is_no_copy_for_the_digest(spider):
    """Review finding: the archive may answer with the closest capture, another page; the
    captures waiting on the digest must then be fetched themselves, not pointed at it."""
    fetch = two_captures_of_one_page(spider)
    neighbour = f"{ARCHIVE}/web/20100105000000id_/{POLICY}"
    response = HtmlResponse(
        neighbour,
        status=200,
        headers={"Memento-Datetime": "Tue, 05 Jan 2010 00:00:00 GMT", "Content-Type": "text/html"},
        body=b"<p>another page</p>",
        request=fetch,
    )
    out = list(fetch.callback(response, **{**fetch.cb_kwargs, "chain": (fetch.url,)}))
    fetched, own_fetch = out
    assert fetched.fetch_status == FETCHED
    assert isinstance(own_fetch, Request) and "20120101000000id_" in own_fetch.url


def test_a_location_no_archive_could_hold_is_no_move_and_no_crash(spider):
    fetch = first_memento_request(spider)
    headers = {
        "Memento-Datetime": "Fri, 01 Jan 2010 00:00:00 GMT",
        "Location": "http://www.acme.example:99999/legal",
    }
    [item] = list(fetch.callback(memento(fetch, 301, headers, b""), **fetch.cb_kwargs))
    assert item.fetch_status == FETCHED


def test_a_bug_while_processing_a_memento_fails_the_capture_instead_of_losing_it(
    spider, monkeypatch
):
    fetch = two_captures_of_one_page(spider)

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(spider, "_follow_move", broken)
    headers = {
        "Memento-Datetime": "Fri, 01 Jan 2010 00:00:00 GMT",
        "Content-Type": "text/html",
        "Location": "/web/20100101000000id_/https://www.acme.example/legal",
    }
    failed, retry = list(fetch.callback(memento(fetch, 301, headers, b""), **fetch.cb_kwargs))
    assert failed.fetch_status == FAILED and failed.reason_code == "error"
    assert isinstance(retry, Request)  # the capture that waited on it is fetched itself


@pytest.mark.parametrize("value", ["inf", "nan", "1e12", "-3d", "soon", ""])
def test_a_span_must_be_a_span(value):
    with pytest.raises(click.BadParameter):
        Span().convert(value, None, None)


@pytest.mark.parametrize(("value", "days"), [("30d", 30), ("2w", 14), ("1Y", 365.25), ("7", 7)])
def test_spans_in_days(value, days):
    assert Span().convert(value, None, None) == days


def test_rows_held_for_change_point_are_searched_when_a_later_page_says_excluded(tmp_path):
    spider = many_sites(tmp_path, 1, WAYBACK_FETCH_STRATEGY="change-point", WAYBACK_CDX_PAGE_SIZE=3)

    async def first_request():
        start = spider.start()
        request = await anext(start)
        await start.aclose()
        return request

    request = asyncio.run(first_request())
    body = listing(0, "ABC")[:-1] + ',\n[],\n["KEY=="]]'
    [page_two] = [o for o in request.callback(cdx_response(request, body), **request.cb_kwargs)]
    blocked = TextResponse(page_two.url, body=b"Blocked Site Error", request=page_two, status=403)
    out = list(page_two.callback(blocked, **page_two.cb_kwargs))
    replays = [o for o in out if isinstance(o, Request)]
    # the rows of page one are not dropped: the plan asks for its ends
    stamps = [r.cb_kwargs["capture"].timestamp for r in replays]
    assert stamps == ["20100101000000", "20120101000000"]
