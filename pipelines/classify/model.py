"""The fitted kind model (model.json) and its inference in plain Python, as scikit-learn does it.

The model is a multinomial logistic regression over TF-IDF weights: sublinear term frequency
(1 + ln count) times the term's idf, the vector scaled to unit length, then one linear score per
kind and their softmax. That is scikit-learn's `TfidfVectorizer(sublinear_tf=True)` followed by
`LogisticRegression.predict_proba`; tests/test_classify_model.py holds the two equal.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.classify.features import Reading

# The layout of model.json and what its terms are; bump it when either changes (2: the kinds a
# title names, function words left out, the privacy threshold).
FORMAT = 2


@dataclass(frozen=True, slots=True)
class KindModel:
    kinds: tuple[str, ...]
    reading: Reading
    terms: tuple[str, ...]  # the model's vocabulary, in the order of `idf` and `weights`
    index: dict[str, int]  # term -> its row
    idf: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]  # one row per term: its weight for each kind
    intercepts: tuple[float, ...]  # one per kind
    # Privacy is said only from this probability; below it, the next likeliest kind is.
    privacy_threshold: float
    fit: dict[str, Any]  # when and how it was fitted, and its held-out figures

    @classmethod
    def from_json(cls, model: dict[str, Any]) -> KindModel:
        if model.get("format") != FORMAT:
            raise ValueError(f"model format {model.get('format')!r}, this code reads {FORMAT}")
        kinds = tuple(model["kinds"])
        rows = model["terms"]  # {term: [idf, weight for each kind...]}
        for term, row in rows.items():
            if len(row) != 1 + len(kinds):
                raise ValueError(f"term {term!r} has {len(row)} numbers, not {1 + len(kinds)}")
        return cls(
            kinds=kinds,
            reading=Reading.from_json(model["reading"]),
            terms=tuple(rows),
            index={term: number for number, term in enumerate(rows)},
            idf=tuple(float(row[0]) for row in rows.values()),
            weights=tuple(tuple(float(value) for value in row[1:]) for row in rows.values()),
            intercepts=tuple(float(value) for value in model["intercepts"]),
            privacy_threshold=float(model.get("privacy_threshold", 0.0)),
            fit=dict(model.get("fit", {})),
        )

    @classmethod
    def load(cls, path: Path) -> KindModel:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def vector(self, terms: list[str]) -> dict[int, float]:
        """The document's TF-IDF vector over the model's terms: row -> value, unit length."""
        counts = Counter(self.index[term] for term in terms if term in self.index)
        values = {row: (1.0 + math.log(count)) * self.idf[row] for row, count in counts.items()}
        norm = math.sqrt(sum(value * value for value in values.values()))
        return {row: value / norm for row, value in values.items()} if norm else values

    def logits(self, vector: dict[int, float]) -> list[float]:
        scores = list(self.intercepts)
        for row, value in vector.items():
            for kind, weight in enumerate(self.weights[row]):
                scores[kind] += value * weight
        return scores

    def probabilities(self, vector: dict[int, float]) -> list[float]:
        """Each kind's probability, in the order of `kinds` (a softmax of the logits)."""
        logits = self.logits(vector)
        top = max(logits)
        exponentials = [math.exp(logit - top) for logit in logits]
        total = sum(exponentials)
        return [value / total for value in exponentials]

    def ranked(self, probabilities: list[float]) -> list[int]:
        """The kinds, the one said first: the likeliest, but privacy only from its threshold
        (a page it barely wins is given the runner-up's kind), then by probability."""
        order = sorted(range(len(self.kinds)), key=lambda kind: -probabilities[kind])
        privacy = self.kinds.index("privacy")
        if order[0] == privacy and probabilities[privacy] < self.privacy_threshold:
            order[0], order[1] = order[1], order[0]
        return order

    def contributions(
        self, vector: dict[int, float], kind: int, other: int
    ) -> list[tuple[str, float]]:
        """How much each of the document's terms moved `kind` ahead of `other` (their logits'
        difference), largest first whatever the sign."""
        found = [
            (self.terms[row], value * (self.weights[row][kind] - self.weights[row][other]))
            for row, value in vector.items()
        ]
        return sorted(found, key=lambda item: (-abs(item[1]), item[0]))
