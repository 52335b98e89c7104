"""Extraction of pathological pages: deep nesting, huge trees, pages over the analysis limit."""

from __future__ import annotations

import re

import pytest
from lxml.html import fromstring

from crawler.exceptions import PageTooLargeError
from pipelines.analysis import analyse
from pipelines.extract import extract_document, extract_policy
from pipelines.extract.config import HTML_PARSER, MAX_TREE_DEPTH, MAX_TREE_ELEMENTS
from pipelines.extract.flat import read_flat
from pipelines.extract.html import tree_depth
from pipelines.extract.layout import unwrap_unclosed_formatting

URL = "https://example.org/privacy"
SENTENCE = "We collect the personal information you give us and share it with our providers."


def numbered(text: str, label: str) -> set[int]:
    return {int(number) for number in re.findall(rf"\b{label} (\d+)\b", text)}


def unclosed_fonts(count: int) -> bytes:
    body = "".join(f"<font face='Arial'><p>Paragraph {i}. {SENTENCE}</p>" for i in range(count))
    return f"<html><head><title>Privacy</title></head><body>{body}</body></html>".encode()


@pytest.mark.parametrize("count", [30, 400])
def test_every_paragraph_inside_unclosed_font_tags_is_kept(count):
    # 400 levels: libxml2 without huge_tree stopped at 256 and kept 253 paragraphs; at any
    # depth the chain of fonts read as the main container and the first tenth was lost.
    found = extract_policy(unclosed_fonts(count), URL, "text/html")
    assert found is not None and "flat-text" not in found.strategy
    assert numbered(found.text, "Paragraph") == set(range(count))


def test_unwrapping_keeps_formatting_around_words():
    tree = fromstring(
        "<html><body><p>We <b>never</b> sell <font color=red>your data</font>.</p>"
        "<font><p>Kept</p><font><p>Also kept</p></font></font></body></html>",
        parser=HTML_PARSER,
    )
    assert unwrap_unclosed_formatting(tree) == 2
    assert [element.tag for element in tree.iter("b", "font", "p")] == ["p", "b", "font", "p", "p"]
    assert tree.text_content() == "We never sell your data.KeptAlso kept"


def test_a_page_nested_5000_deep_is_read_flat_with_all_its_text():
    # libxml2 stops at 2,048 levels even with huge_tree, and drops the rest of the page.
    opened = "".join(f"<div>level {i} " for i in range(5000))
    tail = "".join(f"<p>After {i}. {SENTENCE}</p>" for i in range(20))
    page = f"<html><head><title>Deep</title></head><body>{opened}{'</div>' * 5000}{tail}</body>"
    found = extract_policy(page.encode(), URL, "text/html")
    assert found is not None and found.strategy == "deep-tree+flat-text"
    assert numbered(found.text, "level") == set(range(5000))
    assert numbered(found.text, "After") == set(range(20))
    assert found.title == "Deep"


def test_a_page_deeper_than_the_bound_but_parsed_whole_is_read_flat():
    depth = MAX_TREE_DEPTH + 50
    opened = "".join(f"<div>level {i} " for i in range(depth))
    page = f"<html><body>{opened}{'</div>' * depth}<p>{SENTENCE}</p></body></html>"
    assert tree_depth(fromstring(page, parser=HTML_PARSER)) > MAX_TREE_DEPTH
    found = extract_policy(page.encode(), URL, "text/html")
    assert found is not None and found.strategy == "deep-tree+flat-text"
    assert numbered(found.text, "level") == set(range(depth)) and SENTENCE in found.text


def test_a_tree_of_too_many_elements_is_read_flat():
    rows = MAX_TREE_ELEMENTS // 10 + 1
    table = "".join(
        "<tr>" + "".join(f"<td>r{row}c{cell}</td>" for cell in range(9)) + "</tr>"
        for row in range(rows)
    )
    page = f"<html><body><h1>Privacy policy</h1><p>{SENTENCE}</p><table>{table}</table></body>"
    found = extract_policy(page.encode(), URL, "text/html")
    assert found is not None and found.strategy == "large-tree+flat-text"
    lines = found.text.splitlines()
    assert lines[:2] == ["Privacy policy", SENTENCE]
    assert len(lines) == 2 + rows and lines[-1] == " ".join(f"r{rows - 1}c{c}" for c in range(9))


def test_the_flat_reading_leaves_out_scripts_and_keeps_the_title():
    page = read_flat(
        "<html lang='de'><head><title>Datenschutz</title><script>var x = '<p>no</p>';</script>"
        "<style>p { color: red }</style></head><body><p>Erste <b>Zeile</b></p>Zweite<br>Dritte"
        "</body></html>"
    )
    assert page.title == "Datenschutz" and page.language == "de"
    assert page.blocks == ["Erste Zeile", "Zweite", "Dritte"]


def test_an_unclosed_title_ends_where_the_page_begins():
    page = read_flat("<html><head><title>Privacy<body><p>The policy.</p></body></html>")
    assert page.title == "Privacy" and page.blocks == ["The policy."]


def test_a_page_over_the_limit_is_not_read():
    body = unclosed_fonts(30)
    with pytest.raises(PageTooLargeError) as raised:
        extract_document(body, URL, "text/html", max_bytes=len(body) - 1)
    assert raised.value.size == len(body) and raised.value.limit == len(body) - 1
    assert raised.value.reason == f"too large to analyse (over {len(body) - 1:,} bytes)"
    with pytest.raises(PageTooLargeError):
        analyse(body, URL, "text/html", max_bytes=1000)
    assert extract_document(body, URL, "text/html", max_bytes=len(body)) is not None
