"""MANIFEST.json: what an export holds and where it came from, with a checksum per file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import duckdb

from pipelines.export.folder import MANIFEST
from pipelines.export.selection import SELECTED, Selection, SelectionCounts

# Bytes read at a time when hashing a written file (an HF shard or a WARC may be GBs).
HASH_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A crawl run that contributed captures to an export."""

    run_id: int
    archive: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    software: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "archive": self.archive,
            "started_at": _utc(self.started_at),
            "finished_at": _utc(self.finished_at) if self.finished_at else None,
            "status": self.status,
            "software": self.software,
        }


def software_version() -> str:
    try:
        return version("policytrail")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def contributing_runs(connection: duckdb.DuckDBPyConnection) -> list[RunInfo]:
    """The runs that listed the captures the selected records stand for, and the runs that
    fetched the records of their payloads (for captures skipped as duplicates, another run's)."""
    rows = connection.execute(
        f"SELECT run_id, archive, started_at, finished_at, status, software FROM crawl_runs"
        f" WHERE run_id IN (SELECT capture_run_id FROM {SELECTED}"
        f"  UNION SELECT c.run_id FROM captures c JOIN {SELECTED} s"
        f"  ON c.warc_path = s.warc_path AND c.warc_offset = s.warc_offset"
        f"  WHERE c.fetch_status = 'fetched')"
        f" ORDER BY run_id"
    ).fetchall()
    return [RunInfo(*row) for row in rows]


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ExportFacts:
    """Everything a manifest records besides the files."""

    database: Path
    schema_version: int
    format_name: str
    selection: Selection
    counts: SelectionCounts
    runs: Sequence[RunInfo]
    created_at: datetime
    details: dict[str, object] | None = None  # what only this format has to say


def write_manifest(out: Path, files: Sequence[Path], facts: ExportFacts) -> Path:
    """Write OUT/MANIFEST.json; `files` are the written files, relative to OUT."""
    listed = sorted({path.as_posix() for path in files})
    manifest: dict[str, object] = {
        "software": {"name": "policytrail", "version": software_version()},
        "created_at": _utc(facts.created_at),
        "format": facts.format_name,
        # its file name, not its path: an export is published, and a path names a user's
        # folders (the runs below say where the data came from)
        "database": {
            "name": facts.database.name,
            "schema_version": facts.schema_version,
        },
        "selection": facts.selection.describe(),
        "runs": [run.as_json() for run in facts.runs],
        "counts": {
            "records": facts.counts.records,
            "versions": facts.counts.versions,
            "sites": facts.counts.sites,
            "targets": facts.counts.targets,
            "files": len(listed),
        },
        "files": {
            name: {"bytes": (out / name).stat().st_size, "sha256": file_digest(out / name)}
            for name in listed
        },
    }
    if facts.details:
        manifest[facts.format_name] = facts.details
    target = out / MANIFEST
    target.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def _utc(moment: datetime) -> str:
    """A database time (naive UTC) or an aware one as ISO 8601 in UTC, ending in Z."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
