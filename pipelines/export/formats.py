"""The export formats: their names and what each writes into OUT."""

from __future__ import annotations

# Every format writes a folder (OUT) holding its files and MANIFEST.json.
FORMATS = {
    "jsonl": "versions.jsonl: one JSON object per record",
    "csv": "versions.csv: one row per record, with a header",
    "parquet": "versions.parquet: one row per record, times as UTC timestamps",
    "hf": "a Hugging Face dataset: data/train-*.parquet and a dataset card (README.md)",
    "warc": "captures.warc.gz: the archived captures behind the records",
    "git": "a git repository: one commit per version (or sampled instant)",
    "md": "one Markdown file per record",
    "txt": "one plain-text file per record",
}
TABLE_FORMATS = ("jsonl", "csv", "parquet")
