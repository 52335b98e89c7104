"""The `hf` export: a folder `datasets.load_dataset(OUT)` loads as it is (Parquet shards of a
`train` split under data/), with a dataset card saying where the texts come from."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.export.manifest import RunInfo
from pipelines.export.selection import SELECTED, Selection, SelectionCounts
from pipelines.export.tables import COLUMN_MEANINGS, copy_options, records_query

DATA_FOLDER = "data"
CARD = "README.md"
# Records per Parquet shard: the Hub serves and previews shards of a few hundred MB best, and
# 20,000 policy texts with their Markdown come to some 100-300 MB compressed.
SHARD_RECORDS = 20_000
# DuckDB's column types as the `datasets` library names them (Arrow types).
HF_DTYPES = {
    "VARCHAR": "string",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "BOOLEAN": "bool",
    "DOUBLE": "float64",
    "DATE": "date32",
    "TIMESTAMP": "timestamp[us]",
    "TIMESTAMP WITH TIME ZONE": "timestamp[us, tz=UTC]",
}
_STRUCT_LIST = re.compile(r"STRUCT\((?P<fields>.*)\)\[\]")
# A feature's type: a `datasets` dtype, or a list of structs as its fields' (name, dtype).
Dtype = str | tuple[tuple[str, str], ...]


def hf_dtype(column_type: str) -> Dtype:
    """The `datasets` type of a DuckDB column type; a list of structs (`effective_dates`) as
    its fields' names and dtypes."""
    listed = _STRUCT_LIST.fullmatch(column_type)
    if listed is None:
        return HF_DTYPES[column_type]
    fields = [field.split(" ", 1) for field in listed["fields"].split(", ")]
    return tuple((name.strip('"'), HF_DTYPES[kind]) for name, kind in fields)


def _feature_yaml(name: str, dtype: Dtype) -> str:
    if isinstance(dtype, str):
        return f"  - name: {name}\n    dtype: {_q(dtype)}"
    fields = "".join(f"\n    - name: {part}\n      dtype: {_q(kind)}" for part, kind in dtype)
    return f"  - name: {name}\n    list:{fields}"


# The Hub's size buckets, by number of rows.
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
)


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What the dataset card tells besides the data: where it came from and how it was cut."""

    selection: Selection
    counts: SelectionCounts
    runs: Sequence[RunInfo]
    software: str  # "policytrail 0.1.0"
    schema_version: int
    created_at: datetime


def write_hf(connection: duckdb.DuckDBPyConnection, out: Path, facts: CardFacts) -> list[Path]:
    """Write OUT/data/train-NNNNN-of-NNNNN.parquet and OUT/README.md; returns them (relative)."""
    sampled = facts.selection.sample_every is not None
    (out / DATA_FOLDER).mkdir()
    shards = max(1, -(-facts.counts.records // SHARD_RECORDS))
    query = records_query(sampled, typed_times=True, shard=True)
    files = []
    for number in range(shards):
        name = Path(DATA_FOLDER) / f"train-{number:05d}-of-{shards:05d}.parquet"
        connection.execute(
            f"COPY ({query}) TO $path ({copy_options('parquet')})",
            {
                "path": str(out / name),
                "first": number * SHARD_RECORDS + 1,
                "last": (number + 1) * SHARD_RECORDS,
            },
        )
        files.append(name)
    features = [
        (column, hf_dtype(column_type))
        for column, column_type, *_ in connection.execute(
            f"DESCRIBE {records_query(sampled, typed_times=True)}"
        ).fetchall()
    ]
    paths = [str(out / name) for name in files]
    (uncompressed,) = connection.execute(
        "SELECT coalesce(sum(total_uncompressed_size), 0) FROM parquet_metadata($paths)",
        {"paths": paths},
    ).fetchone() or (0,)
    download_size = sum((out / name).stat().st_size for name in files)
    languages = [
        language
        for (language,) in connection.execute(
            f"SELECT DISTINCT language FROM {SELECTED}"
            " WHERE regexp_full_match(language, '[a-z]{2,3}') ORDER BY language"
        ).fetchall()
    ]
    card = dataset_card(facts, features, languages, int(uncompressed), download_size)
    (out / CARD).write_text(card, encoding="utf-8")
    return [Path(CARD), *files]


def dataset_card(
    facts: CardFacts,
    features: Sequence[tuple[str, Dtype]],
    languages: Sequence[str],
    dataset_size: int,
    download_size: int,
) -> str:
    """README.md: the YAML front matter the `datasets` library and the Hub read (config, data
    files, features, split sizes), then the prose a reader needs before using the data."""
    records = facts.counts.records
    size = next((label for bound, label in SIZE_CATEGORIES if records < bound), "n>10M")
    yaml = [
        "---",
        f"pretty_name: {_q('Privacy policy versions from the Wayback Machine')}",
        "license: other",
        f"license_name: {_q('site-terms')}",
        "language:",
        *(f"- {language}" for language in languages),
        "tags:",
        "- privacy-policy",
        "- web-archive",
        "- wayback-machine",
        "- longitudinal",
        "size_categories:",
        f"- {_q(size)}",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {_q(DATA_FOLDER + '/train-*.parquet')}",
        "dataset_info:",
        "  features:",
        *(_feature_yaml(name, dtype) for name, dtype in features),
        "  splits:",
        "  - name: train",
        f"    num_bytes: {dataset_size}",
        f"    num_examples: {records}",
        f"  download_size: {download_size}",
        f"  dataset_size: {dataset_size}",
        "---",
    ]
    if not languages:
        yaml.remove("language:")
    return "\n".join(yaml) + "\n\n" + _prose(facts, features) + "\n"


def _prose(facts: CardFacts, features: Sequence[tuple[str, Dtype]]) -> str:
    counts, selection = facts.counts, facts.selection
    if selection.sample_every is None:
        unit = "Each row is one version of a site's privacy policy: a run of archived captures "
        unit += "with the same text (up to dates and page furniture)."
    else:
        unit = (
            f"Each row is the version of a site's privacy policy in force at one sampling "
            f"instant: {selection.sample_every.describe()} (00:00 UTC), the middle of each "
            f"{selection.sample_every.label} calendar period, from the period of a target's "
            "first capture to that of its last. The same version appears once per instant "
            "it was in force."
        )
    filters = []
    if selection.sites:
        filters.append(f"sites: {', '.join(selection.sites)}")
    if selection.from_day or selection.to_day:
        filters.append(
            f"versions in force from {selection.from_day or 'the first capture'} to "
            f"{selection.to_day or 'the last capture'}"
        )
    archives = sorted({run.archive for run in facts.runs if run.archive})
    run_lines = [
        f"- run {run.run_id}: {run.archive or 'unknown archive'}, started "
        f"{run.started_at:%Y-%m-%d %H:%M} UTC, {run.status}"
        + (f", {run.software}" if run.software else "")
        for run in facts.runs
    ]
    column_lines = [
        f"| `{name}` | {_in_words(dtype)} | {COLUMN_MEANINGS.get(name, '')} |"
        for name, dtype in features
    ]
    return "\n".join(
        [
            "# Privacy policy versions from the Wayback Machine",
            "",
            f"{_many(counts.records, 'row')}: {_many(counts.versions, 'version')} of the "
            f"privacy policies of {_many(counts.sites, 'site')} "
            f"({_many(counts.targets, 'policy URL')}), as archived by "
            f"{', '.join(archives) or 'a Wayback-compatible archive'}. {unit}",
            "",
            "```python",
            "from datasets import load_dataset",
            'versions = load_dataset("path/to/this/folder", split="train")',
            "```",
            "",
            "## Provenance",
            "",
            f"Exported by {facts.software} on {facts.created_at:%Y-%m-%d} from a policytrail "
            f"database (schema version {facts.schema_version}); MANIFEST.json beside this card "
            "lists the files with their SHA-256 and the exact selection. Texts were extracted "
            "from the archived pages (`extractor`, `extractor_version`); `memento_url` is the "
            "archive's raw address of the capture each row stands for, so every text can be "
            "checked against the page it came from."
            + (f" Selection: {'; '.join(filters)}." if filters else ""),
            "",
            "Crawl runs the rows' captures come from:",
            "",
            *(run_lines or ["- none recorded"]),
            "",
            "## Licence",
            "",
            "The texts are the sites' own privacy policies: their copyright stays with the "
            "sites that published them, and no licence is granted by this dataset. The copies "
            "were taken from the Internet Archive's Wayback Machine (or the archive named "
            "above), whose terms of use apply to them. Check both before redistributing the "
            "texts or using them beyond research; the metadata (dates, hashes, URLs) was "
            "computed by policytrail.",
            "",
            "## Columns",
            "",
            "All times are UTC. A version's change happened between its `last_seen` and the "
            "`next_seen` it records.",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
            *column_lines,
        ]
    )


def _in_words(dtype: Dtype) -> str:
    """A dtype for the card's table: "list of (label string, date date32, ...)"."""
    if isinstance(dtype, str):
        return dtype
    return "list of (" + ", ".join(f"{name} {kind}" for name, kind in dtype) + ")"


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _q(value: str) -> str:
    """A YAML scalar: JSON's double-quoted strings are YAML's too."""
    return json.dumps(value, ensure_ascii=False)
