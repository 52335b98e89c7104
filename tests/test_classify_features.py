"""What the kind classifier reads: the titles that name a kind, and the function words it skips."""

from __future__ import annotations

import pytest

from pipelines.classify import score_kinds
from pipelines.classify.features import Reading, function_words, named_kinds, terms
from pipelines.classify.model import FORMAT, KindModel
from pipelines.classify.titles import TITLES


@pytest.mark.parametrize(
    ("heading", "kinds"),
    [
        ("Aviso legal | Viajes Solana", ["other legal"]),
        ("Condiciones generales de contratación", ["terms"]),
        ("Privacy & Cookie Policy", ["privacy", "cookies"]),
        ("Privacy’s & Cookies Policy", ["cookies"]),
        ("COOKIEVERKLARING".replace("VERKLARING", "verklaring"), ["cookies"]),
        ("Datenschutzerklärung – Lindenhof", ["privacy"]),
        ("プライバシーポリシー｜さくら", ["privacy"]),
        ("利用規約", ["terms"]),
        ("개인정보 처리방침", ["privacy"]),
        ("Informativa sulla privacy", ["privacy"]),
        ("Polityka plików cookies", ["cookies"]),
        ("Mentions légales", ["other legal"]),
    ],
)
def test_a_title_names_its_kind_in_many_languages(heading, kinds):
    assert named_kinds(heading) == [f"names:{kind}" for kind in kinds]


@pytest.mark.parametrize(
    "heading",
    [
        "We value your privacy",  # a cookie wall
        "Information privacy - Open Encyclopedia",  # an article
        "Legal",  # a hub
        "Datenschutz-Einstellungen",  # a consent dialog
        "Our terms are simple",
        "privacypolicy-generator",  # not a whole word
    ],
)
def test_bare_words_and_parts_of_words_name_no_kind(heading):
    assert named_kinds(heading) == []


def test_the_title_and_the_first_line_are_read_apart():
    reading = Reading(1_000, (100,), title_words=False, heading_chars=150)
    # "privacy" ends the title and "notice" starts the text: no "privacy notice" across them
    found = terms("Notice: the shop is closed today.", "Information privacy", None, reading)
    assert not [term for term in found if term.startswith("names:")]
    found = terms("Privacy notice\nWe collect...", "Shop", None, reading)
    assert "names:privacy" in found


def test_every_title_is_lower_case_and_found_as_written():
    for kind, phrases in TITLES.items():
        for phrase in phrases:
            assert phrase == phrase.lower(), phrase
            assert f"names:{kind}" in named_kinds(phrase.upper()), phrase


def test_function_words_are_skipped_and_content_words_kept():
    reading = Reading(1_000, (100,), title_words=True, function_words_of=("es", "en"))
    found = terms("Los datos de los clientes and the data", "La política", None, reading)
    assert "datos" in found and "clientes" in found and "política" in found
    assert not {"los", "de", "and", "the", "la", "title:la"} & set(found)
    assert "datos clientes" in found  # pairs join the words that are left


def test_an_unknown_language_for_function_words_is_refused():
    with pytest.raises(ValueError, match="xx"):
        function_words(("en", "xx"))


def test_privacy_is_said_only_from_its_threshold():
    # One term, "pp", sets privacy at about 0.55 and cookies at about 0.45.
    model = KindModel.from_json(
        {
            "format": FORMAT,
            "kinds": ["privacy", "cookies", "terms", "other legal", "not legal"],
            "reading": Reading(1_000, (100,), title_words=False).as_json(),
            "intercepts": [0.0, -0.2, -10.0, -10.0, -10.0],
            "privacy_threshold": 0.6,
            "terms": {"pp": [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]},
        }
    )
    probabilities = model.probabilities(model.vector(["pp"]))
    assert 0.5 < probabilities[0] < 0.6
    assert model.ranked(probabilities)[:2] == [1, 0]
    assert model.ranked([0.7, 0.3, 0.0, 0.0, 0.0])[:2] == [0, 1]
    assert model.ranked([0.1, 0.5, 0.4, 0.0, 0.0])[:3] == [1, 2, 0]
    # the score says the kind said, and lists it first, with privacy the more likely after it
    found = score_kinds("pp", model=model)
    assert (found.kind, found.is_policy) == ("cookies", False)
    assert found.probabilities[0] == (found.kind, found.score)
    assert found.probabilities[1][0] == "privacy" and found.policy_score > found.score
