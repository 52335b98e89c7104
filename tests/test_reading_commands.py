"""The readers' commands on the sample database: query, sites, timeline, show, diff, search;
each answer checked against the tables, every bad input refused with one line and exit 2."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from crawler.cli import main
from pipelines.worddiff import paragraph_diff, word_changes, words


def run(capsys, *args: str) -> tuple[int, str, str]:
    """`policytrail ARGS` in this process: (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(capsys, *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def rows(db: Path, sql: str, *parameters: object) -> list[tuple]:
    connection = duckdb.connect(str(db), read_only=True)
    try:
        return connection.execute(sql, list(parameters)).fetchall()
    finally:
        connection.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# policy_versions, from plain DuckDB


def test_policy_versions_has_one_row_per_version_with_a_derived_id(sample_db):
    versions = rows(
        sample_db,
        "SELECT site, target_url, version, first_seen, text_hash FROM versions ORDER BY ALL",
    )
    viewed = rows(
        sample_db,
        "SELECT site, target_url, version, first_seen, text_hash, version_id, text, memento_url"
        " FROM policy_versions ORDER BY site, target_url, version",
    )
    assert [row[:5] for row in viewed] == versions and len(versions) == 15
    for site, target, _, first_seen, text_hash, version_id, text, memento in viewed:
        named = "\n".join((site, target, f"{first_seen:%Y%m%d%H%M%S}", text_hash))
        assert version_id == hashlib.sha256(named.encode()).hexdigest()[:16]
        assert text and re.search(rf"/web/{first_seen:%Y%m%d%H%M%S}id_/http", memento)


def test_the_views_work_without_policytrail_loaded(sample_db):
    script = (
        "import sys, duckdb\n"
        f"c = duckdb.connect({str(sample_db)!r}, read_only=True)\n"
        "n = c.sql('SELECT count(*) FROM policy_versions').fetchone()[0]\n"
        "h = c.sql('SELECT count(*) FROM policy_history').fetchone()[0]\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('crawler', 'pipelines')]\n"
        "print(n, h)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd="/", check=True
    )
    assert result.stdout.split() == ["15", "15"]


def test_the_duckdb_shell_reads_the_views(sample_db):
    shell = Path(sys.executable).with_name("duckdb")
    if not shell.exists():
        pytest.skip("the duckdb-cli package is not installed (pip install -e '.[test]')")
    result = subprocess.run(
        [
            str(shell),
            "-readonly",
            "-csv",
            str(sample_db),
            "-c",
            "SELECT site, count(*) AS n FROM policy_versions GROUP BY site ORDER BY site",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert list(csv.reader(io.StringIO(result.stdout)))[1:] == [
        ["kettleworks.example", "5"],
        ["lumenbank.example", "5"],
        ["northwind-health.example", "5"],
    ]


def test_version_ids_survive_reprocessing(sample_db_copy):
    from crawl_helpers import run_cli

    before = rows(sample_db_copy, "SELECT version_id FROM policy_versions ORDER BY 1")
    result = run_cli("reprocess", "--db", str(sample_db_copy), cwd=sample_db_copy.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert rows(sample_db_copy, "SELECT version_id FROM policy_versions ORDER BY 1") == before


# query


def test_query_answers_in_every_format(sample_db, capsys):
    sql = "SELECT site, count(*) AS n, min(first_seen) AS first FROM policy_versions GROUP BY site"
    expected = rows(sample_db, sql + " ORDER BY site")
    ordered = sql + " ORDER BY site"
    code, out, _ = run(capsys, "query", ordered, "--db", str(sample_db), "--format", "csv")
    assert code == 0
    read = list(csv.DictReader(io.StringIO(out)))
    assert [(r["site"], int(r["n"]), r["first"]) for r in read] == [
        (site, n, first.isoformat()) for site, n, first in expected
    ]
    code, out, _ = run(capsys, "query", ordered, "--db", str(sample_db), "--format", "json")
    assert [(r["site"], r["n"]) for r in json.loads(out)] == [(s, n) for s, n, _ in expected]
    code, out, _ = run(capsys, "query", ordered, "--db", str(sample_db), "--format", "markdown")
    assert out.splitlines()[0] == "| site | n | first |" and len(out.splitlines()) == 5
    code, out, err = run(capsys, "query", ordered, "--db", str(sample_db))
    assert "lumenbank.example" in out and "(3 rows)" in err


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM captures",
        "INSERT INTO targets (site, policy_url, alias_urls) VALUES ('a', 'b', [])",
        "COPY captures TO '/tmp/policytrail-copied.csv'",
        "CREATE TABLE mine AS SELECT 1",
        "ATTACH '/tmp/policytrail-other.duckdb'",
        "SELECT 1; DROP TABLE captures",
        # EXPLAIN ANALYZE runs the statement it explains
        "EXPLAIN ANALYZE COPY captures TO '/tmp/policytrail-copied.csv'",
        "/* plan */ explain (analyze, format json) COPY captures TO '/tmp/policytrail-copied.csv'",
    ],
)
def test_query_refuses_writes_and_changes_nothing(sample_db, capsys, sql):
    before = digest(sample_db)
    line = refused(capsys, "query", sql, "--db", str(sample_db))
    assert "refused" in line or "one statement" in line
    assert digest(sample_db) == before
    assert not Path("/tmp/policytrail-copied.csv").exists()


def test_query_explains_a_reading_statement(sample_db, capsys):
    code, out, _ = run(capsys, "query", "EXPLAIN ANALYZE SELECT 1", "--db", str(sample_db))
    assert code == 0 and "explain" in out


def test_query_writes_nested_and_binary_values_in_every_format(sample_db, capsys):
    sql = (
        "SELECT [TIMESTAMP '2020-01-02 03:04:05'] AS l,"
        " {'d': DATE '2020-01-01', 'n': 1.50::DECIMAL(4, 2)} AS s,"
        " '\\xAA'::BLOB AS b, 'nan'::DOUBLE AS f"
    )
    code, out, err = run(capsys, "query", sql, "--db", str(sample_db), "--format", "json")
    assert code == 0, err
    assert json.loads(out) == [
        {"l": ["2020-01-02T03:04:05"], "s": {"d": "2020-01-01", "n": "1.50"}, "b": "aa", "f": None}
    ]
    code, out, _ = run(capsys, "query", sql, "--db", str(sample_db), "--format", "csv")
    read = next(csv.DictReader(io.StringIO(out)))
    assert json.loads(read["l"]) == ["2020-01-02T03:04:05"] and read["b"] == "aa"
    assert json.loads(read["s"]) == {"d": "2020-01-01", "n": "1.50"}
    code, out, _ = run(capsys, "query", sql, "--db", str(sample_db), "--format", "markdown")
    assert "datetime" not in out and "b'" not in out


def test_query_takes_sql_that_begins_with_a_comment(sample_db, capsys):
    sql = "-- versions per site\nSELECT count(*) AS n FROM policy_versions"
    code, out, _ = run(capsys, "query", sql, "--db", str(sample_db), "--format", "csv")
    assert code == 0 and out.splitlines() == ["n", "15"]


def test_query_reports_bad_sql_in_one_line(sample_db, capsys):
    assert "error" in refused(capsys, "query", "SELECT nope FROM captures", "--db", str(sample_db))
    refused(capsys, "query", "SELEC 1", "--db", str(sample_db))


def test_a_reader_is_told_when_a_crawl_holds_the_database(sample_db_copy, capsys):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(30)",
            str(sample_db_copy),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        line = refused(capsys, "timeline", "lumenbank.example", "--db", str(sample_db_copy))
        assert "in use by another policytrail process" in line
    finally:
        holder.kill()
        holder.wait()


def test_readers_refuse_a_missing_database(tmp_path, capsys):
    assert "no such database" in refused(capsys, "sites", "--db", str(tmp_path / "no.duckdb"))


# sites, timeline, show


def test_sites_counts_versions_and_coverage(sample_db, capsys):
    code, out, _ = run(capsys, "sites", "--db", str(sample_db), "--format", "json")
    assert code == 0
    listed = {r["site"]: r for r in json.loads(out)}
    for site, versions, fetched, skipped, failed, listed_count in rows(
        sample_db,
        "SELECT site, (SELECT count(*) FROM versions v WHERE v.site = c.site),"
        " count(*) FILTER (fetch_status = 'fetched'), count(*) FILTER (fetch_status = 'skipped'),"
        " count(*) FILTER (fetch_status = 'failed'), count(*) FROM captures c GROUP BY site",
    ):
        got = listed[site]
        assert (got["versions"], got["fetched"], got["skipped"], got["failed"]) == (
            versions,
            fetched,
            skipped,
            failed,
        )
        assert got["listed"] == listed_count
    assert "no site 'nowhere.example'" in refused(
        capsys, "sites", "--site", "nowhere.example", "--db", str(sample_db)
    )


def test_timeline_counts_the_words_each_version_changed(sample_db, capsys):
    code, out, _ = run(
        capsys, "timeline", "lumenbank.example", "--db", str(sample_db), "--format", "json"
    )
    assert code == 0
    listed = json.loads(out)
    texts = [
        text
        for (text,) in rows(
            sample_db,
            "SELECT text FROM policy_versions WHERE site = 'lumenbank.example' ORDER BY version",
        )
    ]
    assert [r["version"] for r in listed] == [1, 2, 3, 4, 5]
    assert listed[0]["added"] == len(words(texts[0])) and listed[0]["removed"] == 0
    for row, old, new in zip(listed[1:], texts[:-1], texts[1:], strict=True):
        change = word_changes(old, new)
        assert (row["added"], row["removed"]) == (change.added, change.removed) != (0, 0)


def test_show_picks_the_version_in_force_on_a_day(sample_db, capsys):
    versions = rows(
        sample_db,
        "SELECT version, first_seen, next_seen, text, memento_url FROM policy_versions"
        " WHERE site = 'kettleworks.example' ORDER BY version",
    )
    for number, first_seen, next_seen, text, memento in versions:
        day = first_seen.date().isoformat()
        if first_seen.time().isoformat() != "00:00:00":
            # midnight of the first day is still the previous version's
            from datetime import timedelta

            day = (first_seen.date() + timedelta(days=1)).isoformat()
            if next_seen is not None and next_seen.date().isoformat() <= day:
                continue
        code, out, _ = run(
            capsys, "show", "kettleworks.example", "--at", day, "--db", str(sample_db)
        )
        assert code == 0
        head, _, body = out.partition("\n\n")
        assert f"version {number} " in head.splitlines()[0] and memento in head
        assert body.strip() == text.strip()


def test_show_by_number_and_as_markdown(sample_db, capsys):
    (markdown,) = rows(
        sample_db,
        "SELECT markdown FROM policy_versions WHERE site = 'lumenbank.example' AND version = 2",
    )[0]
    code, out, _ = run(
        capsys, "show", "lumenbank.example", "--version", "2", "--markdown", "--db", str(sample_db)
    )
    assert code == 0 and out.startswith("> lumenbank.example") and markdown.strip() in out


def test_show_names_every_date_a_version_states(sample_db_copy, capsys):
    connection = duckdb.connect(str(sample_db_copy))
    connection.execute(
        "UPDATE documents SET effective_dates = [{'label': 'effective', 'date': DATE"
        " '2018-05-01', 'precision': 'day', 'phrase': 'Effective May 1, 2018'}, {'label':"
        " 'updated', 'date': DATE '2018-05-21', 'precision': 'day', 'phrase': 'Last updated:"
        " May 21, 2018'}] WHERE text_hash = (SELECT text_hash FROM versions WHERE site ="
        " 'lumenbank.example' AND version = 4)"
    )
    connection.close()
    args = ("show", "lumenbank.example", "--version", "4", "--db", str(sample_db_copy))
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert (
        "dates it states: effective 2018-05-01 ('Effective May 1, 2018'); updated 2018-05-21"
        " ('Last updated: May 21, 2018')" in out.partition("\n\n")[0]
    )
    code, out, _ = run(
        capsys, "show", "lumenbank.example", "--version", "3", "--db", str(sample_db_copy)
    )
    assert code == 0 and "dates it states" not in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("show", "nowhere.example"), "no site 'nowhere.example'"),
        (("show", "lumenbank.example", "--version", "9"), "versions are 1 to 5"),
        (("show", "lumenbank.example", "--at", "2012-13-45"), "takes a date"),
        (("show", "lumenbank.example", "--at", "yesterday"), "takes a date"),
        (("show", "lumenbank.example", "--at", "1999-01-01"), "first saw"),
        (("show", "lumenbank.example", "--url", "http://x.example/"), "has no target"),
        (("diff", "lumenbank.example", "1", "7"), "versions are 1 to 5"),
        (("diff", "lumenbank.example", "1"), "two version numbers"),
        (("timeline", "nowhere.example"), "no site"),
        (("search", ""), "empty"),
        (("search", "(unclosed", "--regex"), "not a regular expression"),
        (("search", "sell", "--site", "nowhere.example"), "no site"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(sample_db, capsys, args, says):
    assert says in refused(capsys, *args, "--db", str(sample_db))


# diff


def test_diff_shows_each_changed_paragraph_word_by_word(sample_db, capsys):
    old, new = (
        text
        for (text,) in rows(
            sample_db,
            "SELECT text FROM policy_versions WHERE site = 'lumenbank.example'"
            " AND version IN (4, 5) ORDER BY version",
        )
    )
    changes = paragraph_diff(old, new)
    code, out, _ = run(capsys, "diff", "lumenbank.example", "--db", str(sample_db))
    assert code == 0 and "\x1b[" not in out  # not a terminal: no colour
    assert out.count("@@ paragraph") == len(changes)
    added = sum(c.added for c in changes)
    removed = sum(c.removed for c in changes)
    assert f"+{added} -{removed} words" in out
    assert "{+September 18, 2020+}" in out and "[-May 21, 2018-]" in out
    code, stat, _ = run(
        capsys, "diff", "lumenbank.example", "4", "5", "--stat", "--db", str(sample_db)
    )
    assert stat.strip().splitlines() == out.splitlines()[:2]
    code, coloured, _ = run(capsys, "diff", "lumenbank.example", "--color", "--db", str(sample_db))
    assert "\x1b[32mSeptember 18, 2020" in coloured


def test_paragraph_diff_rebuilds_both_texts():
    old = "Intro stays.\nWe collect your name.\nWe share nothing.\nGone paragraph.\nEnd stays."
    new = "Intro stays.\nWe collect your name and email.\nWe share nothing.\nEnd stays.\nNew one."
    changes = paragraph_diff(old, new)
    assert [(c.old_first, c.new_first) for c in changes] == [(2, 2), (4, None), (None, 5)]
    first = changes[0]
    assert words(" ".join(s.text for s in first.segments if s.kind != "added")) == words(
        "We collect your name."
    )
    assert words(" ".join(s.text for s in first.segments if s.kind != "removed")) == words(
        "We collect your name and email."
    )
    assert (first.added, first.removed) == (3, 1)


# search


def brute_force(db: Path, pattern: str) -> dict[tuple[str, int], int]:
    return {
        (site, version): len(re.findall(pattern, text, re.IGNORECASE))
        for site, version, text in rows(db, "SELECT site, version, text FROM policy_versions")
        if re.search(pattern, text, re.IGNORECASE)
    }


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("personal information",), r"personal\s+information"),
        (("sell", "--words"), r"\bsell\b"),
        (("third[- ]part(y|ies)", "--regex"), r"third[- ]part(y|ies)"),
    ],
)
def test_search_finds_exactly_the_versions_holding_the_phrase(sample_db, capsys, args, pattern):
    expected = brute_force(sample_db, pattern)
    code, out, _ = run(
        capsys, "search", *args, "--versions", "--format", "json", "--db", str(sample_db)
    )
    assert code == 0
    found = {(r["site"], r["version"]): r["occurrences"] for r in json.loads(out)}
    assert found == expected
    code, out, _ = run(capsys, "search", *args, "--format", "json", "--db", str(sample_db))
    for summary in json.loads(out):
        numbers = sorted(v for s, v in expected if s == summary["site"])
        assert (summary["first_version"], summary["last_version"]) == (numbers[0], numbers[-1])
        assert summary["matching"] == len(numbers)
        assert summary["in_latest"] == (numbers[-1] == summary["versions"])


@pytest.mark.parametrize("phrase", ["ΟΔΟΣ ΠΑΝΟΣ", "οδος", "İstanbul"])
def test_search_finds_phrases_python_and_duckdb_lowercase_apart(sample_db_copy, capsys, phrase):
    # Python lowercases a final Σ to ς and İ to i + a combining dot; DuckDB to σ and i
    connection = duckdb.connect(str(sample_db_copy))
    connection.execute(
        "UPDATE documents SET text = text || ' ΟΔΟΣ ΠΑΝΟΣ 5, İstanbul' WHERE text_hash ="
        " (SELECT text_hash FROM versions WHERE site = 'lumenbank.example' AND version = 2)"
    )
    connection.close()
    code, out, _ = run(
        capsys, "search", phrase, "--versions", "--format", "json", "--db", str(sample_db_copy)
    )
    assert code == 0
    assert [(r["site"], r["version"]) for r in json.loads(out)] == [("lumenbank.example", 2)]


def test_search_takes_re2_syntax_python_lacks(sample_db, capsys):
    code, out, err = run(
        capsys,
        "search",
        r"\p{Lu}\pL+",
        "--regex",
        "--versions",
        "--format",
        "json",
        "--db",
        str(sample_db),
    )
    assert code == 0, err
    assert len(json.loads(out)) == 15


def test_search_keeps_to_the_sites_asked(sample_db, capsys):
    code, out, _ = run(
        capsys,
        "search",
        "cookies",
        "--site",
        "lumenbank.example",
        "--format",
        "csv",
        "--db",
        str(sample_db),
    )
    assert {r["site"] for r in csv.DictReader(io.StringIO(out))} == {"lumenbank.example"}


# several targets for one site


def test_a_site_with_several_targets_defaults_to_its_privacy_policy(sample_db_copy, capsys):
    from pipelines.reading import resolve_target

    connection = duckdb.connect(str(sample_db_copy))
    connection.execute(
        "INSERT INTO targets (site, policy_url, alias_urls, source, added_run_id)"
        " VALUES ('lumenbank.example', 'http://www.lumenbank.example/cookies.html', [], 'x:9', 0)"
    )
    connection.close()
    connection = duckdb.connect(str(sample_db_copy), read_only=True)
    try:
        default = resolve_target(connection, "lumenbank.example")
        cookies = resolve_target(
            connection, "lumenbank.example", "http://www.lumenbank.example/cookies.html"
        )
    finally:
        connection.close()
    assert default.target_url == "http://www.lumenbank.example/privacy.html"
    assert cookies.target_url.endswith("/cookies.html")
    code, out, _ = run(
        capsys,
        "timeline",
        "lumenbank.example",
        "--url",
        "http://www.lumenbank.example/cookies.html",
        "--db",
        str(sample_db_copy),
    )
    assert code == 0 and "cookies.html" in out.splitlines()[0] and "version_id" in out


def test_a_database_of_an_older_schema_is_upgraded_when_first_read(tmp_path, capsys, caplog):
    db = tmp_path / "v2.duckdb"
    connection = duckdb.connect(str(db))
    connection.execute(f"IMPORT DATABASE '{Path(__file__).parent / 'fixtures' / 'schema-v2'}'")
    connection.close()
    code, out, err = run(
        capsys, "timeline", "lumenbank.example", "--db", str(db), "--format", "csv"
    )
    assert code == 0 and "upgrading from schema 2" in caplog.text
    assert len(list(csv.DictReader(io.StringIO(out)))) == 5
