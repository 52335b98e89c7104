"""The demo end to end: the sample archive crawled into DuckDB, checked against EXPECTED.json."""

from __future__ import annotations

import importlib
import json
from collections import Counter
from pathlib import Path

import pytest
from crawl_helpers import ROOT, query, run_cli

from crawler.wayback import surt_key

EXPECTED = json.loads((ROOT / "data" / "sample" / "EXPECTED.json").read_text())


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.duckdb"
    result = run_cli("demo", "--db", str(db), cwd=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"database: {db}" in result.stdout
    for site in EXPECTED["sites"]:
        assert site["site"] in result.stdout
    return db


def expected_captures() -> Counter:
    rows = Counter()
    for site in EXPECTED["sites"]:
        for capture_list in site["urls"].values():
            for capture in capture_list["captures"]:
                key = (site["site"], capture["original"], capture["timestamp"], capture["digest"])
                rows[key] = 1  # IA-style repeated rows count once
    return rows


def test_every_sample_capture_is_recorded_exactly_once(demo_db):
    rows = query(
        demo_db, "SELECT site, url, strftime(timestamp, '%Y%m%d%H%M%S'), digest FROM captures"
    )
    assert Counter(rows) == expected_captures()


def test_each_page_is_fetched_once_and_every_redirect_is_read(demo_db):
    counts = query(
        demo_db,
        "SELECT digest, count(*) FROM captures WHERE fetch_status = 'fetched'"
        " AND http_status BETWEEN 200 AND 299 GROUP BY digest",
    )
    assert counts and all(count == 1 for _, count in counts)
    assert query(
        demo_db,
        "SELECT count(*) FROM captures WHERE statuscode BETWEEN 300 AND 399"
        " AND fetch_status <> 'fetched'",
    ) == [(0,)]
    assert query(demo_db, "SELECT count(*) FROM captures WHERE fetch_status = 'failed'") == [(0,)]


def test_the_moved_policy_is_found_through_its_captured_redirect(demo_db):
    lumen = next(s for s in EXPECTED["sites"] if s.get("moved_to"))
    urls = query(
        demo_db, "SELECT url, via FROM target_urls WHERE site = ? ORDER BY url", lumen["site"]
    )
    moved = [(url, via) for url, via in urls if via.startswith("redirect from")]
    assert [url for url, _ in moved] == [lumen["moved_to"]]
    moved_rows = lumen["urls"][lumen["moved_to"]]["cdx_rows"]
    assert query(
        demo_db,
        "SELECT count(*) FROM captures WHERE urlkey = ?",
        lumen["urls"][lumen["moved_to"]]["urlkey"],
    ) == [(moved_rows,)]
    redirects = query(
        demo_db,
        "SELECT location FROM captures WHERE site = ? AND statuscode = 301"
        " AND fetch_status = 'fetched'",
        lumen["site"],
    )
    # relative Locations resolve against each capture's own scheme: one SURT key in all
    assert redirects and {surt_key(loc) for (loc,) in redirects} == {surt_key(lumen["moved_to"])}


def test_skips_say_why(demo_db):
    reasons = dict(
        query(
            demo_db,
            "SELECT strftime(timestamp, '%Y%m%d%H%M%S'), reason FROM captures"
            " WHERE fetch_status = 'skipped'",
        )
    )
    for site in EXPECTED["sites"]:
        for url in site["urls"].values():
            for timestamp in url["not_found"]:
                assert reasons[timestamp] == "status 404"
            for timestamp in url["skipped"]:
                assert reasons[timestamp].startswith("mimetype ")
    assert all(reasons.values())


def test_pdfs_and_old_encodings(demo_db):
    pdf_times = [t for s in EXPECTED["sites"] for u in s["urls"].values() for t in u["pdf"]]
    pdfs = query(
        demo_db,
        "SELECT strftime(timestamp, '%Y%m%d%H%M%S'), content_type FROM captures"
        " WHERE fetch_status = 'fetched' AND content_type LIKE 'application/pdf%'",
    )
    assert {t for t, _ in pdfs} == set(pdf_times[:1])  # the second PDF repeats the first's digest
    encodings = {
        row[0]
        for row in query(demo_db, "SELECT encoding FROM captures WHERE encoding LIKE 'cp1252%'")
    }
    assert {"cp1252 (http)", "cp1252 (meta)"} <= encodings


def test_the_demo_replaces_its_own_database_but_not_a_real_one(demo_db, tmp_path):
    import duckdb

    real = tmp_path / "study.duckdb"
    run_cli("demo", "--db", str(real), cwd=tmp_path)
    connection = duckdb.connect(str(real))
    connection.execute("UPDATE crawl_runs SET archive = 'https://web.archive.org'")
    connection.close()
    result = run_cli("demo", "--db", str(real), cwd=tmp_path)
    assert result.returncode == 2  # refused
    assert "holds other crawls than the demo's" in result.stderr
    assert query(real, "SELECT count(*) FROM crawl_runs") == [(1,)]


def test_the_demo_names_the_command_as_it_can_be_typed_again(monkeypatch, tmp_path):
    # the module, not the click command crawler.cli exports under the same name
    crawl = importlib.import_module("crawler.cli.crawl")
    script = tmp_path / ".venv" / "bin" / "policytrail"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [str(script), "demo"])
    monkeypatch.setattr("shutil.which", lambda name: None)  # a venv that is not activated
    assert crawl._as_typed() == ".venv/bin/policytrail"
    monkeypatch.setattr("shutil.which", lambda name: str(script))  # on the PATH
    assert crawl._as_typed() == "policytrail"
    monkeypatch.setattr("sys.argv", ["/x/crawler/__main__.py", "demo"])  # python -m crawler
    assert crawl._as_typed() == "policytrail"


def test_the_demo_from_domains_discovers_and_crawls_the_same_corpus(demo_db, tmp_path):
    """`demo --discover` starts from the three domains alone, and replaces a demo database
    made from the targets file: the versions it ends with are the targets' demo's."""
    import shutil

    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    result = run_cli("demo", "--discover", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no home page" in result.stdout and "discovered_policies" in result.stdout
    assert query(db, "SELECT command FROM crawl_runs ORDER BY run_id") == [
        ("discover",),
        ("crawl",),
    ]
    versions = "SELECT site, first_seen, text_hash FROM versions ORDER BY ALL"
    assert query(db, versions) == query(demo_db, versions)
