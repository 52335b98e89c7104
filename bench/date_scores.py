"""Scores: stated policy dates found on the real data sets against the hand-checked pins.

    .venv/bin/python bench/date_scores.py
    .venv/bin/python bench/date_scores.py --data ../shared/data --only princeton-leuven --wrong

Prints one line per document (ok/XX, expected, found, ambiguous and after-capture flags,
confidence, the phrase the date came from), then the agreement on each set: the share of stated
dates found exactly, and how many documents stating none were given one. The pins are
tests/baselines/dates.json; tests/test_dates_quality.py holds the same figures to their targets.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from date_corpus import agreement, outcomes, summary_line, table  # noqa: E402
from reference_data import COLLECTIONS, SHARED_DATA  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--only", choices=sorted(COLLECTIONS))
    parser.add_argument("--wrong", action="store_true", help="list only the documents missed")
    options = parser.parse_args()
    names = [options.only] if options.only else sorted(COLLECTIONS)
    missing = [name for name in names if not (options.data / name).is_dir()]
    if missing:
        parser.error(f"no {', '.join(missing)} under {options.data}")
    summaries = []
    for name in names:
        documents = COLLECTIONS[name](options.data)
        started = time.perf_counter()
        results = outcomes(documents)
        elapsed = time.perf_counter() - started
        shown = [outcome for outcome in results if not outcome.agrees] if options.wrong else results
        print(f"== {name}\n{table(shown)}\n")
        summaries.append(
            f"{summary_line(name, agreement(results))} [{elapsed * 1000:.0f} ms for "
            f"{len(results)} documents]"
        )
    print("\n".join(summaries))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
