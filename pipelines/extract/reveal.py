"""Policy text that extractors would drop, put back in view before extraction.

Collapsed panels: long policies are often drawn as accordions or tabs, each section's title a
button and its body a panel hidden until the button is pressed (`hidden`, `display:none`). The
text is in the page, but extractors drop buttons and hidden elements, so all that survives is
the one open section. A panel is recognised by the control naming it, as ARIA and Bootstrap have
them do (`aria-controls`, `data-target`, `data-bs-target`, or an `href="#id"` with
`data-toggle`), so a hidden element nothing points to (a template, a dialog's markup) stays
hidden. `<details>` are left as they are: trafilatura reads them closed or open.

Date lines: "Last revised on 14 January 2016" is often styled as page metadata (`class="meta"`,
"timestamp", "post-info"), which trafilatura discards as such. A short element whose whole
text is a labelled date keeps its text and loses those names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from lxml import etree
from lxml.html import HtmlElement

from pipelines.dates import find_effective_date
from pipelines.extract.blocks import is_hidden
from pipelines.extract.layout import HEADING_TAGS

# The tags extractors drop however they are styled; a control's title survives as a heading.
CONTROL_TAGS = frozenset(("button",))
TOGGLES = frozenset(("collapse", "tab", "pill"))
# A control's title is short; a panel holds prose. Below, it is a menu or a tooltip. Swept by
# bench/fit_extraction_thresholds.py (see blocks.py); two tuning pages have collapsed panels,
# held-out en-2016-accordion and r2-fr-2022-tabs. MAX_TITLE_WORDS: best [5, 50], at 3 the
# accordion's long section titles close their panels (1.0 -> 0.847), the only page that moves.
# MIN_PANEL_WORDS: best [0, 40]; from 80 both pages lose sections.
MAX_TITLE_WORDS = 20
MIN_PANEL_WORDS = 8
# A panel mostly of link text is a menu a button opens, not a section. Swept: best [0, 1]; only
# 0 moves the two pages with panels, by a few words.
MAX_PANEL_LINK_SHARE = 0.5
# A hidden panel whose first this many words are shown elsewhere on the page is a copy (the
# mobile layout's accordion of the desktop's sections) and stays hidden. Swept: no tuning page
# moves anywhere in [3, 100].
DUPLICATE_WORDS = 30
# A tab titled with a language's name holds the policy in that language: only the shown one
# is the capture's text.
_LANGUAGE_NAMES = """
    english français francais deutsch español espanol italiano nederlands português portugues
    polski svenska dansk norsk suomi čeština ελληνικά русский 中文 日本語 한국어
    en fr de es it nl pt pl sv da no fi cs el ru zh ja ko
"""
LANGUAGE_NAMES = frozenset(_LANGUAGE_NAMES.split())
# The heading a control becomes when it is not inside one already.
CONTROL_HEADING = "h3"
# A date line is short, and labelled ("Last updated", "Stand", "effective"): dates.py gives a
# labelled date a confidence of 1.0, a neutral or bare one ("Posted", "14 January 2016") 0.85
# or less. Swept by bench/fit_extraction_thresholds.py (see blocks.py): no held-out date and no
# mean F1 moves anywhere in [5, 60] and [0.5, 1]; the tuning pages do not decide these two (nor
# MAX_WORDS_BEFORE_DATE, LEADING_SHARE below), dates.py's scale does.
MAX_DATE_LINE_WORDS = 25
MIN_DATE_LINE_CONFIDENCE = 0.95
DATE_LINE_TAGS = frozenset(("p", "div", "span", "small", "em", "i", "time", "section"))
# A date line holds no blocks, and at most this many words before its date's phrase ("Privacy
# Policy, last updated"): a byline ("By Jane Doe | Updated ...") has more, or text after it.
BLOCK_TAGS = frozenset(
    ("p", "div", "section", "article", "ul", "ol", "li", "table", "h1", "h2", "h3", "h4", "h5")
)
# Swept: no tuning page moves anywhere in [0, 10].
MAX_WORDS_BEFORE_DATE = 2
SKIPPED_TEXT_TAGS = frozenset(("script", "style", "template", "noscript"))
# trafilatura drops elements whose class or id reads as hidden; so does this.
HIDDEN_NAME = re.compile(r"(?:^|[\s_-])(?:hidden|hide|is-hidden|sr-only)(?:$|[\s_-])", re.I)
# A date line that stands before this share of the page's words, outside these, leads the text.
# Swept: flat over [0.05, 0.9]; at 1 a date line low on OTA LEX's page (ten versions) is put
# in front of the text as well.
LEADING_SHARE = 0.5
OUTSIDE_TAGS = frozenset(("header", "footer", "nav", "aside"))
YEARISH = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|\b\d{1,2}[./-]\d{1,2}[./-]\d{2}\b")
HIDDEN_STYLE = re.compile(r"(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*;?", re.IGNORECASE)
WORDS = re.compile(r"\w+")


def _words(element: HtmlElement) -> int:
    return len(WORDS.findall(element.text_content()))


def _is_section(panel: HtmlElement) -> bool:
    words = _words(panel)
    links = sum(len(WORDS.findall(link.text_content())) for link in panel.iter("a"))
    return words >= MIN_PANEL_WORDS and links <= MAX_PANEL_LINK_SHARE * words


def _targets(control: HtmlElement) -> list[str]:
    """The ids of the panels `control` opens."""
    named = (control.get("aria-controls") or "").split()
    toggle = (control.get("data-toggle") or control.get("data-bs-toggle") or "").lower()
    if toggle in TOGGLES:
        for attribute in ("data-target", "data-bs-target", "href"):
            value = (control.get(attribute) or "").strip()
            if value.startswith("#") and len(value) > 1:
                named.append(value[1:])
    return named


def _show(panel: HtmlElement) -> None:
    for attribute in ("hidden", "aria-hidden"):
        panel.attrib.pop(attribute, None)
    style = panel.get("style")
    if style is not None:
        panel.set("style", HIDDEN_STYLE.sub("", style))


def _title(control: HtmlElement) -> None:
    """The control's text as a heading (or, inside a heading, as plain text of it)."""
    if control.tag not in CONTROL_TAGS:
        return
    if any(isinstance(child.tag, str) and child.tag in HEADING_TAGS for child in control.iter()):
        control.tag = "div"  # it wraps its heading already
        return
    inside_heading = any(ancestor.tag in HEADING_TAGS for ancestor in control.iterancestors())
    control.tag = "span" if inside_heading else CONTROL_HEADING
    for attribute in ("type", "role"):
        control.attrib.pop(attribute, None)


def open_panels(root: HtmlElement) -> int:
    """Show every collapsed panel of `root` that a control names, in place; returns how many.

    Each panel's control (and an open accordion section's, which says `aria-expanded`) keeps
    its text as the section's heading. A control naming several panels ("Expand all") opens
    none: each panel has a control of its own.
    """
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    sections: dict[int, bool] = {}  # id(panel) -> _is_section(panel), each panel read once
    visible: str | None = None  # the page's visible words, read once a panel is to be opened
    opened = 0
    for control in list(root.iter()):
        if not isinstance(control.tag, str):
            continue
        named = [by_id[name] for name in dict.fromkeys(_targets(control)) if name in by_id]
        if len(named) != 1:
            continue
        (panel,) = named
        collapsed = _collapsed(panel)
        if not collapsed and control.get("aria-expanded") is None:
            continue  # a visible region named by a button ("Listen"), not a section to open
        if id(panel) not in sections:
            sections[id(panel)] = _is_section(panel)
        if not sections[id(panel)] or _words(control) > MAX_TITLE_WORDS:
            continue
        if collapsed and _language_name(control):
            continue  # the policy in another language: the visible one is the page's
        if collapsed:
            if visible is None:
                visible = " ".join(_visible_words(root))
            if _opening(panel) in visible:
                continue  # a copy of text already shown (a mobile layout's accordion)
            _show(panel)
            opened += 1
        _title(control)
    return opened


def _visible(
    root: HtmlElement, hidden: Callable[[HtmlElement], bool]
) -> Iterator[HtmlElement | str]:
    """In page order, each element and each run of text of `root` that a reader sees: not in
    scripts, styles or an element `hidden` says is hidden (nor in anything inside those)."""
    skipped: list[HtmlElement] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(element.tag, str):
            continue
        if event == "start":
            if skipped or element.tag in SKIPPED_TEXT_TAGS or hidden(element):
                skipped.append(element)  # popped at its end, so the stack follows the nesting
                continue
            yield element
            if element.text:
                yield element.text
            continue
        if skipped and skipped[-1] is element:
            skipped.pop()
        if element.tail and not skipped:
            yield element.tail


def _visible_words(root: HtmlElement) -> list[str]:
    """The words of `root` a reader sees, with collapsed panels taken for hidden."""
    return [
        word
        for part in _visible(root, _collapsed)
        if isinstance(part, str)
        for word in WORDS.findall(part)
    ]


def _opening(panel: HtmlElement) -> str:
    """The first words of a panel, to find it elsewhere on the page."""
    return " ".join(WORDS.findall(panel.text_content())[:DUPLICATE_WORDS])


def _language_name(control: HtmlElement) -> bool:
    words = WORDS.findall(control.text_content().casefold())
    return 0 < len(words) <= 2 and all(word in LANGUAGE_NAMES for word in words)


def _collapsed(panel: HtmlElement) -> bool:
    """Hidden now: by attribute or style, or by Bootstrap's `collapse` class without `show`."""
    classes = set((panel.get("class") or "").split())
    return looks_hidden(panel) or ("collapse" in classes and not classes & {"show", "in"})


def looks_hidden(element: HtmlElement) -> bool:
    """Hidden by markup (`is_hidden`), or by a class or id trafilatura reads as hidden."""
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return is_hidden(element) or HIDDEN_NAME.search(names) is not None


def line_text(element: HtmlElement) -> str:
    """The element's text with its parts apart: "Last updated<br>March 3" is two words."""
    return " ".join(" ".join(element.itertext()).split())


def keep_date_lines(root: HtmlElement, language: str | None = None) -> list[HtmlElement]:
    """Strip class and id from the page's policy date lines, in place, so trafilatura keeps them.

    A date line is a short element without block children whose text is a labelled date and
    little else ("Last updated: March 3, 2020"; not "By Jane Doe | Updated ..." nor "Updated 3
    March 2015: added a section"), visible, and not in a list. Returns those that lead the
    page's text (in its first half, outside headers, footers, navigation and asides), in page
    order, for the caller to put back if the extraction starts below them.
    """
    found: list[tuple[HtmlElement, int]] = []
    words_before = 0
    for part in _visible(root, looks_hidden):
        if isinstance(part, str):
            words_before += len(WORDS.findall(part))
        elif _is_date_line(part, language):
            found.append((part, words_before))
    total = max(words_before, 1)
    leading = []
    for element, before in found:
        for attribute in ("class", "id"):
            element.attrib.pop(attribute, None)
        outside = any(ancestor.tag in OUTSIDE_TAGS for ancestor in element.iterancestors())
        if not outside and before <= LEADING_SHARE * total:
            leading.append(element)
    return leading


def _is_date_line(element: HtmlElement, language: str | None) -> bool:
    if element.tag not in DATE_LINE_TAGS or (
        element.get("class") is None and element.get("id") is None
    ):
        return False
    if any(isinstance(child.tag, str) and child.tag in BLOCK_TAGS for child in element):
        return False
    text = line_text(element)
    if not YEARISH.search(text) or len(WORDS.findall(text)) > MAX_DATE_LINE_WORDS:
        return False
    date = find_effective_date(text, language)
    if date is None or date.confidence < MIN_DATE_LINE_CONFIDENCE:
        return False
    start = text.find(date.phrase)
    if start < 0:
        return False
    before, after = text[:start], text[start + len(date.phrase) :]
    return len(WORDS.findall(before)) <= MAX_WORDS_BEFORE_DATE and not WORDS.search(after)
