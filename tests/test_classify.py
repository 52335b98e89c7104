"""score_policy on texts written for these tests: policies in three languages and the stubs
that stand at policy URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.classify import POLICY_THRESHOLD, PolicyScore, score_policy

POLICIES = Path(__file__).parent / "fixtures" / "policies"
URL = "https://www.example.org/privacy"


@pytest.mark.parametrize(
    "name",
    [
        "quillfeather_en.txt",
        "lindenhof_de.txt",
        "clairval_fr.txt",
        "verdanne_fr_third_person.txt",
        "ortolani_it_formal.txt",  # speaks as "lo Studio" and "il Titolare" to "Lei"
    ],
)
def test_policies_in_english_german_french_and_italian_are_policies(name):
    result = score_policy((POLICIES / name).read_text(encoding="utf-8"))
    assert result.is_policy
    assert result.score > 0.95
    assert any("policy topics" in reason for reason in result.reasons)


STUBS = {
    "soft 404": (
        "Page not found",
        "Oops! We can't find that page. It may have been removed or the address is wrong. "
        "Go back to the home page.",
    ),
    "soft 404 de": (
        "Seite nicht gefunden",
        "Die aufgerufene Seite existiert leider nicht. Zur Startseite. Impressum Datenschutz",
    ),
    "soft 404 fr": (
        "Erreur 404",
        "Désolé, la page que vous recherchez n'existe pas. Retour à l'accueil. Confidentialité",
    ),
    "parked": (
        "acme-widgets.com",
        "This domain may be for sale! Buy this domain. Related searches: privacy policy template, "
        "GDPR compliance, data protection software. Sponsored listings. Privacy Policy",
    ),
    "login wall": (
        "Sign in",
        "Sign in to continue. Email. Password. Remember me. Forgot your password? "
        "Don't have an account? By signing in you accept our Privacy Policy and use of cookies.",
    ),
    "cookie wall": (
        None,
        "We value your privacy. We and our partners store and/or access information on a device, "
        "such as cookies, and process personal data such as unique identifiers for personalised "
        "ads and content. You may consent or object to processing based on legitimate interest. "
        "Accept all. Reject all. Manage preferences.",
    ),
    "cookie wall de": (
        None,
        "Wir verwenden Cookies. Wir und unsere Partner verarbeiten personenbezogene Daten mit "
        "Ihrer Einwilligung. Alle akzeptieren. Nur notwendige Cookies. Datenschutzerklärung",
    ),
    "moved": (
        "This page has moved",
        "Our privacy policy has moved to https://example.org/legal/privacy. You are being "
        "redirected. If you are not redirected, click the link.",
    ),
    "moved fr": (
        "Redirection",
        "Notre politique de confidentialité a été déplacée. Vous allez être redirigé vers la "
        "nouvelle page.",
    ),
    "rate limited": (
        "Too Many Requests",
        "We're sorry, but you appear to be a bot and we've seen too many requests from you lately.",
    ),
    "title only": ("Privacy Policy", "Privacy Policy"),
    "empty": (None, ""),
}


@pytest.mark.parametrize("kind", STUBS)
def test_stubs_at_policy_urls_are_not_policies(kind):
    title, text = STUBS[kind]
    result = score_policy(text, title=title, url=URL)
    assert not result.is_policy, result.reasons
    assert result.score < 0.2


def test_a_news_article_that_mentions_privacy_is_not_a_policy():
    article = (
        "Regulator fines retailer over customer data. The data protection authority said on "
        "Monday that the retailer had shared personal data with third parties without consent, "
        "in breach of the GDPR, and kept it for longer than necessary. A spokesperson for the "
        "company said it would appeal. Campaigners told reporters the fine was too small. "
        "According to the decision, the company's privacy policy and cookie banner were unclear "
        "about the sharing of customers' information with advertising partners. "
    ) * 3
    result = score_policy(article, title="Retailer fined over customer data", url=URL)
    assert not result.is_policy, result.reasons


def test_an_encyclopedia_article_on_privacy_law_is_not_a_policy():
    article = (
        "Data protection law\n"
        "Data protection law governs how organisations may collect, use, share and retain "
        "personal data. Under the GDPR a controller needs a legal basis such as consent or "
        "legitimate interests, must keep data secure and may transfer it outside the European "
        "Economic Area only with safeguards such as standard contractual clauses. Individuals "
        "have rights of access, rectification and erasure and may object to processing; cookies "
        "and similar trackers need consent. In the United States, COPPA protects children under "
        "13 and the CCPA lets consumers opt out of the sale of their information to third "
        "parties. Regulators can impose fines for breaches of these rules.\n"
    )
    result = score_policy(article, title="Data protection law", url=URL)
    assert not result.is_policy, result.reasons
    assert any("'we'/'you'/'users'" in reason for reason in result.reasons)


def test_stub_wording_inside_a_long_policy_weighs_little():
    policy = (POLICIES / "quillfeather_en.txt").read_text(encoding="utf-8")
    noisy = (
        "Accept all cookies. Reject all. Manage preferences.\n"
        + policy
        + "\nIf you follow a link to a partner you will be redirected to their site."
    )
    assert score_policy(noisy, url=URL).is_policy


def test_an_error_title_counts_in_full():
    text = "Sorry, this document is gone. Search our site or return to the home page."
    without = score_policy(text)
    with_title = score_policy(text, title="404 Not Found")
    assert with_title.score < without.score
    assert any("not found wording: title" in reason for reason in with_title.reasons)


def test_the_result_explains_itself_and_is_pure():
    text = (POLICIES / "clairval_fr.txt").read_text(encoding="utf-8")
    first = score_policy(text, title="Politique de confidentialité", url=URL, language="fr")
    second = score_policy(text, title="Politique de confidentialité", url=URL, language="fr")
    assert first == second
    assert isinstance(first, PolicyScore)
    assert 0.0 <= first.score <= 1.0
    assert first.is_policy == (first.score >= POLICY_THRESHOLD)
    assert all(reason.endswith(")") and "(" in reason for reason in first.reasons)
    with pytest.raises(AttributeError):
        first.score = 0.0  # type: ignore[misc]
