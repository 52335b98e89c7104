"""Extraction and its scoring, on small hand-written pages: pure functions, no data files."""

from __future__ import annotations

import json

import pytest
from lxml.html import fromstring

from pipelines.evaluation import (
    reference_text,
    score,
    strip_markdown,
    strip_provenance,
    tokens,
)
from pipelines.extract import Extracted, candidates, config, extract_policy
from pipelines.extract.blocks import blocks, main_blocks, to_markdown, to_text
from pipelines.extract.layout import keep_privacy_documents, remove_dialogs

URL = "https://example.org/privacy"

# Sentences of a plausible policy, so that every paragraph of a test page is different.
SENTENCES = [
    "We collect the information you give us when you create an account or contact support.",
    "We use your email address to send you notices about the service and changes to it.",
    "Usage data tells us which features are used, so that we can improve the service.",
    "We share personal data with processors who host our servers and deliver our emails.",
    "We keep account data while your account is open and delete it within thirty days after.",
    "You may ask for a copy of your data, its correction or its deletion at any time.",
    "Cookies keep you signed in and remember your preferences between visits to the site.",
    "Children under thirteen may not use the service and we do not knowingly collect their data.",
    "We protect data in transit with encryption and limit access to the staff who need it.",
    "If we change this policy we will post the new version here and tell you by email.",
]


def paragraphs(count: int, offset: int = 0) -> str:
    return "".join(
        f"<p>{SENTENCES[(offset + n) % len(SENTENCES)]} "
        f"{SENTENCES[(offset + n + 3) % len(SENTENCES)]} Clause {offset + n}.</p>"
        for n in range(count)
    )


def page(body: str, lang: str = "en", title: str = "Privacy Policy") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><nav><a href='/'>Home</a> <a href='/blog'>Blog</a></nav>"
        f"<main>{body}</main><footer><a href='/terms'>Terms</a></footer></body></html>"
    ).encode()


POLICY = (
    "<h1>Privacy Policy</h1>"
    + paragraphs(4)
    + "<h2>What we collect</h2>"
    + paragraphs(3, 4)
    + "<ul><li>Your name and email address</li><li>The pages you visit on the site</li>"
    "<li>The device and browser you use</li></ul>"
    + "<h2>Who we share it with</h2>"
    + paragraphs(2, 7)
    + "<table><tr><th>Processor</th><th>Purpose</th></tr>"
    "<tr><td>Hostco</td><td>Server hosting in Frankfurt</td></tr>"
    "<tr><td>Mailco</td><td>Delivery of service emails</td></tr></table>" + paragraphs(2, 9)
)


def tiny_pdf(lines: list[str], title: str = "Privacy Policy") -> bytes:
    """A one-page PDF 1.4 showing `lines` in Helvetica, with a correct cross-reference table."""
    shown = " ".join(f"({line}) Tj 0 -16 Td" for line in lines)
    content = f"BT /F1 11 Tf 72 720 Td {shown} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) >>",
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    start = len(document)
    document += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    document += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>"
    document += f"trailer\n{trailer}\nstartxref\n{start}\n%%EOF\n".encode()
    return bytes(document)


@pytest.fixture(scope="module")
def policy() -> Extracted:
    extracted = extract_policy(page(POLICY), URL, "text/html; charset=utf-8")
    assert extracted is not None
    return extracted


# ---- evaluation ----------------------------------------------------------------------------------


def test_tokens_are_nfkc_lowercased_words():
    assert tokens("Ｐｒｉｖａｃｙ ﬁle, Data-Retention; user_id 2024!") == [
        "privacy",
        "file",
        "data",
        "retention",
        "user_id",
        "2024",
    ]


def test_score_counts_tokens_with_multiplicity():
    exact = score("we collect data", "We collect DATA.")
    assert (exact.precision, exact.recall, exact.f1) == (1.0, 1.0, 1.0)
    repeated = score("data data data", "data")
    assert repeated.precision == pytest.approx(1 / 3) and repeated.recall == 1.0
    assert repeated.f1 == pytest.approx(0.5)
    half = score("we collect", "we collect data here")
    assert (half.precision, half.recall) == (1.0, 0.5)
    assert (half.extracted_tokens, half.reference_tokens) == (2, 4)


def test_score_of_nothing():
    assert score("", "some reference").f1 == 0.0
    assert score("some text", "").f1 == 0.0
    assert score("", "").f1 == 1.0


def test_strip_provenance_removes_the_princeton_leuven_header_only():
    header = (
        "> *The following text is extracted and transformed from the example.com privacy "
        "policy that was archived on 2002-12-12. Please check the [original snapshot on the "
        "Wayback Machine](https://web.archive.org/web/20021212053045id_/http%3A//example.com/p)"
        " for the most accurate reproduction.*\n\n"
    )
    assert strip_provenance(header + "# Privacy\n\nWe care.") == "# Privacy\n\nWe care."
    assert strip_provenance("# Privacy\n\nWe care.") == "# Privacy\n\nWe care."
    assert tokens(reference_text(header + "# Privacy\n\nWe care.")) == ["privacy", "we", "care"]


def test_strip_markdown_keeps_what_a_reader_sees():
    markdown = "\n".join(
        [
            "Privacy Policy",
            "==============",
            "",
            "## 1\\. What we collect",
            "",
            "_Last updated: May 1, 2020_ and **bold** and \\_literal\\_ and user_id",
            "",
            "1. first item",
            "2. second item",
            "*   a bullet with [a link](https://example.com/x_(y) 'title') and ![logo](/l.png)",
            "",
            "| Name | Purpose |",
            "| --- | --- |",
            "| Hostco | hosting<br>in Frankfurt |",
            "",
            "* * *",
            "See <https://example.com/opt_out> and [\\[1\\]](#note).",
        ]
    )
    assert strip_markdown(markdown).split("\n") == [
        "Privacy Policy",
        "",
        "1. What we collect",
        "",
        "Last updated: May 1, 2020 and bold and _literal_ and user_id",
        "",
        "first item",
        "second item",
        "a bullet with a link and",
        "",
        "Name Purpose",
        "Hostco hosting in Frankfurt",
        "",
        "See https://example.com/opt_out and [1].",
    ]


# ---- HTML --------------------------------------------------------------------------------------


def test_headings_lists_and_tables_are_kept(policy):
    assert policy.strategy == "trafilatura-recall"
    assert policy.extractor == "trafilatura"
    for line in (
        "What we collect",
        "The device and browser you use",
        "Server hosting in Frankfurt",
    ):
        assert line in policy.text
    assert "## What we collect" in policy.markdown
    assert "- The pages you visit on the site" in policy.markdown
    assert "| Hostco | Server hosting in Frankfurt |" in policy.markdown
    assert "Blog" not in policy.text  # the navigation is not the policy


def test_title_language_and_settings_are_recorded(policy):
    assert policy.title == "Privacy Policy"
    assert policy.language == "en"
    settings = json.loads(policy.settings)
    assert settings["trafilatura"]["favor_recall"] is True
    assert settings["trafilatura"]["deduplicate"] is False
    assert settings["trafilatura"]["include_tables"] is True
    assert " " not in policy.settings  # compact
    assert policy.settings == config.settings_json()


def test_language_is_detected_from_the_text_not_the_declared_lang():
    french = (
        "<h1>Politique de confidentialité</h1>"
        "<p>Nous collectons les données que vous nous fournissez lors de la création de votre "
        "compte, ainsi que les données relatives à votre utilisation du service.</p>"
        "<p>Vous pouvez à tout moment demander l'accès à vos données personnelles, leur "
        "rectification ou leur effacement en écrivant à notre délégué à la protection des "
        "données.</p>" * 3
    )
    extracted = extract_policy(page(french, lang="en"), URL)
    assert extracted is not None and extracted.language == "fr"


def test_a_short_text_takes_the_declared_language():
    extracted = extract_policy(page("<p>Datenschutz: siehe unten.</p>", lang="de-DE"), URL)
    assert extracted is not None and extracted.language == "de"


def test_a_bare_fragment_is_extracted_as_a_document_and_recorded_as_such():
    fragment = f'<div class="content"><div class="privacy">{POLICY}</div></div>'.encode()
    extracted = extract_policy(fragment, URL)
    assert extracted is not None
    assert extracted.strategy.startswith("fallback-fragment+")
    assert "Who we share it with" in extracted.text


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"<html><body></body></html>", page("<nav><a href='/'>Home</a></nav>")],
)
def test_a_page_without_text_gives_none(body):
    assert extract_policy(body, URL, "text/html") is None


def test_a_consent_dialog_is_not_policy_text():
    banner = (
        '<div class="cky-consent-container"><p>We use cookies to improve your experience, '
        "to measure the audience and to show you personalised advertising.</p>"
        "<button>Accept all</button></div>"
        '<div role="dialog"><p>Manage your consent preferences for each of the purposes we '
        "use cookies for, one by one, below this line.</p></div>"
    )
    extracted = extract_policy(page(POLICY + banner), URL)
    assert extracted is not None
    assert "personalised advertising" not in extracted.text
    assert "consent preferences" not in extracted.text
    assert "Who we share it with" in extracted.text


def test_a_policy_section_titled_like_a_consent_banner_stays():
    section = (
        '<h2 id="why-no-cookie-banner">Why this site shows no cookie banner</h2>'
        "<p>We only use the cookies that keep you signed in, which need no consent.</p>"
    )
    extracted = extract_policy(page(POLICY + section), URL)
    assert extracted is not None and "shows no cookie banner" in extracted.text


@pytest.mark.parametrize(
    "opening",
    [
        # WordPress's GDPR Cookie Compliance plugin (OTA's HER, 2025)
        '<div id="moove_gdpr_cookie_modal" class="gdpr_lightbox-hide" role="complementary">',
        '<div class="site-cookie-notice-bar">',
        '<section id="cookieConsent">',
        '<div class="gdpr-popup">',
        '<aside aria-label="Cookie consent settings">',
    ],
)
def test_consent_widgets_are_known_by_their_names(opening):
    closing = "</" + opening[1 : opening.index(" ")] + ">"
    widget = (
        f"{opening}<p>The cookies that are categorised as necessary are stored on your browser "
        f"as they are essential for the basic functions of the site.</p>{closing}"
    )
    tree = fromstring(page(POLICY + widget))
    assert remove_dialogs(tree) == 1
    assert "categorised as necessary" not in tree.text_content()


@pytest.mark.parametrize(
    "opening",
    [
        '<section id="cookies">',
        '<div class="cookie-settings">',
        '<section id="consent-preferences">',
        '<div aria-label="Cookie policy">',
        '<div class="privacy-content">',
        # Complianz renders its cookie policy in the page; a section may explain the banner.
        '<div id="cmplz-document" class="cmplz-document cookie-statement">',
        '<section id="cookie-banner-info">',
        '<section aria-label="Manage cookie preferences">',
        '<div class="nav-privacy-bar">',
    ],
)
def test_policy_sections_about_cookies_and_consent_stay(opening):
    closing = "</" + opening[1 : opening.index(" ")] + ">"
    section = (
        f"{opening}<h2>Cookies</h2><p>You can change your cookie settings at any time from the "
        f"link at the bottom of every page.</p>{closing}"
    )
    tree = fromstring(page(POLICY + section))
    assert remove_dialogs(tree) == 0
    assert "change your cookie settings" in tree.text_content()


LEGAL_PAGE = (
    "<h1>Legal</h1>"
    "<section><h2>Terms of Service</h2>"
    + "<p>These terms govern your use of the service and form a contract between us. "
    "You must not misuse the service, resell it or reverse engineer the software.</p>"
    * 12
    + "</section><section><h2>Privacy Policy</h2>"
    + paragraphs(8)
    + "</section><section><h2>DMCA Takedown Policy</h2>"
    + "<p>Copyright holders may send a notice of infringement to our designated agent, who "
    "will remove the material and tell the user who posted it.</p>" * 12 + "</section>"
)


def test_a_page_of_several_legal_documents_is_cut_to_its_privacy_documents():
    extracted = extract_policy(page(LEGAL_PAGE, title="Legal"), URL)
    assert extracted is not None
    assert extracted.strategy.startswith("privacy-documents+")
    assert "processors who host our servers" in extracted.text
    assert "reverse engineer" not in extracted.text
    assert "designated agent" not in extracted.text


def test_a_single_policy_mentioning_the_terms_is_not_cut():
    policy_with_terms = (
        POLICY
        + "<h2>Our terms of service</h2>"
        + "<p>Your use of the service is also governed by our terms of service, which explain "
        "what you may and may not do with your account and our software.</p>" * 12
    )
    extracted = extract_policy(page(policy_with_terms), URL)
    assert extracted is not None
    assert "privacy-documents" not in extracted.strategy
    assert "governed by our terms of service" in extracted.text


def test_a_policy_whose_sections_are_titled_with_privacy_words_is_not_cut():
    titles = ["Personal data we collect", "Cookies", "Your privacy rights", "Data retention"]
    body = "".join(f"<h2>{title}</h2>{paragraphs(3, n)}" for n, title in enumerate(titles))
    body += "<h2>Terms and conditions</h2>" + paragraphs(10, 3)
    tree = fromstring(page(body))
    assert keep_privacy_documents(tree) is None


def test_when_trafilatura_finds_nothing_the_block_fallback_is_used(monkeypatch):
    monkeypatch.setattr(candidates, "trafilatura_body", lambda *args, **kwargs: None)
    extracted = extract_policy(page(POLICY), URL)
    assert extracted is not None
    assert extracted.strategy == "fallback-blocks"
    assert extracted.extractor == "policytrail"
    assert "What we collect" in extracted.text and "Blog" not in extracted.text
    assert "## What we collect" in extracted.markdown
    assert "- Your name and email address" in extracted.markdown


def test_extraction_does_not_depend_on_what_ran_before(policy):
    other = extract_policy(page(LEGAL_PAGE, title="Legal"), URL)
    again = extract_policy(page(POLICY), URL, "text/html; charset=utf-8")
    assert other is not None and again == policy


# ---- PDF and plain text ------------------------------------------------------------------------


def test_pdf_text_comes_from_the_pdf():
    lines = [
        "Privacy Policy",
        "We collect your name and email address when you register.",
        "We never sell personal data to anyone, for any purpose at all.",
    ]
    extracted = extract_policy(tiny_pdf(lines), "https://example.org/privacy.pdf", None)
    assert extracted is not None
    assert (extracted.strategy, extracted.extractor) == ("pdf", "pypdf")
    assert extracted.title == "Privacy Policy"
    assert "never sell personal data" in extracted.text
    assert extracted.language == "en"


def test_a_damaged_pdf_gives_none():
    assert extract_policy(b"%PDF-1.4\n1 0 obj <<", URL, "application/pdf") is None


def test_plain_text_is_kept_as_it_is():
    body = b"Privacy policy\n\nWe collect your email address and nothing else.\n"
    extracted = extract_policy(body, URL, "text/plain; charset=utf-8")
    assert extracted is not None
    assert extracted.strategy == "plain-text"
    assert extracted.text.startswith("Privacy policy\n\nWe collect")


# ---- the pieces --------------------------------------------------------------------------------


def test_main_blocks_leave_out_menus_and_keep_short_lines_inside_the_text():
    tree = fromstring(
        "<html><body><div><a href='/a'>Products</a> <a href='/b'>Pricing</a></div>"
        f"<h1>Privacy</h1>{paragraphs(2)}<ul><li>Short item</li></ul>{paragraphs(1, 5)}"
        "<div>Copyright 2020</div></body></html>"
    )
    selected = main_blocks(blocks(tree))
    text = to_text(selected)
    assert text.startswith("Privacy\n") and "Short item" in text
    assert "Products" not in text and "Copyright" not in text
    assert "# Privacy" in to_markdown(selected)


def test_an_anchor_without_href_is_not_link_text():
    tree = fromstring(f"<html><body><a name='top'>{paragraphs(2)}</a></body></html>")
    assert to_text(main_blocks(blocks(tree)))


def test_remove_dialogs_keeps_a_dialog_that_is_the_page():
    tree = fromstring(f"<html><body><div role='dialog'>{paragraphs(3)}</div></body></html>")
    assert remove_dialogs(tree) == 0
    tree = fromstring(
        f"<html><body>{paragraphs(3)}<div role='dialog'><p>Accept?</p></div></body></html>"
    )
    assert remove_dialogs(tree) == 1


def test_keep_privacy_documents_reports_what_it_kept_and_dropped():
    tree = fromstring(f"<html><body><main>{LEGAL_PAGE}</main></body></html>")
    assert keep_privacy_documents(tree) == (1, 3)  # "Legal" heading run, terms, DMCA dropped
    assert keep_privacy_documents(fromstring(page(POLICY))) is None


def test_text_and_markdown_come_from_one_extraction_and_hold_the_same_words(monkeypatch):
    """One trafilatura pass a tree, without formatting: the Markdown renders the text's words
    with headings and lists, and emphasis never glues a word to the next."""
    calls = []
    real = candidates.bare_extraction

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(candidates, "bare_extraction", counted)
    # A page with no container of its own: trafilatura reads the page, and only the page.
    html = f"<!DOCTYPE html><html lang='en'><body>{POLICY}</body></html>".encode()
    extracted = extract_policy(html, URL)
    assert extracted is not None and extracted.strategy == "trafilatura-recall"
    assert len(calls) == 1 and calls[0]["include_formatting"] is False
    assert "## What we collect" in extracted.markdown
    assert "- Your name and email address" in extracted.markdown
    assert tokens(strip_markdown(extracted.markdown)) == tokens(extracted.text)
    # with formatting on, trafilatura read these "PostsWhen" and "yourprivacy"
    emphasised = (
        f"{paragraphs(4)}<p><strong>Your Posts<br></strong>When you make a post, we keep it.</p>"
        "<ul><li><a href='/s'>Settings</a><div>You can change your <em>privacy</em> settings at"
        f" any time.</div></li></ul>{paragraphs(4, 4)}"
    )
    html = f"<!DOCTYPE html><html lang='en'><body>{emphasised}</body></html>".encode()
    extracted = extract_policy(html, URL)
    assert extracted is not None
    for rendering in (extracted.text, extracted.markdown):
        assert "your privacy settings" in rendering and "PostsWhen" not in rendering
