"""Helpers for the export tests: the CLI run in-process, manifests checked against files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from crawler.cli import main


def run_export(*args: str) -> int:
    """`policytrail export ARGS` in this process; its exit code (0 when it returns)."""
    try:
        main(["export", *args])
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0


def manifest_of(out: Path) -> dict:
    return json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))


def assert_manifest_matches(out: Path) -> dict:
    """The manifest lists exactly the files beside it, each with its size and SHA-256."""
    manifest = manifest_of(out)
    on_disk = {
        path.relative_to(out).as_posix()
        for path in out.rglob("*")
        if path.is_file() and path.name != "MANIFEST.json"
    }
    assert set(manifest["files"]) == on_disk
    for name, facts in manifest["files"].items():
        data = (out / name).read_bytes()
        assert facts == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert manifest["counts"]["files"] == len(on_disk)
    return manifest


def view_rows(db: Path, where: str = "TRUE", *params: object) -> list[dict]:
    """policy_versions rows as dicts, in export order."""
    connection = duckdb.connect(str(db), read_only=True)
    try:
        result = connection.execute(
            f"SELECT * FROM policy_versions WHERE {where} ORDER BY site, target_url, version",
            list(params),
        )
        names = [column[0] for column in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        connection.close()
