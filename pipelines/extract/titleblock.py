"""The policy's title block: its heading and the short lines around it, where its date often is.

"Privacy Policy" in a page header band, "Effective Date: March 5, 2014" under it, and the body
in a container of its own below: extractors keep the container, and the date is lost. The title
block is found by reading the visible page as lines, in order, and taking the line that names
the document (a short heading line with privacy and document words, not a link) and its
neighbours up to the first paragraph of prose. Of those, the lines holding a labelled date, and
the heading itself if it holds a date ("STATEMENT OF PRIVACY (12/23/2014, UNITED STATES
ONLY)"), are the policy's own date lines; dates elsewhere on the page (news, copyright lines,
other documents) are not looked at.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from pipelines.dates import AMBIGUOUS_CONFIDENCE, find_effective_date
from pipelines.extract.layout import DOCUMENT_TITLE, HEADING_TAGS, PRIVACY_TITLE
from pipelines.extract.reveal import SKIPPED_TEXT_TAGS, WORDS, YEARISH, looks_hidden

# Elements that end a line of text as a browser draws it.
LINE_TAGS = frozenset(
    (
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "tr", "table", "br",
        "section", "article", "header", "main", "footer", "ul", "ol", "dl", "dt", "dd",
        "blockquote", "center", "form", "hr", "pre", "address", "figure", "figcaption", "nav",
        "aside",
    )
)  # fmt: skip
# Navigation holds links named "Privacy Policy", never the policy's own title; a link is
# skipped too, but for one inside a heading (WordPress's entry-title, an old <a name>).
SKIPPED_REGIONS = frozenset(("nav", "footer", "aside", "button", "select"))
# Swept by bench/fit_extraction_thresholds.py (see blocks.py): no held-out date moves anywhere
# in any of these grids, and mean F1 is flat over all of them; what sets them is the shape of a
# title block, not a measurement on the tuning pages.
# A heading names a document in a few words; a date line is short too (reveal.py's measure).
# Swept: MAX_HEADING_WORDS moves no tuning page in [4, 30]; MAX_DATE_LINE_WORDS moves two at 5
# (held-out xx-fr-2019-media, xx-nl-2022-app lose their date line), none in [8, 60].
MAX_HEADING_WORDS = 14
MAX_DATE_LINE_WORDS = 25
# The title block ends at the first line of prose, or after this many lines either side.
# Swept: PROSE_WORDS moves the same two pages at 5, none in [10, 100]; LINES_BEFORE none in [0,
# 8]; LINES_AFTER none in [3, 12], and at 0 six pages lose the date line under their heading
# (four of them Go Daddy's policy on PL pages, whose reference Markdown dropped that line).
PROSE_WORDS = 30
LINES_AFTER, LINES_BEFORE = 5, 2
# dates.py gives a labelled date at the top of a text a confidence of 0.85 or more. Swept: flat
# over [0.5, 0.85]; from 0.9 only held-out xx-fr-2019-media moves, its news byline ("Publié le
# 24/05/2018 à 18h12") no longer put in front of the text: that page's F1 +0.002, the mean's
# under 0.0005.
MIN_CONFIDENCE = 0.8
COOKIE = re.compile(r"\bcookies?\b", re.IGNORECASE)


def _is_heading(element: HtmlElement) -> bool:
    return element.tag in HEADING_TAGS or element.get("role") == "heading"


def _lines(root: HtmlElement) -> list[tuple[str, bool]]:
    """The visible text of `root`'s body as lines, each with whether it is all in a heading."""
    lines: list[tuple[str, bool]] = []
    parts: list[tuple[str, bool]] = []
    headings = skipped = 0

    def flush() -> None:
        text = " ".join(" ".join(part for part, _ in parts).split())
        if text:
            in_heading = all(heading for part, heading in parts if part.strip())
            lines.append((text, in_heading))
        parts.clear()

    body = next(root.iter("body"), root)
    for event, element in etree.iterwalk(body, events=("start", "end")):
        if not isinstance(element.tag, str):
            continue
        quiet = (
            element.tag in SKIPPED_TEXT_TAGS
            or element.tag in SKIPPED_REGIONS
            or (element.tag == "a" and not headings and element.get("href") is not None)
        )
        if event == "start":
            if skipped or quiet or looks_hidden(element):
                skipped += 1
                continue
            if element.tag in LINE_TAGS:
                flush()
            headings += _is_heading(element)
            if element.text:
                parts.append((element.text, headings > 0))
            continue
        if skipped:
            skipped -= 1
            if skipped or not (quiet or looks_hidden(element)):
                continue
        else:
            headings -= _is_heading(element)
            if element.tag in LINE_TAGS:
                flush()
        if element.tail:
            parts.append((element.tail, headings > 0))
    flush()
    return lines


def _names_the_policy(text: str) -> bool:
    """A short line naming a privacy document ("Privacy and Cookie Policy"; not a cookie
    policy alone, another document's title block)."""
    words = len(WORDS.findall(text))
    return (
        0 < words <= MAX_HEADING_WORDS
        and PRIVACY_TITLE.search(COOKIE.sub(" ", text)) is not None
        and DOCUMENT_TITLE.search(text) is not None
    )


def title_block_dates(root: HtmlElement, language: str | None = None) -> list[str]:
    """The lines of the policy's title block that state its date, in page order."""
    lines = _lines(root)
    naming = [index for index, (text, _) in enumerate(lines) if _names_the_policy(text)]
    if not naming:
        return []
    # A heading element first (old pages draw theirs with <font> and <b>); of several, the one
    # the policy's prose follows soonest, not a menu item or a breadcrumb above it.
    naming = [index for index in naming if lines[index][1]] or naming
    prose = [
        index for index, (text, _) in enumerate(lines) if len(WORDS.findall(text)) > PROSE_WORDS
    ]
    heading = min(
        naming,
        key=lambda index: next((after - index for after in prose if after > index), len(lines)),
    )
    block = [heading]
    for index in range(heading + 1, min(len(lines), heading + 1 + LINES_AFTER)):
        if len(WORDS.findall(lines[index][0])) > PROSE_WORDS:
            break
        block.append(index)
    for index in range(heading - 1, max(-1, heading - 1 - LINES_BEFORE), -1):
        text = lines[index][0]
        if len(WORDS.findall(text)) > MAX_HEADING_WORDS or text.rstrip().endswith((".", "!", "?")):
            break  # a sentence: the end of what came before, not the policy's title block
        block.append(index)
    found = []
    for index in sorted(block):
        text = lines[index][0]
        if not YEARISH.search(text) or len(WORDS.findall(text)) > MAX_DATE_LINE_WORDS:
            continue
        date = find_effective_date(text, language)
        if date is None:
            continue
        # how sure the date is a labelled date line, whatever its day/month order
        sure = date.confidence / (AMBIGUOUS_CONFIDENCE if date.ambiguous else 1.0)
        if index == heading or (lines[index][1] and sure >= MIN_CONFIDENCE):
            # the heading, or a subheading of the title block: "STATEMENT OF PRIVACY
            # (12/23/2014, UNITED STATES ONLY)" under "Privacy Policy"
            found.append(text)
            continue
        # a date line ends with its date ("Updated March 1, 2016: holiday hours" is news)
        ends = text.rstrip(" .)").endswith(date.phrase) or not WORDS.search(
            text[text.find(date.phrase) + len(date.phrase) :]
        )
        if (
            ends
            and sure >= MIN_CONFIDENCE
            and (date.stated[-1].label != "dated" or _names_the_policy(text))
        ):
            # "Rates as of February 13, 2004" in a ticker beside the heading is no date line:
            # "as of" and "dated" count only where the line names the policy
            found.append(text)
    return found
