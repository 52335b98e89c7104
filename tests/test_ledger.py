"""The ledger of earlier runs: what a crawl reads so nothing is listed or fetched twice."""

from __future__ import annotations

from pipelines.database import connect
from pipelines.ledger import capture_key, read_ledger

ROW = (
    "INSERT INTO captures (site, url, timestamp, digest, urlkey, fetch_status, target_url,"
    " http_status, memento_datetime, payload_sha1, run_id)"
    " VALUES (?, ?, ?, ?, 'k', ?, 'u', ?, ?, ?, 1)"
)


def test_a_ledger_knows_recorded_captures_and_fetched_pages(tmp_path):
    db = tmp_path / "ledger.duckdb"
    connection = connect(db)
    at = "2020-01-02 03:04:05"
    rows = [
        ("a.example", "https://a.example/p", at, "AAA", "fetched", 200, at, "AAA"),
        (
            "a.example",
            "https://a.example/p",
            "2021-01-02 03:04:05",
            "BBB",
            "skipped",
            None,
            None,
            None,
        ),
        (
            "a.example",
            "https://a.example/p",
            "2022-01-02 03:04:05",
            "CCC",
            "failed",
            None,
            None,
            None,
        ),
        (
            "a.example",
            "https://a.example/p",
            "2023-01-02 03:04:05",
            "DDD",
            "fetched",
            404,
            at,
            "DDD",
        ),
        # the archive answered with a neighbouring capture: another page, not EEE's
        (
            "a.example",
            "https://a.example/p",
            "2024-01-02 03:04:05",
            "EEE",
            "fetched",
            200,
            at,
            "AAA",
        ),
    ]
    for row in rows:
        connection.execute(ROW, list(row))
    connection.close()
    ledger = read_ledger(db)
    assert ledger.knows("a.example", "https://a.example/p", "20200102030405", "AAA")
    assert ledger.knows("a.example", "https://a.example/p", "20210102030405", "BBB")
    # A failed capture is tried again; any other part of the key differing is another capture.
    assert not ledger.knows("a.example", "https://a.example/p", "20220102030405", "CCC")
    assert not ledger.knows("b.example", "https://a.example/p", "20200102030405", "AAA")
    assert not ledger.knows("a.example", "https://a.example/p", "20200102030406", "AAA")
    assert ledger.fetched == {"AAA"}  # the 404 page is no page to share, nor another's copy
    assert len(ledger.recorded) == 4


def test_keys_are_kept_as_short_digests_that_do_not_merge_fields():
    assert len(capture_key("a", "b", "c", "d")) == 16
    assert capture_key("ab", "c", "t", "d") != capture_key("a", "bc", "t", "d")


def test_a_database_not_made_yet_has_an_empty_ledger(tmp_path):
    ledger = read_ledger(tmp_path / "new.duckdb")
    assert not ledger.recorded and not ledger.fetched and not ledger.aliases
