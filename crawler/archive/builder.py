"""The fixture builder: WARC files (response, request, revisit records) from capture specs."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.exceptions import SpecError
from crawler.wayback import pad_timestamp, parse_timestamp, payload_digest, reason_phrase

RESPONSE = "response"
REVISIT = "revisit"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"


@dataclass(frozen=True, slots=True)
class CaptureSpec:
    """One capture to write: what the server answered for `url` at `timestamp`.

    A revisit names the capture whose payload it repeats (`refers_to_timestamp`, and
    `refers_to_url` when that capture has another URL); its body is not stored again.
    `digest` overrides the payload digest, to reproduce recorded CDX rows exactly.
    """

    url: str
    timestamp: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    kind: str = RESPONSE
    refers_to_timestamp: str | None = None
    refers_to_url: str | None = None
    digest: str | None = None
    reason: str | None = None
    with_request: bool = True

    def __post_init__(self) -> None:
        if len(self.timestamp) != 14:
            object.__setattr__(self, "timestamp", pad_timestamp(self.timestamp))
        parse_timestamp(self.timestamp)
        # Padded like `timestamp`, or a revisit of "2010" would not find the capture at 2010.
        refers = self.refers_to_timestamp
        if refers is not None and len(refers) != 14:
            object.__setattr__(self, "refers_to_timestamp", pad_timestamp(refers))
        if self.kind not in (RESPONSE, REVISIT):
            raise ValueError(f"kind must be {RESPONSE!r} or {REVISIT!r}, not {self.kind!r}")
        if self.kind == REVISIT and not (self.refers_to_timestamp or self.digest):
            raise ValueError("a revisit needs refers_to_timestamp or digest")


def warc_date(timestamp: str) -> str:
    return parse_timestamp(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_warc(captures: Iterable[CaptureSpec], path: str | Path, *, gzip: bool = True) -> Path:
    """Write `captures`, in the order given, to one WARC file (gzip per record by default)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    captures = list(captures)
    digests = {(c.url, c.timestamp): c.digest or payload_digest(c.body) for c in captures}
    try:
        with target.open("wb") as handle:
            writer = WARCWriter(handle, gzip=gzip)
            software = {"software": "policytrail fixture builder"}
            writer.write_record(writer.create_warcinfo_record(target.name, software))
            for capture in captures:
                for record in _records(writer, capture, digests):
                    writer.write_record(record)
    except BaseException:
        target.unlink(missing_ok=True)  # a half-written WARC would be indexed by a later serve
        raise
    return target


def _records(writer: WARCWriter, capture: CaptureSpec, digests: Mapping[tuple[str, str], str]):
    reason = capture.reason or reason_phrase(capture.status)
    http_headers = StatusAndHeaders(
        f"{capture.status} {reason}", list(capture.headers), protocol="HTTP/1.1"
    )
    warc_headers = {"WARC-Date": warc_date(capture.timestamp)}
    if capture.kind == REVISIT:
        refers_url = capture.refers_to_url or capture.url
        digest = capture.digest or digests.get((refers_url, capture.refers_to_timestamp or ""))
        if digest is None:
            raise ValueError(
                f"revisit of {refers_url} at {capture.refers_to_timestamp}: no such capture"
            )
        refers_date = warc_date(capture.refers_to_timestamp) if capture.refers_to_timestamp else ""
        record = writer.create_revisit_record(
            capture.url,
            digest=f"sha1:{digest}",
            refers_to_uri=refers_url,
            refers_to_date=refers_date,
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        record.rec_headers.replace_header("WARC-Profile", REVISIT_PROFILE)
    else:
        if capture.digest:
            warc_headers["WARC-Payload-Digest"] = f"sha1:{capture.digest}"
        record = writer.create_warc_record(
            capture.url,
            RESPONSE,
            payload=io.BytesIO(capture.body),
            length=len(capture.body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
    yield record
    if capture.with_request:
        yield _request_record(writer, capture, record.rec_headers.get_header("WARC-Record-ID"))


def _request_record(writer: WARCWriter, capture: CaptureSpec, response_id: str):
    from urllib.parse import urlsplit

    parts = urlsplit(capture.url)
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    headers = StatusAndHeaders(
        f"GET {target} HTTP/1.1",
        [("Host", parts.netloc), ("User-Agent", "policytrail-fixture-builder")],
        is_http_request=True,
    )
    return writer.create_warc_record(
        capture.url,
        "request",
        payload=io.BytesIO(b""),
        length=0,
        http_headers=headers,
        warc_headers_dict={
            "WARC-Date": warc_date(capture.timestamp),
            "WARC-Concurrent-To": response_id,
        },
    )


# ---- specs: the same captures described in a JSON or CSV file -------------------------------

CSV_COLUMNS = (
    "url",
    "timestamp",
    "status",
    "content_type",
    "location",
    "body",
    "body_file",
    "kind",
    "refers_to_timestamp",
    "refers_to_url",
)


def load_spec(path: str | Path) -> list[CaptureSpec]:
    """Read a spec: JSON (a list of objects, or {"captures": [...]}) or CSV with a header row.

    Bodies come inline (`body`, or `body_base64`) or from `body_file`, relative to the spec.
    """
    source = Path(path)
    if not source.is_file():
        raise SpecError(str(source), "-", "no such file")
    if source.suffix.lower() == ".csv":
        return _load_csv(source)
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SpecError(str(source), "-", f"not valid JSON ({error})") from None
    entries = document.get("captures") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise SpecError(str(source), "-", 'expected a list of captures or {"captures": [...]}')
    return [_spec_entry(source, number, entry) for number, entry in enumerate(entries, 1)]


def _load_csv(source: Path) -> list[CaptureSpec]:
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"url", "timestamp"} - set(reader.fieldnames or ())
        if missing:
            raise SpecError(
                str(source), "header", f"missing column(s) {', '.join(sorted(missing))}"
            )
        unknown = set(reader.fieldnames or ()) - set(CSV_COLUMNS)
        if unknown:
            raise SpecError(
                str(source), "header", f"unknown column(s) {', '.join(sorted(unknown))}"
            )
        specs = []
        for line, row in enumerate(reader, 2):
            if None in row:  # csv puts values beyond the header under None: an unquoted comma
                extra = f"{len(row[None])} field(s) more than the header"
                raise SpecError(str(source), f"line {line}", extra)
            entry: dict[str, object] = {k: v for k, v in row.items() if v not in (None, "")}
            headers = []
            if "content_type" in entry:
                headers.append(["Content-Type", entry.pop("content_type")])
            if "location" in entry:
                headers.append(["Location", entry.pop("location")])
            entry["headers"] = headers
            specs.append(_spec_entry(source, f"line {line}", entry, numbered=False))
        return specs


def _spec_entry(
    source: Path, number: int | str, entry: object, numbered: bool = True
) -> CaptureSpec:
    label = number if numbered else str(number)
    if not isinstance(entry, dict):
        raise SpecError(str(source), label, "each capture must be an object")
    try:
        body = _body(source, entry)
        headers = _headers(entry.get("headers", []))
        return CaptureSpec(
            url=_text(entry, "url"),
            timestamp=_text(entry, "timestamp"),
            status=int(entry.get("status", 200)),
            headers=headers,
            body=body,
            kind=str(entry.get("kind", RESPONSE)),
            refers_to_timestamp=_optional(entry, "refers_to_timestamp"),
            refers_to_url=_optional(entry, "refers_to_url"),
            digest=_optional(entry, "digest"),
        )
    except (KeyError, TypeError, ValueError, OSError) as error:
        # str() of a KeyError adds quotes; other messages keep theirs, often around a value.
        message = str(error.args[0]) if isinstance(error, KeyError) else str(error)
        raise SpecError(str(source), label, message) from None


def _text(entry: Mapping[str, object], key: str) -> str:
    if key not in entry or not str(entry[key]).strip():
        raise KeyError(f"{key} is required")
    return str(entry[key]).strip()


def _optional(entry: Mapping[str, object], key: str) -> str | None:
    value = entry.get(key)
    return None if value in (None, "") else str(value)


def _headers(raw: object) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, Mapping):
        return tuple((str(k), str(v)) for k, v in raw.items())
    if isinstance(raw, Sequence) and not isinstance(raw, str):
        pairs = []
        for pair in raw:
            if not (isinstance(pair, Sequence) and len(pair) == 2):
                raise ValueError(f"headers must be pairs [name, value], got {pair!r}")
            pairs.append((str(pair[0]), str(pair[1])))
        return tuple(pairs)
    raise ValueError("headers must be an object or a list of [name, value] pairs")


def _body(source: Path, entry: Mapping[str, object]) -> bytes:
    given = [key for key in ("body", "body_base64", "body_file") if key in entry]
    if len(given) > 1:
        raise ValueError(f"give one of body, body_base64, body_file, not {' and '.join(given)}")
    if "body" in entry:
        return str(entry["body"]).encode("utf-8")
    if "body_base64" in entry:
        return base64.b64decode(str(entry["body_base64"]), validate=True)
    if "body_file" in entry:
        return (source.parent / str(entry["body_file"])).read_bytes()
    return b""


@dataclass(slots=True)
class SpecSummary:
    """What `archive build` reports: how many records of each kind went where."""

    path: Path
    responses: int = 0
    revisits: int = 0
    urls: set[str] = field(default_factory=set)


def build_from_spec(spec_path: str | Path, out_path: str | Path) -> SpecSummary:
    captures = load_spec(spec_path)
    try:
        written = write_warc(captures, out_path)
    except ValueError as error:
        raise SpecError(str(spec_path), "-", str(error)) from None
    summary = SpecSummary(written)
    for capture in captures:
        summary.urls.add(capture.url)
        if capture.kind == REVISIT:
            summary.revisits += 1
        else:
            summary.responses += 1
    return summary
