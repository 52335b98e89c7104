"""Extraction on the real data sets, scored against their reference texts and pinned scores."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import trafilatura
from reference_data import Document, extract_text

from pipelines.decode import decode_html
from pipelines.evaluation import Score, score

BASELINE = Path(__file__).resolve().parent / "baselines" / "extraction.json"


@dataclass(frozen=True, slots=True)
class Result:
    document: Document
    score: Score
    strategy: str  # how the text was extracted, "-" when nothing was


def _pipeline(document: Document) -> tuple[str, str]:
    """What `extract_policy` gets from the document's page, and how."""
    page = extract_text(document.html, document.url)
    return page.text, page.strategy


def plain_trafilatura(document: Document) -> tuple[str, str]:
    """What trafilatura alone gets, for comparison: recall mode on the decoded page."""
    html = decode_html(document.html.read_bytes(), None).text
    return trafilatura.extract(html, url=document.url, favor_recall=True) or "", "plain"


def results(
    found: Sequence[Document], extract: Callable[[Document], tuple[str, str]] = _pipeline
) -> dict[str, Result]:
    """Each document's score, keyed as the baseline keys it; `extract` gives (text, strategy)."""
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
