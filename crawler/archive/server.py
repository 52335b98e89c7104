"""The local archive's HTTP server (aiohttp): CDX, replay and availability, with faults."""

from __future__ import annotations

import asyncio
import html
import logging
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from crawler.archive import cdx, misbehave, replay
from crawler.archive.faults import Fault, FaultConfig, FaultInjector
from crawler.archive.index import ArchiveIndex, Progress, default_index_path, find_warcs
from crawler.exceptions import BadInputError, CdxQueryError, WarcError
from crawler.wayback import http_date, memento_url, parse_timestamp, surt_key, url_problem

logger = logging.getLogger(__name__)

# IA caps one CDX answer at 150,000 rows (wayback-cdx-server's documented default).
MAX_CDX_ROWS = 150_000
# IA's 403 for a CDX search of an excluded site, word for word: clients match on it.
BLOCKED_SITE_ERROR = (
    "org.archive.util.io.RuntimeIOException: "
    "org.archive.wayback.exception.AdministrativeAccessControlException: Blocked Site Error"
)


@dataclass(frozen=True, slots=True)
class ArchiveOptions:
    """How the archive answers, beyond what its WARCs hold."""

    faults: FaultConfig = field(default_factory=FaultConfig)
    exclusions: tuple[str, ...] = ()  # SURT prefixes (or URLs) the archive refuses to show
    resume_keys: str = "compressed"
    base_url: str | None = None  # the address to put in Link and Location; default: as asked
    max_rows: int = MAX_CDX_ROWS

    def __post_init__(self) -> None:
        for rule in self.exclusions:
            _surt_prefix(rule)  # a rule that names no URL is refused now, not at first request


class ArchiveApp:
    """The request handlers, bound to one index and one set of options."""

    def __init__(self, index: ArchiveIndex, options: ArchiveOptions) -> None:
        if options.resume_keys not in cdx.RESUME_KEY_STYLES:
            raise BadInputError(f"resume key style must be one of {cdx.RESUME_KEY_STYLES}")
        self.index = index
        self.options = options
        self.injector = FaultInjector(options.faults)
        self.exclusions = tuple(_surt_prefix(rule) for rule in options.exclusions)
        self.root = Path(_common_root(index.roots)) if index.roots else None

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._faults])
        app.router.add_get("/cdx/search/cdx", self.cdx)
        app.router.add_get("/wayback/available", self.available)
        app.router.add_get("/web/timemap/link/{url:.+}", self.timemap)
        app.router.add_get("/web/{rest:.+}", self.replay)
        app.router.add_get("/", self.home)
        return app

    # ---- endpoints ---------------------------------------------------------------------------

    async def cdx(self, request: web.Request) -> web.StreamResponse:
        try:
            query = cdx.parse_query(list(request.query.items()))
        except CdxQueryError as error:
            return web.Response(status=400, text=f"{error}\n")
        if self._excluded(query.urlkey):
            return web.Response(
                status=403,
                body=f"{BLOCKED_SITE_ERROR}\n".encode(),
                headers={
                    "Content-Type": cdx.TEXT_CONTENT_TYPE,
                    "X-Archive-Wayback-Runtime-Error": BLOCKED_SITE_ERROR,
                },
            )
        result = cdx.run_query(
            self.index, query, resume_style=self.options.resume_keys, max_rows=self.options.max_rows
        )
        body, content_type = cdx.render(result, query)
        return web.Response(body=body.encode("utf-8"), headers={"Content-Type": content_type})

    async def replay(self, request: web.Request) -> web.StreamResponse:
        target = replay.parse_target(request.raw_path)
        if target is None:
            return _page(404, "Not a replay address", "Expected /web/<timestamp>id_/<url>.")
        if problem := url_problem(target.url):
            return _invalid_url(target.url, problem)
        if self._excluded(target.urlkey):
            # IA answers an excluded URL with a 200 page that carries no Memento-Datetime.
            return _page(200, "Excluded", "This URL has been excluded from the archive.")
        captures = self.index.captures_of(target.urlkey)
        if not captures:
            return _page(404, "Not archived", f"The archive has no capture of {target.url}.")
        base = self._base(request)
        hit = replay.exact(captures, target)
        if hit is None:
            nearest = replay.closest(captures, target.timestamp)
            location = memento_url(base, nearest.timestamp, nearest.original, target.mode)
            return web.Response(
                status=302,
                headers={
                    "Location": location,
                    "Content-Type": "text/plain; charset=utf-8",
                    "X-Archive-Redirect-Reason": f"found capture at {nearest.timestamp}",
                },
            )
        try:
            archived = replay.load_capture(self.index, hit)
        except WarcError as error:
            # IA answers 503 when a capture's storage cannot be read: the capture exists, so a
            # 404 would be wrong, and the request was sound, so a 400 would be too.
            logger.warning("capture unavailable: %s", error)
            return web.Response(
                status=503, text=f"Capture unavailable: {hit.timestamp} {hit.original}\n"
            )
        headers = replay.memento_headers(
            archived, hit, captures, mode=target.mode, base=base, root=self.root
        )
        response = web.Response(status=archived.status, reason=archived.reason, body=archived.body)
        for name, value in headers:
            response.headers.add(name, value)
        if not any(name.lower() == "content-type" for name, _ in headers):
            # Absent until prepare() on current aiohttp, which then sets one only for a body.
            response.headers.pop("Content-Type", None)
        return response

    async def available(self, request: web.Request) -> web.StreamResponse:
        url = request.query.get("url", "").strip()
        answer: dict[str, object] = {"url": url or None, "archived_snapshots": {}}
        if problem := url_problem(url):
            answer["error"] = f"invalid url {url!r}: {problem}"
            return web.json_response(answer, status=400)
        if url and not self._excluded(surt_key(url)):
            shown = [c for c in self.index.captures_of(surt_key(url)) if self._shown(c)]
            timestamp = "".join(ch for ch in request.query.get("timestamp", "") if ch.isdigit())
            if shown:
                best = replay.closest(shown, timestamp[:14])
                host = self._base(request).split("://", 1)[-1]
                answer["archived_snapshots"] = {
                    "closest": {
                        "status": self._status_of(best),
                        "available": True,
                        # IA writes these with http://, whatever the request used.
                        "url": memento_url(f"http://{host}", best.timestamp, best.original, ""),
                        "timestamp": best.timestamp,
                    }
                }
        return web.json_response(answer)

    async def timemap(self, request: web.Request) -> web.StreamResponse:
        target = replay.parse_target(f"/web/0/{request.match_info['url']}")
        assert target is not None  # the route guarantees a URL
        if problem := url_problem(target.url):
            return _invalid_url(target.url, problem)
        captures = self.index.captures_of(target.urlkey)
        if not captures or self._excluded(target.urlkey):
            return _page(404, "Not archived", f"The archive has no capture of {target.url}.")
        base = self._base(request)
        lines = [f'<{target.url}>; rel="original",']
        seen: set[str] = set()
        for capture in captures:
            if capture.timestamp not in seen:
                seen.add(capture.timestamp)
                url = memento_url(base, capture.timestamp, capture.original, "")
                moment = http_date(parse_timestamp(capture.timestamp))  # RFC 7089: an HTTP date
                lines.append(f'<{url}>; rel="memento"; datetime="{moment}",')
        lines[-1] = lines[-1].rstrip(",")
        return web.Response(text="\n".join(lines) + "\n", content_type="application/link-format")

    async def home(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=f"policytrail local archive: {len(self.index)} captures\n")

    # ---- faults --------------------------------------------------------------------------------

    @web.middleware
    async def _faults(self, request: web.Request, handler) -> web.StreamResponse:
        endpoint = _endpoint(request.path)
        if endpoint is None:
            return await handler(request)
        faults = self.options.faults
        fault = self.injector.decide(request.remote or "?", endpoint)
        if fault in (Fault.BLOCKED, Fault.RESET):
            misbehave.reset(request)
            raise asyncio.CancelledError
        if fault is Fault.RATE_LIMITED:
            headers = {"Retry-After": str(faults.retry_after)} if faults.retry_after else {}
            return _page(429, "Too Many Requests", "Slow down: too many requests.", headers)
        if faults.latency > 0 and endpoint in faults.endpoints:
            await asyncio.sleep(faults.latency)
        if fault is Fault.SERVER_ERROR:
            status = self.injector.error_status()
            return _page(status, "Server error", "The archive could not answer.")
        response = await handler(request)
        if fault is Fault.MALFORMED and isinstance(response, web.Response):
            return misbehave.malformed(response) if endpoint == "cdx" else response
        if fault is Fault.CUT and isinstance(response, web.Response):
            misbehave.cut(request, response)
            raise asyncio.CancelledError
        if fault in (Fault.TRUNCATED, Fault.SLOW) and isinstance(response, web.Response):
            return await misbehave.stream(request, response, fault, faults.slow_seconds)
        return response

    # ---- helpers -------------------------------------------------------------------------------

    def _base(self, request: web.Request) -> str:
        return (self.options.base_url or f"{request.scheme}://{request.host}").rstrip("/")

    def _excluded(self, urlkey: str) -> bool:
        return any(urlkey.startswith(prefix) for prefix in self.exclusions)

    def _status_of(self, capture) -> str:
        if capture.is_revisit:
            original = self.index.original_of(capture)
            return original.statuscode if original else "-"
        return capture.statuscode

    def _shown(self, capture) -> bool:
        # The availability API offers captures that replay as pages: 2xx and 3xx.
        return self._status_of(capture)[:1] in ("2", "3")


def _endpoint(path: str) -> str | None:
    if path.startswith("/cdx/"):
        return "cdx"
    if path.startswith("/web/"):
        return "replay"
    if path.startswith("/wayback/"):
        return "available"
    return None


def _page(
    status: int, title: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    page = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>\n"
    return web.Response(status=status, text=page, content_type="text/html", headers=headers)


def _invalid_url(url: str, problem: str) -> web.Response:
    """A URL that cannot be parsed (port 99999, a torn IPv6 literal) is the request's fault.

    400 on replay, timemap and availability alike, as the CDX API answers it: a client can then
    tell a request it must not repeat from a URL the archive merely lacks (404).
    """
    return _page(400, "Invalid URL", html.escape(f"invalid url {url!r}: {problem}"))


def _surt_prefix(rule: str) -> str:
    rule = rule.strip()
    if ")" in rule and "://" not in rule:
        return rule  # already a SURT prefix, such as "com,example)/private"
    if problem := url_problem(rule.rstrip("*")):
        raise BadInputError(f"cannot exclude {rule!r}: invalid url ({problem})")
    return surt_key(rule).rstrip("/") if rule.endswith("*") else surt_key(rule)


def _common_root(roots: Sequence[Path]) -> str:
    import os.path

    return os.path.commonpath([str(r) for r in roots])


# ---- running it -------------------------------------------------------------------------------


def open_index(
    paths: Sequence[str | Path],
    index_path: Path | None = None,
    progress: Progress | None = None,
    *,
    cache_dir: Path | None = None,
) -> tuple[ArchiveIndex, int]:
    """The index of the WARCs under `paths`: in `index_path`, or else in the caller's cache
    folder (POLICYTRAIL_CACHE_DIR for the CLI), named after the WARCs."""
    warcs = find_warcs(paths)
    if not warcs:
        raise BadInputError(f"no WARC files in {', '.join(str(p) for p in paths)}")
    if index_path is None:
        if cache_dir is None:
            raise ValueError("open_index needs an index path or a cache folder to keep it in")
        index_path = default_index_path(cache_dir, warcs)
    return ArchiveIndex.open(warcs, index_path, progress, roots=paths)


class ArchiveServer:
    """The archive on a background thread: for tests, the demo and the benchmarks.

    >>> with ArchiveServer(["data/sample"], cache_dir=Path("cache")) as archive:  # doctest: +SKIP
    ...     print(archive.base_url)
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        options: ArchiveOptions | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        index_path: Path | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.index, self.files_indexed = open_index(paths, index_path, cache_dir=cache_dir)
        self.app = ArchiveApp(self.index, options or ArchiveOptions())
        self.host, self.port = host, port
        self.base_url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> ArchiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ArchiveServer:
        if self._thread is not None:
            return self  # already running: `with server.start():` starts it once
        self._thread = threading.Thread(target=self._run, name="policytrail-archive", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise BadInputError(
                f"cannot start the archive on {self.host}:{self.port}: {self._error}"
            )
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self.index.close()

    @property
    def stats(self) -> dict[str, int]:
        return dict(self.app.injector.stats.counts)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start_site())
        except OSError as error:
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start_site(self) -> None:
        self._runner = web.AppRunner(self.app.application(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        bound = self._runner.addresses[0]
        self.port = bound[1]
        self.base_url = f"http://{self.host}:{self.port}"


# One access-log line per request: when (local time), who, the request line, status, bytes
# sent (headers included) and seconds taken (aiohttp's access logger and its format codes).
ACCESS_LOG_FORMAT = '%t %a "%r" %s %b %Tf'


async def serve_until_stopped(
    server_app: ArchiveApp,
    host: str,
    port: int,
    announce,
    access_log: logging.Logger | None = None,
) -> None:
    """Run in the foreground (the CLI) until SIGINT or SIGTERM; `announce(base_url)` once the
    socket is listening. The handlers are set here, not inherited: a server started from a
    script in the background begins with SIGINT ignored, and SIGTERM would skip the cleanup.
    `access_log`: a logger that gets one line per request."""
    runner = web.AppRunner(
        server_app.application(),
        access_log=access_log,
        access_log_format=ACCESS_LOG_FORMAT,
        shutdown_timeout=1.0,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0]
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stopped.set)
    announce(f"http://{host}:{bound[1]}")
    try:
        await stopped.wait()
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(stop_signal)
        await runner.cleanup()
