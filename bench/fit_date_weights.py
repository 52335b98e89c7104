"""Fits the dater's weights: each one swept over a grid, the others held, on the pages it may
be tuned on (OTA and Princeton-Leuven pins, held-out rounds 1 and 2; round 3 is kept out).

    .venv/bin/python bench/fit_date_weights.py

For each weight in pipelines/dates (label, place and penalty weights, the least score of a
candidate and of a date line) prints the pages dated right at each grid value, and the range
of values that date the most right; a weight set in the code outside its best range is
flagged. The code's values are the middle of those ranges, rounded (comments name this
script). Pages: a stated date found exactly counts one, a page stating none given none counts
one.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from date_corpus import NONE, load_baseline  # noqa: E402
from heldout_pages import PAGES, ROUND_2, held_out_pages, outcome  # noqa: E402
from reference_data import COLLECTIONS, SHARED_DATA  # noqa: E402

import pipelines.dates as dates  # noqa: E402

# the module, not the function `weigh` the package exports under the same name
weigh = importlib.import_module("pipelines.dates.weigh")
GRID = [round(0.05 * step, 2) for step in range(0, 21)]  # 0.00, 0.05, ... 1.00


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    text: str
    language: str | None
    declared: str | None
    url: str | None
    captured_at: datetime | None
    expected: str  # "YYYY-MM-DD", "YYYY-MM" or NONE


def cases() -> list[Case]:
    found = []
    for collection in ("ota", "princeton-leuven"):
        if not (SHARED_DATA / collection).is_dir():
            print(f"{SHARED_DATA / collection} is not here: {collection} left out")
            continue
        pins = load_baseline(collection)
        for document in COLLECTIONS[collection](SHARED_DATA):
            found.append(
                Case(
                    f"{collection}/{document.key}",
                    document.reference_text(),
                    document.declared_language,
                    None,
                    document.url,
                    document.captured_at,
                    pins[document.key]["expected"],
                )
            )
    for folder in (PAGES, ROUND_2):
        for page in held_out_pages(folder):
            document = outcome(page).document
            if document is None:
                continue
            found.append(
                Case(
                    f"{folder.name}/{page.stem}",
                    document.text,
                    document.language,
                    document.declared_language,
                    page.url,
                    page.captured_at,
                    page.effective_date or NONE,
                )
            )
    return found


def right(all_cases: list[Case]) -> int:
    count = 0
    for case in all_cases:
        found = dates.find_effective_date(
            case.text, case.language, case.captured_at, declared=case.declared, url=case.url
        )
        count += (found.value if found else NONE) == case.expected
    return count


CHARS = [0, 20, 40, 60, 100, 150, 200, 300, 400, 600, 800, 1000, 1500, 2000]


def weights() -> dict[str, tuple[Callable[[], float], Callable[[float], None], list[float]]]:
    """Each fitted weight: how to read it, how to set it, and its grid."""

    def item(table: dict[str, float], key: str, grid: list = GRID):
        return (lambda: table[key], lambda value: table.__setitem__(key, value), grid)

    def attribute(module, name: str, grid: list = GRID):
        return (lambda: getattr(module, name), lambda value: setattr(module, name, value), grid)

    return {
        "LABEL_WEIGHTS[neutral]": item(weigh.LABEL_WEIGHTS, "neutral"),
        "POSITION_WEIGHTS[end]": item(weigh.POSITION_WEIGHTS, "end"),
        "POSITION_WEIGHTS[middle]": item(weigh.POSITION_WEIGHTS, "middle"),
        "BARE_WEIGHT": attribute(weigh, "BARE_WEIGHT"),
        "CHANGELOG_WEIGHT": attribute(weigh, "CHANGELOG_WEIGHT"),
        "PREVIOUS_PENALTY": attribute(weigh, "PREVIOUS_PENALTY"),
        "BOUNDARY_PENALTY": attribute(weigh, "BOUNDARY_PENALTY"),
        "CONDITIONAL_PENALTY": attribute(weigh, "CONDITIONAL_PENALTY"),
        "MIN_SCORE": attribute(dates, "MIN_SCORE"),
        "DATE_LINE_SCORE": attribute(dates, "DATE_LINE_SCORE"),
        "ZONE_SHARE": attribute(weigh, "ZONE_SHARE", GRID[1:11]),
        "ZONE_MIN_CHARS": attribute(weigh, "ZONE_MIN_CHARS", CHARS),
        "LABEL_HEADING_CHARS": attribute(weigh, "LABEL_HEADING_CHARS", CHARS[:8]),
        "LAW_CONNECTOR_REACH": attribute(weigh, "LAW_CONNECTOR_REACH", CHARS[:8]),
    }


def main() -> None:
    started = time.perf_counter()
    all_cases = cases()
    base = right(all_cases)
    print(f"{len(all_cases)} pages, {base} dated right with the code's weights")
    print(f"{'weight':26} {'code':>7} {'best range':>14} {'right':>6}  missed at each grid value")
    for name, (read, write, grid) in weights().items():
        current = read()
        counts = []
        for value in grid:
            write(value)
            counts.append(right(all_cases))
        write(current)
        best = max(counts)
        best_values = [value for value, count in zip(grid, counts, strict=True) if count == best]
        inside = min(best_values) <= current <= max(best_values)
        print(
            f"{name:26} {current:7g} {min(best_values):6g}-{max(best_values):<7g}"
            f" {best:6d}  {' '.join(str(len(all_cases) - count) for count in counts)}"
            f"{'' if inside else '   <- outside its best range'}"
        )
    print(
        f"(grids: weights 0.00 .. 1.00 by 0.05, ZONE_SHARE 0.05 .. 0.50, characters {CHARS};"
        f" {time.perf_counter() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
