"""Policy text from a capture: HTML through trafilatura (with fallbacks), PDF through pypdf."""

from __future__ import annotations

import copy
import io
import json
import re
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass, replace
from importlib.metadata import version
from typing import Any, Self

import py3langid
import pypdf
import trafilatura
from lxml import etree
from lxml.html import HtmlElement, HTMLParser, fromstring
from pypdf.errors import PyPdfError
from scrapy.crawler import Crawler
from trafilatura.settings import use_config

from crawler.exceptions import PageTooLargeError
from crawler.items import FETCHED, CaptureItem
from crawler.outcomes import Outcome
from crawler.settings import POLICYTRAIL_MAX_ANALYSIS_BYTES
from pipelines.decode import decode_html, looks_binary
from pipelines.documents import Document
from pipelines.evaluation import tokens
from pipelines.extract_blocks import (
    MAIN_CONTAINER_SHARE,
    Block,
    blocks,
    main_blocks,
    main_container,
    prose_words,
    to_markdown,
    to_text,
)
from pipelines.extract_flat import read_flat
from pipelines.extract_layout import (
    keep_privacy_documents,
    remove_dialogs,
    unwrap_unclosed_formatting,
)
from pipelines.extract_reveal import keep_date_lines, line_text, open_panels
from pipelines.stage import Stage

# ---- trafilatura: one configuration for every page ---------------------------------------------
# In recall mode trafilatura checks its result against readability and jusText only when it is
# shorter than ten times MIN_EXTRACTED_SIZE characters. The default (250) skips that check from
# 2,500 characters on, which suits news articles; a policy yielding less than 10,000 characters
# (a short one, or a long one whose text sits in sibling containers of which trafilatura took
# the first) is worth the check. EXTRACTION_TIMEOUT is for trafilatura's CLI only; 0 keeps it off.
TRAFILATURA_SETTINGS = {
    "MIN_EXTRACTED_SIZE": "1000",
    "MIN_OUTPUT_SIZE": "1",
    "EXTRACTION_TIMEOUT": "0",
}
TRAFILATURA_CONFIG = use_config()
for _name, _value in TRAFILATURA_SETTINGS.items():
    TRAFILATURA_CONFIG.set("DEFAULT", _name, _value)
# Recall over precision: a missing clause is worse than a stray line. Lists, tables and headings
# are policy text. Never deduplicate: trafilatura's cache is process-global, so the output would
# depend on the pages extracted before.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_recall": True,
    "include_tables": True,
    "include_comments": False,
    "include_links": False,
    "include_images": False,
    "deduplicate": False,
}
MARKDOWN_OPTIONS: dict[str, Any] = {"output_format": "markdown", "include_formatting": True}

# ---- when to distrust an extraction --------------------------------------------------------------
# An extraction holding less than this share of the words in the page's prose blocks has missed
# the policy, or most of it.
MIN_PROSE_SHARE = 0.5
# The main container's extraction replaces the page's when it holds all of it (MIN_COVERED) and at
# most MAX_CONTAINER_GAIN times as much, or when it lacks at most MAX_CONTAINER_LOSS of it, nearly
# all (MIN_DROPPED_OUTSIDE) words from outside the container. Beyond those bounds the two differ
# in what they took for the policy, and trafilatura's own judgement of the page stands. The
# container holds nine tenths of the page's prose (MAIN_CONTAINER_SHARE), so what it lacks is
# mostly menus, boxes and footers: on pages laid out in tables those come to a quarter or a third
# of what trafilatura keeps (held-out en-1999-tables, xx-de-2010-verein; 0.1 let them through).
MIN_COVERED = 0.95
MAX_CONTAINER_GAIN = 1.25
MAX_CONTAINER_LOSS = 0.35
MIN_DROPPED_OUTSIDE = 0.8
# Fewer words than this is no policy text at all (an error page, a cookie wall).
MIN_WORDS = 5
# A table cell holding this much prose is a column of a page laid out in a table, not data.
LAYOUT_CELL_WORDS = 80
LAYOUT_CELL_SHARE = 0.5
# Language detection is unreliable on a few words; below this the page's own lang= is used.
MIN_WORDS_FOR_DETECTION = 20
DETECTION_CHARS = 20_000

# What pypdf raises on truncated or damaged files: its own errors, and, from deep inside its
# parser, plain Python ones (a missing key, an object of the wrong type).
PDF_DAMAGE_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError)
PDF_TYPES = frozenset(("application/pdf", "application/x-pdf"))
TEXT_TYPES = frozenset(("text/plain",))
# lxml's parser as trafilatura configures it, so both read a page the same way; trafilatura is
# handed the parsed tree and never parses the page itself. huge_tree: without it libxml2 stops
# at 256 levels of nesting and drops the rest of the page (400 unclosed `<font>` tags kept 253
# of 400 paragraphs). Even with it libxml2 stops at 2,048 levels: such a page is read flat.
HTML_PARSER = HTMLParser(
    collect_ids=False,
    default_doctype=False,
    remove_comments=True,
    remove_pis=True,
    huge_tree=True,
)
# Trees past these bounds are read flat (`read_flat`), their text in blocks, with no judgement of
# what is policy: the steps below cost time in proportion to elements times depth, and
# trafilatura's walks of the tree recurse. The reference corpora's pages reach 3,280 elements
# and 24 levels. A 3 MB table of 340,000 elements took 16 s and 680 MB; one of 49,000 took 5 s,
# of 24,500 3 s (bench/pathological_pages.py, on a shared machine). Read flat, 3 MB take 3 s.
# Past 128 levels (once unclosed formatting is unwrapped) nesting is generated, not written,
# and every level costs a pass of trafilatura's recursive walks.
MAX_TREE_ELEMENTS = 25_000
MAX_TREE_DEPTH = 128
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
WORDS = re.compile(r"\w+")
LANG_TAG = re.compile(r"^([a-z]{2})(?:[-_]|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Extracted:
    """A capture's policy text, and how it was obtained."""

    text: str
    markdown: str
    title: str | None
    language: str | None  # ISO 639-1
    extractor: str  # the library that produced the text: "trafilatura", "pypdf", "policytrail"
    extractor_version: str
    settings: str  # compact JSON of the options used
    # The steps that produced the text, joined by "+": "trafilatura-recall" (the whole page),
    # "trafilatura-container" (its main container), "fallback-blocks", "pdf", "plain-text",
    # after "fallback-fragment" (a bare fragment, wrapped into a page), "layout-tables" (tables
    # used for layout read as blocks), "privacy-documents" (a page of several legal documents,
    # cut to its privacy ones) and "date-line" (the policy's date line put back in front) when
    # those were needed; "flat-text" alone, after "deep-tree" or "large-tree", for a page past
    # the tree bounds (MAX_TREE_DEPTH, MAX_TREE_ELEMENTS), read as a run of text blocks.
    strategy: str


def settings_json() -> str:
    """The options every extraction runs with, as recorded with each extracted text."""
    return json.dumps(
        {
            "trafilatura": TRAFILATURA_OPTIONS,
            "trafilatura_config": TRAFILATURA_SETTINGS,
            "markdown": MARKDOWN_OPTIONS,
            "min_prose_share": MIN_PROSE_SHARE,
            "min_words": MIN_WORDS,
            "max_tree": {"elements": MAX_TREE_ELEMENTS, "depth": MAX_TREE_DEPTH},
            "container": {
                "min_covered": MIN_COVERED,
                "max_gain": MAX_CONTAINER_GAIN,
                "max_loss": MAX_CONTAINER_LOSS,
                "min_dropped_outside": MIN_DROPPED_OUTSIDE,
                "prose_share": MAIN_CONTAINER_SHARE,
            },
        },
        sort_keys=True,
        separators=(",", ":"),
    )


SETTINGS = settings_json()


def _words(text: str | None) -> int:
    return len(WORDS.findall(text or ""))


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of `text`, or of the page's declared language when there is too little."""
    if _words(text) >= MIN_WORDS_FOR_DETECTION:
        language, _ = py3langid.classify(text[:DETECTION_CHARS])
        return language
    match = LANG_TAG.match(declared or "")
    return match[1].lower() if match else None


def extract_policy(body: bytes, url: str, content_type: str | None = None) -> Extracted | None:
    """The policy text of one capture, or None when there is nothing usable in it."""
    media_type = _media_type(content_type)
    if media_type in PDF_TYPES or body.lstrip()[:5] == b"%PDF-":
        return _from_pdf(body)
    text = decode_html(body, content_type).text
    if media_type in TEXT_TYPES and not text.lstrip().startswith("<"):
        return _from_plain_text(text)
    return _from_html(text, url)


# ---- PDF and plain text ------------------------------------------------------------------------


def _from_pdf(body: bytes) -> Extracted | None:
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except PDF_DAMAGE_ERRORS:
        # A truncated or damaged capture has no usable text; the caller records why.
        return None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if _words(text) < MIN_WORDS:
        return None
    return Extracted(
        text=text,
        markdown=text,
        title=(title or "").strip() or None,
        language=detect_language(text),
        extractor="pypdf",
        extractor_version=pypdf.__version__,
        settings=SETTINGS,
        strategy="pdf",
    )


def _from_plain_text(text: str) -> Extracted | None:
    text = text.strip()
    if _words(text) < MIN_WORDS:
        return None
    title = text.splitlines()[0].strip()
    return Extracted(
        text=text,
        markdown=text,
        title=title if len(title) <= 200 else None,
        language=detect_language(text),
        extractor="policytrail",
        extractor_version=version("policytrail"),
        settings=SETTINGS,
        strategy="plain-text",
    )


# ---- HTML --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Parsed:
    tree: HtmlElement
    cut_short: bool  # libxml2 stopped at its nesting limit: the rest of the page is missing


def _parse(html: str) -> _Parsed | None:
    html = XML_DECLARATION.sub("", html, count=1)
    if not html.strip():
        return None
    try:
        tree = fromstring(html, parser=HTML_PARSER)
    except (etree.ParserError, ValueError):
        return None
    cut_short = any(
        error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for error in HTML_PARSER.error_log
    )
    return _Parsed(tree, cut_short)


def tree_depth(tree: HtmlElement) -> int:
    """Levels of nesting below and including `tree`, found without recursion."""
    depth = deepest = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _from_flat_reading(html: str, why: str) -> Extracted | None:
    page = read_flat(html)
    text = "\n".join(page.blocks)
    if _words(text) < MIN_WORDS:
        return None
    return Extracted(
        text=text,
        markdown="\n\n".join(page.blocks),
        title=page.title,
        language=detect_language(text, page.language),
        extractor="policytrail",
        extractor_version=version("policytrail"),
        settings=SETTINGS,
        strategy=f"{why}+flat-text",
    )


def unwrap_layout_tables(tree: HtmlElement) -> int:
    """Turn tables used for page layout into plain blocks; returns how many were unwrapped.

    Sites of the 1990s and 2000s laid whole pages out in tables: the policy in one cell, a
    menu or a box of daily rates in another. Kept as tables, the boxes are read as part of the
    text. A table is taken for layout when one of its cells holds most of the page's words
    (LAYOUT_CELL_SHARE, and at least LAYOUT_CELL_WORDS): a policy's own tables of data never do.
    """
    total = len(tree.text_content().split())
    unwrapped = 0
    for table in reversed(tree.xpath("//table")):  # innermost first
        cells = table.xpath("./tr/td | ./tr/th | ./*/tr/td | ./*/tr/th")
        if not any(_is_layout_cell(cell, total) for cell in cells):
            continue
        parts = [
            element
            for element in table.xpath(".//tbody | .//thead | .//tfoot | .//tr")
            if element.xpath("ancestor::table[1]")[0] is table
        ]
        for element in [table, *parts, *cells]:
            element.tag = "div"
        unwrapped += 1
    return unwrapped


def _is_layout_cell(cell: HtmlElement, page_words: int) -> bool:
    words = len(cell.text_content().split())
    return words >= LAYOUT_CELL_WORDS and words >= LAYOUT_CELL_SHARE * page_words


def _as_document(fragment: HtmlElement) -> HtmlElement:
    """A bare fragment (a `<div>` saved without its page) inside `<html><body>`."""
    document = fromstring("<html><body></body></html>", parser=HTML_PARSER)
    document.find("body").append(copy.deepcopy(fragment))
    return document


def _trafilatura(tree: HtmlElement, url: str, **options: Any) -> str | None:
    # trafilatura prunes the tree it is given: hand it a copy.
    return trafilatura.extract(
        copy.deepcopy(tree), url=url, config=TRAFILATURA_CONFIG, **TRAFILATURA_OPTIONS, **options
    )


def _title(tree: HtmlElement) -> str | None:
    for path in ("//meta[@property='og:title']/@content", "//title//text()", "//h1//text()"):
        found = " ".join(" ".join(str(part) for part in tree.xpath(path)).split())
        if found:
            return found
    return None


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
class _Candidate:
    strategy: str
    text: str
    source: HtmlElement | None = None  # the tree trafilatura read, for its Markdown pass
    markdown: str | None = None  # the Markdown, when not trafilatura's


def _trafilatura_candidate(tree: HtmlElement, page: list[Block], url: str) -> _Candidate:
    """trafilatura's text of the page, or of its main container when that reads better."""
    page_text = _trafilatura(tree, url) or ""
    best = _Candidate("trafilatura-recall", page_text, tree)
    container = main_container(page)
    if container is None or container.tag in ("html", "body"):
        return best
    in_main = _in_main(container)
    container_text = _trafilatura(in_main, url) or ""
    too_little = _words(page_text) < _enough(page)
    if (too_little and _words(container_text) > _words(page_text)) or _prefer_container(
        page_text, container_text, _outside_words(page, container)
    ):
        return _Candidate("trafilatura-container", container_text, in_main)
    return best


def _enough(page: list[Block]) -> float:
    return max(MIN_WORDS, MIN_PROSE_SHARE * prose_words(page))


def _best_candidate(tree: HtmlElement, url: str) -> tuple[_Candidate, list[str]]:
    """trafilatura's text of the page, or the block fall-back's when trafilatura finds little."""
    steps = []
    if keep_privacy_documents(tree):
        steps.append("privacy-documents")
    page = blocks(tree)
    candidate = _trafilatura_candidate(tree, page, url)
    if _words(candidate.text) < _enough(page):
        selected = main_blocks(page)
        fallback = to_text(selected)
        if _words(fallback) > _words(candidate.text):
            candidate = _Candidate("fallback-blocks", fallback, markdown=to_markdown(selected))
    return candidate, steps


def _from_html(html: str, url: str) -> Extracted | None:
    parsed = _parse(html)
    if parsed is None:
        return None
    tree = parsed.tree
    if parsed.cut_short:
        return _from_flat_reading(html, "deep-tree")
    if sum(1 for _ in tree.iter()) > MAX_TREE_ELEMENTS:
        return _from_flat_reading(html, "large-tree")
    # Before measuring depth: unclosed formatting is most of the depth of old pages.
    unwrap_unclosed_formatting(tree)
    if tree_depth(tree) > MAX_TREE_DEPTH:
        return _from_flat_reading(html, "deep-tree")
    title = _title(tree)
    declared = next(iter(tree.xpath("//@lang")), None)
    steps = []
    if tree.tag != "html":
        # trafilatura takes a bare fragment (a `<div>` saved without its page) for something
        # other than HTML; inside `<html><body>` it reads as the page it was cut from.
        tree = _as_document(tree)
        steps.append("fallback-fragment")
    remove_dialogs(tree)
    open_panels(tree)
    date_lines = keep_date_lines(tree, declared)
    as_laid_out = deepcopy(tree)
    if unwrap_layout_tables(tree):
        candidate, more = _best_candidate(tree, url)
        if candidate.strategy == "fallback-blocks":
            # trafilatura found no main text once the tables were gone: read them as tables
            candidate, more = _best_candidate(as_laid_out, url)
        else:
            steps.append("layout-tables")
    else:
        candidate, more = _best_candidate(tree, url)
    steps.extend(more)
    if _words(candidate.text) < MIN_WORDS:
        return None
    # Date lines the cut to the privacy documents removed are another document's.
    kept = [line for line in date_lines if any(up is tree for up in line.iterancestors())]
    flat = " ".join(candidate.text.split())
    missing = list(dict.fromkeys(line_text(line) for line in kept))
    missing = [line for line in missing if line not in flat]
    if missing:
        # The policy's date line, above the content trafilatura started at: put it back.
        candidate = replace(candidate, text="\n".join([*missing, candidate.text]))
        steps.append("date-line")
    if candidate.source is None:
        markdown = candidate.markdown or candidate.text
        extractor, extractor_version = "policytrail", version("policytrail")
    else:
        markdown = _trafilatura(candidate.source, url, **MARKDOWN_OPTIONS) or candidate.text
        extractor, extractor_version = "trafilatura", trafilatura.__version__
    if missing and (candidate.source is not None or candidate.markdown is not None):
        # The Markdown was made apart from the text: the date lines go in front of it too.
        markdown = "\n\n".join([*missing, markdown])
    return Extracted(
        text=candidate.text,
        markdown=markdown,
        title=title,
        language=detect_language(candidate.text, declared),
        extractor=extractor,
        extractor_version=extractor_version,
        settings=SETTINGS,
        strategy="+".join([*steps, candidate.strategy]),
    )


def extract_document(
    body: bytes, url: str, content_type: str | None, max_bytes: int
) -> Document | None:
    """The extraction step: a Document with the text (None when there is none to use).

    Raises PageTooLargeError for a body over `max_bytes`, which is not read at all.
    """
    if len(body) > max_bytes:
        raise PageTooLargeError(len(body), max_bytes)
    found = extract_policy(body, url, content_type)
    if found is None:
        return None
    return Document(
        text=found.text,
        markdown=found.markdown,
        title=found.title,
        language=found.language,
        extractor=found.extractor,
        extractor_version=found.extractor_version,
        extractor_settings=found.settings,
        strategy=found.strategy,
    )


class ExtractPipeline(Stage):
    """Gives each fetched capture its Document; a capture without usable text is counted.

    A page over POLICYTRAIL_MAX_ANALYSIS_BYTES stays fetched (its bytes are in the WARCs) but
    gets no Document: its reason says why, and it is counted.
    """

    def __init__(self, crawler: Crawler, max_bytes: int) -> None:
        super().__init__(crawler)
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # Without the project's settings (a test's crawler) the cap is still the project's.
        max_bytes = crawler.settings.getint(
            "POLICYTRAIL_MAX_ANALYSIS_BYTES", POLICYTRAIL_MAX_ANALYSIS_BYTES
        )
        return cls(crawler, max_bytes)

    def process_item(self, item):
        if not isinstance(item, CaptureItem) or item.fetch_status != FETCHED or not item.memento:
            return item
        memento = item.memento
        content_type = (memento.content_type or "").split(";")[0].strip().lower()
        ok = 200 <= memento.http_status < 300
        if ok and content_type != "application/pdf" and looks_binary(memento.body):
            item.reason = "binary data, not a page"
            item.reason_code = Outcome.NOT_TEXT
            self.crawler.stats.inc_value("policytrail/extract_not_text")
            return item
        if 200 <= memento.http_status < 300:
            try:
                item.document = extract_document(
                    memento.body, item.url, memento.content_type, self.max_bytes
                )
            except PageTooLargeError as error:
                item.reason = error.reason
                item.reason_code = Outcome.TOO_LARGE
                self.crawler.stats.inc_value("policytrail/analysis_too_large")
                return item
            if item.document is None:
                self.crawler.stats.inc_value("policytrail/extract_empty")
        return item
