"""score_kinds on texts written for these tests, none of them among the model's training pages:
policies in four languages, the other kinds, and the stubs that stand at policy URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.items import Document
from pipelines.classify import KindScore, classify_document, score_kinds

POLICIES = Path(__file__).parent / "fixtures" / "policies"
URL = "https://www.example.org/privacy"
KINDS = ("privacy", "cookies", "terms", "other legal", "not legal")


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
    result = score_kinds((POLICIES / name).read_text(encoding="utf-8"))
    assert result.kind == "privacy" and result.is_policy, result.probabilities


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


@pytest.mark.parametrize("stub", STUBS)
def test_stubs_at_policy_urls_are_not_policies(stub):
    title, text = STUBS[stub]
    result = score_kinds(text, title=title, url=URL)
    assert not result.is_policy, result.probabilities
    assert result.policy_score < 0.5


def test_a_news_article_that_mentions_privacy_is_not_a_policy():
    article = (
        "Regulator fines retailer over customer data. The data protection authority said on "
        "Monday that the retailer had shared personal data with third parties without consent, "
        "in breach of the GDPR, and kept it for longer than necessary. A spokesperson for the "
        "company said it would appeal. Campaigners told reporters the fine was too small. "
        "According to the decision, the company's privacy policy and cookie banner were unclear "
        "about the sharing of customers' information with advertising partners. "
    ) * 3
    result = score_kinds(article, title="Retailer fined over customer data", url=URL)
    assert not result.is_policy, result.probabilities


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
    result = score_kinds(article, title="Data protection law", url=URL)
    assert not result.is_policy, result.probabilities


# Short texts of each kind, written for this test: what each kind says, in a few lines.
SHORT = {
    "privacy": (
        "Privacy Policy",
        "This privacy policy explains how we collect, use and share your personal information. "
        "We collect your name, email address and payment details when you place an order. We "
        "use your personal data to deliver your order and, with your consent, to send you our "
        "newsletter. We share your information with service providers who process it on our "
        "behalf. We keep your data for as long as necessary. You have the right to access, "
        "correct or delete your personal data and to object to its processing. Contact our data "
        "protection officer with any questions about this policy.",
    ),
    "cookies": (
        "Cookie Policy",
        "This cookie policy explains what cookies are and how we use them on our website. "
        "Cookies are small text files stored on your device when you visit a website. We use "
        "strictly necessary cookies to make the site work, analytics cookies to understand how "
        "visitors use it, and advertising cookies set by third parties. You can accept or reject "
        "cookies in our cookie settings and delete cookies in your browser settings. The table "
        "below lists each cookie, its provider, its purpose and its duration.",
    ),
    "terms": (
        "Terms of Service",
        "These terms of service govern your use of our website and services. By creating an "
        "account you agree to these terms. You must be at least 18 years old. You are "
        "responsible for your account and must not use the services for any unlawful purpose. "
        "Subscriptions renew automatically and fees are non-refundable. We may suspend or "
        "terminate your account if you breach these terms. The services are provided as is, "
        "without warranties, and our liability is limited. These terms are governed by the laws "
        "of the State of New York and disputes shall be resolved by binding arbitration.",
    ),
    "other legal": (
        "Community Guidelines",
        "Our community guidelines set out what is and is not allowed on the platform. Be "
        "respectful to other members. Do not post hate speech, harassment, nudity or violent "
        "content. Do not impersonate others or post spam. Respect copyright: only share content "
        "you own or have permission to share. Report content that breaks these guidelines; our "
        "moderators review reports and may remove content or ban members who repeatedly break "
        "the rules.",
    ),
    "not legal": (
        "Page not found",
        "Sorry, the page you are looking for could not be found. It may have been moved or "
        "deleted. Check the address or go back to the home page. Popular pages: Shop, Blog, "
        "Contact us, Privacy Policy.",
    ),
}


@pytest.mark.parametrize("kind", SHORT)
def test_each_kind_is_recognised_in_a_short_text(kind):
    title, text = SHORT[kind]
    result = score_kinds(text, title=title)
    assert result.kind == kind, result.probabilities
    assert result.is_policy == (kind == "privacy")


def test_a_cookie_policy_and_terms_at_a_privacy_url_are_not_privacy():
    for kind in ("cookies", "terms"):
        title, text = SHORT[kind]
        result = score_kinds(text, title=title, url=URL)
        assert result.kind == kind and not result.is_policy, result.probabilities


def test_a_privacy_policy_with_a_cookie_section_stays_privacy():
    policy = (POLICIES / "quillfeather_en.txt").read_text(encoding="utf-8")
    with_cookies = f"{policy}\n\nCookies\n{SHORT['cookies'][1]}"
    result = score_kinds(with_cookies, title="Privacy and Cookie Policy", url=URL)
    assert result.kind == "privacy", result.probabilities


def test_wall_wording_inside_a_long_policy_weighs_little():
    policy = (POLICIES / "quillfeather_en.txt").read_text(encoding="utf-8")
    noisy = (
        "Accept all cookies. Reject all. Manage preferences.\n"
        + policy
        + "\nIf you follow a link to a partner you will be redirected to their site."
    )
    assert score_kinds(noisy, url=URL).is_policy


def test_an_error_title_is_read():
    text = "Sorry, this document is gone. Search our site or return to the home page."
    with_title = score_kinds(text, title="Page Not Found", url=URL)
    assert with_title.kind == "not legal", with_title.probabilities
    assert any(reason.startswith("title:") for reason in with_title.reasons)


def test_the_result_explains_itself_and_is_pure():
    text = (POLICIES / "clairval_fr.txt").read_text(encoding="utf-8")
    first = score_kinds(text, title="Politique de confidentialité", url=URL)
    second = score_kinds(text, title="Politique de confidentialité", url=URL)
    assert first == second
    assert isinstance(first, KindScore)
    assert sorted(kind for kind, _ in first.probabilities) == sorted(KINDS)
    assert sum(value for _, value in first.probabilities) == pytest.approx(1.0, abs=1e-3)
    assert first.probabilities[0] == (first.kind, first.score)
    assert dict(first.probabilities)["privacy"] == first.policy_score
    assert first.reasons and all(reason.endswith(")") for reason in first.reasons)
    # the terms that put the kind ahead come first, with their sign
    assert first.reasons[0].rsplit("(", 1)[1][0] in "+-"
    with pytest.raises(AttributeError):
        first.score = 0.0  # type: ignore[misc]


def test_classify_document_fills_the_kind_and_the_policy_fields():
    title, text = SHORT["terms"]
    document = Document(text, text, title, "en", "test", "0", "", "test")
    classified = classify_document(document, "https://www.example.org/terms")
    assert classified.kind == "terms" and classified.is_policy is False
    found = score_kinds(text, title, "https://www.example.org/terms")
    assert classified.kind_score == found.probabilities[0][1] == found.score
    assert classified.kind_reasons and classified.policy_reasons
    assert classified.policy_score is not None and classified.policy_score < 0.5
