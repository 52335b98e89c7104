"""Scores: policy text extracted from the real data sets against their reference texts.

    .venv/bin/python bench/extraction_scores.py           # the table, for pipelines.extract
    .venv/bin/python bench/extraction_scores.py --plain   # plain trafilatura, for comparison
    .venv/bin/python bench/extraction_scores.py --write   # re-pin tests/baselines/extraction.json

OTA: each primary `snapshot.html` against its `version.md`; Princeton-Leuven: each `<domain>.html`
against `<domain>.md` without its provenance header. Token precision, recall and F1 per
document, worst first, with the pinned F1 beside it, then each set's means. Re-pin only after
reading what changed: tests/test_extraction_quality.py holds every document to its pin.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from extraction_corpus import (  # noqa: E402
    BASELINE,
    load_baseline,
    plain_trafilatura,
    results,
    table,
    write_baseline,
)
from reference_data import COLLECTIONS, SHARED_DATA  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    parser.add_argument("--plain", action="store_true", help="score plain trafilatura instead")
    parser.add_argument("--write", action="store_true", help=f"re-pin {BASELINE.relative_to(ROOT)}")
    arguments = parser.parse_args()
    if arguments.plain and arguments.write:
        parser.error("--write pins pipelines.extract, not plain trafilatura")
    pinned = load_baseline() if BASELINE.exists() else {}
    scored = {}
    for collection in COLLECTIONS:
        folder = arguments.data / collection
        if not folder.exists():
            sys.exit(f"{folder} is not here")
        started = time.perf_counter()
        found = COLLECTIONS[collection](arguments.data)
        scored[collection] = (
            results(found, plain_trafilatura) if arguments.plain else results(found)
        )
        seconds = time.perf_counter() - started
        print(table(collection, scored[collection], pinned.get(collection, {}).get("documents")))
        print(f"({seconds:.1f} s, {1000 * seconds / len(found):.0f} ms a document)\n")
    if arguments.write:
        write_baseline(scored)
        print(f"wrote {BASELINE}")


if __name__ == "__main__":
    main()
