"""The classify stage: which kind of document a text is, by a fitted model that names its reasons.

Kinds: `privacy` (a privacy policy, cookie section or not), `cookies` (a cookie policy alone),
`terms` (terms of service or sale), `other legal` (community guidelines, copyright, imprint,
accessibility...) and `not legal` (soft 404s, login walls, home pages, parked domains, news,
a legal hub that only links). The model (model.json, fitted by bench/fit_kinds.py on labelled
pages split by service) is a multinomial logistic regression over TF-IDF word n-grams and
pseudo-words (URL, title, length, the kinds a title names); privacy is said only from the
model's threshold. Its inference here needs no scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from crawler.items import CaptureItem, Document
from pipelines.classify.features import terms
from pipelines.classify.model import KindModel
from pipelines.stage import Stage

MODEL_PATH = Path(__file__).with_name("model.json")
PRIVACY = "privacy"
# Terms named per decision: enough to see why, few enough to read.
REASONS = 6


@dataclass(frozen=True, slots=True)
class KindScore:
    kind: str
    score: float  # the probability of `kind`
    reasons: tuple[str, ...]  # the terms that set `kind` ahead of the runner-up: "term (+0.84)"
    policy_score: float  # the probability of `privacy`
    policy_reasons: tuple[str, ...]  # for (+) and against (-) privacy, against its rival
    # Every kind: the one said first, then by probability (privacy under its threshold is said
    # after the runner-up, though more likely).
    probabilities: tuple[tuple[str, float], ...]

    @property
    def is_policy(self) -> bool:
        return self.kind == PRIVACY


@cache
def kind_model() -> KindModel:
    return KindModel.load(MODEL_PATH)


def _named(found: list[tuple[str, float]]) -> tuple[str, ...]:
    return tuple(f"{term} ({value:+.2f})" for term, value in found[:REASONS])


def score_kinds(
    text: str, title: str | None = None, url: str | None = None, model: KindModel | None = None
) -> KindScore:
    """The kind of document `text` is (with its page's title and URL), and why."""
    model = model or kind_model()
    vector = model.vector(terms(text, title, url, model.reading))
    probabilities = model.probabilities(vector)
    ranked = model.ranked(probabilities)
    chosen, runner_up = ranked[0], ranked[1]
    privacy = model.kinds.index(PRIVACY)
    # Privacy is weighed against the kind that beat it, or, when it won, against the next.
    rival = runner_up if chosen == privacy else chosen
    return KindScore(
        kind=model.kinds[chosen],
        score=round(probabilities[chosen], 4),
        reasons=_named(model.contributions(vector, chosen, runner_up)),
        policy_score=round(probabilities[privacy], 4),
        policy_reasons=_named(model.contributions(vector, privacy, rival)),
        probabilities=tuple((model.kinds[kind], round(probabilities[kind], 4)) for kind in ranked),
    )


def classify_document(document: Document, url: str | None) -> Document:
    """The classification step: the document's kind; a policy is a document of kind privacy."""
    found = score_kinds(document.text, document.title, url)
    return replace(
        document,
        kind=found.kind,
        kind_score=found.score,
        kind_reasons=found.reasons,
        is_policy=found.is_policy,
        policy_score=found.policy_score,
        policy_reasons=found.policy_reasons,
    )


class ClassifyPipeline(Stage):
    """Gives each capture's Document its kind; documents of every kind are kept, and counted."""

    def process_item(self, item):
        if isinstance(item, CaptureItem) and item.document is not None:
            if not item.document.analysed:
                item.document = classify_document(item.document, item.url)
            kind = (item.document.kind or "").replace(" ", "_")
            self.crawler.stats.inc_value(f"policytrail/kind_{kind}")
            if not item.document.is_policy:
                self.crawler.stats.inc_value("policytrail/not_a_policy")
        return item
