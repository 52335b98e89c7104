"""Which text of a page is its policy: trafilatura's of the page or main container, or blocks'."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml.html import HtmlElement, fromstring

from pipelines.evaluation import tokens
from pipelines.extract.blocks import (
    Block,
    blocks,
    main_blocks,
    main_container,
    prose_words,
    to_markdown,
    to_text,
)
from pipelines.extract.config import (
    HTML_PARSER,
    MAX_CONTAINER_GAIN,
    MAX_CONTAINER_LOSS,
    MIN_COVERED,
    MIN_DROPPED_OUTSIDE,
    MIN_PROSE_SHARE,
    MIN_WORDS,
    TRAFILATURA_CONFIG,
    TRAFILATURA_OPTIONS,
)
from pipelines.extract.extracted import word_count
from pipelines.extract.layout import keep_privacy_documents


def trafilatura_text(tree: HtmlElement, url: str, **options: Any) -> str | None:
    # trafilatura prunes the tree it is given: hand it a copy.
    return trafilatura.extract(
        copy.deepcopy(tree), url=url, config=TRAFILATURA_CONFIG, **TRAFILATURA_OPTIONS, **options
    )


def _in_main(container: HtmlElement) -> HtmlElement:
    """`container` alone in a page, as its `<main>`: where trafilatura looks first."""
    document = fromstring("<html><body><main></main></body></html>", parser=HTML_PARSER)
    document.find("body/main").append(copy.deepcopy(container))
    return document


def _outside_words(page: list[Block], container: HtmlElement) -> Counter[str]:
    """Words of the page's visible text outside `container`."""
    outside: Counter[str] = Counter()
    for block in page:
        element = block.element
        if element is None or not (element is container or container in element.iterancestors()):
            outside.update(tokens(block.text))
    return outside


def _prefer_container(page_text: str, container_text: str, outside: Counter[str]) -> bool:
    """Whether the extraction of the main container is better than that of the whole page.

    It is when it holds what the page's extraction holds plus a little more (headings and lists
    trafilatura drops when it finds no content element of its own), or a little less and only
    text from outside the container (footers, menus, banners kept by the whole-page pass).
    """
    page_words, container_words = Counter(tokens(page_text)), Counter(tokens(container_text))
    page_total, container_total = page_words.total(), container_words.total()
    if not page_total or not container_total:
        return container_total > page_total
    if container_total > page_total:
        covered = (page_words & container_words).total() / page_total
        return covered >= MIN_COVERED and container_total <= MAX_CONTAINER_GAIN * page_total
    dropped = page_words - container_words
    if not dropped:
        return False
    from_outside = (dropped & outside).total() / dropped.total()
    return (
        container_total >= (1 - MAX_CONTAINER_LOSS) * page_total
        and from_outside >= MIN_DROPPED_OUTSIDE
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    strategy: str
    text: str
    source: HtmlElement | None = None  # the tree trafilatura read, for its Markdown pass
    markdown: str | None = None  # the Markdown, when not trafilatura's


def _trafilatura_candidate(tree: HtmlElement, page: list[Block], url: str) -> Candidate:
    """trafilatura's text of the page, or of its main container when that reads better."""
    page_text = trafilatura_text(tree, url) or ""
    best = Candidate("trafilatura-recall", page_text, tree)
    container = main_container(page)
    if container is None or container.tag in ("html", "body"):
        return best
    in_main = _in_main(container)
    container_text = trafilatura_text(in_main, url) or ""
    too_little = word_count(page_text) < _enough(page)
    if (too_little and word_count(container_text) > word_count(page_text)) or _prefer_container(
        page_text, container_text, _outside_words(page, container)
    ):
        return Candidate("trafilatura-container", container_text, in_main)
    return best


def _enough(page: list[Block]) -> float:
    return max(MIN_WORDS, MIN_PROSE_SHARE * prose_words(page))


def best_candidate(tree: HtmlElement, url: str) -> tuple[Candidate, list[str]]:
    """trafilatura's text of the page, or the block fall-back's when trafilatura finds little."""
    steps = []
    if keep_privacy_documents(tree):
        steps.append("privacy-documents")
    page = blocks(tree)
    candidate = _trafilatura_candidate(tree, page, url)
    if word_count(candidate.text) < _enough(page):
        selected = main_blocks(page)
        fallback = to_text(selected)
        if word_count(fallback) > word_count(candidate.text):
            candidate = Candidate("fallback-blocks", fallback, markdown=to_markdown(selected))
    return candidate, steps
