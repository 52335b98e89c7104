"""The table exports (jsonl, csv, parquet) read back with their own readers, equal to the
database's policy_versions."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime

import pyarrow.parquet as pq
import pytest
from export_helpers import assert_manifest_matches, run_export, view_rows

from pipelines.export.selection import SAMPLING_COLUMNS, VERSION_COLUMNS
from pipelines.store.schema import SCHEMA_VERSION


def iso(value: object) -> object:
    """A database value as the text formats write it."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [iso(item) for item in value]
    if isinstance(value, dict):
        return {key: iso(item) for key, item in value.items()}
    return value


def test_jsonl_reads_back_as_policy_versions(sample_db, tmp_path, capsys):
    out = tmp_path / "corpus"
    assert run_export("--format", "jsonl", str(out), "--db", str(sample_db)) == 0
    assert capsys.readouterr().out.strip() == f"exported 15 versions of 3 sites to {out} (jsonl)"
    lines = (out / "versions.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    expected = [{key: iso(value) for key, value in row.items()} for row in view_rows(sample_db)]
    assert records == expected
    assert list(records[0]) == list(VERSION_COLUMNS)
    manifest = assert_manifest_matches(out)
    assert manifest["format"] == "jsonl"
    assert manifest["counts"] == {
        "records": 15,
        "versions": 15,
        "sites": 3,
        "targets": 3,
        "files": 1,
    }
    assert manifest["software"]["name"] == "policytrail"
    assert manifest["database"] == {
        "name": sample_db.name,
        "schema_version": SCHEMA_VERSION,
    }
    assert str(sample_db.parent) not in (out / "MANIFEST.json").read_text(encoding="utf-8")
    assert [run["run_id"] for run in manifest["runs"]] == [1]
    assert manifest["selection"]["sample_every"] is None


def test_csv_reads_back_with_the_csv_module(sample_db, tmp_path):
    out = tmp_path / "corpus"
    site = "kettleworks.example"
    assert run_export("--format", "csv", str(out), "--db", str(sample_db), "--site", site) == 0
    with (out / "versions.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    expected = view_rows(sample_db, "site = ?", site)
    assert len(rows) == len(expected) == 5
    for row, want in zip(rows, expected, strict=True):
        assert list(row) == list(VERSION_COLUMNS)
        assert row["text"] == want["text"]  # multi-line texts survive the quoting
        assert row["first_seen"] == iso(want["first_seen"])
        assert row["next_seen"] == (iso(want["next_seen"]) if want["next_seen"] else "")
        assert int(row["n_words"]) == want["n_words"]
        assert row["is_policy"] == "true"
        # a list of structs, as JSON text a CSV reader can parse
        assert json.loads(row["effective_dates"]) == iso(want["effective_dates"])
    assert assert_manifest_matches(out)["selection"]["sites"] == [site]


def test_parquet_keeps_types_and_utc_times(sample_db, tmp_path):
    out = tmp_path / "corpus"
    assert run_export("--format", "parquet", str(out), "--db", str(sample_db)) == 0
    table = pq.read_table(out / "versions.parquet")
    assert table.column_names == list(VERSION_COLUMNS)
    assert str(table.schema.field("first_seen").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("effective_date").type) == "date32[day]"
    rows = table.to_pylist()
    expected = view_rows(sample_db)
    assert [row["version_id"] for row in rows] == [row["version_id"] for row in expected]
    assert [row["text"] for row in rows] == [row["text"] for row in expected]
    assert [row["first_seen"] for row in rows] == [
        row["first_seen"].replace(tzinfo=UTC) for row in expected
    ]
    assert_manifest_matches(out)


@pytest.mark.parametrize("format_name", ["jsonl", "parquet"])
def test_sampled_tables_have_a_row_per_instant(sample_db, tmp_path, format_name):
    out = tmp_path / "corpus"
    code = run_export(
        "--format", format_name, str(out), "--db", str(sample_db), "--sample-every", "6M"
    )
    assert code == 0
    if format_name == "jsonl":
        lines = (out / "versions.jsonl").read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        instants = {row["sampled_at"][5:] for row in rows}
        assert instants == {"04-01T00:00:00Z", "10-01T00:00:00Z"}
    else:
        rows = pq.read_table(out / "versions.parquet").to_pylist()
        assert {(row["sampled_at"].month, row["sampled_at"].day) for row in rows} == {
            (4, 1),
            (10, 1),
        }
    assert list(rows[0]) == list(SAMPLING_COLUMNS + VERSION_COLUMNS)
    manifest = assert_manifest_matches(out)
    assert manifest["counts"]["records"] == len(rows) > manifest["counts"]["versions"] == 15
    assert manifest["selection"]["sample_every"] == "6M"
    assert manifest["selection"]["sampling_instants"] == "1 April and 1 October of each year"
