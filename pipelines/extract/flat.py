"""A page read as a flat run of text blocks, whatever its nesting: for pages no tree can hold."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Tags that start or end a block of text: a reader sees a line break there.
BLOCK_TAGS = frozenset(
    (
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    )
)
# Table cells of one row stay on its line, apart.
CELL_TAGS = frozenset(("td", "th"))
# Content no reader sees. Not `noscript` or `head`: left unclosed, they would hide the page.
HIDDEN_TAGS = frozenset(("script", "style", "template"))
SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class FlatPage:
    """What a flat reading of a page found."""

    title: str | None
    language: str | None  # the first `lang=` declared, as written
    blocks: list[str]


class _FlatReader(HTMLParser):
    """Tokens only, no tree: nesting costs nothing and has no limit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.title: list[str] = []
        self.language: str | None = None
        self.hidden = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.language is None:
            self.language = next((value for name, value in attrs if name == "lang"), None)
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        elif tag == "title":
            self.in_title = True
        elif tag in BLOCK_TAGS:
            self.in_title = False  # a title left open ends where the page's blocks begin
            self.end_block()
        elif tag in CELL_TAGS:
            self.current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "title":
            self.in_title = False
        elif tag in BLOCK_TAGS:
            self.end_block()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        (self.title if self.in_title else self.current).append(data)

    def end_block(self) -> None:
        text = SPACES.sub(" ", "".join(self.current)).strip()
        if text:
            self.blocks.append(text)
        self.current.clear()


def read_flat(html: str) -> FlatPage:
    """The text blocks of `html` in reading order, its title and its declared language."""
    reader = _FlatReader()
    reader.feed(html)
    reader.close()
    reader.end_block()
    title = SPACES.sub(" ", "".join(reader.title)).strip()
    return FlatPage(title or None, reader.language, reader.blocks)
