"""Which text of a page is its policy: trafilatura's of the page or main container, or blocks'."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass

from lxml.etree import _Element
from lxml.html import HtmlElement, fromstring
from trafilatura import bare_extraction
from trafilatura.settings import Document
from trafilatura.utils import normalize_unicode
from trafilatura.xml import xmltotxt

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
    TRAFILATURA_PASS,
)
from pipelines.extract.extracted import word_count
from pipelines.extract.layout import keep_privacy_documents


def trafilatura_body(tree: HtmlElement, url: str) -> _Element | None:
    """trafilatura's extraction of `tree`: its XML body, or None.

    One extraction gives both the text (`body_text`) and the Markdown (`body_markdown`), so the
    two hold the same words.
    """
    # trafilatura prunes the tree it is given: hand it a copy.
    options = {**TRAFILATURA_OPTIONS, **TRAFILATURA_PASS}
    document = bare_extraction(copy.deepcopy(tree), url=url, config=TRAFILATURA_CONFIG, **options)
    # A Document (never its dict form, without as_dict), or None when it kept nothing.
    return document.body if isinstance(document, Document) else None


def body_text(body: _Element | None) -> str:
    """The plain text of an extraction (`trafilatura_body`); the body is left as it was."""
    return normalize_unicode(xmltotxt(body, include_formatting=False)).strip()


def body_markdown(body: _Element) -> str:
    """The Markdown of an extraction; trafilatura renders it from its own copy of the body."""
    return normalize_unicode(xmltotxt(body, include_formatting=True)).strip()


def _in_main(container: HtmlElement) -> HtmlElement:
    """`container` alone in a page, as its `<main>`: where trafilatura looks first."""
    document = fromstring("<html><body><main></main></body></html>", parser=HTML_PARSER)
    document.find("body/main").append(copy.deepcopy(container))
    return document


def _words_by_side(page: list[Block], container: HtmlElement) -> tuple[Counter[str], Counter[str]]:
    """Words of the page's visible text inside `container`, and outside it."""
    inside: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    for block in page:
        element = block.element
        within = element is not None and (
            element is container or container in element.iterancestors()
        )
        (inside if within else outside).update(tokens(block.text))
    return inside, outside


def _prefer_container(page_words: Counter[str], container_text: str, outside: Counter[str]) -> bool:
    """Whether the extraction of the main container is better than that of the whole page.

    It is when it holds what the page's extraction holds plus a little more (headings and lists
    trafilatura drops when it finds no content element of its own), or a little less and only
    text from outside the container (footers, menus, banners kept by the whole-page pass).
    """
    container_words = Counter(tokens(container_text))
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
    body: _Element | None = None  # trafilatura's extraction, for its Markdown
    markdown: str | None = None  # the Markdown, when not trafilatura's


def _trafilatura_candidate(tree: HtmlElement, page: list[Block], url: str) -> Candidate:
    """trafilatura's text of the page, or of its main container when that reads better."""
    page_body = trafilatura_body(tree, url)
    page_text = body_text(page_body)
    best = Candidate("trafilatura-recall", page_text, page_body)
    container = main_container(page)
    if container is None or container.tag in ("html", "body"):
        return best
    too_little = word_count(page_text) < _enough(page)
    inside, outside = _words_by_side(page, container)
    page_words = Counter(tokens(page_text))
    if not too_little and page_words == inside:
        # The page's extraction holds the container's visible words and nothing else: it is
        # kept, without reading the container alone. (That reading could only lose words, and
        # was preferred only when the words it lost also stood outside the container: on 2 of
        # 400 generated pages, none of 226 real ones.)
        return best
    container_body = trafilatura_body(_in_main(container), url)
    container_text = body_text(container_body)
    if (too_little and word_count(container_text) > word_count(page_text)) or _prefer_container(
        page_words, container_text, outside
    ):
        return Candidate("trafilatura-container", container_text, container_body)
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
