"""Scores: the four analysis steps on a folder of held-out pages (tests/heldout/README.md).

    .venv/bin/python bench/heldout_scores.py                       # tests/heldout/pages
    .venv/bin/python bench/heldout_scores.py tests/heldout/round2  # any folder of that shape

Token F1, precision and recall of each policy's text against its reference, the date expected
and found, the classification expected and found, then the means and the counts of agreement.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from heldout_pages import PAGES, held_out_pages, outcome, summary, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=PAGES)
    args = parser.parse_args()
    if not args.folder.is_dir():
        sys.exit(f"{args.folder}: no such folder")
    started = time.perf_counter()
    outcomes = [outcome(page) for page in held_out_pages(args.folder.resolve())]
    if not outcomes:
        sys.exit(f"{args.folder}: no pages (each needs a .json, .html and .txt)")
    print(table(outcomes))
    print(summary(outcomes))
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
