"""Real Internet Archive answers (../shared/data/real-wayback) asked again of the local archive.

Each recording (a cassette) is a consistent snapshot of the Wayback Machine when it was made, so
each gets its own local archive, rebuilt from what the cassette shows: the rows of its CDX
answers, the captures its replays returned, and the captures their Link and Location headers
name. Every recorded request is then sent to that archive and the two answers compared.
"""

from __future__ import annotations

import html
import http.client
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from conftest import SHARED_DATA, needs_shared

from crawler.archive.builder import REVISIT, CaptureSpec, payload_digest, write_warc
from crawler.archive.replay import ReplayTarget, parse_target
from crawler.archive.server import ArchiveOptions, ArchiveServer
from crawler.wayback import (
    RAW_MODE,
    CdxRecord,
    format_timestamp,
    parse_cdx_json,
    parse_cdx_text,
    parse_http_date,
    parse_timestamp,
    surt_key,
)

REAL_WAYBACK = SHARED_DATA / "real-wayback"
EDGI = REAL_WAYBACK / "edgi"
CDX_TOOLKIT = REAL_WAYBACK / "cdx_toolkit" / "mock_responses"
IA_HOST = "web.archive.org"
# The local archive writes IA's own address into Location and Link, so they compare literally.
IA_BASE = f"https://{IA_HOST}"
ORIGINAL_PREFIX = "x-archive-orig-"
# IA's resolveRevisits prints a revisit with the mimetype and status of an earlier full row of
# its digest, which hides it; only its record length gives it away. A revisit record holds no
# payload, so it stays under about a kilobyte and well under the full record it repeats.
RESOLVED_REVISIT_MAX_LENGTH = 1000
RESOLVED_REVISIT_MAX_SHARE = 0.5
BLOCKED_SITE = b"Blocked Site Error"
REQUEST_TIMEOUT = 10.0


# ---- the recordings --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recorded:
    """One recorded request to web.archive.org and the answer it got."""

    cassette: str
    number: int
    uri: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]  # one pair per value, names as recorded
    body: bytes | None

    @property
    def label(self) -> str:
        return f"{self.cassette}#{self.number}"

    @property
    def path(self) -> str:
        """The request target as sent: path and query, untouched."""
        parts = urlsplit(self.uri)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path

    @property
    def is_cdx(self) -> bool:
        return urlsplit(self.uri).path == "/cdx/search/cdx"

    @property
    def target(self) -> ReplayTarget | None:
        return None if self.is_cdx else parse_target(self.path)

    @property
    def is_capture(self) -> bool:
        """A response with Memento-Datetime is a capture, whatever its status."""
        return self.header("Memento-Datetime") is not None

    @property
    def is_archive_redirect(self) -> bool:
        """The archive's own 302 to the capture nearest the asked time."""
        return not self.is_capture and self.header("X-Archive-Redirect-Reason") is not None

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def text(self) -> str:
        return (self.body or b"").decode("utf-8")


def _edgi_recordings() -> Iterator[Recorded]:
    with (EDGI / "index.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            body_file = entry.get("body_file")
            yield Recorded(
                cassette=f"edgi/{Path(entry['cassette']).stem}",
                number=int(entry["interaction"]),
                uri=entry["uri"],
                status=int(entry["status"]),
                reason=entry["reason"],
                headers=tuple(
                    (name, value) for name, values in entry["headers"].items() for value in values
                ),
                body=(EDGI / body_file).read_bytes() if body_file else None,
            )


def _cdx_toolkit_recordings() -> Iterator[Recorded]:
    for path in sorted(CDX_TOOLKIT.rglob("*.jsonl")):
        cassette = f"cdx_toolkit/{path.relative_to(CDX_TOOLKIT).with_suffix('').as_posix()}"
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                entry = json.loads(line)
                if urlsplit(entry["url"]).hostname != IA_HOST:
                    continue  # the same tests also asked Common Crawl's index
                # requests leaves out parameters whose value is None.
                params = {k: v for k, v in (entry["request_params"] or {}).items() if v is not None}
                uri = f"{entry['url']}?{urlencode(params)}" if params else entry["url"]
                yield Recorded(
                    cassette=cassette,
                    number=number,
                    uri=uri,
                    status=int(entry["response_status_code"]),
                    reason="",
                    headers=tuple(entry["response_headers"].items()),
                    body=entry["response_text"].encode("utf-8"),
                )


def _load_recordings() -> list[Recorded]:
    if not (EDGI / "index.jsonl").is_file() or not CDX_TOOLKIT.is_dir():
        return []
    return [*_edgi_recordings(), *_cdx_toolkit_recordings()]


RECORDINGS = _load_recordings()
CASSETTES: dict[str, list[Recorded]] = {}
for _recorded in RECORDINGS:
    CASSETTES.setdefault(_recorded.cassette, []).append(_recorded)


def _cases(select: Callable[[Recorded], bool]) -> list:
    chosen = [pytest.param(r, id=r.label) for r in RECORDINGS if select(r)]
    # Without the shared data there is nothing to list: one case that skips says so.
    return chosen or [pytest.param(None, id="shared-data-absent")]


def _present(recorded: Recorded | None) -> Recorded:
    needs_shared("real-wayback", "edgi", "index.jsonl")
    needs_shared("real-wayback", "cdx_toolkit", "mock_responses")
    assert recorded is not None, "the shared data is here but no recording was selected"
    return recorded


def _is_raw_replay(recorded: Recorded) -> bool:
    target = recorded.target
    return target is not None and target.mode == RAW_MODE


def _is_view_replay(recorded: Recorded) -> bool:
    target = recorded.target
    return target is not None and target.mode == ""


# ---- reading IA's headers ----------------------------------------------------------------------

_LINK_ENTRY = re.compile(r'<(?P<url>[^>]*)>(?P<params>(?:\s*;\s*[\w-]+="[^"]*")*)')
_LINK_PARAM = re.compile(r'([\w-]+)="([^"]*)"')
_MEMENTO = re.compile(r"^(?:https?:)?//[^/]+/web/(?P<ts>\d{14})(?:[a-z]{2}_)?/(?P<url>.+)$")
_ARCHIVED_LOCATION = re.compile(
    r"^(?P<origin>(?:https?:)?//[^/]+)?/web/\d{14}(?:[a-z]{2}_)?/(?P<url>.+)$"
)


def link_entries(value: str | None) -> list[tuple[str, str, str | None]]:
    """(url, rel, datetime) of each Link entry. IA writes `&` as `&amp;` in them: undone here."""
    entries = []
    for match in _LINK_ENTRY.finditer(value or ""):
        params = dict(_LINK_PARAM.findall(match["params"]))
        entries.append((html.unescape(match["url"]), params.get("rel", ""), params.get("datetime")))
    return entries


def memento_of(url: str) -> tuple[str, str] | None:
    """(timestamp, original URL) of an archive address such as `https://.../web/2017...id_/x`."""
    match = _MEMENTO.match(url)
    return (match["ts"], match["url"]) if match else None


def original_location(location: str) -> str:
    """The Location a captured redirect had, from the archive's rewrite of it.

    IA keeps its form: an absolute target became an absolute archive address, `//host/path` a
    scheme-relative one and a bare path a root-relative `/web/...` one.
    """
    match = _ARCHIVED_LOCATION.match(location)
    if not match:
        return location
    origin, target = match["origin"], match["url"]
    if origin and not origin.startswith("//"):
        return target
    parts = urlsplit(target)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return f"//{parts.netloc}{path}" if origin else path


def capture_time(recorded: Recorded) -> str:
    return format_timestamp(parse_http_date(recorded.header("Memento-Datetime") or ""))


# ---- rebuilding a cassette's archive ------------------------------------------------------------


@dataclass(slots=True)
class CdxCapture:
    """A distinct capture seen in a cassette's CDX answers, and how often one answer repeats it."""

    record: CdxRecord
    revisit: bool
    copies: int

    def specs(self) -> list[CaptureSpec]:
        record = self.record
        if self.revisit:
            spec = CaptureSpec(
                record.original,
                record.timestamp,
                kind=REVISIT,
                digest=record.digest,
                with_request=False,
            )
        else:
            # The index reads `unk` for a response without a Content-Type.
            headers = () if record.mimetype == "unk" else (("Content-Type", record.mimetype),)
            spec = CaptureSpec(
                record.original,
                record.timestamp,
                int(record.statuscode),
                headers,
                digest=record.digest,
                with_request=False,
            )
        return [spec] * self.copies


@dataclass(frozen=True, slots=True)
class Reconstruction:
    """A cassette's archive: its captures in order, and how the archive must be run."""

    captures: tuple[CaptureSpec, ...]
    options: ArchiveOptions
    # (urlkey, timestamp) of mementos a Link header names but that were not loaded, since a
    # recorded redirect shows IA passing over them (see `_contradicted`).
    left_out: frozenset[tuple[str, str]] = field(default_factory=frozenset)


def cdx_answer(recorded: Recorded) -> tuple[list[CdxRecord], str | None]:
    query = parse_qs(urlsplit(recorded.uri).query)
    if query.get("output") == ["json"]:
        return parse_cdx_json(recorded.text())
    return parse_cdx_text(recorded.text())


def _identity(record: CdxRecord) -> tuple[str, ...]:
    # Mimetype and status are left out: resolveRevisits rewrites them, differently per answer.
    return record.urlkey, record.timestamp, record.original, record.digest, record.length


def _resolved_revisit(record: CdxRecord, first_full: CdxRecord | None) -> bool:
    """Is this full-looking row a revisit IA resolved to the first full row of its digest?"""
    if first_full is None:
        return False
    looks_alike = record[3:5] == first_full[3:5]  # mimetype and statuscode
    length, full_length = int(record.length), int(first_full.length)
    return (
        looks_alike
        and length < RESOLVED_REVISIT_MAX_LENGTH
        and length < RESOLVED_REVISIT_MAX_SHARE * full_length
    )


def captures_from_cdx(answers: Sequence[Sequence[CdxRecord]]) -> list[CdxCapture]:
    """The captures behind a cassette's CDX answers, in the order the answers list them.

    IA repeats rows (the same capture indexed in several shards), and by different counts from
    one request to the next, so each capture keeps the most copies any one answer shows.
    """
    shown_as_revisit = {
        _identity(record)
        for answer in answers
        for record in answer
        if record.mimetype == "warc/revisit" or record.statuscode == "-"
    }
    found: dict[tuple[str, ...], CdxCapture] = {}
    for answer in answers:
        copies = Counter(_identity(record) for record in answer)
        first_full: dict[str, CdxRecord] = {}  # per digest, as IA resolves within one answer
        for record in answer:
            identity = _identity(record)
            revisit = identity in shown_as_revisit or _resolved_revisit(
                record, first_full.get(record.digest)
            )
            if not revisit:
                first_full.setdefault(record.digest, record)
            known = found.get(identity)
            if known is None:
                found[identity] = CdxCapture(record, revisit, copies[identity])
            else:
                known.copies = max(known.copies, copies[identity])
                known.revisit = known.revisit or revisit
    return list(found.values())


def capture_from_replay(recorded: Recorded) -> CaptureSpec:
    """The capture a replay answer shows: `x-archive-orig-*` headers are the original ones."""
    original = next(
        (url for url, rel, _ in link_entries(recorded.header("Link")) if rel == "original"),
        recorded.target.url if recorded.target else "",
    )
    headers: list[tuple[str, str]] = []
    content_type = recorded.header("Content-Type")
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    headers.extend(
        (name[len(ORIGINAL_PREFIX) :], value)
        for name, value in recorded.headers
        if name.lower().startswith(ORIGINAL_PREFIX)
    )
    location = recorded.header("Location")
    if location is not None and 300 <= recorded.status < 400:
        headers.append(("Location", original_location(location)))
    raw = _is_raw_replay(recorded)
    return CaptureSpec(
        original,
        capture_time(recorded),
        recorded.status,
        tuple(headers),
        # A view-mode body is IA's rewrite, with its toolbar: not what was captured.
        body=(recorded.body or b"") if raw else b"",
        reason=recorded.reason or None,
        with_request=False,
    )


def _placeholder(url: str, timestamp: str) -> CaptureSpec:
    """A capture the cassette only names: its content was never recorded."""
    body = f"<!doctype html><title>capture of {url} at {timestamp}</title>\n".encode()
    return CaptureSpec(
        url, timestamp, 200, (("Content-Type", "text/html"),), body, with_request=False
    )


def _named(recordings: Iterable[Recorded]) -> dict[tuple[str, str], str]:
    """Captures named by Link mementos and archive-redirect targets: (urlkey, ts) -> original."""
    named: dict[tuple[str, str], str] = {}
    for recorded in recordings:
        urls = [url for url, rel, _ in link_entries(recorded.header("Link")) if "memento" in rel]
        if recorded.is_archive_redirect:
            urls.append(recorded.header("Location") or "")
        for url in urls:
            memento = memento_of(url)
            if memento:
                timestamp, original = memento
                named.setdefault((surt_key(original), timestamp), original)
    return named


def _distance(a: str, b: str) -> float:
    return abs((parse_timestamp(a) - parse_timestamp(b)).total_seconds())


def _contradicted(urlkey: str, timestamp: str, recordings: Iterable[Recorded]) -> bool:
    """Would this capture have drawn one of the recorded archive redirects to itself?

    IA sends a request to the nearest capture it will replay; a named capture nearer than the
    one it chose was passed over (most likely a redirect to its own URL, which IA skips), and
    loading it as a plain page would change that redirect.
    """
    for recorded in recordings:
        target, chosen = recorded.target, memento_of(recorded.header("Location") or "")
        if not (recorded.is_archive_redirect and target and chosen) or target.urlkey != urlkey:
            continue
        asked, (picked, _) = target.timestamp, chosen
        if (_distance(timestamp, asked), timestamp) < (_distance(picked, asked), picked):
            return True
    return False


def _exclusions(recordings: Iterable[Recorded]) -> tuple[str, ...]:
    """URLs IA refused: a CDX 403 Blocked Site Error, or a raw replay answered 200 without
    Memento-Datetime (the page IA shows for an excluded URL)."""
    excluded = []
    for recorded in recordings:
        body = recorded.body or b""
        if recorded.is_cdx and recorded.status == 403 and BLOCKED_SITE in body:
            excluded.extend(parse_qs(urlsplit(recorded.uri).query)["url"])
        target = recorded.target
        refused = recorded.status == 200 and not recorded.is_capture
        if target and target.mode == RAW_MODE and refused:
            excluded.append(target.url)
    return tuple(excluded)


def _resume_style(recordings: Iterable[Recorded]) -> str:
    """IA printed `urlkey timestamp+1` percent-encoded until about 2023, then base64(zlib(...))."""
    for recorded in recordings:
        if recorded.is_cdx and recorded.status == 200:
            key = cdx_answer(recorded)[1]
            if key:
                return "legacy" if any(mark in key for mark in "%+") else "compressed"
    return "compressed"  # no answer carries a key, so the style cannot show


@cache
def reconstruct(cassette: str) -> Reconstruction:
    """The captures of one cassette's archive: CDX rows, then replays, then named captures."""
    recordings = CASSETTES[cassette]
    answers = [cdx_answer(r)[0] for r in recordings if r.is_cdx and r.status == 200]
    specs: list[CaptureSpec] = []
    for capture in captures_from_cdx(answers):
        specs.extend(capture.specs())

    def at(spec: CaptureSpec) -> tuple[str, str]:
        return surt_key(spec.url), spec.timestamp

    # Replayed captures, raw ones first: they carry the body as it was archived.
    replayed = sorted(
        (r for r in recordings if r.is_capture and r.target is not None),
        key=lambda r: not _is_raw_replay(r),
    )
    for recorded in replayed:
        capture = capture_from_replay(recorded)
        place, digest = at(capture), payload_digest(capture.body)
        same_place = [i for i, spec in enumerate(specs) if at(spec) == place]
        same_payload = [i for i in same_place if specs[i].digest == digest]
        if same_payload and _is_raw_replay(recorded):
            # The replay shows the content of the CDX row with its payload digest.
            for i in same_payload:
                specs[i] = replace(capture, digest=digest)
        elif not same_place:
            specs.append(capture)

    loaded = {at(spec) for spec in specs}
    left_out = set()
    for (urlkey, timestamp), original in _named(recordings).items():
        if (urlkey, timestamp) in loaded:
            continue
        if _contradicted(urlkey, timestamp, recordings):
            left_out.add((urlkey, timestamp))
            continue
        specs.append(_placeholder(original, timestamp))
        loaded.add((urlkey, timestamp))
    options = ArchiveOptions(
        exclusions=_exclusions(recordings),
        resume_keys=_resume_style(recordings),
        base_url=IA_BASE,
    )
    return Reconstruction(tuple(specs), options, frozenset(left_out))


@pytest.fixture(scope="module")
def cassette_archive(tmp_path_factory) -> Iterator[Callable[[str], ArchiveServer]]:
    """One running archive per cassette, built the first time a test asks for it."""
    servers: dict[str, ArchiveServer] = {}

    def archive_of(cassette: str) -> ArchiveServer:
        if cassette not in servers:
            rebuilt = reconstruct(cassette)
            folder = tmp_path_factory.mktemp(re.sub(r"\W+", "-", cassette))
            write_warc(rebuilt.captures, folder / "captures.warc.gz")
            server = ArchiveServer([folder], rebuilt.options, index_path=folder / "index.sqlite3")
            servers[cassette] = server.start()
        return servers[cassette]

    yield archive_of
    for server in servers.values():
        server.stop()


# ---- asking the local archive ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


def ask(archive: ArchiveServer, path: str) -> Answer:
    """GET `path` as given (no quoting, no redirects followed)."""
    connection = http.client.HTTPConnection(archive.host, archive.port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return Answer(
            response.status, response.reason, tuple(response.getheaders()), response.read()
        )
    finally:
        connection.close()


def original_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (name.lower(), value) for name, value in headers if name.lower().startswith(ORIGINAL_PREFIX)
    ]


def _mask_lengths(body: str) -> str:
    """The answer with each row's `length` blanked: it is the size of the compressed record."""
    lines = body.split("\n")
    for number, line in enumerate(lines):
        if not line:
            break  # the resume key follows the blank line
        fields = line.split(" ")
        if len(fields) == 7:
            lines[number] = " ".join([*fields[:6], "<length>"])
    return re.sub(r',"\d+"\](?=,\n|\]\n)', ',"<length>"]', "\n".join(lines))


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _compare_links(recorded: Recorded, answer: Answer) -> None:
    expected = link_entries(recorded.header("Link"))
    got = link_entries(answer.header("Link"))
    left_out = reconstruct(recorded.cassette).left_out
    named = [memento_of(url) for url, rel, _ in expected if "memento" in rel]
    if any((surt_key(url), ts) in left_out for ts, url in filter(None, named)):
        # A neighbour was not loaded, so prev/next/first/last may differ: compare the rest.
        kept = ("original", "timemap", "timegate", "memento")
        expected = [entry for entry in expected if entry[1] in kept]
        got = [entry for entry in got if entry[1] in kept]
    assert got == expected, f"{recorded.label}: Link"


# ---- CDX ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("recorded", _cases(lambda r: r.is_cdx and r.status == 200))
def test_cdx_answer_matches_recording(recorded, cassette_archive):
    recorded = _present(recorded)
    answer = ask(cassette_archive(recorded.cassette), recorded.path)

    assert answer.status == recorded.status, answer.body[:300]
    expected_type, got_type = recorded.header("Content-Type"), answer.header("Content-Type")
    assert _media_type(got_type) == _media_type(expected_type)
    if expected_type and "charset" in expected_type:
        # IA sent `text/plain;charset=UTF-8` until at least 2022; the 2026 recording has none.
        assert got_type == expected_type
    expected_rows, expected_key = cdx_answer(recorded)
    got_rows, got_key = cdx_answer(replace(recorded, body=answer.body))
    assert len(got_rows) == len(expected_rows), f"{recorded.label}: number of rows"
    assert got_key == expected_key, f"{recorded.label}: resume key"
    assert [row[:6] for row in got_rows] == [row[:6] for row in expected_rows]
    # The layout too, byte for byte: line breaks, the blank line, JSON separators.
    assert _mask_lengths(answer.body.decode("utf-8")) == _mask_lengths(recorded.text())


@pytest.mark.parametrize("recorded", _cases(lambda r: r.is_cdx and r.status != 200))
def test_cdx_error_matches_recording(recorded, cassette_archive):
    recorded = _present(recorded)
    answer = ask(cassette_archive(recorded.cassette), recorded.path)

    assert answer.status == recorded.status
    assert answer.body == recorded.body
    assert answer.header("Content-Type") == recorded.header("Content-Type")
    error = "X-Archive-Wayback-Runtime-Error"
    assert answer.header(error) == recorded.header(error)


# ---- replay ------------------------------------------------------------------------------------


def _compare_replay(recorded: Recorded, answer: Answer, *, raw: bool) -> None:
    label = recorded.label
    assert answer.status == recorded.status, f"{label}: {answer.body[:300]!r}"
    for name in ("Memento-Datetime", "Location", "X-Archive-Redirect-Reason"):
        assert answer.header(name) == recorded.header(name), f"{label}: {name}"
    if raw:
        # View mode serves IA's rewritten page (charset added, toolbar): only raw compares.
        assert answer.header("Content-Type") == recorded.header("Content-Type"), label
    if not recorded.is_capture:
        assert answer.header("Link") is None, label
        return
    if recorded.reason:  # cdx_toolkit's recordings keep no reason phrase
        assert answer.reason == recorded.reason, f"{label}: the archived reason phrase"
    assert original_headers(answer.headers) == original_headers(recorded.headers), label
    if raw:
        assert answer.body == (recorded.body or b""), f"{label}: body"
    _compare_links(recorded, answer)


@pytest.mark.parametrize("recorded", _cases(_is_raw_replay))
def test_raw_replay_matches_recording(recorded, cassette_archive):
    recorded = _present(recorded)
    answer = ask(cassette_archive(recorded.cassette), recorded.path)
    _compare_replay(recorded, answer, raw=True)


@pytest.mark.parametrize("recorded", _cases(_is_view_replay))
def test_view_replay_matches_recording(recorded, cassette_archive):
    recorded = _present(recorded)
    if not (recorded.is_capture or recorded.is_archive_redirect):
        pytest.skip(
            "IA answered this view-mode request with its own 200 page (toolbar, no "
            "Memento-Datetime), and the cassette never shows the capture behind it"
        )
    archive = cassette_archive(recorded.cassette)
    answer = ask(archive, recorded.path)
    _compare_replay(recorded, answer, raw=False)
    if recorded.is_capture:
        # View mode gives the same capture, with the status a raw replay of it has.
        raw_path = re.sub(r"^/web/(\d{14})/", rf"/web/\g<1>{RAW_MODE}/", recorded.path)
        raw = ask(archive, raw_path)
        assert (raw.status, raw.header("Memento-Datetime")) == (
            answer.status,
            answer.header("Memento-Datetime"),
        )
