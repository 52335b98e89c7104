"""The kind model as shipped: its file, its figures, and its inference against scikit-learn's."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from pipelines.classify import MODEL_PATH, kind_model, score_kinds
from pipelines.classify.features import Reading, terms
from pipelines.classify.model import FORMAT, KindModel

KINDS = ("privacy", "cookies", "terms", "other legal", "not legal")
SAMPLES = [
    ("", None, None),
    ("Privacy Policy", "Privacy Policy", "https://www.example.org/privacy"),
    (
        "We collect your name and email address when you register. We share personal "
        "information with service providers. You may ask us to delete your data.",
        "Privacy notice",
        "https://shop.example.com/legal/privacy-notice.html",
    ),
    (
        "We use cookies and similar technologies. Strictly necessary cookies, analytics "
        "cookies, advertising cookies. You can manage cookies in your browser settings.",
        "Cookie Policy",
        None,
    ),
    (
        "By using the service you agree to these terms. You must not misuse the service. "
        "We may suspend your account. These terms are governed by the laws of England.",
        "Terms of Service",
        "https://www.example.org/terms?lang=en",
    ),
    (
        "Seite nicht gefunden. Die aufgerufene Seite existiert leider nicht. Zur Startseite.",
        "404",
        "https://www.example.de/datenschutz",
    ),
    ("Conditions générales d'utilisation. " * 40, None, "file:///tmp/saved/cgu.html"),
]


def test_the_model_file_ships_with_the_package():
    shipped = files("pipelines.classify").joinpath("model.json")
    assert shipped.is_file()
    model = json.loads(shipped.read_text(encoding="utf-8"))
    assert model["format"] == FORMAT and tuple(model["kinds"]) == KINDS


def test_the_model_is_small_and_says_how_it_was_fitted():
    model = kind_model()
    assert 500 <= len(model.terms) <= 5_000
    assert MODEL_PATH.stat().st_size < 500_000
    fit = model.fit
    assert fit["by"] == "bench/fit_kinds.py" and fit["fitted"] and fit["scikit_learn"]
    privacy = fit["held_out"]["own_url"]["kinds"]["privacy"]
    # The goal is 0.95 for both, on pages held out by service. The first fit (255
    # pages) reached recall 0.975, precision 0.873; with 47 harder pages in more languages
    # (302 pages) recall 0.953, precision 0.872; with the titles that name a kind, function
    # words left out, a privacy threshold and 198 more pages (500 pages of 162 services)
    # precision 0.962, recall 0.973: a refit must not fall below the goal.
    assert privacy["recall"] >= 0.95 and privacy["precision"] >= 0.95
    assert 0.0 <= model.privacy_threshold <= 0.8


def _sklearn_twin(model: KindModel):
    """scikit-learn's vectorizer and regression holding the model's numbers."""
    np = pytest.importorskip("numpy")
    text = pytest.importorskip("sklearn.feature_extraction.text")
    linear = pytest.importorskip("sklearn.linear_model")
    vectorizer = text.TfidfVectorizer(
        analyzer=lambda found: found, vocabulary=list(model.terms), sublinear_tf=True
    )
    vectorizer.idf_ = np.array(model.idf)
    regression = linear.LogisticRegression()
    regression.classes_ = np.arange(len(model.kinds))
    regression.coef_ = np.array(model.weights).T
    regression.intercept_ = np.array(model.intercepts)
    regression.n_features_in_ = len(model.terms)
    return vectorizer, regression


def test_the_pure_python_inference_equals_scikit_learns():
    model = kind_model()
    vectorizer, regression = _sklearn_twin(model)
    documents = [terms(text, title, url, model.reading) for text, title, url in SAMPLES]
    expected = regression.predict_proba(vectorizer.transform(documents))
    for found, wanted in zip(documents, expected, strict=True):
        ours = model.probabilities(model.vector(found))
        assert ours == pytest.approx(list(wanted), abs=1e-12)


def test_a_model_fitted_here_is_read_back_with_the_same_probabilities():
    """From a fit to model.json and back: what bench/fit_kinds.py writes is what it fitted."""
    np = pytest.importorskip("numpy")
    text = pytest.importorskip("sklearn.feature_extraction.text")
    linear = pytest.importorskip("sklearn.linear_model")
    reading = Reading(200, (5, 20), title_words=True)
    documents = [terms(text, title, url, reading) for text, title, url in SAMPLES[1:6]]
    vectorizer = text.TfidfVectorizer(analyzer=lambda found: found, sublinear_tf=True)
    matrix = vectorizer.fit_transform(documents)
    regression = linear.LogisticRegression(C=10.0).fit(matrix, np.arange(5))
    model = KindModel.from_json(
        {
            "format": FORMAT,
            "kinds": list(KINDS),
            "reading": reading.as_json(),
            "intercepts": [float(value) for value in regression.intercept_],
            "terms": {
                term: [float(vectorizer.idf_[column])]
                + [float(value) for value in regression.coef_[:, column]]
                for column, term in enumerate(vectorizer.get_feature_names_out())
            },
        }
    )
    others = [terms(text, title, url, reading) for text, title, url in SAMPLES]
    expected = regression.predict_proba(vectorizer.transform(others))
    for found, wanted in zip(others, expected, strict=True):
        assert model.probabilities(model.vector(found)) == pytest.approx(list(wanted), abs=1e-12)


def test_a_model_of_another_layout_is_refused():
    with pytest.raises(ValueError, match="format"):
        KindModel.from_json({"format": FORMAT + 1})


def test_every_reason_names_a_term_of_the_model():
    model = kind_model()
    for text, title, url in SAMPLES:
        found = score_kinds(text, title, url)
        for reason in found.reasons + found.policy_reasons:
            term, value = reason.rsplit(" (", 1)
            assert term in model.index, reason
            assert value.endswith(")") and value[0] in "+-"
