"""Change-point fetching in a real crawl of the local archive: the same versions as fetching every
payload, from far fewer replays, and every listed capture recorded with what became of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from crawl_helpers import crawl_local, query, run_cli

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.archive.server import ArchiveServer

HTML = (("Content-Type", "text/html; charset=utf-8"),)
URL = "https://www.acme.example/privacy"
VERSIONS_SQL = (
    "SELECT version, text_hash, first_seen, last_seen, next_seen, n_captures FROM versions"
    " ORDER BY version"
)


def page(text: str, churn: int) -> bytes:
    """A policy whose HTML changes with `churn` (a session token) while its text does not."""
    words = f"We collect your email address to run the service and keep it safe ({text}). " * 12
    return (
        f'<html><head><title>Privacy policy</title><meta name="csrf" content="tok{churn:06d}">'
        f"</head><body><!-- session {churn:06d} --><h1>Privacy policy</h1><p>{words}</p>"
        f"<p>Our promise, version {text}.</p></body></html>"
    ).encode()


def history(texts: str, start_year: int = 2005, churn_from: int = 0) -> list[CaptureSpec]:
    """One capture every 10 days per letter, each with new HTML (a new payload) but for every
    third, which repeats the one before byte for byte."""
    specs, churn = [], churn_from
    for number, text in enumerate(texts):
        day = number * 10
        stamp = f"{start_year + day // 360}{(day % 360) // 30 + 1:02d}{day % 30 + 1:02d}120000"
        if number % 3 != 2:
            churn += 1
        specs.append(CaptureSpec(URL, stamp, headers=HTML, body=page(text, churn)))
    return specs


def crawl(tmp_path: Path, folder: Path, db: Path, *options: str) -> None:
    targets = tmp_path / "targets.txt"
    targets.write_text(URL + "\n")
    index = tmp_path / f"index-{len(list(tmp_path.glob('index-*')))}.sqlite3"
    with ArchiveServer([folder], index_path=index) as archive:
        result = crawl_local(tmp_path, archive.base_url, targets, db, *options)
    assert result.returncode == 0, result.stderr[-3000:]


def outcomes(db: Path) -> dict[str, int]:
    rows = query(
        db, "SELECT coalesce(reason_code, fetch_status), count(*) FROM captures GROUP BY ALL"
    )
    return dict(rows)


# 30 captures of A, 24 of B, 18 of C: three texts, each over many payloads
TEXTS = "A" * 30 + "B" * 24 + "C" * 18


@pytest.fixture
def churned(tmp_path: Path) -> Path:
    folder = tmp_path / "warcs"
    write_warc(history(TEXTS), folder / "a.warc.gz")
    return folder


def test_change_point_finds_the_versions_of_fetching_every_payload(tmp_path, churned):
    every, planned = tmp_path / "every.duckdb", tmp_path / "planned.duckdb"
    crawl(tmp_path, churned, every)
    crawl(tmp_path, churned, planned, "--fetch", "change-point")
    assert query(planned, VERSIONS_SQL) == query(every, VERSIONS_SQL)
    assert len(query(every, VERSIONS_SQL)) == 3
    # every listed capture recorded once, whatever the strategy
    assert sum(outcomes(planned).values()) == sum(outcomes(every).values()) == len(TEXTS)
    replayed, payloads = outcomes(planned)["fetched"], outcomes(every)["fetched"]
    assert payloads == 48  # two of every three captures are new HTML
    assert replayed <= 16, outcomes(planned)  # bisection: about log2(payloads) per change
    # a capture not replayed names the replayed page of one text around it, and has its text
    rows = query(
        planned,
        "SELECT c.text_hash = f.text_hash, c.reason FROM captures c JOIN captures f"
        " ON f.digest = c.text_from AND f.fetch_status = 'fetched'"
        " WHERE c.reason_code = 'unchanged_range'",
    )
    assert len(rows) == len(TEXTS) - replayed - outcomes(planned).get("duplicate", 0)
    assert all(same for same, _ in rows)
    assert rows[0][1].startswith("not fetched: inside an unchanged range (the captures of ")


def test_the_next_run_plans_only_the_new_captures(tmp_path, churned):
    every, planned = tmp_path / "every.duckdb", tmp_path / "planned.duckdb"
    crawl(tmp_path, churned, planned, "--fetch", "change-point")
    first = outcomes(planned)["fetched"]
    # new captures: more of C, then a new text D
    write_warc(history("C" * 9 + "D" * 12, start_year=2008, churn_from=500), churned / "b.warc.gz")
    crawl(tmp_path, churned, planned, "--fetch", "change-point")
    crawl(tmp_path, churned, every)
    assert query(planned, VERSIONS_SQL) == query(every, VERSIONS_SQL)
    assert [row[0] for row in query(planned, VERSIONS_SQL)] == [1, 2, 3, 4]
    second = outcomes(planned)["fetched"] - first
    assert 2 <= second <= 8, outcomes(planned)
    assert query(planned, "SELECT count(*) FROM captures WHERE run_id = 2") == [(21,)]


def test_reprocessing_keeps_the_texts_of_captures_not_replayed(tmp_path, churned):
    planned = tmp_path / "planned.duckdb"
    crawl(tmp_path, churned, planned, "--fetch", "change-point")
    before = query(planned, VERSIONS_SQL)
    texts_sql = "SELECT count(text_hash) FROM captures WHERE reason_code = 'unchanged_range'"
    inferred = query(planned, texts_sql)
    result = run_cli("reprocess", "--db", str(planned), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert query(planned, VERSIONS_SQL) == before
    assert query(planned, texts_sql) == inferred != [(0,)]


def test_a_coarse_boundary_spends_fewer_replays_and_says_which_texts_are_unknown(tmp_path):
    folder = tmp_path / "warcs"
    write_warc(history("A" * 40 + "B" * 40), folder / "a.warc.gz")
    exact, coarse = tmp_path / "exact.duckdb", tmp_path / "coarse.duckdb"
    crawl(tmp_path, folder, exact, "--fetch", "change-point")
    crawl(tmp_path, folder, coarse, "--fetch", "change-point", "--boundary-precision", "6M")
    assert outcomes(coarse)["fetched"] < outcomes(exact)["fetched"]
    unknown = query(
        coarse,
        "SELECT count(*), count(text_hash) FROM captures WHERE reason_code = ?",
        "within_precision",
    )
    assert unknown[0][0] > 0 and unknown[0][1] == 0
    # both texts found; the coarse run dates the change within the 6 months only
    hashes = [row[1] for row in query(coarse, VERSIONS_SQL)]
    assert hashes == [row[1] for row in query(exact, VERSIONS_SQL)]


def test_a_text_that_comes_back_is_missed_unless_probed(tmp_path):
    """The documented risk (A -> B -> A between two captures of A): probes catch it."""
    folder = tmp_path / "warcs"
    write_warc(history("A" * 60 + "B" * 3 + "A" * 60), folder / "a.warc.gz")
    every, planned, probed = (tmp_path / f"{name}.duckdb" for name in ("e", "p", "q"))
    crawl(tmp_path, folder, every)
    crawl(tmp_path, folder, planned, "--fetch", "change-point")
    crawl(tmp_path, folder, probed, "--fetch", "change-point", "--probe-every", "20d")
    assert len(query(every, VERSIONS_SQL)) == 3
    assert len(query(planned, VERSIONS_SQL)) == 1
    assert query(probed, VERSIONS_SQL) == query(every, VERSIONS_SQL)


def test_the_change_point_options_need_change_point(tmp_path):
    targets = tmp_path / "targets.txt"
    targets.write_text(URL + "\n")
    result = run_cli(
        "crawl",
        str(targets),
        "--db",
        str(tmp_path / "x.duckdb"),
        "--probe-every",
        "6M",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "need --fetch change-point" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli(
        "crawl", str(targets), "--fetch", "change-point", "--probe-every", "soon", cwd=tmp_path
    )
    assert result.returncode == 2 and "no span of time" in result.stderr
    assert not (tmp_path / "x.duckdb").exists()


def stamp(day: int) -> str:
    return f"{2005 + day // 360}{(day % 360) // 30 + 1:02d}{day % 30 + 1:02d}120000"


def test_a_payload_known_from_an_earlier_run_is_learnt_wherever_it_comes_back(tmp_path):
    """B's bytes were stored by the first run; the second lists them between captures of A:
    that capture has B's text, not the range's."""
    folder = tmp_path / "warcs"
    known = page("B", 999)
    first = [CaptureSpec(URL, stamp(n * 10), headers=HTML, body=page("A", n)) for n in range(10)]
    first.append(CaptureSpec(URL, stamp(100), headers=HTML, body=known))
    write_warc(first, folder / "a.warc.gz")
    every, planned = tmp_path / "every.duckdb", tmp_path / "planned.duckdb"
    crawl(tmp_path, folder, planned, "--fetch", "change-point")
    second = [
        CaptureSpec(URL, stamp(200 + n * 10), headers=HTML, body=known if n == 5 else page("A", n))
        for n in range(11)
    ]
    write_warc(second, folder / "b.warc.gz")
    crawl(tmp_path, folder, planned, "--fetch", "change-point")
    crawl(tmp_path, folder, every)
    assert query(planned, VERSIONS_SQL) == query(every, VERSIONS_SQL)
    assert len(query(every, VERSIONS_SQL)) == 5  # A B A B A


def test_a_capture_inferred_wrongly_takes_its_own_text_once_its_payload_is_read(tmp_path):
    """The known risk (A, B, A) missed by the first run: when B's very bytes are read later,
    the capture inferred as A gets B's text."""
    folder = tmp_path / "warcs"
    blip = page("B", 999)
    specs = [
        CaptureSpec(URL, stamp(n * 10), headers=HTML, body=blip if n == 10 else page("A", n))
        for n in range(21)
    ]
    write_warc(specs, folder / "a.warc.gz")
    planned = tmp_path / "planned.duckdb"
    crawl(tmp_path, folder, planned, "--fetch", "change-point")
    assert len(query(planned, VERSIONS_SQL)) == 1  # missed, as documented
    write_warc([CaptureSpec(URL, stamp(300), headers=HTML, body=blip)], folder / "b.warc.gz")
    crawl(tmp_path, folder, planned, "--fetch", "change-point")
    own = query(
        planned,
        "SELECT bool_and(c.text_hash = f.text_hash) FROM captures c JOIN captures f"
        " ON f.digest = c.digest AND f.fetch_status = 'fetched' WHERE c.fetch_status = 'skipped'",
    )
    assert own == [(True,)]
    assert len(query(planned, VERSIONS_SQL)) == 4  # A B A B


def test_a_sampled_export_stands_on_captures_whose_bytes_were_read(tmp_path, churned):
    planned = tmp_path / "planned.duckdb"
    crawl(tmp_path, churned, planned, "--fetch", "change-point")
    out = tmp_path / "sampled"
    result = run_cli(
        "export",
        "--format",
        "warc",
        str(out),
        "--db",
        str(planned),
        "--sample-every",
        "3M",
        cwd=tmp_path,
    )
    # captures never replayed have no WARC record: the export stands on others of the text
    assert result.returncode == 0, result.stderr[-2000:]
    assert "could not be exported" not in result.stderr
