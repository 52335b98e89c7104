"""Fits the document-kind classifier and writes pipelines/classify/model.json (prints figures).

    .venv/bin/pip install -e '.[fit]'
    .venv/bin/python bench/fit_kinds.py            # measure, then fit on every page and write
    .venv/bin/python bench/fit_kinds.py --measure  # the held-out figures only, nothing written
    HEADING_CHARS=0 FUNCTION_WORDS_OF="" .venv/bin/python bench/fit_kinds.py --measure
                                                   # the same without titles or function words

The pages are tests/kind_corpus.py's (never held-out rounds 3 and 4), each read through the
project's extraction. Held-out figures: each page is predicted by a model fitted without its
service or site (grouped K-fold), whose settings (characters read, number of terms,
regularisation, class weights, the probability privacy is said from) were chosen by grouped
cross-validation inside that model's own training side. Then the settings are chosen the same
way on every page, and the model fitted on all of them is written with its figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from kind_corpus import KINDS, Example, examples, shared_data_present  # noqa: E402

from pipelines.classify.features import Reading, terms  # noqa: E402
from pipelines.classify.model import FORMAT, KindModel  # noqa: E402

MODEL = ROOT / "pipelines" / "classify" / "model.json"
PRIVACY = KINDS.index("privacy")
# The settings tried; grouped cross-validation picks the combination of least log loss.
READ_CHARS = (3_000, 10_000, 30_000)
FEATURE_COUNTS = (1_000, 3_000, 6_000)
STRENGTHS = (16.0, 64.0, 256.0)  # C, the inverse of the L2 penalty
# Each kind weighing as much as the others: every fold chose it over the pages' own weights
# when both were tried (C 1 to 256, 1,000 to 4,000 terms), so only it is tried now.
CLASS_WEIGHTS = ("balanced",)
# Newton-CG: on these few hundred pages and thousands of terms, L-BFGS took 5-10 times longer
# to reach the same coefficients.
SOLVER = "newton-cg"
# Measured and left out (held-out privacy precision/recall, grouped, as above, when terms were
# still ranked by a weighted chi-squared test, 0.915/0.892, which the ranking by a first
# regression's weights replaced: 0.873/0.975, and the German, French third-person and Italian
# policies of tests/fixtures/policies all read as privacy where two or three were not): the words'
# character 3-5-grams as well (0.894/0.917 against 0.909/0.917 without, reasons unreadable);
# every term whatever its spread (0.909/0.917 against 0.915/0.892); no length pseudo-word
# (0.901/0.908); no URL-less copy of each page (0.917/0.925 at its own URL, 0.860/0.925 at
# a policy URL against 0.865/0.908); the pages' own weights without balancing the kinds
# (0.898/0.958, log loss higher).
# The kinds the title and the text's first characters name (pipelines/classify/titles.py) as
# terms: privacy precision/recall held out 0.887/0.969 without, 0.913/0.977 with 150 characters
# (function words left out in both; 100 characters: 0.899/0.969).
HEADING_CHARS = int(os.environ.get("HEADING_CHARS", 150))
# Function words left out, of the languages with a short jusText list (the longer lists of
# Polish, Czech, Finnish and Turkish hold inflected content words: "dane", data): 0.872/0.953
# with them all read, 0.887/0.969 without these. stopwords-iso's longer lists (pronouns too)
# were measured with the titles: 0.903/0.938 (all), 0.918/0.953 (all but English).
FUNCTION_WORDS_OF = tuple(
    os.environ.get("FUNCTION_WORDS_OF", "en de fr es it nl pt da sv no").split()
)
# Terms are ranked by a first regression over every term found on this many pages or more,
# with this strength, and the best kept for the model.
MIN_PAGES = 2
RANKING_STRENGTH = 16.0
# Lengths in characters where the length pseudo-word changes: a stub, a short notice, a page,
# a policy, a long policy, a very long one (each about three times the last).
LENGTH_EDGES = (300, 1_000, 3_000, 10_000, 30_000)
OUTER_FOLDS = 5
INNER_FOLDS = 3
# Privacy is said only from a probability of at least this, chosen per fit by grouped
# cross-validation on its training side (choose_threshold); the candidates:
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(0, 17))  # 0.0 to 0.8
# Stored numbers keep six significant digits: probabilities move by less than 1e-5.
DIGITS = 6
# Where a page that is no longer a policy is met in a crawl: at the policy's URL.
POLICY_URL = "https://www.example.org/privacy-policy"
OWN_URL = "(the page's own)"


@dataclass(frozen=True, slots=True)
class Setting:
    read_chars: int
    features: int
    strength: float
    class_weight: str | None

    def reading(self) -> Reading:
        return Reading(self.read_chars, LENGTH_EDGES, True, HEADING_CHARS, FUNCTION_WORDS_OF)


@dataclass(frozen=True, slots=True)
class Fitted:
    """A model fitted on some pages: the terms kept, their idf, the regression."""

    setting: Setting
    columns: np.ndarray  # the terms' columns in the rows' count matrix
    vocabulary: list[str]
    tfidf: TfidfTransformer
    regression: LogisticRegression

    @property
    def idf(self) -> np.ndarray:
        return self.tfidf.idf_

    def probabilities(self, counts: sparse.csr_matrix) -> np.ndarray:
        """Each document's probabilities, from its counts of the model's terms."""
        return self.regression.predict_proba(self.tfidf.transform(counts))

    def probabilities_of(self, documents: Sequence[list[str]]) -> np.ndarray:
        vectorizer = CountVectorizer(analyzer=_same, vocabulary=self.vocabulary)
        return self.probabilities(vectorizer.transform(documents))


def _same(found: list[str]) -> list[str]:
    return found


class Rows:
    """The training rows: every page with its URL and, where it has one, again without.

    Pages of a kind that are not policies are met in a crawl at a policy's URL, so the model
    must not learn a kind from the URL alone: the second row teaches it from the text.
    """

    def __init__(self, pages: Sequence[Example]) -> None:
        self.pages = pages
        self.rows = [(number, True) for number in range(len(pages))] + [
            (number, False) for number, page in enumerate(pages) if page.page.url
        ]
        self.kind = np.array([KINDS.index(pages[number].page.kind) for number, _ in self.rows])
        self.page_weight = np.array([pages[number].weight for number, _ in self.rows])
        # A page with a URL weighs half in each of its two rows.
        self.weight = np.array(
            [pages[number].weight / (2 if pages[number].page.url else 1) for number, _ in self.rows]
        )
        self.group = np.array([pages[number].page.group for number, _ in self.rows])
        self._terms: dict[tuple[int, str | None], list[list[str]]] = {}
        self._counts: dict[int, tuple[sparse.csr_matrix, np.ndarray]] = {}

    def terms(self, read_chars: int, url: str | None = OWN_URL) -> list[list[str]]:
        """Each row's terms, with the page's own URL, or `url` in its place (None: none)."""
        if (read_chars, url) not in self._terms:
            reading = Setting(read_chars, 0, 0.0, None).reading()
            self._terms[read_chars, url] = [
                terms(
                    self.pages[number].text,
                    self.pages[number].title,
                    (self.pages[number].page.url if url == OWN_URL else url) if with_url else None,
                    reading,
                )
                for number, with_url in self.rows
            ]
        return self._terms[read_chars, url]

    def matrix(self, read_chars: int) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Every row's term counts over every term any row has, and those terms."""
        if read_chars not in self._counts:
            counter = CountVectorizer(analyzer=_same)
            matrix = counter.fit_transform(self.terms(read_chars))
            self._counts[read_chars] = (matrix.tocsr(), counter.get_feature_names_out())
        return self._counts[read_chars]

    def pages_of(self, rows: np.ndarray) -> np.ndarray:
        """The rows among `rows` that are pages as they are (with their own URL, if any)."""
        return rows[rows < len(self.pages)]

    def predict(self, model: Fitted, rows: np.ndarray, url: str | None = OWN_URL) -> np.ndarray:
        if url == OWN_URL:
            matrix, _ = self.matrix(model.setting.read_chars)
            return model.probabilities(matrix[rows][:, model.columns])
        found = self.terms(model.setting.read_chars, url)
        return model.probabilities_of([found[row] for row in rows])


def fit(
    rows: Rows,
    train: np.ndarray,
    setting: Setting,
    ranked: np.ndarray | None = None,
    start: LogisticRegression | None = None,
) -> Fitted:
    """The model of `setting` fitted on the `train` rows; `start` is a fit of a stronger
    regularisation on the same terms to start from (it is refitted in place)."""
    matrix, names = rows.matrix(setting.read_chars)
    if ranked is None:
        ranked = rank_terms(rows, train, setting.read_chars)
    keep = np.sort(ranked[: setting.features])
    selected = matrix[train][:, keep]
    tfidf = TfidfTransformer(sublinear_tf=True).fit(selected)
    regression = start or LogisticRegression(
        class_weight=setting.class_weight, solver=SOLVER, max_iter=1_000
    )
    regression.set_params(C=setting.strength)
    regression.fit(tfidf.transform(selected), rows.kind[train], sample_weight=rows.weight[train])
    if list(regression.classes_) != list(range(len(KINDS))):
        raise ValueError(f"a kind has no page on the training side: {regression.classes_}")
    return Fitted(setting, keep, list(names[keep]), tfidf, regression)


def rank_terms(rows: Rows, train: np.ndarray, read_chars: int) -> np.ndarray:
    """The terms of the training side, most telling first: by the largest weight a regression
    over every term found on two pages or more gives them (ties by name)."""
    matrix, _ = rows.matrix(read_chars)
    present = (matrix[train] > 0).astype(float)
    candidates = np.flatnonzero(np.asarray(present.sum(axis=0)).ravel() >= MIN_PAGES)
    counts = matrix[train][:, candidates]
    regression = LogisticRegression(
        C=RANKING_STRENGTH, class_weight="balanced", solver=SOLVER, max_iter=1_000
    )
    regression.fit(
        TfidfTransformer(sublinear_tf=True).fit_transform(counts),
        rows.kind[train],
        sample_weight=rows.weight[train],
    )
    scores = np.abs(regression.coef_).max(axis=0)
    return candidates[np.argsort(-scores, kind="stable")]


def log_loss(kind: np.ndarray, weight: np.ndarray, probabilities: np.ndarray) -> float:
    chosen = np.clip(probabilities[np.arange(len(kind)), kind], 1e-15, 1.0)
    return float(-(weight * np.log(chosen)).sum() / weight.sum())


def choose(rows: Rows, train: np.ndarray, folds: int) -> Chosen:
    """The setting of least weighted log loss over grouped folds of the `train` rows, and the
    privacy threshold best on those folds' pages with that setting."""
    losses: dict[Setting, list[tuple[np.ndarray, np.ndarray]]] = {}
    splitter = GroupKFold(n_splits=folds)
    for inner_train, inner_test in splitter.split(train, groups=rows.group[train]):
        fitting, measuring = train[inner_train], rows.pages_of(train[inner_test])
        ranked = {size: rank_terms(rows, fitting, size) for size in READ_CHARS}
        for read_chars, features, class_weight in itertools.product(
            READ_CHARS, FEATURE_COUNTS, CLASS_WEIGHTS
        ):
            # From the strongest regularisation to the weakest, each fit starting from the last.
            regression = LogisticRegression(
                class_weight=class_weight, solver=SOLVER, max_iter=1_000, warm_start=True
            )
            for strength in sorted(STRENGTHS):
                setting = Setting(read_chars, features, strength, class_weight)
                model = fit(rows, fitting, setting, ranked[read_chars], regression)
                found = rows.predict(model, measuring)
                losses.setdefault(setting, []).append((measuring, found))
    pooled = {
        setting: (
            np.concatenate([part for part, _ in parts]),
            np.concatenate([probabilities for _, probabilities in parts]),
        )
        for setting, parts in losses.items()
    }
    scores = {
        setting: log_loss(rows.kind[measured], rows.page_weight[measured], found)
        for setting, (measured, found) in pooled.items()
    }
    best = min(scores, key=lambda setting: (scores[setting], str(setting)))
    measured, found = pooled[best]
    return Chosen(best, scores, choose_threshold(rows.kind[measured], found))


@dataclass(frozen=True, slots=True)
class Chosen:
    setting: Setting
    scores: dict[Setting, float]  # each setting's log loss
    threshold: float  # the least probability privacy is said from


def decide(probabilities: np.ndarray, threshold: float | np.ndarray) -> np.ndarray:
    """Each page's kind: the likeliest, but privacy only from `threshold` (else the next)."""
    ranked = np.argsort(-probabilities, axis=1, kind="stable")
    chosen = ranked[:, 0].copy()
    below = (chosen == PRIVACY) & (probabilities[:, PRIVACY] < threshold)
    chosen[below] = ranked[below, 1]
    return chosen


def privacy_said(
    kind: np.ndarray, probabilities: np.ndarray, threshold: float
) -> tuple[float, float, int]:
    """Privacy's precision and recall when said from `threshold`, and the other pages said it."""
    said = decide(probabilities, threshold) == PRIVACY
    right = int((said & (kind == PRIVACY)).sum())
    precision = right / max(int(said.sum()), 1)
    return precision, right / max(int((kind == PRIVACY).sum()), 1), int(said.sum()) - right


def choose_threshold(kind: np.ndarray, probabilities: np.ndarray) -> float:
    """The threshold whose lesser of privacy's precision and recall is highest (the lowest of
    equals): a privacy policy missed and another page taken for one cost alike."""
    best, best_score = 0.0, -1.0
    for threshold in THRESHOLDS:
        score = min(privacy_said(kind, probabilities, threshold)[:2])
        if score > best_score + 1e-12:
            best, best_score = threshold, score
    return best


@dataclass(frozen=True, slots=True)
class HeldOut:
    """Each page's probabilities from a model that never saw its group, three ways."""

    own_url: np.ndarray  # as it stands, at its own URL (or none, when unknown)
    thresholds: np.ndarray  # the privacy threshold of each page's model
    policy_url: np.ndarray  # every page at a privacy policy's URL
    no_url: np.ndarray  # every page without a URL
    settings: list[Setting]  # the setting each fold chose
    models: list[KindModel]  # each page's model, for its reasons


def held_out(rows: Rows) -> HeldOut:
    count = len(rows.pages)
    found = {name: np.zeros((count, len(KINDS))) for name in ("own", "policy", "none")}
    chosen, models = [], [None] * count
    thresholds = np.zeros(count)
    everything = np.arange(len(rows.rows))
    for number, (train, test) in enumerate(
        GroupKFold(n_splits=OUTER_FOLDS).split(everything, groups=rows.group)
    ):
        started = time.perf_counter()
        inner = choose(rows, train, INNER_FOLDS)
        setting = inner.setting
        model = fit(rows, train, setting)
        measuring = rows.pages_of(test)
        found["own"][measuring] = rows.predict(model, measuring)
        found["policy"][measuring] = rows.predict(model, measuring, POLICY_URL)
        found["none"][measuring] = rows.predict(model, measuring, None)
        thresholds[measuring] = inner.threshold
        chosen.append(setting)
        inference = KindModel.from_json(model_json(model, {}, inner.threshold))
        for row in measuring:
            models[row] = inference
        print(
            f"  fold {number + 1}: {len(measuring)} pages held out, chose {setting},"
            f" privacy from {inner.threshold:.2f}"
            f" ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    return HeldOut(found["own"], thresholds, found["policy"], found["none"], chosen, models)


def figures(kind: np.ndarray, probabilities: np.ndarray, thresholds: np.ndarray) -> dict[str, Any]:
    """Per-kind precision and recall over pages, the confusion matrix (rows: the true kind)."""
    predicted = decide(probabilities, thresholds)
    confusion = np.zeros((len(KINDS), len(KINDS)), dtype=int)
    for true, found in zip(kind, predicted, strict=True):
        confusion[true, found] += 1
    per_kind = {}
    for number, name in enumerate(KINDS):
        said, truly = confusion[:, number].sum(), confusion[number].sum()
        right = confusion[number, number]
        per_kind[name] = {
            "precision": round(float(right / said), 3) if said else None,
            "recall": round(float(right / truly), 3) if truly else None,
            "pages": int(truly),
        }
    return {"kinds": per_kind, "confusion": confusion.tolist()}


def print_figures(title: str, found: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"  {'kind':<12}{'precision':>10}{'recall':>8}{'pages':>7}")
    for name, values in found["kinds"].items():
        precision, recall = values["precision"], values["recall"]
        print(
            f"  {name:<12}{'-' if precision is None else f'{precision:.3f}':>10}"
            f"{'-' if recall is None else f'{recall:.3f}':>8}{values['pages']:>7}"
        )
    print("  confusion (rows: the page's kind; columns: the kind found)")
    print("  " + " " * 12 + "".join(f"{name[:9]:>10}" for name in KINDS))
    for name, line in zip(KINDS, found["confusion"], strict=True):
        print(f"  {name:<12}" + "".join(f"{value:>10}" for value in line))


def reasons(model: KindModel, page: Example, kind: int, other: int) -> str:
    vector = model.vector(terms(page.text, page.title, page.page.url, model.reading))
    named = model.contributions(vector, kind, other)[:4]
    return "; ".join(f"{term} ({value:+.2f})" for term, value in named)


def print_misjudged(rows: Rows, found: HeldOut) -> None:
    print("\npages held out and judged wrong (true -> found: why found rather than true)")
    predicted = decide(found.own_url, found.thresholds)
    for number, page in enumerate(rows.pages):
        true = rows.kind[number]
        if predicted[number] != true:
            print(
                f"  {page.page.source}: {page.page.label}: {KINDS[true]} -> "
                f"{KINDS[predicted[number]]} {found.own_url[number, predicted[number]]:.2f}"
            )
            print(f"      {reasons(found.models[number], page, predicted[number], true)}")


def print_thresholds(kind: np.ndarray, probabilities: np.ndarray) -> None:
    """Privacy's precision and recall if it were said only from a probability up."""
    print("\nprivacy said only from a probability of (held out, own URL):")
    for threshold in (0.0, 0.5, 0.6, 0.7, 0.8):
        precision, recall, others = privacy_said(kind, probabilities, threshold)
        print(
            f"  {threshold:.1f}: precision {precision:.3f}, recall {recall:.3f}"
            f" ({others} other pages said privacy)"
        )


def goal(found: dict[str, Any]) -> str:
    privacy = found["kinds"]["privacy"]
    met = privacy["precision"] >= 0.95 and privacy["recall"] >= 0.95
    return (
        f"goal (privacy precision and recall >= 0.95): precision {privacy['precision']:.3f},"
        f" recall {privacy['recall']:.3f}: {'met' if met else 'NOT met'}"
    )


def _number(value: float) -> float:
    return float(f"{value:.{DIGITS}g}")


def model_json(fitted: Fitted, fit_info: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The fitted model as model.json holds it (KindModel.from_json reads it)."""
    coefficients = fitted.regression.coef_
    return {
        "format": FORMAT,
        "kinds": list(KINDS),
        "reading": fitted.setting.reading().as_json(),
        "intercepts": [_number(value) for value in fitted.regression.intercept_],
        "privacy_threshold": threshold,
        "fit": fit_info,
        "terms": {
            str(term): [_number(fitted.idf[column])]
            + [_number(value) for value in coefficients[:, column]]
            for column, term in enumerate(fitted.vocabulary)
        },
    }


def write_model(model: dict[str, Any], path: Path) -> None:
    """One line per setting and per term, so a refit shows as a readable diff."""
    lines = ["{"]
    for key, value in model.items():
        if key != "terms":
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "terms": {')
    rows = [
        f"    {json.dumps(term, ensure_ascii=False)}: {json.dumps(row)}"
        for term, row in model["terms"].items()
    ]
    lines.append(",\n".join(rows))
    lines += ["  }", "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true", help="held-out figures only")
    args = parser.parse_args()
    if not shared_data_present():
        print("../shared/data is not here: the fit needs its pages", file=sys.stderr)
        return 1
    started = time.perf_counter()
    pages = examples()
    rows = Rows(pages)
    tried = len(READ_CHARS) * len(FEATURE_COUNTS) * len(STRENGTHS) * len(CLASS_WEIGHTS)
    print(
        f"{len(pages)} pages of {len(set(rows.group))} services or sites read in "
        f"{time.perf_counter() - started:.0f} s; {tried} settings tried in each fold"
    )
    kind = rows.kind[: len(pages)]
    found = held_out(rows)
    own = figures(kind, found.own_url, found.thresholds)
    print_figures("held out (grouped), each page at its own URL", own)
    print(goal(own))
    at_policy_url = figures(kind, found.policy_url, found.thresholds)
    print_figures("held out (grouped), every page at a privacy policy's URL", at_policy_url)
    print(goal(at_policy_url))
    without_url = figures(kind, found.no_url, found.thresholds)
    print(goal(without_url).replace("goal", "without a URL"))
    print_thresholds(kind, found.own_url)
    print_misjudged(rows, found)
    if args.measure:
        return 0

    started = time.perf_counter()
    final = choose(rows, np.arange(len(rows.rows)), OUTER_FOLDS)
    setting, scores = final.setting, final.scores
    print(
        f"\nsettings chosen on every page: {setting}, privacy from {final.threshold:.2f}"
        f" ({time.perf_counter() - started:.0f} s)"
    )
    print("  least log loss by characters read:")
    for read_chars in READ_CHARS:
        best = min((loss, key) for key, loss in scores.items() if key.read_chars == read_chars)
        print(f"    {read_chars:>7,}: {best[0]:.4f} ({best[1]})")
    model = fit(rows, np.arange(len(rows.rows)), setting)
    fit_info = {
        "fitted": datetime.now(UTC).date().isoformat(),
        "by": "bench/fit_kinds.py",
        "scikit_learn": sklearn.__version__,
        "pages": len(pages),
        "groups": len(set(rows.group)),
        "setting": {
            "read_chars": setting.read_chars,
            "features": setting.features,
            "C": setting.strength,
            "class_weight": setting.class_weight,
            "privacy_threshold": final.threshold,
        },
        "held_out": {"own_url": own, "policy_url": at_policy_url},
    }
    shipped = model_json(model, fit_info, final.threshold)
    rounded = KindModel.from_json(shipped)
    everything = rows.terms(setting.read_chars)[: len(pages)]
    exact = model.probabilities_of(everything)
    stored = np.array([rounded.probabilities(rounded.vector(found)) for found in everything])
    print(f"  stored to {DIGITS} digits: probabilities move by {np.abs(exact - stored).max():.1e}")
    write_model(shipped, MODEL)
    print(f"wrote {MODEL.relative_to(ROOT)} ({MODEL.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
