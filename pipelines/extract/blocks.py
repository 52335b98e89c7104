"""Main text of an HTML tree by text blocks and their link density: the extraction fallback."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from lxml.html import HtmlElement

# Elements that never hold text a reader of the policy sees.
INVISIBLE_TAGS = frozenset(
    (
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "canvas",
        "iframe",
        "object",
        "embed",
        "head",
        "button",
        "select",
        "option",
        "input",
        "textarea",
        "map",
    )
)
# Page furniture around the content, by tag and landmark role. Headers, footers and asides are
# furniture only outside an article: an article's own header holds its title and date.
FURNITURE_TAGS = frozenset(("nav", "menu"))
FURNITURE_ROLES = frozenset(("navigation", "search"))
PAGE_FURNITURE_TAGS = frozenset(("header", "footer", "aside"))
PAGE_FURNITURE_ROLES = frozenset(("banner", "contentinfo", "complementary"))
ARTICLE_TAGS = frozenset(("article", "main"))
HEADING_LEVELS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
ITEM_TAGS = frozenset(("li", "dt", "dd"))
CELL_TAGS = frozenset(("td", "th"))
BLOCK_TAGS = frozenset(
    (
        "p",
        "div",
        "section",
        "article",
        "main",
        "body",
        "blockquote",
        "pre",
        "address",
        "ul",
        "ol",
        "dl",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "caption",
        "figure",
        "figcaption",
        "form",
        "fieldset",
        "center",
        "details",
        "summary",
        "hr",
        "br",
    )
    + tuple(HEADING_LEVELS)
    + tuple(ITEM_TAGS)
    + tuple(CELL_TAGS)
)
# A block of prose: enough words, mostly not link text. Each threshold here and in config.py,
# layout.py, reveal.py, titleblock.py and extracted.py is swept by
# bench/fit_extraction_thresholds.py, one at a time, on OTA 71, Princeton-Leuven (PL) 30 and
# held-out rounds 1-2 (30 pages, 22 policies); "best" is the grid values within 0.0005 of the
# best mean token F1 that change no held-out date and no other page's yield.
# PROSE_MIN_WORDS: best [20, 30]. Below 20 a bakery's specials and testimonials count as prose
# and the main container takes them in (held-out en-2023-short 1.0 -> 0.895, the only page that
# moves); from 35 the short paragraphs of a 1998 page no longer do (PL geocities.com 0.999 ->
# 0.635). Was 10 (jusText's, roughly): moved to the middle, no collection dropping.
PROSE_MIN_WORDS = 25
# Flat over [0.2, 0.8]; 0.1 moves only held-out en-2016-accordion (1.0 -> 0.964).
PROSE_MAX_LINK_DENSITY = 0.3
# Above this share of link text a block is a menu or a list of links, whatever its length.
# Swept: no tuning page moves anywhere in [0.2, 1] (only the block fall-back reads it).
MENU_LINK_DENSITY = 0.5
# The main container is the innermost element holding this share of the page's prose: the rest
# is what a footer or a sidebar may hold. Best [0.85, 0.95]: 0.85 loses held-out r2-nl-2017-faq
# (0.996 -> 0.944), 0.98 r2-es-2014-pdfstyle (1.0 -> 0.960) and en-1999-tables.
MAIN_CONTAINER_SHARE = 0.9
SPACES = re.compile(r"\s+")
WORDS = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Block:
    """A run of text between block boundaries, with what kind of element holds it."""

    kind: str  # "heading", "item", "cell", "para"
    level: int  # heading level, or list depth
    text: str
    link_chars: int
    row: int | None = None  # the table row a cell belongs to
    element: HtmlElement | None = None  # the block-level element the text is in
    # Counted once: choosing the main container asks each block's count once per ancestor.
    words: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", len(WORDS.findall(self.text)))

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


def is_hidden(element: HtmlElement) -> bool:
    """Hidden by the `hidden` attribute, aria-hidden or an inline style."""
    style = (element.get("style") or "").replace(" ", "").lower()
    return (
        element.get("hidden") is not None
        or (element.get("aria-hidden") or "").lower() == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


def _furniture(element: HtmlElement) -> bool:
    role = (element.get("role") or "").lower()
    if element.tag in FURNITURE_TAGS or role in FURNITURE_ROLES:
        return True
    if element.tag in PAGE_FURNITURE_TAGS or role in PAGE_FURNITURE_ROLES:
        return not any(ancestor.tag in ARTICLE_TAGS for ancestor in element.iterancestors())
    return False


class _State(NamedTuple):
    """What an open block element interrupted, restored when it ends."""

    kind: str
    level: int
    row: int | None
    element: HtmlElement | None


class _Step(NamedTuple):
    element: HtmlElement
    in_link: bool
    ended: bool  # False when the element starts, True when it ends
    saved: _State | None = None


class _Walker:
    """Splits a tree into blocks in reading order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.kind = "para"
        self.level = 0
        self.row: int | None = None
        self.rows = 0
        self.depth = 0
        self.element: HtmlElement | None = None

    def flush(self) -> None:
        text = SPACES.sub(" ", "".join(self.parts)).strip()
        if text:
            self.blocks.append(
                Block(self.kind, self.level, text, self.link_chars, self.row, self.element)
            )
        self.parts, self.link_chars = [], 0

    def text(self, value: str | None, in_link: bool) -> None:
        if value:
            self.parts.append(value)
            if in_link:
                self.link_chars += len(value.strip())

    def open(self, element: HtmlElement) -> _State | None:
        """Start `element`; returns what to restore when it ends, None for inline elements."""
        tag = element.tag
        if tag in ("ul", "ol", "dl"):
            self.depth += 1
        if tag not in BLOCK_TAGS:
            return None
        saved = _State(self.kind, self.level, self.row, self.element)
        self.flush()
        self.element = element
        if tag in HEADING_LEVELS:
            self.kind, self.level = "heading", HEADING_LEVELS[tag]
        elif tag in ITEM_TAGS:
            self.kind, self.level = "item", self.depth
        elif tag in CELL_TAGS:
            self.kind = "cell"
        elif tag == "tr":
            self.rows += 1
            self.row = self.rows
        return saved

    def close(self, element: HtmlElement, saved: _State | None) -> None:
        if element.tag in ("ul", "ol", "dl"):
            self.depth -= 1
        if saved is not None:
            self.flush()
            self.kind, self.level, self.row, self.element = saved

    def walk(self, root: HtmlElement) -> None:
        # An explicit stack: broken pages nest deeper than Python's recursion limit.
        stack = [_Step(root, in_link=False, ended=False)]
        while stack:
            element, in_link, ended, saved = stack.pop()
            tail = element.tail if element is not root else None
            if ended:
                self.close(element, saved)
                self.text(tail, in_link)
                continue
            if not _visible(element):
                self.text(tail, in_link)
                continue
            saved = self.open(element)
            # An <a name=...> anchor (old pages leave them open around whole sections) is no link.
            child_link = in_link or (element.tag == "a" and element.get("href") is not None)
            self.text(element.text, child_link)
            stack.append(_Step(element, in_link, ended=True, saved=saved))
            stack.extend(_Step(child, child_link, ended=False) for child in reversed(element))
        self.flush()


def _visible(element: HtmlElement) -> bool:
    tag = element.tag
    return (
        isinstance(tag, str)
        and tag not in INVISIBLE_TAGS
        and not is_hidden(element)
        and not _furniture(element)
    )


def blocks(root: HtmlElement) -> list[Block]:
    """The text blocks of `root` in reading order, page furniture and hidden elements left out."""
    walker = _Walker()
    walker.walk(root)
    return walker.blocks


def _is_prose(block: Block) -> bool:
    return block.words >= PROSE_MIN_WORDS and block.link_density <= PROSE_MAX_LINK_DENSITY


def main_blocks(found: list[Block]) -> list[Block]:
    """The blocks between the first and last prose block that are not menus or link lists.

    Headings, list items and short lines inside that span are kept: in a policy they are part of
    the text. Outside it, only prose counts (a footer's short lines are not the policy).
    """
    prose = [number for number, block in enumerate(found) if _is_prose(block)]
    if not prose:
        return []
    first, last = prose[0], prose[-1]
    # A heading right above the first paragraph is the policy's title.
    while first > 0 and found[first - 1].kind == "heading":
        first -= 1
    return [
        block
        for block in found[first : last + 1]
        if _is_prose(block) or block.link_density <= MENU_LINK_DENSITY
    ]


def prose_words(found: list[Block]) -> int:
    """Words in prose blocks: how much running text a page has, to judge an extraction by."""
    return sum(block.words for block in found if _is_prose(block))


def main_container(found: list[Block], share: float = MAIN_CONTAINER_SHARE) -> HtmlElement | None:
    """The innermost element holding `share` of the prose words of `found`."""
    words: dict[HtmlElement, int] = {}
    total = 0
    for block in found:
        if block.element is None or not _is_prose(block):
            continue
        total += block.words
        for element in (block.element, *block.element.iterancestors()):
            words[element] = words.get(element, 0) + block.words
    if not total:
        return None
    holding = [element for element, count in words.items() if count >= share * total]
    # They form a chain from the root down; the innermost has the most ancestors.
    return max(holding, key=lambda element: sum(1 for _ in element.iterancestors()))


def _units(selected: list[Block]) -> list[tuple[Block, list[str]]]:
    """Each block with its text, except that a table row's cells make one unit, its first cell's."""
    units: list[tuple[Block, list[str]]] = []
    for number, block in enumerate(selected):
        previous = selected[number - 1] if number else None
        if (
            previous is not None
            and previous.kind == block.kind == "cell"
            and previous.row == block.row
        ):
            units[-1][1].append(block.text)
        else:
            units.append((block, [block.text]))
    return units


def to_text(selected: list[Block]) -> str:
    """One line per block; a table row's cells on one line, between bars."""
    return "\n".join(" | ".join(texts) for _, texts in _units(selected))


def to_markdown(selected: list[Block]) -> str:
    """Headings as `#`, list items as `-`, table rows as `|` (a rule under the first one)."""
    lines: list[str] = []
    last_kind = ""
    for block, texts in _units(selected):
        kind = block.kind
        # Paragraphs apart; the items of a list, the rows of a table together.
        if lines and not (kind == last_kind and kind in ("item", "cell")):
            lines.append("")
        if kind == "cell":
            lines.append("| " + " | ".join(text.replace("|", "\\|") for text in texts) + " |")
            if last_kind != "cell":
                lines.append("|" + " --- |" * len(texts))
        elif kind == "heading":
            lines.append("#" * block.level + " " + texts[0])
        elif kind == "item":
            lines.append("  " * max(block.level - 1, 0) + "- " + texts[0])
        else:
            lines.append(texts[0])
        last_kind = kind
    return "\n".join(lines)
