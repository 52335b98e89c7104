"""The `hf` export: `datasets.load_dataset(OUT)` loads it as it is, offline, and its card's
YAML agrees with the data."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from export_helpers import assert_manifest_matches, run_export, view_rows

from pipelines.export.selection import SAMPLING_COLUMNS, VERSION_COLUMNS

# Loads the dataset in a fresh interpreter, offline: `datasets` reads its offline switches
# when imported, and this process may have imported it already.
LOAD = """
import json, sys
import datasets
loaded = datasets.load_dataset(sys.argv[1])
train = loaded["train"]
print(json.dumps({
    "splits": sorted(loaded),
    "rows": train.num_rows,
    "features": {
        name: str(feature.dtype)
        if hasattr(feature, "dtype")
        else {part: str(value.dtype) for part, value in feature.feature.items()}
        for name, feature in train.features.items()
    },
    "version_ids": list(train["version_id"]),
    "first": {key: str(value) for key, value in train[0].items()},
}))
"""


def load_offline(folder, tmp_path) -> dict:
    environment = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(folder)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def front_matter(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n")[1])


@pytest.mark.parametrize("sample", [None, "1Y"])
def test_load_dataset_reads_the_folder_as_it_is(sample_db, tmp_path, sample):
    out = tmp_path / "dataset"
    args = ["--format", "hf", str(out), "--db", str(sample_db)]
    assert run_export(*args, *(["--sample-every", sample] if sample else [])) == 0
    manifest = assert_manifest_matches(out)
    assert set(manifest["files"]) == {"README.md", "data/train-00000-of-00001.parquet"}
    loaded = load_offline(out, tmp_path)
    records = manifest["counts"]["records"]
    assert loaded["splits"] == ["train"] and loaded["rows"] == records
    columns = (SAMPLING_COLUMNS if sample else ()) + VERSION_COLUMNS
    assert list(loaded["features"]) == list(columns)
    assert loaded["features"]["first_seen"] == "timestamp[us, tz=UTC]"
    assert loaded["features"]["version"] == "int32"
    if sample is None:
        assert loaded["version_ids"] == [row["version_id"] for row in view_rows(sample_db)]

    info = front_matter((out / "README.md").read_text(encoding="utf-8"))
    assert info["configs"][0]["data_files"][0] == {"split": "train", "path": "data/train-*.parquet"}
    features = {
        f["name"]: f["dtype"]
        if "dtype" in f
        else {part["name"]: part["dtype"] for part in f["list"]}
        for f in info["dataset_info"]["features"]
    }
    assert features == loaded["features"]
    assert info["dataset_info"]["splits"][0]["num_examples"] == records
    assert info["license"] == "other" and info["language"] == ["en"]


def test_the_card_says_where_the_texts_come_from(sample_db, tmp_path):
    out = tmp_path / "dataset"
    args = ["--format", "hf", str(out), "--db", str(sample_db), "--site", "lumenbank.example"]
    assert run_export(*args) == 0
    card = (out / "README.md").read_text(encoding="utf-8")
    prose = card.split("---\n", 2)[2]
    assert "5 rows: 5 versions of the privacy policies of 1 site (1 policy URL)" in prose
    assert "## Provenance" in prose and "run 1:" in prose and "policytrail" in prose
    assert "## Licence" in prose and "Wayback Machine" in prose and "copyright" in prose
    assert "sites: lumenbank.example" in prose
    for column in VERSION_COLUMNS:
        assert f"| `{column}` |" in prose
