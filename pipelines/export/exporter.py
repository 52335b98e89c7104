"""One export from start to end: the database read, the records selected, OUT prepared, the
format's writer run, MANIFEST.json written last; a failed export removes what it wrote."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from crawler.exceptions import BadInputError
from pipelines.export.folder import discard, finish, prepare_folder
from pipelines.export.formats import FORMATS, TABLE_FORMATS
from pipelines.export.manifest import (
    ExportFacts,
    contributing_runs,
    software_version,
    write_manifest,
)
from pipelines.export.selection import (
    Selection,
    SelectionCounts,
    check_sites,
    materialise,
    read_selected,
)
from pipelines.reading import open_reader
from pipelines.store.schema import current_version

# Called as records are written: (written so far, how many in all).
Progress = Callable[[int, int], None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ExportSummary:
    counts: SelectionCounts
    files: tuple[Path, ...]  # relative to OUT, MANIFEST.json included
    # records the export could not include, one line each (the warc format's missing records)
    problems: tuple[str, ...] = ()


def export(
    db: Path,
    out: Path,
    format_name: str,
    selection: Selection,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> ExportSummary:
    """Export the selected records of `db` to the folder `out` in `format_name`."""
    if format_name not in FORMATS:
        raise BadInputError(f"unknown format {format_name!r}: one of {', '.join(FORMATS)}")
    connection = open_reader(db)
    try:
        check_sites(connection, selection.sites)
        counts = materialise(connection, selection)
        if not counts.records:
            # an empty corpus is a mistaken window or site list far more often than a wish
            # (and `datasets` refuses to load an empty split): say so before touching OUT
            raise BadInputError(f"no version matches {_described(selection)}: nothing exported")
        destination = prepare_folder(out, force=force)
        try:
            summary = _write(
                connection, db, destination.write_to, format_name, selection, counts, progress
            )
        except BaseException:
            discard(destination)
            raise
        finish(destination)
        return summary
    finally:
        connection.close()


def _write(
    connection: duckdb.DuckDBPyConnection,
    db: Path,
    out: Path,
    format_name: str,
    selection: Selection,
    counts: SelectionCounts,
    progress: Progress | None,
) -> ExportSummary:
    created_at = datetime.now(UTC)
    schema_version = current_version(connection)
    runs = contributing_runs(connection)
    software = f"policytrail {software_version()}"
    db_folder = db.resolve().parent
    sampled = selection.sample_every is not None
    report = progress or (lambda done, total: None)
    details: dict[str, object] | None = None
    problems: tuple[str, ...] = ()
    report(0, counts.records)
    if format_name in TABLE_FORMATS:
        from pipelines.export.tables import write_table

        files = write_table(connection, out, format_name, sampled)
    elif format_name == "hf":
        from pipelines.export.hf import CardFacts, write_hf

        card = CardFacts(selection, counts, runs, software, schema_version, created_at)
        files = write_hf(connection, out, card)
    elif format_name == "warc":
        from pipelines.export.warcfile import selected_captures, write_warc

        captures = selected_captures(connection)
        files, summary = write_warc(
            _counted(captures, len(captures), report), db_folder, out, software
        )
        problems = tuple(summary.missing)
        details = {
            "responses": summary.responses,
            "revisits": summary.revisits,
            "missing": list(summary.missing),
        }
    else:
        files = _write_documents(connection, db_folder, out, format_name, counts, report)
    report(counts.records, counts.records)
    facts = ExportFacts(
        db, schema_version, format_name, selection, counts, runs, created_at, details
    )
    manifest = write_manifest(out, files, facts)
    return ExportSummary(counts, (*files, manifest.relative_to(out)), problems)


def _write_documents(
    connection: duckdb.DuckDBPyConnection,
    db_folder: Path,
    out: Path,
    format_name: str,
    counts: SelectionCounts,
    report: Progress,
) -> list[Path]:
    """The formats that take the records one by one (git, md, txt)."""
    versions = _counted(read_selected(connection), counts.records, report)
    if format_name == "git":
        from pipelines.export.gitrepo import write_git
        from pipelines.export.raw import RawPayloads

        # read_selected keeps `connection` busy while it streams: raw payloads are looked
        # up through a connection of their own (RawPayloads keeps its table on it)
        side = connection.cursor()
        try:
            return write_git(versions, out, RawPayloads(side, db_folder))
        finally:
            side.close()
    from pipelines.export.documents import write_documents

    return write_documents(versions, out, format_name)


def _described(selection: Selection) -> str:
    parts = []
    if selection.sites:
        parts.append(f"--site {' '.join(selection.sites)}")
    if selection.from_day:
        parts.append(f"--from {selection.from_day}")
    if selection.to_day:
        parts.append(f"--to {selection.to_day}")
    if selection.sample_every:
        parts.append(f"--sample-every {selection.sample_every.label}")
    return " ".join(parts) or "the selection (the database holds no versions)"


def _counted(items: Iterable[T], total: int, report: Progress) -> Iterator[T]:
    """`items`, reporting after each one the writer has taken and asked past."""
    for done, item in enumerate(items, start=1):
        yield item
        report(done, total)
