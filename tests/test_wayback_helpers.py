"""The pure Wayback helpers: timestamps, SURT keys, CDX parsing and de-duplication."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.wayback import (
    CDX_FIELDS,
    CdxRecord,
    decode_resume_key,
    encode_resume_key,
    format_timestamp,
    http_date,
    memento_url,
    pad_timestamp,
    parse_cdx_json,
    parse_cdx_text,
    parse_http_date,
    parse_timestamp,
    surt_key,
    unique_records,
    url_problem,
)

ROW_A = CdxRecord(
    "com,example)/privacy",
    "20100101000000",
    "http://example.com/privacy",
    "text/html",
    "200",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "1234",
)
ROW_B = CdxRecord(
    "com,example)/privacy",
    "20110202000000",
    "https://www.example.com/privacy",
    "text/html",
    "301",
    "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
    "567",
)


# ---- pad_timestamp ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "lower", "upper"),
    [
        ("2010", "20100101000000", "20109999999999"),
        ("201006", "20100601000000", "20100699999999"),
        ("20100615", "20100615000000", "20100615999999"),
        ("2010061512", "20100615120000", "20100615129999"),
        ("20100615123456", "20100615123456", "20100615123456"),
    ],
)
def test_pad_timestamp_widens_to_period_start_and_end(value: str, lower: str, upper: str) -> None:
    assert pad_timestamp(value) == lower
    assert pad_timestamp(value, upper=True) == upper


def test_pad_timestamp_upper_bound_covers_the_last_second_of_the_year() -> None:
    # Bounds are compared as text, so the last capture of 2010 must sort inside `to=2010`.
    assert "20101231235959" <= pad_timestamp("2010", upper=True) < "20110101000000"
    assert pad_timestamp("2011") > "20101231235959"


@pytest.mark.parametrize("value", ["", "20l0", "2010-01-01", "201001011200001", " 2010", "-2010"])
def test_pad_timestamp_rejects_what_is_not_1_to_14_digits(value: str) -> None:
    with pytest.raises(ValueError, match="1 to 14 digits"):
        pad_timestamp(value)


# ---- parse_timestamp / format_timestamp ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2010", datetime(2010, 1, 1, tzinfo=UTC)),
        ("201007", datetime(2010, 7, 1, tzinfo=UTC)),
        ("20100731", datetime(2010, 7, 31, tzinfo=UTC)),
        ("20100731235958", datetime(2010, 7, 31, 23, 59, 58, tzinfo=UTC)),
        # IA writes zero month or day in some old CDX lines; they stand for the first.
        ("20100000000000", datetime(2010, 1, 1, tzinfo=UTC)),
        ("20100700", datetime(2010, 7, 1, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_gives_aware_utc_datetimes(value: str, expected: datetime) -> None:
    parsed = parse_timestamp(value)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("value", ["20101301", "20100230", "20100731246000", "abcd", ""])
def test_parse_timestamp_rejects_impossible_dates(value: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(value)


def test_format_timestamp_round_trips_and_converts_to_utc() -> None:
    assert format_timestamp(parse_timestamp("20171124151315")) == "20171124151315"
    paris_summer = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2017, 6, 1, 2, 30, tzinfo=paris_summer)) == "20170601003000"
    assert format_timestamp(datetime(2017, 6, 1, 2, 30)) == "20170601023000"


def test_http_date_matches_the_memento_datetime_ia_sends() -> None:
    moment = parse_timestamp("20171124151315")
    assert http_date(moment) == "Fri, 24 Nov 2017 15:13:15 GMT"
    assert parse_http_date("Fri, 24 Nov 2017 15:13:15 GMT") == moment


def test_memento_url_puts_timestamp_and_mode_before_the_url() -> None:
    assert (
        memento_url("http://127.0.0.1:8000/", "20100101000000", "http://example.com/p?q=1")
        == "http://127.0.0.1:8000/web/20100101000000id_/http://example.com/p?q=1"
    )
    assert memento_url("http://a", "2010", "http://b/", "") == "http://a/web/2010/http://b/"


# ---- surt_key --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/privacy",
        "https://example.com/privacy",
        "http://www.example.com/privacy",
        "https://www.example.com/privacy",
        "HTTPS://WWW.Example.COM/privacy",
        "http://example.com:80/privacy",
        "https://example.com:443/privacy",
        "http://example.com/privacy/",
        "example.com/privacy",
    ],
)
def test_surt_key_maps_scheme_www_and_port_variants_to_one_key(url: str) -> None:
    assert surt_key(url) == "com,example)/privacy"


def test_surt_key_keeps_other_subdomains_and_ports_apart() -> None:
    assert surt_key("http://sub.example.com/privacy") == "com,example,sub)/privacy"
    assert surt_key("http://example.com:8080/privacy") == "com,example:8080)/privacy"
    assert surt_key("http://example.org/privacy") == "org,example)/privacy"


def test_surt_key_sorts_query_arguments_and_lowercases() -> None:
    assert surt_key("http://example.com/Policy?b=2&a=1") == "com,example)/policy?a=1&b=2"
    assert surt_key("http://example.com/policy?a=1&b=2") == surt_key(
        "http://example.com/policy?b=2&a=1"
    )


def test_surt_key_of_the_root() -> None:
    assert surt_key("http://example.com") == surt_key("https://www.example.com/") == "com,example)/"


# ---- resume keys -----------------------------------------------------------------------------


def test_resume_keys_travel_percent_encoded_with_plus_for_space() -> None:
    encoded = encode_resume_key("com,example)/privacy 20100101000001")
    assert encoded == "com%2Cexample%29%2Fprivacy+20100101000001"
    assert decode_resume_key(encoded) == "com,example)/privacy 20100101000001"


# ---- parse_cdx_text --------------------------------------------------------------------------


def test_parse_cdx_text_reads_rows_in_order() -> None:
    body = f"{ROW_A.text_line()}\n{ROW_B.text_line()}\n"
    rows, resume_key = parse_cdx_text(body)
    assert rows == [ROW_A, ROW_B]
    assert resume_key is None
    assert rows[1].original == "https://www.example.com/privacy"
    assert rows[1].statuscode == "301"


def test_parse_cdx_text_reads_the_resume_key_after_the_blank_line() -> None:
    body = f"{ROW_A.text_line()}\n\ncom%2Cexample%29%2Fprivacy+20100101000001\n"
    rows, resume_key = parse_cdx_text(body)
    assert rows == [ROW_A]
    assert resume_key == "com%2Cexample%29%2Fprivacy+20100101000001"


def test_parse_cdx_text_reads_a_resume_key_after_an_empty_page() -> None:
    rows, resume_key = parse_cdx_text("\neJxLzs8rSc0r0c8vyCxKzMnMSwcAKBUFjg==\n")
    assert rows == []
    assert resume_key == "eJxLzs8rSc0r0c8vyCxKzMnMSwcAKBUFjg=="


@pytest.mark.parametrize("body", ["", "\n", "\n\n"])
def test_parse_cdx_text_of_an_empty_answer(body: str) -> None:
    assert parse_cdx_text(body) == ([], None)


def test_parse_cdx_text_without_final_newline() -> None:
    assert parse_cdx_text(ROW_A.text_line()) == ([ROW_A], None)


def test_parse_cdx_text_rejects_rows_with_other_field_counts() -> None:
    with pytest.raises(ValueError, match="6 fields, expected 7"):
        parse_cdx_text("com,example)/ 20100101000000 http://example.com/ text/html 200 X\n")


def test_cdx_record_sortkey_and_text_line() -> None:
    assert ROW_A.sortkey == "com,example)/privacy 20100101000000"
    assert ROW_A.text_line().split(" ") == list(ROW_A)
    assert CdxRecord._fields == CDX_FIELDS


# ---- parse_cdx_json --------------------------------------------------------------------------


def _json_table(*rows: list[str]) -> str:
    return json.dumps([list(CDX_FIELDS), *rows])


def test_parse_cdx_json_reads_rows_under_the_header() -> None:
    rows, resume_key = parse_cdx_json(_json_table(list(ROW_A), list(ROW_B)))
    assert rows == [ROW_A, ROW_B]
    assert resume_key is None


def test_parse_cdx_json_reads_the_resume_key_after_an_empty_row() -> None:
    rows, resume_key = parse_cdx_json(_json_table(list(ROW_A), [], ["KEY123"]))
    assert rows == [ROW_A]
    assert resume_key == "KEY123"


def test_parse_cdx_json_uses_the_header_to_place_fields() -> None:
    order = ["original", "timestamp", "urlkey", "length", "digest", "statuscode", "mimetype"]
    row = [getattr(ROW_A, name) for name in order]
    rows, _ = parse_cdx_json(json.dumps([order, row]))
    assert rows == [ROW_A]


@pytest.mark.parametrize("body", ["[]", "[]\n", "", "  \n"])
def test_parse_cdx_json_of_an_empty_answer(body: str) -> None:
    assert parse_cdx_json(body) == ([], None)


def test_parse_cdx_json_header_only() -> None:
    assert parse_cdx_json(_json_table()) == ([], None)


def test_parse_cdx_json_does_not_take_a_last_one_field_row_without_blank_row_as_key() -> None:
    with pytest.raises(ValueError, match="1 fields, expected 7"):
        parse_cdx_json(_json_table(list(ROW_A), ["KEY123"]))


# ---- unique_records --------------------------------------------------------------------------


def test_unique_records_drops_exact_repeats_and_keeps_first_order() -> None:
    assert unique_records([ROW_B, ROW_A, ROW_B, ROW_A, ROW_A]) == [ROW_B, ROW_A]


def test_unique_records_keeps_rows_differing_in_any_field() -> None:
    other_length = ROW_A._replace(length="1235")
    assert unique_records([ROW_A, other_length, ROW_A]) == [ROW_A, other_length]


def test_unique_records_of_nothing() -> None:
    assert unique_records(iter(())) == []


# ---- url_problem -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://x.example:99999/p", "Port out of range"),
        ("x.example:99999/p", "Port out of range"),  # schemeless, read as http
        ("http://x.example:port/p", "Port could not be cast"),
        ("http://[::1/p", "Invalid IPv6 URL"),
    ],
)
def test_url_problem_names_what_is_wrong(url: str, problem: str) -> None:
    found = url_problem(url)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/privacy",
        "example.com:8080/p",
        "http://[::1]/p",
        "https://x.example:443/",
    ],
)
def test_url_problem_of_a_good_url_is_none(url: str) -> None:
    assert url_problem(url) is None
