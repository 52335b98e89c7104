"""Table exports (`jsonl`, `csv`, `parquet`): one row per record, written by DuckDB's COPY."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.export.selection import SAMPLING_COLUMNS, SELECTED, VERSION_COLUMNS

# Format name -> (file suffix, DuckDB COPY options).
TABLE_FORMATS = {
    "jsonl": ("jsonl", "FORMAT json"),
    "csv": ("csv", "FORMAT csv, HEADER true"),
    # zstd: policy texts compress some 30% better than with DuckDB's default snappy, and
    # every Parquet reader in use (pyarrow, DuckDB, Polars, Spark) reads it.
    "parquet": ("parquet", "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {rows}"),
}
# Rows per Parquet row group: readers fetch a row group at a time, and a thousand policy texts
# with their Markdown (some 10-50 KB each) keep a group to tens of MB.
PARQUET_ROW_GROUP_ROWS = 1000
TIME_COLUMNS = frozenset({"first_seen", "last_seen", "next_seen", "sampled_at", "captured_at"})
TEXT_COLUMNS = frozenset({"text", "markdown"})  # read from `documents`, not kept in SELECTED
# Lists of structs: CSV has no such type, so there they are written as JSON text.
LIST_COLUMNS = frozenset({"effective_dates"})
# What each column holds: the HF dataset card and the README say the same.
COLUMN_MEANINGS = {
    "sampled_at": "with --sample-every: the instant (middle of a calendar period, 00:00 UTC) "
    "this row stands for; the version is the one in force then",
    "captured_at": "with --sample-every: the time of the version's capture nearest "
    "sampled_at, the capture original_url and memento_url name",
    "version_id": "stable id of the version: 16 hex digits of a hash of site, target, first "
    "capture time and text hash; it survives renumbering",
    "site": "the site, as the targets file names it",
    "target_url": "the policy URL the target was listed with",
    "version": "1, 2, ... in capture time within the target",
    "first_seen": "time of the version's first capture (UTC)",
    "last_seen": "time of its last capture (UTC)",
    "next_seen": "first capture of the next version (UTC): the change happened between "
    "last_seen and next_seen; empty for the latest version",
    "n_captures": "captures of this version",
    "effective_date": "the date the policy states for itself (YYYY-MM-DD), if any",
    "effective_date_text": "the phrase that date was read from",
    "effective_date_precision": "'day' or 'month' (a month-only date reads as its 1st)",
    "title": "the page title",
    "language": "ISO 639-1 code of the text's language",
    "n_words": "words in the text",
    "text": "the policy's text, as extracted from the archived page",
    "markdown": "the same text with headings, lists and tables as Markdown",
    "original_url": "the URL as captured (the capture the row stands for)",
    "memento_url": "the archive's raw (id_) address of that capture",
    "extractor": "the library that extracted the text",
    "extractor_version": "its version",
    "is_policy": "whether the classifier judged the page a privacy policy",
    "text_hash": "SHA-256 of the normalised text: equal texts share it",
    "effective_dates": "every date the policy states for itself: label, date, precision, phrase",
    "kind": "privacy, cookies, terms, other legal or not legal",
}


def export_columns(sampled: bool) -> tuple[str, ...]:
    """The columns of a table export, in order."""
    return (SAMPLING_COLUMNS if sampled else ()) + VERSION_COLUMNS


def records_query(
    sampled: bool, *, typed_times: bool, shard: bool = False, json_lists: bool = False
) -> str:
    """The selected records as rows of the table exports, in record order.

    Times are UTC: with `typed_times` as TIMESTAMP WITH TIME ZONE (Parquet, where readers
    then know they are UTC), otherwise as ISO 8601 text ending in Z (JSON Lines, CSV). With
    `shard`, only the records numbered $first to $last. With `json_lists`, list columns are
    JSON text (for CSV).
    """
    selected = []
    for column in export_columns(sampled):
        source = f"d.{column}" if column in TEXT_COLUMNS else f"s.{column}"
        if column in TIME_COLUMNS:
            source = (
                f"timezone('UTC', {source})"
                if typed_times
                else f"strftime({source}, '%Y-%m-%dT%H:%M:%SZ')"
            )
        if column in LIST_COLUMNS and json_lists:
            source = f"CAST(to_json({source}) AS VARCHAR)"
        selected.append(f"{source} AS {column}")
    where = " WHERE s.record_no BETWEEN $first AND $last" if shard else ""
    return (
        f"SELECT {', '.join(selected)} FROM {SELECTED} s JOIN documents d USING (text_hash)"
        f"{where} ORDER BY s.record_no"
    )


def copy_options(format_name: str) -> str:
    return TABLE_FORMATS[format_name][1].format(rows=PARQUET_ROW_GROUP_ROWS)


def write_table(
    connection: duckdb.DuckDBPyConnection, out: Path, format_name: str, sampled: bool
) -> list[Path]:
    """Write OUT/versions.<suffix> from the selected records; returns its path within OUT."""
    suffix, _ = TABLE_FORMATS[format_name]
    name = Path(f"versions.{suffix}")
    query = records_query(
        sampled, typed_times=format_name == "parquet", json_lists=format_name == "csv"
    )
    connection.execute(
        f"COPY ({query}) TO $path ({copy_options(format_name)})", {"path": str(out / name)}
    )
    return [name]
