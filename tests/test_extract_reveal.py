"""Collapsed panels and metadata-styled date lines, put back in view before extraction."""

from __future__ import annotations

from lxml.html import fromstring
from test_extract import LEGAL_PAGE, URL, page, paragraphs

from pipelines.extract import extract_policy
from pipelines.extract.reveal import keep_date_lines, open_panels

SECTION = (
    "We keep your bookings for six years, as the tax authorities require of us, and then "
    "delete them."
)


def accordion(panel_attributes: str, control: str = "button") -> str:
    return (
        "<h1>Privacy Policy</h1>"
        + paragraphs(2)
        + f'<h2><{control} aria-expanded="false" aria-controls="p1">How long we keep it'
        f"</{control}></h2>"
        f'<div id="p1" {panel_attributes}><p>{SECTION}</p></div>'
    )


def test_a_collapsed_panel_and_its_title_are_extracted():
    for hidden in ('style="display:none"', "hidden", 'aria-hidden="true"', 'class="collapse"'):
        extracted = extract_policy(page(accordion(hidden)), URL)
        assert extracted is not None
        assert "tax authorities" in extracted.text, hidden
        assert "How long we keep it" in extracted.text, hidden


def test_bootstrap_toggles_name_their_panels_by_target_or_href():
    for control in (
        '<a data-toggle="collapse" href="#p1">Retention</a>',
        '<button data-bs-toggle="collapse" data-bs-target="#p1">Retention</button>',
    ):
        tree = fromstring(
            f'<html><body>{control}<div id="p1" style="color:red;display: none;">'
            f"<p>{SECTION}</p></div></body></html>"
        )
        assert open_panels(tree) == 1
        assert tree.get_element_by_id("p1").get("style") == "color:red;"


def test_hidden_elements_nothing_opens_stay_hidden():
    tree = fromstring(
        f'<html><body><div id="p1" hidden><p>{SECTION}</p></div>'
        '<button aria-controls="menu">Menu</button>'
        '<div id="menu" hidden><a href="/a">Shop all our products</a> <a href="/b">Gift cards '
        'for every occasion</a> <a href="/c">Stores and opening hours</a></div></body></html>'
    )
    assert open_panels(tree) == 0  # a panel no control names, and a menu of links
    assert tree.get_element_by_id("p1").get("hidden") is not None
    assert tree.get_element_by_id("menu").get("hidden") is not None


def test_a_date_line_styled_as_metadata_is_extracted():
    body = (
        "<h1>Privacy Policy</h1>"
        '<p class="legal-doc__meta">Last revised on 14 January 2016</p>' + paragraphs(5)
    )
    extracted = extract_policy(page(body), URL)
    assert extracted is not None and "Last revised on 14 January 2016" in extracted.text


def test_only_labelled_date_lines_lose_their_names():
    tree = fromstring(
        "<html><body>"
        '<p class="meta" id="updated">Stand: März 2010</p>'
        '<p class="byline">Posted by Ann Lee, 3 March 2015</p>'
        '<p class="meta">14 January 2016</p>'
        f'<p class="meta">{SECTION} Last updated on 3 March 2015, as the law changed.</p>'
        "</body></html>"
    )
    assert [line.text for line in keep_date_lines(tree, "de")] == ["Stand: März 2010"]
    kept, byline, bare, long = tree.iter("p")
    assert kept.get("class") is None and kept.get("id") is None
    assert byline.get("class") == "byline" and bare.get("class") == "meta"
    assert long.get("class") == "meta"  # more than a date line


def test_a_date_line_above_the_content_trafilatura_starts_at_is_put_back():
    body = (
        '<article class="page hentry"><h1 class="entry-title">Privacyverklaring</h1>'
        '<p class="entry-meta">Laatst gewijzigd: 12 september 2017</p>'
        f'<div class="entry-content">{paragraphs(6)}</div></article>'
    )
    extracted = extract_policy(page(body, lang="nl"), URL)
    assert extracted is not None
    assert extracted.text.startswith("Laatst gewijzigd: 12 september 2017\n")
    assert "date-line" in extracted.strategy
    assert extracted.markdown.startswith("Laatst gewijzigd: 12 september 2017")


def test_a_date_line_in_the_footer_is_not_put_back():
    tree = fromstring(
        f"<html><body><main>{paragraphs(6)}</main>"
        '<footer><p class="meta">Last updated: 3 March 2015</p></footer></body></html>'
    )
    assert keep_date_lines(tree, "en") == []


def test_no_date_line_of_another_document_or_a_byline_is_put_back():
    legal = LEGAL_PAGE.replace(
        "<h2>Terms of Service</h2>",
        '<h2>Terms of Service</h2><p class="entry-meta">Last updated: 1 May 2012</p>',
    )
    extracted = extract_policy(page(legal), URL)
    assert extracted is not None and "privacy-documents" in extracted.strategy
    assert "1 May 2012" not in extracted.text
    tree = fromstring(
        "<html><body>"
        '<p class="byline">By Jane Doe | Updated March 3, 2015</p>'
        '<span class="change">Updated on 3 March 2015: added a section on cookies</span>'
        '<div class="header-meta"><div class="entry-meta"><span class="updated">'
        "Last updated: March 3, 2020</span></div></div>"
        f"<main>{paragraphs(6)}</main></body></html>"
    )
    lines = keep_date_lines(tree, "en")
    assert {" ".join(line.itertext()) for line in lines} == {"Last updated: March 3, 2020"}


def test_an_expand_all_button_and_an_open_panel_are_left_alone():
    tree = fromstring(
        '<html><body><button aria-controls="p1 p2">Expand all</button>'
        '<button aria-controls="p3">Retention</button>'
        f'<div id="p1" hidden><p>{SECTION}</p></div><div id="p2" hidden><p>{SECTION}</p></div>'
        f'<div id="p3"><p>{SECTION}</p></div></body></html>'
    )
    assert open_panels(tree) == 0
    assert [button.tag for button in tree.iter("button")] == ["button", "button"]


def test_a_control_naming_its_panel_twice_still_opens_it():
    tree = fromstring(
        '<html><body><button aria-controls="p1" data-toggle="collapse" data-target="#p1">'
        f'Retention</button><div id="p1" class="collapse"><p>{SECTION}</p></div></body></html>'
    )
    assert open_panels(tree) == 1
    assert tree.find(".//h3").text == "Retention"


def test_a_hidden_copy_of_shown_text_and_another_language_stay_hidden():
    tree = fromstring(
        f"<html><body><main><h2>Retention</h2><p>{SECTION}</p>"
        '<button aria-controls="m1">Retention</button>'
        f'<div id="m1" class="collapse"><p>{SECTION}</p></div>'
        '<button role="tab" aria-controls="fr">Français</button>'
        '<div id="fr" hidden><p>Nous conservons vos réservations pendant six ans, comme '
        "l'administration fiscale nous le demande, puis nous les supprimons.</p></div>"
        "</main></body></html>"
    )
    assert open_panels(tree) == 0
    assert tree.get_element_by_id("fr").get("hidden") is not None
