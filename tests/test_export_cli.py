"""`policytrail export` as a user meets it: refusals in one line with exit 2 and nothing
touched, --force only over a previous export, progress, and the formats of the other writers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from export_helpers import assert_manifest_matches, manifest_of, run_export

from crawler import settings


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("policytrail: error: ")
    return err


def test_help_shows_examples(capsys):
    assert run_export("--help") == 0
    text = capsys.readouterr().out
    assert "Examples:" in text and "policytrail export --format parquet" in text
    for name in ("jsonl", "csv", "parquet", "hf", "warc", "git", "md", "txt"):
        assert name in text


def test_a_non_empty_folder_is_refused_and_left_alone(sample_db, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    for force in ([], ["--force"]):
        assert run_export("--format", "jsonl", str(out), "--db", str(sample_db), *force) == 2
        error = one_error_line(capsys)
        assert str(out) in error and ("--force" in error or "MANIFEST.json" in error)
        assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_force_replaces_a_previous_export(sample_db, tmp_path, capsys):
    out = tmp_path / "corpus"
    assert run_export("--format", "jsonl", str(out), "--db", str(sample_db)) == 0
    assert run_export("--format", "csv", str(out), "--db", str(sample_db)) == 2
    assert "--force" in one_error_line(capsys)
    assert (out / "versions.jsonl").exists()
    assert run_export("--format", "csv", str(out), "--db", str(sample_db), "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["MANIFEST.json", "versions.csv"]
    assert manifest_of(out)["format"] == "csv"
    assert_manifest_matches(out)


def test_an_empty_existing_folder_is_used(sample_db, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert run_export("--format", "csv", str(out), "--db", str(sample_db)) == 0
    assert (out / "versions.csv").exists()


def test_a_folder_under_a_file_is_refused(sample_db, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for out in (blocker, blocker / "corpus"):
        assert run_export("--format", "jsonl", str(out), "--db", str(sample_db)) == 2
        assert str(out) in one_error_line(capsys)
    assert blocker.read_text() == "x"


def test_a_read_only_folder_is_refused(sample_db, tmp_path, capsys):
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    if os.geteuid() == 0:
        # root writes into read-only folders; sysfs refuses even root a new folder
        if not Path("/sys/kernel").is_dir():
            pytest.skip("running as root without /sys: no folder is read-only to root")
        parent = Path("/sys")
    try:
        out = parent / "policytrail-export-test"
        assert run_export("--format", "jsonl", str(out), "--db", str(sample_db)) == 2
        assert "cannot write" in one_error_line(capsys)
        assert not out.exists()
    finally:
        (tmp_path / "locked").chmod(0o755)


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--site", "typo.example"], "no such site in the database (1): typo.example"),
        (["--sample-every", "5W"], "--sample-every takes"),
        (["--from", "2010-13-45"], "--from takes a date"),
        (["--to", "soon"], "--to takes a date"),
        (["--from", "2012-01-01", "--to", "2011"], "--from 2012-01-01 is after --to 2011-12-31"),
        (["--from", "2030-01-01"], "no version matches --from 2030-01-01: nothing exported"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(
    sample_db, tmp_path, capsys, options, says
):
    out = tmp_path / "corpus"
    assert run_export("--format", "jsonl", str(out), "--db", str(sample_db), *options) == 2
    assert says in one_error_line(capsys)
    assert not out.exists()


def test_a_missing_database_is_refused(tmp_path, capsys):
    out = tmp_path / "corpus"
    assert run_export("--format", "csv", str(out), "--db", str(tmp_path / "none.duckdb")) == 2
    assert "no such database" in one_error_line(capsys)
    assert not out.exists()


def test_a_failed_export_leaves_nothing_behind(sample_db, tmp_path, monkeypatch):
    import pipelines.export.tables as tables

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tables, "write_table", broken)
    out = tmp_path / "corpus"
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_export("--format", "csv", str(out), "--db", str(sample_db))
    assert not out.exists()


def test_a_failed_forced_export_keeps_the_previous_one(sample_db, tmp_path, monkeypatch):
    import pipelines.export.tables as tables

    out = tmp_path / "corpus"
    assert run_export("--format", "csv", str(out), "--db", str(sample_db)) == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tables, "write_table", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_export("--format", "csv", str(out), "--db", str(sample_db), "--force")
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # nothing left beside it
    monkeypatch.undo()
    assert run_export("--format", "jsonl", str(out), "--db", str(sample_db), "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["MANIFEST.json", "versions.jsonl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


def test_progress_lines_and_the_final_count(sample_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(settings, "POLICYTRAIL_EXPORT_PROGRESS_INTERVAL", 0.0)
    out = tmp_path / "corpus"
    args = ["--format", "warc", str(out), "--db", str(sample_db), "--site", "lumenbank.example"]
    assert run_export(*args, "--to", "2012") == 0
    captured = capsys.readouterr()
    assert "policytrail: exported 1 of 3 records" in captured.err
    assert captured.out.strip() == f"exported 3 versions of 1 site to {out} (warc)"


def test_missing_warc_records_are_named_and_the_rest_exported(sample_db_copy, tmp_path, capsys):
    shutil.rmtree(sample_db_copy.parent / "demo-warcs")
    out = tmp_path / "captures"
    assert run_export("--format", "warc", str(out), "--db", str(sample_db_copy)) == 1
    err = capsys.readouterr().err
    assert err.count("policytrail: not exported: ") == 15
    assert "15 capture(s) could not be exported" in err.splitlines()[-1]
    assert len(manifest_of(out)["warc"]["missing"]) == 15
    assert_manifest_matches(out)


@pytest.mark.parametrize(
    ("format_name", "module"),
    [
        ("md", "pipelines.export.documents"),
        ("txt", "pipelines.export.documents"),
        ("git", "pipelines.export.gitrepo"),
    ],
)
def test_the_document_formats_write_a_manifest(sample_db, tmp_path, format_name, module):
    pytest.importorskip(module, reason=f"{module} is written on another branch")
    out = tmp_path / "corpus"
    assert run_export("--format", format_name, str(out), "--db", str(sample_db)) == 0
    manifest = manifest_of(out)
    assert manifest["format"] == format_name and manifest["counts"]["versions"] == 15
    assert manifest["files"]
