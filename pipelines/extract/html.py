"""The policy text of an HTML page: parsed within bounds, layout undone, date line kept."""

from __future__ import annotations

import copy
import re
from copy import deepcopy
from dataclasses import dataclass, replace
from functools import partial
from importlib.metadata import version

import trafilatura
from lxml import etree
from lxml.html import HtmlElement, fromstring

from pipelines.extract.candidates import Candidate, best_candidate, body_markdown
from pipelines.extract.config import (
    HTML_PARSER,
    LAYOUT_CELL_SHARE,
    LAYOUT_CELL_WORDS,
    MAX_TREE_DEPTH,
    MAX_TREE_ELEMENTS,
    MIN_WORDS,
    SETTINGS,
)
from pipelines.extract.extracted import Extracted, Reading, detect_language, word_count
from pipelines.extract.flat import read_flat
from pipelines.extract.layout import remove_dialogs, unwrap_unclosed_formatting
from pipelines.extract.reveal import keep_date_lines, line_text, open_panels
from pipelines.extract.titleblock import title_block_dates

XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclass(frozen=True, slots=True)
class _Parsed:
    tree: HtmlElement
    cut_short: bool  # libxml2 stopped at its nesting limit: the rest of the page is missing


def parse_html(html: str) -> _Parsed | None:
    """The page's tree, parsed as trafilatura would (an XML declaration dropped); None when
    there is nothing to parse."""
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


def _flat_reading(html: str, why: str) -> Reading | None:
    page = read_flat(html)
    text = "\n".join(page.blocks)
    if word_count(text) < MIN_WORDS:
        return None
    return Reading.done(
        Extracted(
            text=text,
            markdown="\n\n".join(page.blocks),
            title=page.title,
            language=detect_language(text, page.language),
            extractor="policytrail",
            extractor_version=version("policytrail"),
            settings=SETTINGS,
            strategy=f"{why}+flat-text",
            declared_language=page.language,
        )
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


def _title(tree: HtmlElement) -> str | None:
    for path in ("//meta[@property='og:title']/@content", "//title//text()", "//h1//text()"):
        found = " ".join(" ".join(str(part) for part in tree.xpath(path)).split())
        if found:
            return found
    return None


def read_html(html: str, url: str) -> Reading | None:
    """The policy text of a page, its Markdown and language left for `Reading.finish`."""
    parsed = parse_html(html)
    if parsed is None:
        return None
    tree = parsed.tree
    if parsed.cut_short:
        return _flat_reading(html, "deep-tree")
    if sum(1 for _ in tree.iter()) > MAX_TREE_ELEMENTS:
        return _flat_reading(html, "large-tree")
    # Before measuring depth: unclosed formatting is most of the depth of old pages.
    unwrap_unclosed_formatting(tree)
    if tree_depth(tree) > MAX_TREE_DEPTH:
        return _flat_reading(html, "deep-tree")
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
    title_dates = title_block_dates(tree, declared)
    as_laid_out = deepcopy(tree)
    if unwrap_layout_tables(tree):
        candidate, more = best_candidate(tree, url)
        if candidate.strategy == "fallback-blocks":
            # trafilatura found no main text once the tables were gone: read them as tables
            candidate, more = best_candidate(as_laid_out, url)
        else:
            steps.append("layout-tables")
    else:
        candidate, more = best_candidate(tree, url)
    steps.extend(more)
    if word_count(candidate.text) < MIN_WORDS:
        return None
    # Date lines the cut to the privacy documents removed are another document's.
    kept = [line for line in date_lines if any(up is tree for up in line.iterancestors())]
    flat = " ".join(candidate.text.split())
    missing = list(dict.fromkeys([*title_dates, *(line_text(line) for line in kept)]))
    missing = [line for line in missing if " ".join(line.split()) not in flat]
    if missing:
        # The policy's date line, in its title block or above the content trafilatura
        # started at: put it back.
        candidate = replace(candidate, text="\n".join([*missing, candidate.text]))
        steps.append("date-line")
    strategy = "+".join([*steps, candidate.strategy])
    finish = partial(_finish, candidate, title, declared, strategy, missing)
    return Reading(candidate.text, finish)


def _finish(
    candidate: Candidate,
    title: str | None,
    declared: str | None,
    strategy: str,
    missing: list[str],
) -> Extracted:
    if candidate.body is None:
        markdown = candidate.markdown or candidate.text
        extractor, extractor_version = "policytrail", version("policytrail")
    else:
        markdown = body_markdown(candidate.body) or candidate.text
        extractor, extractor_version = "trafilatura", trafilatura.__version__
    if missing and (candidate.body is not None or candidate.markdown is not None):
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
        strategy=strategy,
        declared_language=declared,
    )
