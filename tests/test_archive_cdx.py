"""The local archive's CDX API over HTTP: every parameter alone and combined, and its 400s."""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
import zlib
from urllib.parse import urlencode

import pytest

from crawler.archive import cdx
from crawler.archive.builder import CaptureSpec
from crawler.archive.server import BLOCKED_SITE_ERROR, ArchiveOptions
from crawler.exceptions import CdxQueryError
from crawler.wayback import CDX_FIELDS, CdxRecord, decode_resume_key, parse_cdx_json, parse_cdx_text

HTML = (("Content-Type", "text/html; charset=utf-8"),)
TEXT = (("Content-Type", "text/plain"),)
PDF = (("Content-Type", "application/pdf"),)

# One site over three years. The /privacy bodies run v1 v1 v2 v1 (digests A A B A), then a 404.
CAPTURES = [
    CaptureSpec("http://example.com/privacy", "20090615000000", headers=HTML, body=b"v1"),
    CaptureSpec("https://www.example.com/privacy", "20100101000000", headers=HTML, body=b"v1"),
    CaptureSpec("http://example.com/privacy", "20100601120000", headers=HTML, body=b"v2"),
    CaptureSpec("http://example.com/privacy", "20101231235959", headers=HTML, body=b"v1"),
    CaptureSpec(
        "http://example.com/privacy", "20110301000000", status=404, headers=TEXT, body=b"gone"
    ),
    CaptureSpec("http://example.com/privacy-policy", "20110101000000", headers=HTML, body=b"p"),
    CaptureSpec("http://example.com/privacy.pdf", "20100301000000", headers=PDF, body=b"%PDF"),
    CaptureSpec("http://example.com/terms", "20100101000000", headers=TEXT, body=b"terms"),
    CaptureSpec("http://sub.example.com/privacy", "20100101000000", headers=HTML, body=b"s"),
    CaptureSpec("http://example.org/privacy", "20100101000000", headers=HTML, body=b"org"),
    CaptureSpec("http://examples.com/privacy", "20100101000000", headers=HTML, body=b"plural"),
]
PRIVACY_TIMESTAMPS = [
    "20090615000000",
    "20100101000000",
    "20100601120000",
    "20101231235959",
    "20110301000000",
]


def fetch(base_url: str, params: dict[str, str] | list[tuple[str, str]]) -> tuple[int, str, str]:
    """Status, content type and body of a CDX request, whatever the status."""
    url = f"{base_url}/cdx/search/cdx?{urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def rows_of(base_url: str, params: dict[str, str] | list[tuple[str, str]]) -> list[CdxRecord]:
    status, _, body = fetch(base_url, params)
    assert status == 200, body
    rows, resume_key = parse_cdx_text(body)
    assert resume_key is None
    return rows


def timestamps(rows: list[CdxRecord]) -> list[str]:
    return [row.timestamp for row in rows]


@pytest.fixture
def archive_url(archive_factory) -> str:
    return archive_factory(CAPTURES).base_url


# ---- url and matchType -----------------------------------------------------------------------


def test_exact_match_gets_every_scheme_and_www_variant_in_time_order(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com/privacy"})
    assert timestamps(rows) == PRIVACY_TIMESTAMPS
    assert {row.urlkey for row in rows} == {"com,example)/privacy"}
    assert rows[1].original == "https://www.example.com/privacy"
    assert [row.statuscode for row in rows] == ["200", "200", "200", "200", "404"]
    assert rows[4].mimetype == "text/plain"


def test_text_answer_is_plain_text_with_seven_fields(archive_url: str) -> None:
    status, content_type, body = fetch(archive_url, {"url": "https://www.example.com/privacy"})
    assert status == 200
    assert content_type.startswith("text/plain")
    lines = body.splitlines()
    assert len(lines) == 5
    assert all(len(line.split(" ")) == 7 for line in lines)


def test_unknown_url_gives_an_empty_answer(archive_url: str) -> None:
    assert fetch(archive_url, {"url": "example.net/"})[::2] == (200, "")
    assert fetch(archive_url, {"url": "example.net/", "output": "json"})[2].strip() == "[]"


def test_prefix_match_takes_every_url_starting_with_the_key(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com/privacy", "matchType": "prefix"})
    assert sorted({row.original for row in rows}) == [
        "http://example.com/privacy",
        "http://example.com/privacy-policy",
        "http://example.com/privacy.pdf",
        "https://www.example.com/privacy",
    ]
    # CDX order: by urlkey, then timestamp.
    assert [row.sortkey for row in rows] == sorted(row.sortkey for row in rows)


def test_trailing_star_means_prefix(archive_url: str) -> None:
    starred = rows_of(archive_url, {"url": "example.com/privacy*"})
    explicit = rows_of(archive_url, {"url": "example.com/privacy", "matchType": "prefix"})
    assert starred == explicit
    assert len(starred) == 7


def test_host_match_takes_every_path_of_the_host_only(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com", "matchType": "host"})
    urlkeys = {row.urlkey for row in rows}
    assert urlkeys == {
        "com,example)/privacy",
        "com,example)/privacy-policy",
        "com,example)/privacy.pdf",
        "com,example)/terms",
    }


def test_domain_match_adds_subdomains_but_not_lookalike_hosts(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com", "matchType": "domain"})
    hosts = {row.urlkey.split(")", 1)[0] for row in rows}
    assert hosts == {"com,example", "com,example,sub"}
    assert len(rows) == 9
    assert [row.sortkey for row in rows] == sorted(row.sortkey for row in rows)


def test_star_dot_means_domain(archive_url: str) -> None:
    starred = rows_of(archive_url, {"url": "*.example.com"})
    assert starred == rows_of(archive_url, {"url": "example.com", "matchType": "domain"})
    assert "http://sub.example.com/privacy" in {row.original for row in starred}


# ---- output and fl ---------------------------------------------------------------------------


def test_json_output_has_a_header_row_then_the_same_rows(archive_url: str) -> None:
    params = {"url": "example.com/privacy", "output": "json"}
    status, content_type, body = fetch(archive_url, params)
    assert status == 200
    assert content_type.startswith("application/json")
    table = json.loads(body)
    assert table[0] == list(CDX_FIELDS)
    rows, resume_key = parse_cdx_json(body)
    assert resume_key is None
    assert rows == rows_of(archive_url, {"url": "example.com/privacy"})


def test_fl_chooses_and_orders_fields_in_text(archive_url: str) -> None:
    _, _, body = fetch(archive_url, {"url": "example.com/privacy", "fl": "statuscode,timestamp"})
    assert body.splitlines() == [
        "200 20090615000000",
        "200 20100101000000",
        "200 20100601120000",
        "200 20101231235959",
        "404 20110301000000",
    ]


def test_fl_orders_the_json_header(archive_url: str) -> None:
    params = {"url": "example.com/privacy", "output": "json", "fl": "original,timestamp,digest"}
    table = json.loads(fetch(archive_url, params)[2])
    assert table[0] == ["original", "timestamp", "digest"]
    assert table[1][:2] == ["http://example.com/privacy", "20090615000000"]
    assert len(table) == 6
    assert all(len(row) == 3 for row in table)


# ---- from and to -----------------------------------------------------------------------------


def test_year_bounds_include_the_whole_year(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com/privacy", "from": "2010", "to": "2010"})
    assert timestamps(rows) == ["20100101000000", "20100601120000", "20101231235959"]


def test_to_alone_is_inclusive_of_its_last_second(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com/privacy", "to": "20101231"})
    assert timestamps(rows)[-1] == "20101231235959"
    rows = rows_of(archive_url, {"url": "example.com/privacy", "to": "20101231235958"})
    assert timestamps(rows)[-1] == "20100601120000"


def test_from_alone_starts_at_the_period_start(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com/privacy", "from": "201006"})
    assert timestamps(rows) == ["20100601120000", "20101231235959", "20110301000000"]
    rows = rows_of(archive_url, {"url": "example.com/privacy", "from": "20100601120001"})
    assert timestamps(rows) == ["20101231235959", "20110301000000"]


def test_exact_bounds_include_a_capture_at_either_end(archive_url: str) -> None:
    params = {"url": "example.com/privacy", "from": "20100101000000", "to": "20100601120000"}
    assert timestamps(rows_of(archive_url, params)) == ["20100101000000", "20100601120000"]


def test_from_after_to_gives_nothing(archive_url: str) -> None:
    assert rows_of(archive_url, {"url": "example.com/privacy", "from": "2011", "to": "2009"}) == []


# ---- filter ----------------------------------------------------------------------------------


def test_filter_matches_the_whole_field(archive_url: str) -> None:
    ok = rows_of(archive_url, {"url": "example.com/privacy", "filter": "statuscode:200"})
    assert len(ok) == 4
    assert {row.statuscode for row in ok} == {"200"}
    # `20` is a regex over the whole field: it does not match `200`.
    assert rows_of(archive_url, {"url": "example.com/privacy", "filter": "statuscode:20"}) == []
    regex = rows_of(archive_url, {"url": "example.com/privacy", "filter": "statuscode:2.."})
    assert len(regex) == 4


def test_filter_tilde_matches_anywhere_in_the_field(archive_url: str) -> None:
    rows = rows_of(
        archive_url, {"url": "example.com", "matchType": "domain", "filter": "~original:privacy"}
    )
    assert len(rows) == 8
    assert all("privacy" in row.original for row in rows)
    # Without `~` the same regex must match the whole URL, which no URL is.
    assert (
        rows_of(
            archive_url, {"url": "example.com", "matchType": "domain", "filter": "original:privacy"}
        )
        == []
    )


def test_filter_bang_negates(archive_url: str) -> None:
    rows = rows_of(
        archive_url, {"url": "example.com", "matchType": "host", "filter": "!mimetype:text/html"}
    )
    assert sorted(row.mimetype for row in rows) == ["application/pdf", "text/plain", "text/plain"]


def test_filter_bang_tilde_negates_a_contains_match(archive_url: str) -> None:
    rows = rows_of(
        archive_url, {"url": "example.com", "matchType": "host", "filter": "!~original:privacy"}
    )
    assert [row.original for row in rows] == ["http://example.com/terms"]


def test_repeated_filters_must_all_hold(archive_url: str) -> None:
    params = [
        ("url", "example.com"),
        ("matchType", "host"),
        ("filter", "mimetype:text/html"),
        ("filter", "!timestamp:2009.*"),
        ("filter", "~urlkey:privacy"),
    ]
    rows = rows_of(archive_url, params)
    assert [(row.urlkey, row.timestamp) for row in rows] == [
        ("com,example)/privacy", "20100101000000"),
        ("com,example)/privacy", "20100601120000"),
        ("com,example)/privacy", "20101231235959"),
        ("com,example)/privacy-policy", "20110101000000"),
    ]


def test_filter_without_a_field_name_matches_the_whole_line(archive_url: str) -> None:
    rows = rows_of(
        archive_url, {"url": "example.com", "matchType": "host", "filter": ".*text/plain 404.*"}
    )
    assert timestamps(rows) == ["20110301000000"]


# ---- collapse --------------------------------------------------------------------------------


def test_collapse_digest_drops_only_adjacent_repeats(archive_url: str) -> None:
    params = {"url": "example.com/privacy", "collapse": "digest", "filter": "statuscode:200"}
    rows = rows_of(archive_url, params)
    # Digests run A A B A: the first of each run stays, so A comes back after B.
    assert timestamps(rows) == ["20090615000000", "20100601120000", "20101231235959"]
    assert rows[0].digest == rows[2].digest != rows[1].digest


def test_collapse_on_the_first_n_characters(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com/privacy", "collapse": "timestamp:4"})
    assert timestamps(rows) == ["20090615000000", "20100101000000", "20110301000000"]
    rows = rows_of(archive_url, {"url": "example.com/privacy", "collapse": "timestamp:6"})
    assert len(rows) == 5


def test_collapse_urlkey_keeps_one_row_per_url(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com", "matchType": "host", "collapse": "urlkey"})
    assert [(row.urlkey, row.timestamp) for row in rows] == [
        ("com,example)/privacy", "20090615000000"),
        ("com,example)/privacy-policy", "20110101000000"),
        ("com,example)/privacy.pdf", "20100301000000"),
        ("com,example)/terms", "20100101000000"),
    ]


def test_collapse_applies_after_filter(archive_url: str) -> None:
    # With the 2010-06 (digest B) row filtered out, the A rows around it become adjacent.
    params = [
        ("url", "example.com/privacy"),
        ("filter", "!timestamp:201006.*"),
        ("filter", "statuscode:200"),
        ("collapse", "digest"),
    ]
    assert timestamps(rows_of(archive_url, params)) == ["20090615000000"]


# ---- limit, offset and resume keys -----------------------------------------------------------


def test_limit_takes_the_first_rows(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com/privacy", "limit": "2"})
    assert timestamps(rows) == PRIVACY_TIMESTAMPS[:2]


def test_negative_limit_takes_the_last_rows(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com/privacy", "limit": "-2"})
    assert timestamps(rows) == PRIVACY_TIMESTAMPS[-2:]
    rows = rows_of(archive_url, {"url": "example.com/privacy", "limit": "-50"})
    assert timestamps(rows) == PRIVACY_TIMESTAMPS


def test_negative_limit_prints_no_resume_key(archive_url: str) -> None:
    _, _, body = fetch(
        archive_url, {"url": "example.com/privacy", "limit": "-2", "showResumeKey": "true"}
    )
    rows, resume_key = parse_cdx_text(body)
    assert timestamps(rows) == PRIVACY_TIMESTAMPS[-2:]
    assert resume_key is None


def test_offset_skips_rows_before_the_limit(archive_url: str) -> None:
    rows = rows_of(archive_url, {"url": "example.com/privacy", "offset": "1", "limit": "2"})
    assert timestamps(rows) == PRIVACY_TIMESTAMPS[1:3]
    assert rows_of(archive_url, {"url": "example.com/privacy", "offset": "10"}) == []


def test_limit_and_offset_count_rows_after_filter_and_collapse(archive_url: str) -> None:
    params = {
        "url": "example.com/privacy",
        "collapse": "digest",
        "filter": "statuscode:200",
        "offset": "1",
        "limit": "1",
    }
    assert timestamps(rows_of(archive_url, params)) == ["20100601120000"]


def test_resume_key_only_when_the_limit_was_reached(archive_url: str) -> None:
    _, _, body = fetch(
        archive_url, {"url": "example.com/privacy", "limit": "2", "showResumeKey": "true"}
    )
    rows, resume_key = parse_cdx_text(body)
    assert len(rows) == 2
    assert resume_key
    _, _, body = fetch(archive_url, {"url": "example.com/privacy", "showResumeKey": "true"})
    assert parse_cdx_text(body)[1] is None
    _, _, body = fetch(
        archive_url, {"url": "example.com/privacy", "limit": "9", "showResumeKey": "true"}
    )
    assert parse_cdx_text(body)[1] is None


def test_compressed_resume_key_is_base64_zlib_of_the_last_sortkey(archive_url: str) -> None:
    _, _, body = fetch(
        archive_url, {"url": "example.com/privacy", "limit": "2", "showResumeKey": "true"}
    )
    rows, resume_key = parse_cdx_text(body)
    assert resume_key is not None
    unpacked = zlib.decompress(base64.urlsafe_b64decode(resume_key + "=" * (-len(resume_key) % 4)))
    assert unpacked.decode() == rows[-1].sortkey


def test_legacy_resume_key_is_the_last_sortkey_plus_one(archive_factory) -> None:
    base_url = archive_factory(CAPTURES, ArchiveOptions(resume_keys="legacy")).base_url
    _, _, body = fetch(
        base_url, {"url": "example.com/privacy", "limit": "2", "showResumeKey": "true"}
    )
    rows, resume_key = parse_cdx_text(body)
    assert rows[-1].timestamp == "20100101000000"
    assert resume_key == "com%2Cexample%29%2Fprivacy+20100101000001"
    assert decode_resume_key(resume_key) == "com,example)/privacy 20100101000001"


def collect_pages(base_url: str, params: dict[str, str], output: str = "text") -> list[list]:
    """Every page of a paged query, following resume keys until there is none."""
    pages: list[list] = []
    resume_key = None
    parse = parse_cdx_json if output == "json" else parse_cdx_text
    while len(pages) < 50:
        query = {**params, "showResumeKey": "true", "output": output}
        if resume_key:
            query["resumeKey"] = resume_key
        status, _, body = fetch(base_url, query)
        assert status == 200, body
        rows, resume_key = parse(body)
        pages.append(rows)
        if resume_key is None:
            return pages
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("style", ["compressed", "legacy"])
@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("limit", [1, 2, 3, 9])
def test_paging_with_resume_keys_collects_every_row_once(
    archive_factory, style: str, output: str, limit: int
) -> None:
    base_url = archive_factory(CAPTURES, ArchiveOptions(resume_keys=style)).base_url
    scope = {"url": "example.com", "matchType": "domain"}
    everything = rows_of(base_url, scope)
    pages = collect_pages(base_url, {**scope, "limit": str(limit)}, output)
    collected = [row for page in pages for row in page]
    assert collected == everything
    assert all(len(page) <= limit for page in pages)
    assert len(pages) == len(everything) // limit + 1


def test_paging_keeps_from_and_filter(archive_url: str) -> None:
    scope = {"url": "example.com", "matchType": "host", "from": "2010", "filter": "statuscode:200"}
    pages = collect_pages(archive_url, {**scope, "limit": "2"})
    collected = [row for page in pages for row in page]
    assert collected == rows_of(archive_url, scope)
    assert len(collected) == 6


def test_resume_key_of_one_query_resumes_past_its_row(archive_url: str) -> None:
    _, _, body = fetch(
        archive_url, {"url": "example.com/privacy", "limit": "3", "showResumeKey": "true"}
    )
    _, resume_key = parse_cdx_text(body)
    assert resume_key is not None
    rows = rows_of(archive_url, {"url": "example.com/privacy", "resumeKey": resume_key})
    assert timestamps(rows) == PRIVACY_TIMESTAMPS[3:]


def test_max_rows_caps_an_answer(archive_factory) -> None:
    base_url = archive_factory(CAPTURES, ArchiveOptions(max_rows=2)).base_url
    assert timestamps(rows_of(base_url, {"url": "example.com/privacy"})) == PRIVACY_TIMESTAMPS[:2]
    assert len(rows_of(base_url, {"url": "example.com/privacy", "limit": "4"})) == 2
    last = rows_of(base_url, {"url": "example.com/privacy", "limit": "-4"})
    assert timestamps(last) == PRIVACY_TIMESTAMPS[-2:]


# ---- duplicates and revisits -----------------------------------------------------------------


def test_a_capture_in_two_warc_files_gives_two_rows(archive_factory) -> None:
    capture = CaptureSpec(
        "http://example.com/privacy", "20100101000000", headers=HTML, body=b"same"
    )
    base_url = archive_factory([[capture], [capture]]).base_url
    rows = rows_of(base_url, {"url": "example.com/privacy"})
    assert len(rows) == 2
    # Same capture, same fields; only the compressed record length may differ (record IDs).
    assert rows[0]._replace(length="") == rows[1]._replace(length="")
    assert len(rows_of(base_url, {"url": "example.com/privacy", "collapse": "digest"})) == 1


REVISITS = [
    CaptureSpec("http://example.com/privacy", "20100101000000", headers=HTML, body=b"v1"),
    CaptureSpec(
        "http://example.com/privacy",
        "20100201000000",
        kind="revisit",
        refers_to_timestamp="20100101000000",
    ),
    # A revisit under another URL that sorts before its original's URL.
    CaptureSpec(
        "http://example.com/a-copy",
        "20100301000000",
        kind="revisit",
        refers_to_timestamp="20100101000000",
        refers_to_url="http://example.com/privacy",
    ),
]


def test_revisit_rows_without_resolve_revisits(archive_factory) -> None:
    base_url = archive_factory(REVISITS).base_url
    rows = rows_of(base_url, {"url": "example.com/privacy"})
    assert [(row.mimetype, row.statuscode) for row in rows] == [
        ("text/html", "200"),
        ("warc/revisit", "-"),
    ]
    assert rows[0].digest == rows[1].digest


def test_resolve_revisits_gives_revisit_its_originals_mimetype_and_status(archive_factory) -> None:
    base_url = archive_factory(REVISITS).base_url
    params = {"url": "example.com/privacy", "resolveRevisits": "true"}
    rows = rows_of(base_url, params)
    assert [(row.mimetype, row.statuscode) for row in rows] == [
        ("text/html", "200"),
        ("text/html", "200"),
    ]
    status, _, body = fetch(base_url, {**params, "output": "json"})
    assert [(row.mimetype, row.statuscode) for row in parse_cdx_json(body)[0]] == [
        ("text/html", "200"),
        ("text/html", "200"),
    ]


def test_resolve_revisits_only_uses_originals_earlier_in_the_answer(archive_factory) -> None:
    base_url = archive_factory(REVISITS).base_url
    rows = rows_of(base_url, {"url": "example.com", "matchType": "host", "resolveRevisits": "1"})
    assert [(row.original, row.mimetype, row.statuscode) for row in rows] == [
        ("http://example.com/a-copy", "warc/revisit", "-"),
        ("http://example.com/privacy", "text/html", "200"),
        ("http://example.com/privacy", "text/html", "200"),
    ]


def test_filters_see_resolved_revisits(archive_factory) -> None:
    base_url = archive_factory(REVISITS).base_url
    params = {"url": "example.com/privacy", "filter": "statuscode:200"}
    assert len(rows_of(base_url, params)) == 1
    assert len(rows_of(base_url, {**params, "resolveRevisits": "true"})) == 2


# ---- everything at once ----------------------------------------------------------------------


def test_parameters_combined(archive_url: str) -> None:
    params = [
        ("url", "*.example.com"),
        ("from", "2010"),
        ("to", "2011"),
        ("filter", "!statuscode:404"),
        ("filter", "~original:privacy"),
        ("collapse", "urlkey"),
        ("fl", "original,timestamp"),
        ("output", "json"),
        ("offset", "1"),
        ("limit", "2"),
    ]
    table = json.loads(fetch(archive_url, params)[2])
    assert table == [
        ["original", "timestamp"],
        ["http://example.com/privacy-policy", "20110101000000"],
        ["http://example.com/privacy.pdf", "20100301000000"],
    ]


# ---- exclusions ------------------------------------------------------------------------------


def test_excluded_site_gives_ias_blocked_site_error(archive_factory) -> None:
    base_url = archive_factory(CAPTURES, ArchiveOptions(exclusions=("example.org",))).base_url
    status, _, body = fetch(base_url, {"url": "example.org/privacy"})
    assert status == 403
    assert BLOCKED_SITE_ERROR in body
    assert len(rows_of(base_url, {"url": "example.com/privacy"})) == 5


# ---- bad parameters: 400 over HTTP, CdxQueryError from parse_query ---------------------------

BAD_QUERIES = [
    ({}, "missing required parameter: url"),
    ({"url": "  "}, "missing required parameter: url"),
    ({"url": "example.com", "matchType": "everything"}, "matchType must be one of"),
    ({"url": "example.com", "output": "xml"}, "output must be text or json"),
    ({"url": "example.com", "fl": "timestamp,size"}, "unknown field in fl: size"),
    ({"url": "example.com", "limit": "ten"}, "limit must be an integer"),
    ({"url": "example.com", "limit": "1.5"}, "limit must be an integer"),
    ({"url": "example.com", "offset": "x"}, "offset must be an integer"),
    ({"url": "example.com", "filter": "statuscode:(200"}, "invalid filter regex"),
    ({"url": "example.com", "filter": "~original:[a-"}, "invalid filter regex"),
    ({"url": "example.com", "from": "2010-01-01"}, "from must be 1 to 14 digits"),
    ({"url": "example.com", "from": "201001011200001"}, "from must be 1 to 14 digits"),
    ({"url": "example.com", "to": "last"}, "to must be 1 to 14 digits"),
    ({"url": "example.com", "collapse": "size"}, "unknown collapse field"),
    ({"url": "example.com", "collapse": "timestamp:x"}, "collapse width must be a number"),
    ({"url": "example.com", "resumeKey": "com%2Cexample%29%2F"}, "invalid resumeKey"),
    ({"url": "example.com", "resumeKey": "notakey"}, "invalid resumeKey"),
    ({"url": "http://x.example:99999/p"}, "invalid url 'http://x.example:99999/p'"),
    ({"url": "x.example:99999/p"}, "invalid url 'x.example:99999/p'"),
    ({"url": "http://x.example:port/p"}, "invalid url"),
    ({"url": "http://[::1/p"}, "invalid url 'http://[::1/p'"),
    ({"url": "http://[::1/*"}, "invalid url"),
]


@pytest.mark.parametrize(("params", "message"), BAD_QUERIES)
def test_bad_parameters_give_400_with_the_reason(archive_url: str, params, message: str) -> None:
    status, _, body = fetch(archive_url, params)
    assert status == 400
    assert message in body


@pytest.mark.parametrize(("params", "message"), BAD_QUERIES)
def test_parse_query_raises_cdx_query_error(params, message: str) -> None:
    with pytest.raises(CdxQueryError, match=re.escape(message)):
        cdx.parse_query(params)


def test_parse_query_defaults() -> None:
    query = cdx.parse_query({"url": "example.com/privacy"})
    assert query.match_type == "exact"
    assert query.output == "text"
    assert query.fields == CDX_FIELDS
    assert (query.limit, query.offset, query.from_ts, query.to_ts) == (None, 0, None, None)
    assert not query.show_resume_key and not query.resolve_revisits
    assert query.urlkey == "com,example)/privacy"


def test_parse_query_reads_wildcards_bounds_and_repeated_filters() -> None:
    query = cdx.parse_query(
        [
            ("url", "example.com/*"),
            ("from", "2010"),
            ("to", "2011"),
            ("filter", "statuscode:200"),
            ("filter", "!~original:pdf"),
            ("collapse", "timestamp:4"),
        ]
    )
    assert (query.url, query.match_type) == ("example.com/", "prefix")
    assert (query.from_ts, query.to_ts) == ("20100101000000", "20119999999999")
    assert [(f.field, f.negate, f.contains) for f in query.filters] == [
        ("statuscode", False, False),
        ("original", True, True),
    ]
    assert query.collapses == (cdx.Collapse("timestamp", 4),)
    domain = cdx.parse_query({"url": "*.example.com"})
    assert (domain.url, domain.match_type) == ("example.com", "domain")


def test_explicit_match_type_wins_over_a_wildcard() -> None:
    query = cdx.parse_query({"url": "*.example.com", "matchType": "host"})
    assert query.match_type == "host"


def test_parse_query_reads_both_resume_key_styles() -> None:
    legacy = cdx.parse_query({"url": "x", "resumeKey": "com%2Cexample%29%2F+20100101000001"})
    assert (legacy.resume_after, legacy.resume_inclusive) == ("com,example)/ 20100101000001", True)
    packed = base64.urlsafe_b64encode(zlib.compress(b"com,example)/ 20100101000000")).decode()
    compressed = cdx.parse_query({"url": "x", "resumeKey": packed.rstrip("=")})
    assert compressed.resume_after == "com,example)/ 20100101000000"
    assert compressed.resume_inclusive is False


@pytest.mark.parametrize("value", ["true", "True", "1", "yes", "on"])
def test_flags_accept_ias_spellings_of_true(value: str) -> None:
    query = cdx.parse_query({"url": "x", "showResumeKey": value, "resolveRevisits": value})
    assert query.show_resume_key and query.resolve_revisits


@pytest.mark.parametrize("value", ["false", "0", "", "no"])
def test_flags_are_off_otherwise(value: str) -> None:
    assert not cdx.parse_query({"url": "x", "showResumeKey": value}).show_resume_key


@pytest.mark.parametrize(
    ("spec", "accepted"),
    [
        ("statuscode:200", True),
        ("statuscode:20", False),
        ("~statuscode:20", True),
        ("!statuscode:200", False),
        ("!statuscode:20", True),
        ("!~mimetype:pdf", True),
        ("!~mimetype:html", False),
        ("original:http://e/p", True),
        ("k 2010.* 200 .*", True),
    ],
)
def test_field_filter_accepts(spec: str, accepted: bool) -> None:
    values = dict(
        zip(
            CDX_FIELDS,
            ["k", "20100101000000", "http://e/p", "text/html", "200", "D", "1"],
            strict=True,
        )
    )
    (field_filter,) = cdx.parse_query({"url": "x", "filter": spec}).filters
    assert field_filter.accepts(values) is accepted
