"""Stated policy dates on the real data sets, scored against the hand-checked baseline."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reference_data import Document

from pipelines.dates import EffectiveDate, find_effective_date

BASELINE = Path(__file__).resolve().parent / "baselines" / "dates.json"
NONE = "none"  # what the baseline pins for a document that states no date


@dataclass(frozen=True, slots=True)
class Outcome:
    document: Document
    expected: str  # "YYYY-MM-DD", "YYYY-MM" or NONE
    note: str
    found: EffectiveDate | None

    @property
    def value(self) -> str:
        return self.found.value if self.found else NONE

    @property
    def agrees(self) -> bool:
        return self.value == self.expected


@dataclass(frozen=True, slots=True)
class Agreement:
    stating: int  # documents that state a date
    agreeing: int  # of those, found with the exact value
    silent: int  # documents that state none
    invented: int  # of those, given a date anyway

    @property
    def share(self) -> float:
        return self.agreeing / self.stating if self.stating else 1.0


def load_baseline(collection: str) -> dict[str, dict[str, str]]:
    return json.loads(BASELINE.read_text(encoding="utf-8"))[collection]


def outcomes(documents: Iterable[Document]) -> list[Outcome]:
    """Each document's found date beside the one pinned for it (KeyError for an unpinned one)."""
    results = []
    for document in documents:
        pinned = load_baseline(document.collection)[document.key]
        found = find_effective_date(
            document.reference_text(),
            document.declared_language,
            document.captured_at,
            url=document.url,
        )
        results.append(Outcome(document, pinned["expected"], pinned["note"], found))
    return results


def agreement(results: Iterable[Outcome]) -> Agreement:
    results = list(results)
    stating = [outcome for outcome in results if outcome.expected != NONE]
    silent = [outcome for outcome in results if outcome.expected == NONE]
    return Agreement(
        stating=len(stating),
        agreeing=sum(outcome.agrees for outcome in stating),
        silent=len(silent),
        invented=sum(outcome.found is not None for outcome in silent),
    )


def table(results: Iterable[Outcome]) -> str:
    """One line per document: verdict, expected, found, flags, confidence, the phrase."""
    lines = [f"{'':2} {'document':58} {'expected':10} {'found':10} {'flags':9} conf  phrase"]
    for outcome in results:
        found = outcome.found
        flags = ""
        if found and found.ambiguous:
            flags += "ambig "
        if found and found.after_capture:
            flags += "after"
        phrase = " ".join(found.phrase.split())[:48] if found else ""
        confidence = f"{found.confidence:.2f}" if found else ""
        lines.append(
            f"{'ok' if outcome.agrees else 'XX'} {outcome.document.key[-58:]:58} "
            f"{outcome.expected:10} {outcome.value:10} {flags:9} {confidence:5} {phrase}"
        )
    return "\n".join(lines)


def summary_line(name: str, score: Agreement) -> str:
    return (
        f"{name}: {score.agreeing}/{score.stating} stated dates agree ({score.share:.1%}); "
        f"{score.invented} dates given to the {score.silent} documents stating none"
    )
