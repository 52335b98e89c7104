"""Fits extraction's thresholds: each swept over a grid, the others held, scored by token F1.

    .venv/bin/python bench/fit_extraction_thresholds.py                # every threshold
    .venv/bin/python bench/fit_extraction_thresholds.py --quick        # fewer grid points
    .venv/bin/python bench/fit_extraction_thresholds.py MIN_COVERED    # some, by name
    .venv/bin/python bench/fit_extraction_thresholds.py --exhaustive   # no shortcut (checks it)

The tuning pages: OTA's snapshots and Princeton-Leuven's pages against their reference texts
(as bench/extraction_scores.py scores them), and held-out rounds 1 and 2 (tests/heldout/pages,
round2): their policies' F1, and for their other pages whether they yield text at all, which a
grid value must leave as it is. Round 3 is never read here: it is where the fitted values are
reported (bench/heldout_scores.py tests/heldout/round3), and a page there that scores lower is
reported, not tuned for.

Every numeric constant of pipelines/extract/*.py must be swept here or named in BOUNDS (limits
of time and memory, measured by bench/pathological_pages.py). A threshold's best range is the
grid values that change no other page's yield, find as many of the held-out pages' dates as the
best of them (the date lines extraction keeps are there for dates.py; their words hardly move
F1), and reach a mean F1 over all tuning policies within TOLERANCE of the best of those; for a
threshold only language detection reads, as many languages right as the most. "OUTSIDE" flags
a code value not in its best range, with the change in each collection's mean F1, the dates and
the languages at the middle of the range: the value moves there only if none of them drops.

Each page runs in a process of a pool. Its baseline run holds every threshold as a `Probe` that
records each comparison made with it; a grid value that decides every one of those comparisons
as the code value does gives the baseline's text without a run. trafilatura's result is cached
by the tree it is given, so a run that changes nothing before trafilatura costs it nothing.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import operator
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import trafilatura  # noqa: E402
from date_corpus import NONE  # noqa: E402
from heldout_pages import PAGES, ROUND_2, held_out_pages  # noqa: E402
from lxml import etree  # noqa: E402
from reference_data import SHARED_DATA, OtaVersion, leuven_pages, ota_versions  # noqa: E402

from pipelines.dates import find_effective_date  # noqa: E402
from pipelines.evaluation import score  # noqa: E402
from pipelines.extract import extract_policy  # noqa: E402
from pipelines.extract.config import TRAFILATURA_CONFIG  # noqa: E402

EXTRACT = ROOT / "pipelines" / "extract"
# Mean F1 values this close are the same: one page moving by 0.06 moves the mean of 123 by 0.0005.
TOLERANCE = 0.0005
COLLECTIONS = ("ota", "pl", "r1", "r2")
HELD_OUT_TYPE = "text/html; charset=utf-8"  # as tests/heldout_pages.py serves them

# ---- what is swept, and over what ---------------------------------------------------------------
# Each grid holds the code's value (added when missing); --quick keeps every other point. A
# threshold whose only reader is language detection is judged by the languages it detects.
GRIDS: dict[str, tuple[float, ...]] = {
    "blocks.PROSE_MIN_WORDS": (3, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 30, 35, 40),
    "blocks.PROSE_MAX_LINK_DENSITY": (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8),
    "blocks.MENU_LINK_DENSITY": (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "blocks.MAIN_CONTAINER_SHARE": (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98, 1.0),
    "config.MIN_PROSE_SHARE": (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "config.MIN_COVERED": (0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99, 1.0),
    "config.MAX_CONTAINER_GAIN": (1.0, 1.05, 1.1, 1.15, 1.25, 1.35, 1.5, 1.75, 2.0, 3.0),
    "config.MAX_CONTAINER_LOSS": (0.0, 0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8),
    "config.MIN_DROPPED_OUTSIDE": (0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0),
    "config.MIN_WORDS": (1, 2, 3, 5, 8, 10, 15, 20, 30, 50),
    "config.LAYOUT_CELL_WORDS": (10, 20, 40, 60, 80, 100, 150, 200, 300, 500),
    "config.LAYOUT_CELL_SHARE": (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "trafilatura.MIN_EXTRACTED_SIZE": (100, 250, 500, 1000, 2000, 5000, 10000),
    "layout.MAX_DIALOG_SHARE": (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "layout.MAX_TITLE_WORDS": (3, 4, 6, 8, 10, 12, 14, 16, 20, 30),
    "layout.MIN_DOCUMENT_WORDS": (0, 25, 50, 100, 150, 200, 300, 500, 1000, 2000),
    "layout.MAX_TEXT_BEFORE_HEADING": (0, 10, 20, 40, 80, 120, 200, 400, 1000),
    "reveal.MAX_TITLE_WORDS": (2, 3, 5, 8, 10, 15, 20, 30, 50),
    "reveal.MIN_PANEL_WORDS": (0, 1, 3, 5, 8, 12, 20, 40, 80),
    "reveal.MAX_PANEL_LINK_SHARE": (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0),
    "reveal.DUPLICATE_WORDS": (3, 5, 10, 20, 30, 50, 100),
    "reveal.MAX_DATE_LINE_WORDS": (5, 8, 12, 15, 20, 25, 30, 40, 60),
    "reveal.MIN_DATE_LINE_CONFIDENCE": (0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0),
    "reveal.MAX_WORDS_BEFORE_DATE": (0, 1, 2, 3, 4, 6, 10),
    "reveal.LEADING_SHARE": (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0),
    "titleblock.MAX_HEADING_WORDS": (4, 6, 8, 10, 12, 14, 16, 20, 30),
    "titleblock.MAX_DATE_LINE_WORDS": (5, 8, 12, 15, 20, 25, 30, 40, 60),
    "titleblock.PROSE_WORDS": (5, 10, 15, 20, 30, 40, 60, 100),
    "titleblock.LINES_AFTER": (0, 1, 2, 3, 5, 8, 12),
    "titleblock.LINES_BEFORE": (0, 1, 2, 3, 5, 8),
    "titleblock.MIN_CONFIDENCE": (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0),
    "extracted.MIN_WORDS_FOR_DETECTION": (0, 3, 5, 10, 20, 40, 80, 160),
    "extracted.DETECTION_CHARS": (500, 1000, 2000, 5000, 10000, 20000, 50000, 200000),
}
LANGUAGE_ONLY = frozenset(("extracted.MIN_WORDS_FOR_DETECTION", "extracted.DETECTION_CHARS"))
# Limits of time and memory, not of quality: their comments name bench/pathological_pages.py.
BOUNDS = frozenset(("config.MAX_TREE_ELEMENTS", "config.MAX_TREE_DEPTH"))


@dataclass(frozen=True, slots=True)
class Threshold:
    key: str  # "blocks.PROSE_MIN_WORDS"; "trafilatura.X" for an option of its configuration
    code: float
    grid: tuple[float, ...]

    @property
    def module(self) -> str:
        return self.key.split(".")[0]

    @property
    def name(self) -> str:
        return self.key.split(".")[1]

    @property
    def metric(self) -> str:
        return "language" if self.key in LANGUAGE_ONLY else "f1"


# ---- the constants in the code, and who reads them ----------------------------------------------


def declared_constants() -> dict[str, float]:
    """Every module-level `NAME = <number>` (or `A, B = <n>, <m>`) of pipelines/extract."""
    found: dict[str, float] = {}
    for path in sorted(EXTRACT.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target, value = node.targets[0], node.value
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            values = value.elts if isinstance(value, ast.Tuple) else [value]
            for name, number in zip(names, values, strict=False):
                if (
                    isinstance(name, ast.Name)
                    and name.id.isupper()
                    and isinstance(number, ast.Constant)
                    and type(number.value) in (int, float)
                ):
                    found[f"{path.stem}.{name.id}"] = number.value
    return found


@dataclass(slots=True)
class Readers:
    """Where a constant's value is held: its module, modules importing it by name, defaults."""

    modules: list[ModuleType] = field(default_factory=list)
    defaults: list[tuple[FunctionType, int]] = field(default_factory=list)


def readers(key: str) -> Readers:
    module, name = key.split(".")
    found = Readers([importlib.import_module(f"pipelines.extract.{module}")])
    for path in sorted(EXTRACT.glob("*.py")):
        reader = importlib.import_module(f"pipelines.extract.{path.stem}")
        holds = path.stem == module
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == f"pipelines.extract.{module}"
                and any(alias.name == name and alias.asname is None for alias in node.names)
            ):
                found.modules.append(reader)
                holds = True
            # A default is read once, when the function is defined: patch it where it is kept.
            if holds and isinstance(node, ast.FunctionDef):
                defaults = node.args.defaults
                for index, default in enumerate(defaults):
                    if isinstance(default, ast.Name) and default.id == name:
                        found.defaults.append((getattr(reader, node.name), index))
    return found


def assign(threshold: Threshold, value: Any, held: Readers | None) -> None:
    """Set `threshold` to `value` wherever extraction reads it."""
    if threshold.module == "trafilatura":
        TRAFILATURA_CONFIG.set("DEFAULT", threshold.name, str(int(value)))
        return
    assert held is not None
    for module in held.modules:
        setattr(module, threshold.name, value)
    for function, index in held.defaults:
        defaults = list(function.__defaults__ or ())
        defaults[index] = value
        function.__defaults__ = tuple(defaults)


# ---- probes: what the baseline run decided with each threshold ----------------------------------

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
REFLECTED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(slots=True)
class ProbeLog:
    """Each comparison one threshold took part in: (comparison, its transform, the other side)."""

    uses: list[tuple[str, Callable[[float], float], float]] = field(default_factory=list)
    opaque: bool = False  # used otherwise (an index, a conversion): only a run can tell

    def same_at(self, code: float, value: float) -> bool:
        """Whether every comparison comes out as it did with `code` when the value is `value`."""
        return not self.opaque and all(
            COMPARISONS[op](transform(value), other) == COMPARISONS[op](transform(code), other)
            for op, transform, other in self.uses
        )


def _same(constant: float) -> float:
    return constant


class Probe:
    """A threshold's value that records the comparisons made with it.

    Arithmetic with a plain number gives a probe of the result, so `words >= 0.5 * total` is
    recorded as a comparison of the threshold; any other use marks the log opaque.
    """

    __slots__ = ("log", "transform", "value")

    def __init__(
        self, value: float, log: ProbeLog, transform: Callable[[float], float] = _same
    ) -> None:
        self.value, self.log, self.transform = value, log, transform

    def _compare(self, op: str, other: Any) -> bool:
        if isinstance(other, Probe):
            if other.log is self.log:
                self.log.opaque = True
            else:
                other.log.uses.append((REFLECTED[op], other.transform, self.value))
            other = other.value
        self.log.uses.append((op, self.transform, other))
        return COMPARISONS[op](self.value, other)

    def __lt__(self, other: Any) -> bool:
        return self._compare("<", other)

    def __le__(self, other: Any) -> bool:
        return self._compare("<=", other)

    def __gt__(self, other: Any) -> bool:
        return self._compare(">", other)

    def __ge__(self, other: Any) -> bool:
        return self._compare(">=", other)

    def __eq__(self, other: object) -> bool:
        return self._compare("==", other)

    def __ne__(self, other: object) -> bool:
        return self._compare("!=", other)

    def _derive(self, other: Any, combine: Callable[[float, Any], float]) -> Any:
        if isinstance(other, Probe):
            self.log.opaque = other.log.opaque = True
            return combine(self.value, other.value)
        transform = self.transform
        return Probe(combine(self.value, other), self.log, lambda c: combine(transform(c), other))

    def __add__(self, other: Any) -> Any:
        return self._derive(other, operator.add)

    def __radd__(self, other: Any) -> Any:
        return self._derive(other, lambda mine, theirs: theirs + mine)

    def __sub__(self, other: Any) -> Any:
        return self._derive(other, operator.sub)

    def __rsub__(self, other: Any) -> Any:
        return self._derive(other, lambda mine, theirs: theirs - mine)

    def __mul__(self, other: Any) -> Any:
        return self._derive(other, operator.mul)

    def __rmul__(self, other: Any) -> Any:
        return self._derive(other, lambda mine, theirs: theirs * mine)

    def __truediv__(self, other: Any) -> Any:
        return self._derive(other, operator.truediv)

    def __rtruediv__(self, other: Any) -> Any:
        return self._derive(other, lambda mine, theirs: theirs / mine)

    def _opaque(self) -> float:
        self.log.opaque = True
        return self.value

    def __index__(self) -> int:
        return int(self._opaque())

    def __int__(self) -> int:
        return int(self._opaque())

    def __float__(self) -> float:
        return float(self._opaque())

    def __bool__(self) -> bool:
        return bool(self._opaque())

    def __hash__(self) -> int:
        return hash(self._opaque())

    def __format__(self, spec: str) -> str:
        return format(self._opaque(), spec)


# ---- the tuning pages ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TuningPage:
    collection: str  # one of COLLECTIONS
    key: str
    html: Path
    url: str
    content_type: str | None
    reference: str | None  # None for a page that is no policy: only whether it yields counts
    language: str | None  # the language it is known to be in, when known
    captured_at: datetime
    # The date the page states for itself ("YYYY-MM-DD", "YYYY-MM" or NONE), known for the
    # held-out pages only: OTA's and Princeton-Leuven's pins (tests/baselines/dates.json) are
    # for their reference texts, and some pages state a date those texts dropped.
    date: str | None


def tuning_pages() -> list[TuningPage]:
    """OTA, Princeton-Leuven, held-out rounds 1 and 2; never round 3."""
    pages = [
        TuningPage(
            "ota" if isinstance(document, OtaVersion) else "pl",
            f"{document.service} {document.name[:3]}"
            if isinstance(document, OtaVersion)
            else document.domain,
            document.html,
            document.url,
            None,
            document.reference_text(),
            (document.declared_language or "")[:2].lower() or None,
            document.captured_at,
            None,
        )
        for document in (*ota_versions(), *leuven_pages())
    ]
    for collection, folder in (("r1", PAGES), ("r2", ROUND_2)):
        pages += [
            TuningPage(
                collection,
                page.stem,
                page.html,
                page.url,
                HELD_OUT_TYPE,
                page.reference if page.is_policy else None,
                page.language,
                page.captured_at,
                page.effective_date or NONE,
            )
            for page in held_out_pages(folder)
        ]
    return pages


class Outcome(NamedTuple):
    digest: str  # of the text, "" when there is none
    f1: float | None  # against the reference; None for a page that is no policy
    language: str | None
    date: str  # the date dates.py finds in the text, or NONE

    @property
    def yields(self) -> bool:
        return bool(self.digest)


# ---- the work of one page, in a process of the pool ---------------------------------------------

_WORK: dict[str, Any] = {}  # pages, thresholds, readers and options, set before the pool forks
_TRAFILATURA_EXTRACT = trafilatura.extract
_TRAFILATURA_CACHE: dict[bytes, str | None] = {}


def _cached_trafilatura(tree: Any, **options: Any) -> str | None:
    """trafilatura's text of `tree`, computed once for each tree and configuration."""
    configured = tuple(options["config"].items("DEFAULT"))
    other = sorted((name, value) for name, value in options.items() if name != "config")
    key = hashlib.blake2b(etree.tostring(tree) + repr((configured, other)).encode()).digest()
    if key not in _TRAFILATURA_CACHE:
        _TRAFILATURA_CACHE[key] = _TRAFILATURA_EXTRACT(tree, **options)
    return _TRAFILATURA_CACHE[key]


def _extract(page: TuningPage, body: bytes) -> Outcome:
    found = extract_policy(body, page.url, page.content_type)
    if found is None:
        return Outcome("", 0.0 if page.reference is not None else None, None, NONE)
    digest = hashlib.blake2b(found.text.encode()).hexdigest()
    f1 = score(found.text, page.reference).f1 if page.reference is not None else None
    date = find_effective_date(
        found.text, found.language, page.captured_at, declared=found.declared_language, url=page.url
    )
    return Outcome(digest, f1, found.language, date.value if date else NONE)


@dataclass(frozen=True, slots=True)
class PageSweep:
    index: int
    baseline: Outcome
    changed: dict[tuple[str, float], Outcome]  # only the grid values whose outcome differs
    runs: int  # extractions made, the baseline's two included


def sweep_page(index: int) -> PageSweep:
    page: TuningPage = _WORK["pages"][index]
    thresholds: list[Threshold] = _WORK["thresholds"]
    held: dict[str, Readers] = _WORK["readers"]
    body = page.html.read_bytes()
    _TRAFILATURA_CACHE.clear()
    baseline = _extract(page, body)
    probed = [threshold for threshold in thresholds if threshold.key in held]
    logs = {threshold.key: ProbeLog() for threshold in probed}
    for threshold in probed:
        assign(threshold, Probe(threshold.code, logs[threshold.key]), held[threshold.key])
    try:
        if _extract(page, body) != baseline:
            raise RuntimeError(f"{page.key}: the probes changed the extraction")
    finally:
        for threshold in probed:
            assign(threshold, threshold.code, held[threshold.key])
    changed, runs = {}, 2
    for threshold in thresholds:
        log = logs.get(threshold.key)
        for value in threshold.grid:
            if value == threshold.code:
                continue
            if not _WORK["exhaustive"] and log is not None and log.same_at(threshold.code, value):
                continue
            assign(threshold, value, held.get(threshold.key))
            try:
                found = _extract(page, body)
            finally:
                assign(threshold, threshold.code, held.get(threshold.key))
            runs += 1
            if found != baseline:
                changed[threshold.key, value] = found
    return PageSweep(index, baseline, changed, runs)


# ---- what the sweeps say ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    """One grid value of one threshold, over every tuning page."""

    value: float
    means: dict[str, float]  # F1 per collection, and "all": over every tuning policy
    yield_changes: list[str]  # pages that are no policy and now yield text, or stop yielding
    moved: list[str]  # pages whose text, language or date differs from the code value's
    languages: int  # pages whose detected language is the one known
    dates: int  # held-out pages whose date (or lack of one) is the one known


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _label(page: TuningPage) -> str:
    return f"{page.collection}:{page.key}"


def points(threshold: Threshold, pages: list[TuningPage], sweeps: list[PageSweep]) -> list[Point]:
    found = []
    for value in threshold.grid:
        rows = [
            (page, sweep.baseline, sweep.changed.get((threshold.key, value), sweep.baseline))
            for page, sweep in zip(pages, sweeps, strict=True)
        ]
        f1 = {
            name: [
                new.f1 for page, _, new in rows if page.collection == name and new.f1 is not None
            ]
            for name in COLLECTIONS
        }
        means = {name: _mean(values) for name, values in f1.items()}
        means["all"] = _mean([value for values in f1.values() for value in values])
        found.append(
            Point(
                value,
                means,
                yield_changes=[
                    _label(page)
                    for page, old, new in rows
                    if page.reference is None and old.yields != new.yields
                ],
                moved=[_label(page) for page, old, new in rows if old != new],
                languages=sum(
                    new.language == page.language for page, _, new in rows if page.language
                ),
                dates=sum(new.date == page.date for page, _, new in rows if page.date),
            )
        )
    return found


def best_values(threshold: Threshold, found: list[Point]) -> list[float]:
    """The grid values as good as the best: no other page's yield changed, as many dates right
    as the most, F1 within TOLERANCE of the best of those; for a threshold only language
    detection reads, as many languages right as the most."""
    allowed = [point for point in found if not point.yield_changes]
    if threshold.metric == "language":
        most = max(point.languages for point in allowed)
        return [point.value for point in allowed if point.languages == most]
    most = max(point.dates for point in allowed)
    allowed = [point for point in allowed if point.dates == most]
    best = max(point.means["all"] for point in allowed)
    return [point.value for point in allowed if point.means["all"] >= best - TOLERANCE]


def ranges(grid: tuple[float, ...], chosen: list[float]) -> list[tuple[float, float]]:
    """`chosen` as runs of neighbouring grid values: [(first, last), ...]."""
    runs: list[list[float]] = []
    previous = False
    for value in grid:
        if value in chosen:
            if previous:
                runs[-1].append(value)
            else:
                runs.append([value])
        previous = value in chosen
    return [(run[0], run[-1]) for run in runs]


def middle(grid: tuple[float, ...], run: tuple[float, float]) -> float:
    """The grid value of `run` nearest its middle."""
    inside = [value for value in grid if run[0] <= value <= run[1]]
    centre = (run[0] + run[1]) / 2
    return min(inside, key=lambda value: (abs(value - centre), value))


def _number(value: float) -> str:
    return f"{value:g}"


def _run_text(runs: list[tuple[float, float]]) -> str:
    return " + ".join(
        f"[{_number(low)}, {_number(high)}]" if low != high else f"[{_number(low)}]"
        for low, high in runs
    )


def _means_text(point: Point) -> str:
    return " ".join(f"{point.means[name]:.4f}" for name in ("all", *COLLECTIONS))


def _pages_text(moved: set[str], most: int = 3) -> str:
    if not moved:
        return "none"
    listed = ", ".join(sorted(moved)[:most])
    return f"{len(moved)}: {listed}" + (", ..." if len(moved) > most else "")


@dataclass(frozen=True, slots=True)
class Verdict:
    threshold: Threshold
    runs: list[tuple[float, float]]
    at_code: Point
    moved: set[str]
    outside: bool
    move_to: Point | None  # the middle of the best range, when the code value is outside it

    @property
    def safe_move(self) -> bool:
        return (
            self.move_to is not None
            and all(self.move_to.means[name] >= self.at_code.means[name] for name in COLLECTIONS)
            and self.move_to.dates >= self.at_code.dates
            and self.move_to.languages >= self.at_code.languages
        )


def judge(threshold: Threshold, found: list[Point]) -> Verdict:
    chosen = best_values(threshold, found)
    runs = ranges(threshold.grid, chosen)
    at = {point.value: point for point in found}
    moved = {page for point in found for page in point.moved}
    outside = threshold.code not in chosen
    move_to = None
    if outside:
        # the widest run, and of equally wide ones the best
        widest = max(
            runs,
            key=lambda run: (
                sum(run[0] <= value <= run[1] for value in threshold.grid),
                max(at[value].means["all"] for value in chosen if run[0] <= value <= run[1]),
            ),
        )
        move_to = at[middle(threshold.grid, widest)]
    return Verdict(threshold, runs, at[threshold.code], moved, outside, move_to)


def print_sweep(verdict: Verdict, found: list[Point]) -> None:
    threshold = verdict.threshold
    flag = "OUTSIDE" if verdict.outside else "in range"
    print(
        f"\n{threshold.key} = {_number(threshold.code)}: best {_run_text(verdict.runs)} ({flag})"
        f"; pages moved by the sweep: {_pages_text(verdict.moved)}"
    )
    print(
        f"  {'value':>8}  {'all':>6} {'ota':>6} {'pl':>6} {'r1':>6} {'r2':>6}"
        f"  dates langs  moved; yield changes"
    )
    for point in found:
        mark = "*" if point.value == threshold.code else " "
        yields = (
            f"; yields changed: {', '.join(point.yield_changes)}" if point.yield_changes else ""
        )
        print(
            f"{mark} {_number(point.value):>8}  {_means_text(point)}  {point.dates:>5} "
            f"{point.languages:>5}  {_pages_text(set(point.moved))}{yields}"
        )
    if verdict.move_to is not None:
        changes = [
            f"{name} {verdict.move_to.means[name] - verdict.at_code.means[name]:+.4f}"
            for name in COLLECTIONS
        ]
        changes.append(f"dates {verdict.move_to.dates - verdict.at_code.dates:+d}")
        print(
            f"  middle of the best range: {_number(verdict.move_to.value)} ({', '.join(changes)})"
            f" -> {'move it' if verdict.safe_move else 'something drops: keep it, report it'}"
        )


def print_summary(verdicts: list[Verdict], pages: list[TuningPage]) -> None:
    counts = ", ".join(
        f"{name} {sum(page.collection == name for page in pages)}" for name in COLLECTIONS
    )
    policies = sum(page.reference is not None for page in pages)
    known = sum(page.language is not None for page in pages)
    dated = sum(page.date is not None for page in pages)
    at_code = verdicts[0].at_code
    print(
        f"\nSummary: {counts} pages ({policies} policies). At the code values: mean F1 "
        f"{', '.join(f'{name} {at_code.means[name]:.4f}' for name in ('all', *COLLECTIONS))}; "
        f"dates {at_code.dates}/{dated}, languages {at_code.languages}/{known}"
    )
    print(f"{'threshold':36} {'code':>7}  {'best range':24} moved  flag")
    for verdict in verdicts:
        threshold = verdict.threshold
        flags = []
        if verdict.outside:
            assert verdict.move_to is not None
            verb = "move" if verdict.safe_move else "keep (something drops)"
            flags.append(f"OUTSIDE: {verb} to {_number(verdict.move_to.value)}")
        if len(verdict.moved) == 1:
            flags.append(f"one page only: {next(iter(verdict.moved))}")
        if not verdict.moved:
            flags.append("no page moves")
        print(
            f"{threshold.key:36} {_number(threshold.code):>7}  {_run_text(verdict.runs):24} "
            f"{len(verdict.moved):>5}  {'; '.join(flags)}"
        )


# ---- the command --------------------------------------------------------------------------------


def thresholds(names: list[str], quick: bool) -> list[Threshold]:
    declared = declared_constants()
    unswept = sorted(set(declared) - set(GRIDS) - BOUNDS)
    if unswept:
        sys.exit(f"neither swept nor a bound (add to GRIDS or BOUNDS): {', '.join(unswept)}")
    declared["trafilatura.MIN_EXTRACTED_SIZE"] = int(
        TRAFILATURA_CONFIG.get("DEFAULT", "MIN_EXTRACTED_SIZE")
    )
    chosen = []
    for key, grid in GRIDS.items():
        if names and key not in names and key.split(".")[1] not in names:
            continue
        code = declared[key]
        values = grid[::2] if quick else grid
        chosen.append(Threshold(key, code, tuple(sorted({*values, code}))))
    return chosen


def run_pool(
    pages: list[TuningPage], chosen: list[Threshold], exhaustive: bool
) -> Iterator[PageSweep]:
    _WORK.update(
        pages=pages,
        thresholds=chosen,
        readers={t.key: readers(t.key) for t in chosen if t.module != "trafilatura"},
        exhaustive=exhaustive,
    )
    trafilatura.extract = _cached_trafilatura
    # Largest pages first, so no process is left with a long one at the end.
    order = sorted(range(len(pages)), key=lambda index: -pages[index].html.stat().st_size)
    with ProcessPoolExecutor(os.cpu_count(), mp_context=get_context("fork")) as pool:
        yield from pool.map(sweep_page, order)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="thresholds to sweep (NAME or module.NAME)")
    parser.add_argument("--quick", action="store_true", help="every other grid point")
    parser.add_argument(
        "--exhaustive", action="store_true", help="run every grid value on every page"
    )
    arguments = parser.parse_args()
    if not (SHARED_DATA / "ota").exists():
        sys.exit(f"{SHARED_DATA / 'ota'} is not here")
    chosen = thresholds(arguments.names, arguments.quick)
    pages = tuning_pages()
    started = time.perf_counter()
    sweeps = sorted(run_pool(pages, chosen, arguments.exhaustive), key=lambda sweep: sweep.index)
    verdicts = []
    for threshold in chosen:
        found = points(threshold, pages, sweeps)
        verdicts.append(judge(threshold, found))
        print_sweep(verdicts[-1], found)
    print_summary(verdicts, pages)
    runs = sum(sweep.runs for sweep in sweeps)
    configurations = 1 + sum(len(threshold.grid) - 1 for threshold in chosen)
    print(
        f"\n{runs} extractions for {configurations} settings of {len(pages)} pages "
        f"({time.perf_counter() - started:.0f} s on {os.cpu_count()} processes)"
    )


if __name__ == "__main__":
    main()
