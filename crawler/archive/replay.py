"""IA's replay semantics: which capture a `/web/<ts><mode>/<url>` request gets, and its headers."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.archive.index import ArchiveIndex, IndexedCapture
from crawler.exceptions import WarcError
from crawler.wayback import http_date, memento_url, parse_timestamp, surt_key, url_problem

# The timestamp part is optional: `/web/<url>` is the timegate IA's Link headers point to.
_TARGET = re.compile(r"^/web/(?:(?P<ts>\d{0,14})(?P<mode>[a-z]{2}_)?/)?(?P<url>.+)$", re.DOTALL)
# Headers the Wayback Machine passes through as they were; all others come back prefixed.
PASSED_THROUGH = frozenset({"content-type"})
ORIGINAL_PREFIX = "X-Archive-Orig-"


@dataclass(frozen=True, slots=True)
class ReplayTarget:
    """What a replay URL asks for: a (maybe partial, maybe absent) timestamp, a mode and a URL."""

    timestamp: str
    mode: str
    url: str

    @property
    def urlkey(self) -> str:
        return surt_key(self.url)


def parse_target(raw_path: str) -> ReplayTarget | None:
    """Split `/web/20171124151315id_/https://example.com/?q` as IA does; None if it is not one."""
    match = _TARGET.match(raw_path)
    if not match:
        return None
    url = match["url"]
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*%3[aA]", url):
        url = unquote(url)  # clients that quote the whole URL, as cdx_toolkit does
    url = re.sub(r"^(https?):/(?=[^/])", r"\1://", url)  # proxies fold `//` into `/`
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        url = f"http://{url}"
    return ReplayTarget(match["ts"] or "", match["mode"] or "", url)


def closest(captures: Sequence[IndexedCapture], timestamp: str) -> IndexedCapture:
    """The capture nearest in time (ties go to the earlier one); the latest if no timestamp."""
    if not timestamp:
        return captures[-1]
    wanted = parse_timestamp(timestamp)
    return min(
        captures,
        key=lambda c: (abs((parse_timestamp(c.timestamp) - wanted).total_seconds()), c.timestamp),
    )


def exact(captures: Sequence[IndexedCapture], target: ReplayTarget) -> IndexedCapture | None:
    """A capture at exactly the requested second, preferring the very URL asked for."""
    if len(target.timestamp) != 14:
        return None
    same_second = [c for c in captures if c.timestamp == target.timestamp]
    if not same_second:
        return None
    return next((c for c in same_second if c.original == target.url), same_second[0])


def rewrite_location(location: str, capture: IndexedCapture, mode: str, base: str) -> str:
    """A captured redirect's Location, pointed into the archive in the same form it was given.

    IA keeps the form: an absolute target becomes an absolute archive URL, `//host/...` a
    scheme-relative one, and a path a root-relative `/web/...` one.
    """
    target = urljoin(capture.original, location.strip())
    archived = memento_url(base, capture.timestamp, target, mode)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", location):
        return archived
    split = urlsplit(archived)
    if location.startswith("//"):
        return archived[len(split.scheme) + 1 :]
    return archived[len(f"{split.scheme}://{split.netloc}") :]


def link_header(base: str, captures: Sequence[IndexedCapture], current: IndexedCapture) -> str:
    """The Memento `Link` header IA sends: original, timemap, timegate and the nearby mementos."""
    by_second: dict[str, IndexedCapture] = {}
    for capture in captures:
        by_second.setdefault(capture.timestamp, capture)
    timeline = list(by_second.values())
    here = next(i for i, c in enumerate(timeline) if c.timestamp == current.timestamp)
    base = base.rstrip("/")
    parts = [
        f'<{current.original}>; rel="original"',
        f'<{base}/web/timemap/link/{current.original}>; rel="timemap";'
        ' type="application/link-format"',
        f'<{base}/web/{current.original}>; rel="timegate"',
    ]

    def memento(rel: str, capture: IndexedCapture) -> str:
        moment = http_date(parse_timestamp(capture.timestamp))
        url = memento_url(base, capture.timestamp, capture.original, "")
        return f'<{url}>; rel="{rel}"; datetime="{moment}"'

    parts.append(memento("first memento", timeline[0]))
    if here > 0:
        parts.append(memento("prev memento", timeline[here - 1]))
    parts.append(memento("memento", current))
    if here + 1 < len(timeline):
        parts.append(memento("next memento", timeline[here + 1]))
    parts.append(memento("last memento", timeline[-1]))
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class ArchivedResponse:
    """A capture read back from its WARC record: status, original headers and decoded payload."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def load_capture(index: ArchiveIndex, capture: IndexedCapture) -> ArchivedResponse:
    """Read a capture's record; a revisit takes its payload from the original."""
    status, reason, headers, body = _read_record(capture)
    if capture.is_revisit:
        original = index.original_of(capture)
        if original is None:
            raise WarcError(f"revisit {capture.sortkey} refers to a capture not in the archive")
        o_status, o_reason, o_headers, body = _read_record(original)
        if status is None:
            status, reason = o_status, o_reason
        if not headers:
            headers = o_headers  # a bare status line (as the builder writes) keeps none
    return ArchivedResponse(status or 200, reason or "OK", headers, body)


def _read_record(
    capture: IndexedCapture,
) -> tuple[int | None, str, tuple[tuple[str, str], ...], bytes]:
    """Status, reason, headers and payload of one record; WarcError if it cannot be read whole.

    The index was built from a readable file, so a failure here means the file changed or
    decayed since (a damaged gzip member, a cut-off copy): the capture is unavailable.
    """
    where = f"{capture.path} at offset {capture.offset}"
    try:
        with Path(capture.path).open("rb") as stream:
            stream.seek(capture.offset)
            record = next(iter(ArchiveIterator(stream, arc2warc=True)), None)
            if record is None:
                raise WarcError(f"{where}: no record there")
            http = record.http_headers
            body = record.content_stream().read() if record.rec_type == "response" else b""
            record.raw_stream.read()
            # A record cut short just ends early: only its unmet Content-Length tells.
            if getattr(record.raw_stream, "limit", 0) > 0:
                raise WarcError(f"{where}: record is truncated")
    except ArchiveLoadFailed:
        raise WarcError(f"{where}: no readable WARC record starts there") from None
    except (EOFError, zlib.error) as error:
        raise WarcError(f"{where}: damaged gzip data ({error or 'cut short'})") from None
    except OSError as error:
        raise WarcError(f"{where}: {error.strerror or error}") from None
    if http is None or not http.statusline:
        return None, "", (), body
    code, _, reason = http.statusline.partition(" ")
    status = int(code) if code.isdigit() else None
    return status, reason, tuple(http.headers), body


def _joinable(capture: IndexedCapture, location: str) -> bool:
    """Whether a captured Location names a URL the archive could answer for (no torn IPv6 literal,
    no port 99999); one that does not stays only as X-Archive-Orig-Location, not rewritten."""
    try:
        return url_problem(urljoin(capture.original, location.strip())) is None
    except ValueError:
        return False


def memento_headers(
    response: ArchivedResponse,
    capture: IndexedCapture,
    captures: Sequence[IndexedCapture],
    *,
    mode: str,
    base: str,
    root: Path | None,
) -> list[tuple[str, str]]:
    """The headers of a replayed capture: IA's pass-through, prefixing and memento headers."""
    headers: list[tuple[str, str]] = []
    for name, value in response.headers:
        lower = name.lower()
        if lower in PASSED_THROUGH:
            headers.append((name, value))
        elif lower == "location" and 300 <= response.status < 400 and _joinable(capture, value):
            headers.append(("Location", rewrite_location(value, capture, mode, base)))
        else:
            headers.append((f"{ORIGINAL_PREFIX}{name}", value))
    headers.append(("Memento-Datetime", http_date(parse_timestamp(capture.timestamp))))
    headers.append(("Link", link_header(base, captures, capture)))
    source = Path(capture.path)
    if root is not None and source.is_relative_to(root):
        source = source.relative_to(root)
    headers.append(("X-Archive-Src", source.as_posix() if root else source.name))
    return headers
