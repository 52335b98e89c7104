"""Page layout before extraction: consent dialogs out, a legal page cut to its privacy documents."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))

# Consent managers draw their banners and preference centres over the page, as dialogs or as
# containers named after them (by class, id or aria-label); their text ("we use cookies for...")
# reads like a policy and would otherwise be extracted with it. Containers only: a policy's own
# headings carry ids like "why-we-show-no-cookie-banner".
DIALOG_ROLES = frozenset(("dialog", "alertdialog"))
CONSENT_VENDORS = (
    r"onetrust|ot-sdk|cookiebot|cybotcookiebot|didomi|usercentrics|truste-|trustarc|qc-cmp|"
    r"sp_message|cmplz|cookie-law-info|cookieyes|cky-consent|cky-modal|borlabs|axeptio|"
    r"tarteaucitron|iubenda-cs|osano-cm|cc-window|cc-banner|moove[-_]gdpr|cookiefirst|"
    r"cookie-script|cmpbox|klaro|termly-consent|fides-"
)
# The names consent widgets give themselves: something about cookies, consent or the GDPR that
# floats over the page (a bar, a banner, a modal...). A policy's own sections are named after
# their subject ("cookies", "cookie-settings"), not after a way of drawing over the page.
_CONSENT_TOPIC = r"(?:cookies?|consent|gdpr)"
_OVERLAY = r"(?:bar|banner|modal|popup|pop-up|dialog|overlay|lightbox|wall|notice-bar)"
CONSENT_NAME = re.compile(
    # A vendor's name ("CybotCookiebotDialog", "qc-cmp2-container"), but not in the name of its
    # server-rendered documents ("cmplz-document", "ot-sdk-cookie-policy"): the policy itself.
    rf"(?<![a-z0-9])(?:{CONSENT_VENDORS})(?![\w-]*(?:document|policy|declaration|list|table))"
    # Or a name ending in the way the widget draws ("cookie-banner", "gdpr-popup-wrapper"), not
    # a section about it ("cookie-banner-info").
    rf"|(?<![a-z0-9])(?:cookie[-_]?consent|consent[-_]?manager|{_CONSENT_TOPIC}[-_]?"
    rf"(?:info[-_]?|settings[-_]?|consent[-_]?)?{_OVERLAY})"
    r"(?:[-_](?:container|wrapper|wrap|inner|content|root|box))?(?![a-z0-9-])",
    re.IGNORECASE,
)
# aria-label names a region for screen readers: "Cookie banner", "GDPR Settings Screen"; a
# policy's own "Manage cookie preferences" section names no way of drawing over the page.
CONSENT_LABEL = re.compile(
    r"\b(?:cookies?|consent|gdpr)\b.*\b(?:banner|bar|consent|dialog|modal|pop-?up|screen|"
    r"notice)\b",
    re.IGNORECASE,
)
CONTAINER_TAGS = frozenset(("div", "section", "aside", "form", "dialog"))
# A dialog holding most of the page's text is the page itself (a policy shown in a modal).
# Swept by bench/fit_extraction_thresholds.py (see blocks.py): no policy moves anywhere in [0.1,
# 1]; from 0.6 the text of one page changes, held-out xx-neg-cookiewall-de, a consent wall only.
MAX_DIALOG_SHARE = 0.5

# Titles of privacy documents, in the languages policies are most often written in.
PRIVACY_TITLE = re.compile(
    r"privacy|privacidad|privacidade|privée|privacité|datenschutz|confidentialit|riservatezza|"
    r"personal (?:data|information)|données personnelles|données à caractère personnel|"
    r"personenbezogen|datos personales|dados pessoais|dati personali|persoonsgegevens|"
    r"data (?:protection|retention|processing)|\b(?:gdpr|rgpd|dsgvo|ccpa|cpra|lgpd)\b|cookie",
    re.IGNORECASE,
)
# Titles of the other legal documents that share pages with privacy policies.
OTHER_LEGAL_TITLE = re.compile(
    r"\bterms\b|conditions|agreement|\bdmca\b|copyright|acceptable use|community (?:guidelines|"
    r"standards)|impressum|imprint|legal notice|mentions légales|nutzungsbedingungen|"
    r"geschäftsbedingungen|\bagb\b|\bcgu\b|\bcgv\b|términos|condiciones|termini|condizioni|"
    r"voorwaarden|\beula\b|licen[cs]e|refund|trademark|disclaimer",
    re.IGNORECASE,
)
# A heading naming a whole document, not a section of one ("Privacy Policy", not "How we use
# your information").
DOCUMENT_TITLE = re.compile(
    r"polic(?:y|ies)|notice|statement|\bterms\b|conditions|agreement|charter|charte|guidelines|"
    r"standards|addendum|erklärung|richtlinie|bedingungen|hinweise|politique|déclaration|"
    r"mentions|política|aviso|términos|condiciones|informativa|termini|condizioni|voorwaarden|"
    r"verklaring|beleid|\b(?:gdpr|rgpd|dsgvo|ccpa|cpra|lgpd|dmca|eula)\b|impressum|imprint",
    re.IGNORECASE,
)
# Swept by bench/fit_extraction_thresholds.py (see blocks.py): best [6, 30]; at 4 the cut to
# the privacy documents drops part of OTA Buffer's policy (seven versions, 0.994 -> 0.824).
MAX_TITLE_WORDS = 12
# A document, as opposed to a stub linking to one: long enough to be read on its own. Swept: no
# tuning page moves anywhere in [0, 2000].
MIN_DOCUMENT_WORDS = 150
# How much text (characters) may come before a child's first heading for it still to open the
# child. Swept: no tuning page moves anywhere in [0, 1000].
MAX_TEXT_BEFORE_HEADING = 80
WORDS = re.compile(r"\w+")
# Formatting tags of old markup, and what they cannot hold unless left unclosed.
FORMATTING_TAGS = ("font", "b", "i", "u", "s", "strike", "big", "small", "tt", "blink")
BLOCK_TAGS = ("p", "div", "table", "ul", "ol", "dl", "blockquote", "pre", "center", "form")
UNCLOSED_FORMATTING = etree.XPath(
    " | ".join(
        f"//{tag}[{' or '.join(f'.//{block}' for block in (*BLOCK_TAGS, *sorted(HEADING_TAGS)))}]"
        for tag in FORMATTING_TAGS
    )
)


@dataclass(frozen=True, slots=True)
class Section:
    """A run of sibling elements opened by a heading (or the run before the first heading)."""

    title: str | None
    elements: tuple[HtmlElement, ...]

    @property
    def words(self) -> int:
        return sum(word_count(element) for element in self.elements)


def is_privacy_title(title: str) -> bool:
    return bool(PRIVACY_TITLE.search(title))


def is_document_title(title: str) -> bool:
    """Whether `title` names a whole document ("Cookie Policy"), not a topic ("Cookies")."""
    return len(title.split()) <= MAX_TITLE_WORDS and bool(DOCUMENT_TITLE.search(title))


def is_other_legal_title(title: str) -> bool:
    return (
        is_document_title(title)
        and not is_privacy_title(title)
        and bool(OTHER_LEGAL_TITLE.search(title))
    )


def unwrap_unclosed_formatting(root: HtmlElement) -> int:
    """Drop presentational tags that hold blocks, keeping their content; returns how many.

    Pages of the 1990s and 2000s open a `<font>` (or `<b>`, `<i>`) before each paragraph and
    never close it: the parser nests every later paragraph one level deeper, 400 levels for
    400 paragraphs, and the innermost chain of them reads as the page's main container. Such a
    tag holding paragraphs, tables or lists formats nothing; only its nesting is dropped.
    """
    unclosed = UNCLOSED_FORMATTING(root)
    for element in unclosed:
        element.drop_tag()
    return len(unclosed)


def word_count(element: HtmlElement) -> int:
    return len(WORDS.findall(element.text_content()))


def remove_element(element: HtmlElement) -> None:
    """Drop `element` and its subtree, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def is_dialog(element: HtmlElement) -> bool:
    if element.tag == "dialog":
        return True
    if (element.get("role") or "").lower() in DIALOG_ROLES:
        return True
    if (element.get("aria-modal") or "").lower() == "true":
        return True
    if element.tag not in CONTAINER_TAGS:
        return False
    return bool(
        CONSENT_NAME.search(element.get("class") or "")
        or CONSENT_NAME.search(element.get("id") or "")
        or CONSENT_LABEL.search(element.get("aria-label") or "")
    )


def remove_dialogs(root: HtmlElement) -> int:
    """Remove consent banners and other dialogs from `root` in place; returns how many."""
    total = max(word_count(root), 1)
    dialogs = [
        element
        for element in root.iter()
        if isinstance(element.tag, str) and element is not root and is_dialog(element)
    ]
    removed = 0
    for element in dialogs:
        # A dialog inside one already removed is gone with it.
        if element.getparent() is None or not _attached(element, root):
            continue
        if word_count(element) / total <= MAX_DIALOG_SHARE:
            remove_element(element)
            removed += 1
    return removed


def _attached(element: HtmlElement, root: HtmlElement) -> bool:
    return any(ancestor is root for ancestor in element.iterancestors())


def _heading_text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _is_heading(element: HtmlElement) -> bool:
    return element.tag in HEADING_TAGS or (element.get("role") or "").lower() == "heading"


def _heading_level(element: HtmlElement) -> int:
    if element.tag in HEADING_TAGS:
        return int(element.tag[1])
    level = element.get("aria-level") or ""
    return int(level) if level.isdigit() else 2  # ARIA's default for role="heading"


def leading_heading(element: HtmlElement) -> HtmlElement | None:
    """The heading that opens `element`, if one does before much other text."""
    if _is_heading(element):
        return element
    before = len((element.text or "").strip())
    for descendant in element.iterdescendants():
        if not isinstance(descendant.tag, str):
            continue
        if _is_heading(descendant):
            return descendant
        before += len((descendant.text or "").strip()) + len((descendant.tail or "").strip())
        if before > MAX_TEXT_BEFORE_HEADING:
            return None
    return None


Opening = tuple[HtmlElement, HtmlElement | None]


def openings(parent: HtmlElement) -> list[Opening]:
    """`parent`'s element children, each with the heading that opens it (`leading_heading`)."""
    return [(child, leading_heading(child)) for child in parent if isinstance(child.tag, str)]


def sections(opened: list[Opening], level: int | None = None) -> list[Section]:
    """A parent's children (`openings(parent)`) grouped into runs, each opened by a child that
    starts with a heading.

    With `level`, only headings of that level open a run (a page's `<h1>` title stays with what
    follows, or the `<h2>` sections of one document stay together); without, any heading does.
    """
    runs: list[tuple[str | None, list[HtmlElement]]] = [(None, [])]
    for child, heading in opened:
        title = _heading_text(heading) if heading is not None else ""
        if heading is not None and title and (level is None or _heading_level(heading) == level):
            runs.append((title, [child]))
        else:
            runs[-1][1].append(child)
    return [Section(title, tuple(elements)) for title, elements in runs if elements]


def heading_levels(opened: list[Opening]) -> list[int]:
    """The levels of the headings that open a parent's children (`openings(parent)`), h1 first."""
    return sorted({_heading_level(heading) for _, heading in opened if heading is not None})


def privacy_documents(found: list[Section]) -> list[Section] | None:
    """The privacy documents among `found` sections, when those are several legal documents.

    It takes sections mostly titled as whole documents, at least one a privacy document and one
    another legal document (terms, DMCA, imprint), both of real length. The sections of a single
    policy have titles like "How we use your data", so a policy never reads as several documents,
    even when one of its sections is about the terms of service.
    """
    titled = [section for section in found if section.title]
    if len(titled) < 2:
        return None
    documents = [section for section in titled if is_document_title(section.title or "")]
    if 2 * len(documents) < len(titled):
        return None
    privacy = [section for section in documents if is_privacy_title(section.title or "")]
    others = [section for section in documents if is_other_legal_title(section.title or "")]
    if not privacy or not others:
        return None
    if not any(section.words >= MIN_DOCUMENT_WORDS for section in privacy):
        return None
    if not any(section.words >= MIN_DOCUMENT_WORDS for section in others):
        return None
    return privacy


def keep_privacy_documents(root: HtmlElement) -> tuple[int, int] | None:
    """On a page of several legal documents, remove all but the privacy ones from `root`.

    Everything else under the element holding the documents goes: the other documents and the
    untitled or unclassified sections among them ("About", "Security"). Returns (documents
    kept, sections dropped), or None when the page is not such a page (and is left as it was).
    """
    best: tuple[int, list[Section], list[Section]] | None = None
    for element in root.iter():
        if not isinstance(element.tag, str) or len(element) < 2:
            continue
        # Each child's opening heading found once, for every level tried.
        opened = openings(element)
        for level in heading_levels(opened):
            everything = sections(opened, level)
            kept = privacy_documents(everything)
            if kept is None:
                continue
            dropped = sum(section.words for section in everything if section not in kept)
            if best is None or dropped > best[0]:
                best = (dropped, everything, kept)
            break
    if best is None:
        return None
    _, everything, kept = best
    dropped_sections = [section for section in everything if section not in kept]
    for section in dropped_sections:
        for element in section.elements:
            remove_element(element)
    return len(kept), len(dropped_sections)
