"""IA's CDX API semantics over the index: parameters, scope, filters, collapse, limits, output."""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice

from crawler.archive.index import ArchiveIndex, IndexedCapture
from crawler.exceptions import CdxQueryError
from crawler.wayback import (
    CDX_FIELDS,
    decode_resume_key,
    encode_resume_key,
    pad_timestamp,
    surt_key,
    url_problem,
)

MATCH_TYPES = ("exact", "prefix", "host", "domain")
OUTPUTS = ("text", "json")
# How resume keys are written. IA printed "urlkey timestamp+1" percent-encoded until about 2023
# (the edgi recordings of 2020-2022); since then it prints base64(zlib("urlkey timestamp")).
RESUME_KEY_STYLES = ("compressed", "legacy")
TOP = "\U0010ffff"  # sorts after every character a SURT key can hold
# IA's type for text answers and its CDX errors alike, spelled as it sends it.
TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8"


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """`filter=[!][~]field:regex`: the regex must match the whole field (`~`: anywhere in it)."""

    field: str | None  # None filters the whole space-joined line
    pattern: re.Pattern[str]
    negate: bool = False
    contains: bool = False

    def accepts(self, values: Mapping[str, str]) -> bool:
        text = values[self.field] if self.field else " ".join(values[f] for f in CDX_FIELDS)
        matched = self.pattern.search(text) if self.contains else self.pattern.fullmatch(text)
        return (matched is None) if self.negate else (matched is not None)


@dataclass(frozen=True, slots=True)
class Collapse:
    """`collapse=field[:N]`: drop a row whose field (first N characters) equals the last row's."""

    field: str
    width: int | None = None

    def key(self, values: Mapping[str, str]) -> str:
        value = values[self.field]
        return value if self.width is None else value[: self.width]


@dataclass(frozen=True, slots=True)
class CdxQuery:
    """A parsed `/cdx/search/cdx` request."""

    url: str
    match_type: str = "exact"
    from_ts: str | None = None
    to_ts: str | None = None
    output: str = "text"
    fields: tuple[str, ...] = CDX_FIELDS
    filters: tuple[FieldFilter, ...] = ()
    collapses: tuple[Collapse, ...] = ()
    limit: int | None = None
    offset: int = 0
    show_resume_key: bool = False
    resume_after: str | None = None
    resume_inclusive: bool = False
    resolve_revisits: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def urlkey(self) -> str:
        return surt_key(self.url)


def parse_query(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> CdxQuery:
    """Validate CDX parameters (a mapping or repeated pairs) as IA does; CdxQueryError if bad."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    single: dict[str, str] = {}
    filters: list[FieldFilter] = []
    collapses: list[Collapse] = []
    for name, value in pairs:
        if name == "filter":
            filters.append(_parse_filter(value))
        elif name == "collapse":
            collapses.append(_parse_collapse(value))
        else:
            single[name] = value
    url = single.get("url", "").strip()
    if not url:
        raise CdxQueryError("missing required parameter: url")
    match_type = single.get("matchType", "exact")
    if url.endswith("*") and "matchType" not in single:
        url, match_type = url.rstrip("*"), "prefix"
    if url.startswith("*.") and "matchType" not in single:
        url, match_type = url[2:], "domain"
    problem = url_problem(url)
    if problem:
        raise CdxQueryError(f"invalid url {single['url'].strip()!r}: {problem}")
    if match_type not in MATCH_TYPES:
        raise CdxQueryError(f"matchType must be one of {', '.join(MATCH_TYPES)}: {match_type!r}")
    output = single.get("output", "text") or "text"
    if output not in OUTPUTS:
        raise CdxQueryError(f"output must be text or json: {output!r}")
    fields = CDX_FIELDS
    if single.get("fl"):
        fields = tuple(name.strip() for name in single["fl"].split(",") if name.strip())
        unknown = [name for name in fields if name not in CDX_FIELDS]
        if unknown:
            raise CdxQueryError(f"unknown field in fl: {', '.join(unknown)}")
    resume_after, inclusive = _parse_resume_key(single.get("resumeKey"))
    return CdxQuery(
        url=url,
        match_type=match_type,
        from_ts=_bound(single.get("from"), "from", upper=False),
        to_ts=_bound(single.get("to"), "to", upper=True),
        output=output,
        fields=fields,
        filters=tuple(filters),
        collapses=tuple(collapses),
        limit=_integer(single.get("limit"), "limit"),
        offset=max(0, _integer(single.get("offset"), "offset") or 0),
        show_resume_key=_flag(single.get("showResumeKey")),
        resume_after=resume_after,
        resume_inclusive=inclusive,
        resolve_revisits=_flag(single.get("resolveRevisits")),
    )


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes", "on")


def _integer(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise CdxQueryError(f"{name} must be an integer: {value!r}") from None


def _bound(value: str | None, name: str, *, upper: bool) -> str | None:
    if not value:
        return None
    try:
        return pad_timestamp(value, upper=upper)
    except ValueError:
        raise CdxQueryError(f"{name} must be 1 to 14 digits (yyyyMMddhhmmss): {value!r}") from None


def _parse_filter(value: str) -> FieldFilter:
    negate = value.startswith("!")
    rest = value[1:] if negate else value
    contains = rest.startswith("~")
    rest = rest[1:] if contains else rest
    prefix, sep, pattern = rest.partition(":")
    name: str | None = prefix
    if not sep or prefix not in CDX_FIELDS:
        if prefix.isdigit() and sep and int(prefix) < len(CDX_FIELDS):
            name = CDX_FIELDS[int(prefix)]
        else:
            name, pattern = None, rest  # a regex over the whole line
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise CdxQueryError(f"invalid filter regex {pattern!r}: {error}") from None
    return FieldFilter(name, compiled, negate=negate, contains=contains)


def _parse_collapse(value: str) -> Collapse:
    name, _, width = value.partition(":")
    if name not in CDX_FIELDS:
        raise CdxQueryError(f"unknown collapse field: {name!r}")
    if width and not width.isdigit():
        raise CdxQueryError(f"collapse width must be a number: {value!r}")
    return Collapse(name, int(width) if width else None)


def _parse_resume_key(value: str | None) -> tuple[str | None, bool]:
    """A resume key in either of IA's styles, as (sortkey to resume after, inclusive?)."""
    if not value:
        return None, False
    if " " not in value and "%" not in value and "+" not in value:
        try:
            padded = value + "=" * (-len(value) % 4)
            return zlib.decompress(base64.urlsafe_b64decode(padded)).decode("utf-8"), False
        except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
            pass
    decoded = decode_resume_key(value)
    if " " not in decoded:
        raise CdxQueryError(f"invalid resumeKey: {value!r}")
    # The legacy key is the last row's key with its final character incremented: resume at it.
    return decoded, True


def make_resume_key(last: IndexedCapture, style: str) -> str:
    if style == "legacy":
        bumped = last.timestamp[:-1] + chr(ord(last.timestamp[-1]) + 1)
        return encode_resume_key(f"{last.urlkey} {bumped}")
    packed = zlib.compress(last.sortkey.encode("utf-8"))
    return base64.urlsafe_b64encode(packed).decode("ascii")


def scope_ranges(query: CdxQuery) -> list[tuple[str, str]]:
    """The sortkey ranges (low inclusive, high exclusive) the url and matchType select, in order."""
    key = query.urlkey
    host = key.split(")", 1)[0]
    if query.match_type == "exact":
        return [(f"{key} ", f"{key}!")]
    if query.match_type == "prefix":
        return [(key, key + TOP)]
    if query.match_type == "host":
        return [(f"{host})/", f"{host})/{TOP}")]
    # domain: the host itself and every sub-host (SURT puts them after a comma)
    return [(f"{host})", f"{host}){TOP}"), (f"{host},", f"{host},{TOP}")]


@dataclass(slots=True)
class CdxResult:
    """Rows to print and, when the limit cut the answer short, the resume key."""

    rows: list[dict[str, str]]
    resume_key: str | None = None


def run_query(
    index: ArchiveIndex,
    query: CdxQuery,
    *,
    resume_style: str = "compressed",
    max_rows: int | None = None,
) -> CdxResult:
    """Evaluate a query: scope and time range, revisit resolution, filters, collapse, limit."""
    captures = _scan(index, query)
    if query.resolve_revisits:
        captures = _resolve_revisits(captures)
    selected = _select(captures, query)
    if query.offset:
        selected = islice(selected, query.offset, None)
    limit = query.limit
    if max_rows is not None and (limit is None or abs(limit) > max_rows):
        limit = max_rows if limit is None or limit > 0 else -max_rows
    if limit is not None and limit < 0:
        tail = deque(selected, maxlen=-limit)
        return CdxResult([values for _, values in tail])
    chosen = list(selected if limit is None else islice(selected, limit))
    resume = None
    if query.show_resume_key and limit is not None and chosen and len(chosen) >= limit:
        # IA prints a key whenever the limit was reached, so a last empty page can follow.
        resume = make_resume_key(chosen[-1][0], resume_style)
    return CdxResult([values for _, values in chosen], resume)


def _scan(index: ArchiveIndex, query: CdxQuery) -> Iterator[tuple[IndexedCapture, dict[str, str]]]:
    for low, high in scope_ranges(query):
        for capture in index.scan(
            low,
            high,
            after=query.resume_after,
            inclusive_after=query.resume_inclusive,
            from_ts=query.from_ts,
            to_ts=query.to_ts,
        ):
            yield capture, capture.cdx_values()


def _resolve_revisits(
    captures: Iterable[tuple[IndexedCapture, dict[str, str]]],
) -> Iterator[tuple[IndexedCapture, dict[str, str]]]:
    """IA's resolveRevisits: a revisit takes mimetype and status of an earlier row with its digest.

    Only originals already seen in the same answer count, so revisits before the first full
    capture stay `warc/revisit -`, as in IA's own answers.
    """
    seen: dict[str, tuple[str, str]] = {}
    for capture, values in captures:
        if capture.is_revisit:
            known = seen.get(values["digest"])
            if known:
                values["mimetype"], values["statuscode"] = known
        else:
            seen.setdefault(values["digest"], (values["mimetype"], values["statuscode"]))
        yield capture, values


def _select(
    captures: Iterable[tuple[IndexedCapture, dict[str, str]]], query: CdxQuery
) -> Iterator[tuple[IndexedCapture, dict[str, str]]]:
    previous: list[str | None] = [None] * len(query.collapses)
    for capture, values in captures:
        if not all(f.accepts(values) for f in query.filters):
            continue
        keys = [c.key(values) for c in query.collapses]
        if any(k == p for k, p in zip(keys, previous, strict=True)):
            continue
        previous = list(keys)
        yield capture, values


def render(result: CdxResult, query: CdxQuery) -> tuple[str, str]:
    """The body and content type IA gives: space-joined lines, or a JSON array of arrays."""
    if query.output == "json":
        if not result.rows:
            return "[]\n", "application/json"
        table: list[list[str]] = [list(query.fields)]
        table.extend([values[f] for f in query.fields] for values in result.rows)
        if result.resume_key:
            table.extend([[], [result.resume_key]])
        dumps: Callable[[object], str] = lambda row: json.dumps(row, separators=(",", ":"))  # noqa: E731
        return "[" + ",\n".join(dumps(row) for row in table) + "]\n", "application/json"
    lines = [" ".join(values[f] for f in query.fields) for values in result.rows]
    body = "".join(f"{line}\n" for line in lines)
    if result.resume_key:
        body += f"\n{result.resume_key}\n"
    return body, TEXT_CONTENT_TYPE
