"""Extraction on the real data sets, scored against their reference texts and pinned scores."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipelines.decode import decode_html
from pipelines.evaluation import Score, reference_text, score
from pipelines.extract import extract_policy

BASELINE = Path(__file__).resolve().parent / "baselines" / "extraction.json"
COLLECTIONS = ("ota", "princeton-leuven")
# The first lines of a Princeton-Leuven capture name its Wayback URL: ".../<14 digits>id_/<url>".
WAYBACK_URL = re.compile(r"https?://web\.archive\.org/web/\d{14}id_/(\S+?)\)?\s")


@dataclass(frozen=True, slots=True)
class Document:
    collection: str  # "ota" or "princeton-leuven"
    key: str  # OTA: the version's folder under ota/; Princeton-Leuven: the domain
    html: Path
    reference: Path
    url: str

    def reference_text(self) -> str:
        return reference_text(self.reference.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Result:
    document: Document
    score: Score
    strategy: str  # how the text was extracted, "-" when nothing was


def ota_documents(folder: Path) -> list[Document]:
    """Each primary OTA snapshot with its version.md (same-text variants are left out)."""
    found = []
    with (folder / "REPLAY_MAP.csv").open(newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            if row["role"] == "primary":
                html = folder / row["file"]
                key = str(html.parent.relative_to(folder))
                found.append(
                    Document("ota", key, html, folder / row["expected_text"], row["original_url"])
                )
    return sorted(found, key=lambda document: document.key)


def same_text_pairs(folder: Path) -> Iterator[tuple[Document, Path]]:
    """Each OTA primary snapshot with a later snapshot whose HTML differs but whose text did not."""
    primaries = {document.reference: document for document in ota_documents(folder)}
    with (folder / "REPLAY_MAP.csv").open(newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            if row["role"] != "primary":
                yield primaries[folder / row["expected_text"]], folder / row["file"]


def princeton_leuven_documents(folder: Path) -> list[Document]:
    found = []
    with (folder / "INDEX.csv").open(newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            html = folder / row["html_path"]
            with html.open(encoding="utf-8", errors="replace") as page:
                named = WAYBACK_URL.search(page.readline() + page.readline())
            url = named[1] if named else row["original_url"]
            found.append(
                Document("princeton-leuven", row["domain"], html, folder / row["md_path"], url)
            )
    return sorted(found, key=lambda document: document.key)


def documents(collection: str, folder: Path) -> list[Document]:
    reader = ota_documents if collection == "ota" else princeton_leuven_documents
    return reader(folder)


def extracted(document: Document) -> tuple[str, str]:
    """The text `extract_policy` gets from the document's page, and its strategy."""
    result = extract_policy(document.html.read_bytes(), document.url)
    return (result.text, result.strategy) if result else ("", "-")


def plain_trafilatura(document: Document) -> tuple[str, str]:
    """What trafilatura alone gets, for comparison: recall mode on the decoded page."""
    import trafilatura

    html = decode_html(document.html.read_bytes(), None).text
    return trafilatura.extract(html, url=document.url, favor_recall=True) or "", "plain"


def results(
    found: list[Document], extract: Callable[[Document], tuple[str, str]] = extracted
) -> dict[str, Result]:
    scored = {}
    for document in found:
        text, strategy = extract(document)
        scored[document.key] = Result(document, score(text, document.reference_text()), strategy)
    return scored


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def means(scored: dict[str, Result]) -> dict[str, float]:
    values = [result.score for result in scored.values()]
    return {
        "f1": mean([value.f1 for value in values]),
        "precision": mean([value.precision for value in values]),
        "recall": mean([value.recall for value in values]),
    }


def table(collection: str, scored: dict[str, Result], pinned: dict | None = None) -> str:
    """One line per document, worst first, then the means; with the pinned F1 when given."""
    lines = [
        f"{collection}: {len(scored)} documents",
        f"{'F1':>6} {'P':>6} {'R':>6} {'pinned':>6}  {'strategy':<44} document",
    ]
    for key, result in sorted(scored.items(), key=lambda item: (item[1].score.f1, item[0])):
        value = result.score
        pin = (pinned or {}).get(key, {}).get("f1")
        pin_text = f"{pin:6.3f}" if pin is not None else f"{'-':>6}"
        lines.append(
            f"{value.f1:6.3f} {value.precision:6.3f} {value.recall:6.3f} {pin_text}  "
            f"{result.strategy:<44} {key}"
        )
    average = means(scored)
    lines.append(
        f"{average['f1']:6.3f} {average['precision']:6.3f} {average['recall']:6.3f} "
        f"{'':>6}  {'mean':<44}"
    )
    return "\n".join(lines)


def load_baseline(path: Path = BASELINE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_baseline(scored: dict[str, dict[str, Result]], path: Path = BASELINE) -> None:
    import trafilatura

    pinned = {
        "about": (
            "Token P/R/F1 of pipelines.extract.extract_policy against the reference texts, "
            "pinned for tests/test_extraction_quality.py; re-pin with "
            "bench/extraction_scores.py --write after reading what changed."
        ),
        "trafilatura": trafilatura.__version__,
    }
    for collection, found in scored.items():
        pinned[collection] = {
            "mean": {name: round(value, 4) for name, value in means(found).items()},
            "documents": {
                key: {
                    "f1": round(result.score.f1, 4),
                    "precision": round(result.score.precision, 4),
                    "recall": round(result.score.recall, 4),
                    "strategy": result.strategy,
                }
                for key, result in sorted(found.items())
            },
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pinned, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
