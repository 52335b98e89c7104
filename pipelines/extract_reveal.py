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

from lxml.html import HtmlElement

from pipelines.dates import find_effective_date

HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
# The tags extractors drop however they are styled; a control's title survives as a heading.
CONTROL_TAGS = frozenset(("button",))
TOGGLES = frozenset(("collapse", "tab", "pill"))
# A control's title is short; a panel holds prose. Below, it is a menu or a tooltip.
MAX_TITLE_WORDS = 20
MIN_PANEL_WORDS = 8
# A panel mostly of link text is a menu a button opens, not a section.
MAX_PANEL_LINK_SHARE = 0.5
# The heading a control becomes when it is not inside one already.
CONTROL_HEADING = "h3"
# A date line is short, and labelled ("Last updated", "Stand", "effective"): dates.py gives a
# labelled date a confidence of 1.0, a neutral or bare one ("Posted", "14 January 2016") 0.85
# or less, which leaves bylines and post dates as they were.
MAX_DATE_LINE_WORDS = 25
MIN_DATE_LINE_CONFIDENCE = 0.95
DATE_LINE_TAGS = frozenset(("p", "div", "span", "small", "em", "i", "time", "li", "section"))
# A date line that stands before this share of the page's words, outside these, leads the text.
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
    inside_heading = any(ancestor.tag in HEADING_TAGS for ancestor in control.iterancestors())
    control.tag = "span" if inside_heading else CONTROL_HEADING
    for attribute in ("type", "role"):
        control.attrib.pop(attribute, None)


def open_panels(root: HtmlElement) -> int:
    """Show every collapsed panel of `root` that a control names, in place; returns how many.

    Each panel's control keeps its text as the section's heading.
    """
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    opened = 0
    for control in list(root.iter()):
        if not isinstance(control.tag, str):
            continue
        panels = [by_id[name] for name in _targets(control) if name in by_id]
        panels = [panel for panel in panels if _is_section(panel)]
        if not panels or _words(control) > MAX_TITLE_WORDS:
            continue
        for panel in panels:
            _show(panel)
        _title(control)
        opened += len(panels)
    return opened


def keep_date_lines(root: HtmlElement, language: str | None = None) -> list[str]:
    """Strip class and id from short elements that are a labelled date, in place.

    Returns the texts of those that lead the page's text (in its first half, outside headers,
    footers, navigation and asides), in page order: the policy's own "Last updated" line, which
    an extractor that starts at the content below it still leaves out.
    """
    total = len(WORDS.findall(root.text_content())) or 1
    leading = []
    for element in root.iter(*DATE_LINE_TAGS):
        if element.get("class") is None and element.get("id") is None:
            continue
        text = " ".join(element.text_content().split())
        if not YEARISH.search(text) or len(WORDS.findall(text)) > MAX_DATE_LINE_WORDS:
            continue
        found = find_effective_date(text, language)
        if found is None or found.confidence < MIN_DATE_LINE_CONFIDENCE:
            continue
        for attribute in ("class", "id"):
            element.attrib.pop(attribute, None)
        if _leads(element, total):
            leading.append(text)
    return leading


def _leads(element: HtmlElement, total: int) -> bool:
    if any(ancestor.tag in OUTSIDE_TAGS for ancestor in element.iterancestors()):
        return False
    before = sum(
        len(WORDS.findall(text))
        for text in element.xpath("preceding::text()[not(ancestor::script or ancestor::style)]")
    )
    return before <= LEADING_SHARE * total
