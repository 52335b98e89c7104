"""Pure Wayback helpers: SURT keys, 14-digit timestamps, memento URLs and CDX records."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from typing import NamedTuple
from urllib.parse import quote_plus, unquote_plus, urlsplit

import surt as _surt

# The Internet Archive's CDX API returns these fields, in this order, unless `fl` asks otherwise.
CDX_FIELDS: tuple[str, ...] = (
    "urlkey",
    "timestamp",
    "original",
    "mimetype",
    "statuscode",
    "digest",
    "length",
)

# Replay modifiers; `id_` gives the capture as archived, without the Wayback toolbar or rewriting.
RAW_MODE = "id_"

TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"


class CdxRecord(NamedTuple):
    """One CDX row, with IA's field names; every value is text, as the API gives it."""

    urlkey: str
    timestamp: str
    original: str
    mimetype: str
    statuscode: str
    digest: str
    length: str

    @property
    def sortkey(self) -> str:
        """The order IA's CDX lines sort in, and the text its resume keys are made from."""
        return f"{self.urlkey} {self.timestamp}"

    def text_line(self) -> str:
        return " ".join(self)


def payload_digest(body: bytes) -> str:
    """IA's CDX digest: base32 of the SHA-1 of the payload."""
    return base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


# The digest of an empty payload: every body-less redirect has it, whatever its Location.
EMPTY_DIGEST = "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


def surt_key(url: str) -> str:
    """The CDX `urlkey` of a URL: SURT form, scheme and `www` dropped, query sorted."""
    return _surt.surt(url)


def url_problem(url: str) -> str | None:
    """Why a URL cannot be looked up (a port out of range, a torn IPv6 literal), or None."""
    # Schemeless URLs ("example.com:99999/p") are read as http ones, as surt_key reads them.
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        url = f"http://{url}"
    try:
        urlsplit(url).port  # noqa: B018 -- the property is what validates the port
        surt_key(url)
    except ValueError as error:
        return str(error)
    return None


def pad_timestamp(value: str, *, upper: bool = False) -> str:
    """Widen a 1-14 digit timestamp to 14 digits, to the start (or end) of the period it names."""
    if not value.isdigit() or not 1 <= len(value) <= 14:
        raise ValueError(f"not a Wayback timestamp (1 to 14 digits): {value!r}")
    # Compared as text, so the upper bound need not be a real date: "2010" -> "20109999999999".
    return value.ljust(14, "9") if upper else value + "00000101000000"[len(value) :]


# The lengths a user's time window may be given in: a year, a month, a day or a full timestamp.
WINDOW_LENGTHS = (4, 6, 8, 14)


def window_bound(value: str, *, upper: bool = False) -> str:
    """A user's `--from`/`--to` (YYYY, YYYYMM, YYYYMMDD or 14 digits, dashes allowed) as the
    real first (or last) second of the period it names: `2019` -> `20191231235959` as the upper
    bound. Unlike pad_timestamp, the result is always a real date, so it can be stored and sent
    to any CDX server; ValueError says what is wrong (`201913`: there is no month 13)."""
    digits = value.strip().replace("-", "")
    if not digits.isdigit() or len(digits) not in WINDOW_LENGTHS:
        raise ValueError(f"must be YYYY, YYYYMM, YYYYMMDD or 14 digits: {value!r}")
    start_text = digits + "00000101000000"[len(digits) :]
    try:
        start = datetime.strptime(start_text, TIMESTAMP_FORMAT)
    except ValueError:
        raise ValueError(f"not a real date: {value!r}") from None
    if not upper or len(digits) == 14:
        return start_text
    if len(digits) == 4:
        end = start.replace(month=12, day=31, hour=23, minute=59, second=59)
    elif len(digits) == 6:
        following = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        end = following - timedelta(seconds=1)
    else:
        end = start.replace(hour=23, minute=59, second=59)
    return end.strftime(TIMESTAMP_FORMAT)


def parse_timestamp(value: str) -> datetime:
    """A timestamp of 4 to 14 digits as an aware UTC datetime (missing parts at their minimum)."""
    padded = pad_timestamp(value)
    month, day = int(padded[4:6]) or 1, int(padded[6:8]) or 1
    fixed = f"{padded[:4]}{month:02d}{day:02d}{padded[8:]}"
    try:
        return datetime.strptime(fixed, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        # strptime's own words ("unconverted data remains: 0") do not name the value.
        raise ValueError(f"not a real date and time: {value!r}") from None


def format_timestamp(moment: datetime) -> str:
    """An aware or naive-UTC datetime as IA's 14-digit timestamp."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(TIMESTAMP_FORMAT)


def reason_phrase(status: int) -> str:
    """The HTTP reason phrase of a status ("Moved Permanently"), or "Unknown"."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def naive_utc(moment: datetime) -> datetime:
    """An aware datetime as the naive UTC value DuckDB's TIMESTAMP columns hold."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def http_date(moment: datetime) -> str:
    """RFC 7231 date, as in `Memento-Datetime: Fri, 24 Nov 2017 15:13:15 GMT`."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_http_date(value: str) -> datetime:
    return parsedate_to_datetime(value).astimezone(UTC)


def memento_url(base: str, timestamp: str, url: str, mode: str = RAW_MODE) -> str:
    """`{base}/web/{timestamp}{mode}/{url}`: the replay address of one capture."""
    return f"{base.rstrip('/')}/web/{timestamp}{mode}/{url}"


def encode_resume_key(value: str) -> str:
    """Resume keys travel percent-encoded with `+` for space, as IA prints them."""
    return quote_plus(value, safe="")


def decode_resume_key(value: str) -> str:
    return unquote_plus(value)


def parse_cdx_text(body: str) -> tuple[list[CdxRecord], str | None]:
    """Rows and resume key of a default-fields text answer (the key follows a blank line)."""
    rows: list[CdxRecord] = []
    resume_key = None
    lines = body.split("\n")
    for position, line in enumerate(lines):
        if not line.strip():
            rest = [later for later in lines[position + 1 :] if later.strip()]
            resume_key = rest[0].strip() if rest else None
            break
        rows.append(_record(line.split(" "), line))
    return rows, resume_key


def parse_cdx_json(body: str) -> tuple[list[CdxRecord], str | None]:
    """Rows and resume key of an `output=json` answer: a header row, rows, then `[]`, `[key]`."""
    records, resume_key, bad = split_cdx_json(body)
    if bad:
        raise ValueError(bad[0])
    return records, resume_key


def split_cdx_json(body: str) -> tuple[list[CdxRecord], str | None, list[str]]:
    """Like parse_cdx_json, but a malformed row (wrong number of fields, a timestamp that is no
    date, an original that is no URL) is set aside with why, and the others are kept: one bad
    line of the archive's should not cost the page it is on. A body that is not CDX JSON at
    all still raises ValueError."""
    table = json.loads(body) if body.strip() else []
    if not table:
        return [], None, []
    if not isinstance(table, list) or not isinstance(table[0], list):
        raise ValueError("not a CDX table")
    header, *data = table
    resume_key = None
    if len(data) >= 2 and data[-2] == [] and len(data[-1]) == 1:
        resume_key = data[-1][0]
        data = data[:-2]
    positions = [header.index(name) for name in CDX_FIELDS]
    records, bad = [], []
    for row in data:
        problem = _row_problem(row, len(header))
        if problem:
            bad.append(f"{problem}: {row!r}"[:300])
            continue
        records.append(_record([str(row[i]) for i in positions], row))
    return records, resume_key, bad


def _row_problem(row: object, fields: int) -> str | None:
    if not isinstance(row, list) or len(row) != fields:
        count = len(row) if isinstance(row, list) else 0
        return f"CDX row has {count} fields, expected {fields}"
    return None


def _record(values: Sequence[str], source: object) -> CdxRecord:
    if len(values) != len(CDX_FIELDS):
        raise ValueError(f"CDX row has {len(values)} fields, expected 7: {source!r}")
    return CdxRecord(*values)


def unique_records(records: Iterable[CdxRecord]) -> list[CdxRecord]:
    """Drop exact repeats (IA's CDX repeats rows found in several index shards), keeping order."""
    seen: set[CdxRecord] = set()
    kept = []
    for record in records:
        if record not in seen:
            seen.add(record)
            kept.append(record)
    return kept


def cdx_search_url(
    archive: str,
    url: str,
    *,
    from_ts: str | None = None,
    to_ts: str | None = None,
    limit: int | None = None,
    resume_key: str | None = None,
    collapses: Sequence[str] = (),
    filters: Sequence[str] = (),
    match_type: str | None = None,
) -> str:
    """The CDX search URL of one query (JSON, resume keys); parameters are checked by waybackpy."""
    from waybackpy.cdx_utils import check_collapses, check_filters, check_match_type, full_url
    from waybackpy.exceptions import WaybackError

    try:
        check_filters(list(filters))
        check_collapses(list(collapses))
        check_match_type(match_type, url)
    except WaybackError as error:
        raise ValueError(str(error)) from None
    params: dict[str, object] = {"url": url, "output": "json"}
    if match_type:
        params["matchType"] = match_type
    if from_ts:
        params["from"] = from_ts
    if to_ts:
        params["to"] = to_ts
    for number, rule in enumerate(filters):
        params[f"filter{number}"] = rule
    for number, rule in enumerate(collapses):
        params[f"collapse{number}"] = rule
    if limit:
        params["limit"] = limit
        params["showResumeKey"] = "true"
    if resume_key:
        params["resumeKey"] = resume_key
    return full_url(f"{archive.rstrip('/')}/cdx/search/cdx", params)


_ARCHIVED = re.compile(r"/web/(\d{1,14})([a-z]{2}_)?/(.+)$", re.DOTALL)


def split_memento_url(url: str) -> tuple[str, str, str] | None:
    """(timestamp, mode, original URL) of an archive address such as `.../web/2010id_/http://a/`."""
    match = _ARCHIVED.search(url)
    if not match:
        return None
    original = match.group(3)
    original = re.sub(r"^(https?):/(?=[^/])", r"\1://", original)
    return match.group(1), match.group(2) or "", original
