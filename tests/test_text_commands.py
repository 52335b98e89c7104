"""Texts, dates and versions end to end: the demo's versions, `reprocess` and `extract`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from crawl_helpers import ROOT, query, run_cli

EXPECTED = json.loads((ROOT / "data" / "sample" / "EXPECTED.json").read_text())
TABLES = ("documents", "versions", "captures")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("versions")
    db = folder / "demo.duckdb"
    result = run_cli("demo", "--db", str(db), cwd=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return db


def fingerprint(db) -> dict[str, str]:
    return {
        table: query(
            db, f"SELECT md5(string_agg(CAST(t AS VARCHAR), ';' ORDER BY t)) FROM {table} t"
        )[0][0]
        for table in TABLES
    }


def test_every_policy_text_of_the_sample_is_a_dated_version(demo_db):
    for site in EXPECTED["sites"]:
        stated = {v["effective_date"] for v in site["versions"]}
        found = {
            str(row[0])
            for row in query(
                demo_db, "SELECT effective_date FROM versions WHERE site = ?", site["site"]
            )
        }
        assert found == stated, site["site"]
    ordered = query(
        demo_db,
        "SELECT count(*) FROM versions v JOIN versions w ON v.site = w.site"
        " AND v.target_url = w.target_url AND w.version = v.version + 1"
        " WHERE v.next_seen IS DISTINCT FROM w.first_seen OR v.last_seen >= w.first_seen",
    )
    assert ordered == [(0,)], "next_seen is the first capture of the following version"


def test_the_sample_has_exactly_its_versions(demo_db):
    for site in EXPECTED["sites"]:
        count = query(demo_db, "SELECT count(*) FROM versions WHERE site = ?", site["site"])
        assert count == [(len(site["versions"]),)], site["site"]


def test_reprocess_rebuilds_the_same_tables_twice_without_the_network(demo_db, tmp_path):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    shutil.copytree(demo_db.parent / "demo-warcs", tmp_path / "demo-warcs")
    first = run_cli("reprocess", "--db", str(db), "--workers", "2", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "distinct texts" in first.stdout
    after_one = fingerprint(db)
    second = run_cli("reprocess", "--db", str(db), cwd=tmp_path)
    assert second.returncode == 0
    assert fingerprint(db) == after_one
    crawled = fingerprint(demo_db)
    assert after_one["versions"] == crawled["versions"]
    assert after_one["captures"] == crawled["captures"]


def test_extract_prints_exactly_the_documented_keys(tmp_path):
    page = tmp_path / "policy.html"
    page.write_text(
        "<html><head><title>Privacy Policy</title></head><body><h1>Privacy Policy</h1>"
        "<p>Last updated: September 18, 2020</p>"
        + "<p>We collect personal information you give us, use cookies, and share data with"
        " service providers. You may ask us to delete your personal data at any time.</p>"
        * 6
        + "</body></html>"
    )
    (tmp_path / "notes.bin").write_bytes(b"ignored")
    result = run_cli("extract", str(tmp_path), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    record = json.loads(line)
    assert list(record) == [
        "path",
        "text",
        "markdown",
        "title",
        "language",
        "effective_date",
        "effective_date_text",
        "is_policy",
        "policy_score",
        "effective_dates",
        "effective_date_evidence",
        "kind",
    ]
    assert record["effective_date"] == "2020-09-18" and record["is_policy"] is True
    assert record["effective_dates"] == [
        {"label": "updated", "date": "2020-09-18", "phrase": "Last updated: September 18, 2020"}
    ]
    assert record["language"] == "en" and "We collect personal information" in record["text"]


def test_extract_reads_a_folder_on_several_processes_in_the_order_of_its_files(tmp_path):
    for number in range(7):
        (tmp_path / f"page-{number}.html").write_text(
            f"<html><head><title>Policy {number}</title></head><body><h1>Privacy Policy</h1>"
            f"<p>Last updated: March {number + 1}, 2021</p>"
            + "<p>We collect personal information you give us, use cookies, and share data with"
            f" service providers. You may ask us to delete your personal data within {number}"
            " days.</p>" * 6 + "</body></html>"
        )
    (tmp_path / "empty.html").write_text("")
    one = run_cli("extract", str(tmp_path), "--json", "--workers", "1", cwd=tmp_path)
    two = run_cli("extract", str(tmp_path), "--json", "--workers", "2", cwd=tmp_path)
    assert one.returncode == two.returncode == 1  # the empty file, named, and the rest read
    assert one.stdout == two.stdout and one.stderr == two.stderr
    records = [json.loads(line) for line in two.stdout.splitlines()]
    assert [Path(record["path"]).name for record in records] == [f"page-{n}.html" for n in range(7)]
    assert [record["effective_date"] for record in records] == [
        f"2021-03-0{n + 1}" for n in range(7)
    ]
    assert "empty.html: empty file" in two.stderr


def test_extract_reads_numeric_dates_with_the_capture_time_and_url(tmp_path):
    page = tmp_path / "policy.html"
    page.write_text(
        "<html lang='en'><head><title>Privacy Policy</title></head><body><h1>Privacy Policy</h1>"
        "<p>Last updated: 11/05/2011</p>"
        + "<p>We collect personal information you give us, use cookies, and share data with"
        " service providers. You may ask us to delete your personal data at any time.</p>"
        * 6
        + "</body></html>"
    )

    def effective(*options: str) -> tuple[str, str]:
        result = run_cli("extract", str(page), "--json", *options, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        record = json.loads(result.stdout)
        return record["effective_date"], record["effective_date_evidence"]

    assert effective()[0] == "2011-11-05"  # English, no region: month first
    assert effective("--url", "https://shop.example.co.uk/privacy")[0] == "2011-05-11"
    found, evidence = effective("--captured-at", "2011-06-01")
    assert found == "2011-05-11" and evidence.startswith("capture time")
    bad = run_cli("extract", str(page), "--captured-at", "June 2011", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--captured-at takes a date" in bad.stderr


def test_extract_of_a_missing_file_is_one_line(tmp_path):
    result = run_cli("extract", str(tmp_path / "nope.html"), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        == f"policytrail: error: {tmp_path / 'nope.html'}: no such file or folder"
    )


def test_extract_names_a_page_over_the_analysis_limit_and_reads_the_others(tmp_path):
    (tmp_path / "a-small.html").write_text(
        "<html><body>" + "<p>We collect personal information and use cookies.</p>" * 3
    )
    big = tmp_path / "b-big.html"
    big.write_bytes(b"<html><body><table>" + b"<tr><td>x</td></tr>" * 300_000)
    result = run_cli("extract", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.startswith(f"{tmp_path / 'a-small.html'}: 21 words")
    assert result.stderr.strip() == (
        f"policytrail: error: {big}: not analysed: page of {big.stat().st_size:,} bytes"
        " is over the analysis limit of 5,000,000 bytes"
    )
