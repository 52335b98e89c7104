"""The policy's title block: its heading and the short lines around it, where its date is."""

from __future__ import annotations

import pytest
from lxml.html import fromstring
from test_extract import URL, paragraphs

from pipelines.analysis import analyse
from pipelines.extract.titleblock import title_block_dates


def whole_page(body: str, lang: str = "en-US") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><title>Acme - Privacy Policy</title></head>'
        "<body><header class='site'><a href='/'>Acme</a><nav><a href='/privacy'>Privacy "
        "Policy</a> <a href='/news'>News</a></nav></header>"
        f"{body}<footer>&copy; 2015 Acme Inc. <a href='/privacy'>Privacy Policy</a> "
        "Last updated 2/2/2015</footer></body></html>"
    ).encode()


HERO = (
    "<div class='hero'><h1>Privacy Policy</h1><p class='sub'>Effective Date: 3/1/2014</p></div>"
    "<aside><h3>News</h3><p>Posted 4/4/2014: new store opens</p></aside>"
    f"<article class='content'>{paragraphs(8)}</article>"
)


def test_a_date_line_under_the_heading_is_found():
    tree = fromstring(whole_page(HERO))
    assert title_block_dates(tree, "en-US") == ["Effective Date: 3/1/2014"]


def test_the_date_line_is_put_back_and_dated():
    document = analyse(whole_page(HERO), URL, "text/html")
    assert document is not None
    assert document.text.startswith("Effective Date: 3/1/2014")
    assert document.effective_date == "2014-03-01"


def test_a_date_in_the_heading_itself_counts():
    body = (
        "<div id='title-block'><h1>Privacy</h1><h2>STATEMENT OF PRIVACY (12/23/2014, UNITED "
        f"STATES ONLY)</h2></div><div class='node'>{paragraphs(8)}</div>"
    )
    document = analyse(whole_page(body), URL, "text/html")
    assert document is not None and document.effective_date == "2014-12-23"


def test_an_old_page_drawn_with_font_and_tables_has_a_title_block_too():
    body = (
        "<table><tr><td><font size=1>Menu</font><br>Privacy Policy<br>Catalog</td><td>"
        "<table><tr><td><font size=5><b>Our Privacy Policy</b></font></td></tr>"
        "<tr><td><i>Last Revised 11/5/2002</i></td></tr></table>"
        f"<table><tr><td>{paragraphs(8)}</td></tr></table></td></tr></table>"
    )
    tree = fromstring(whole_page(body, "en"))
    assert title_block_dates(tree, None) == ["Last Revised 11/5/2002"]


def test_dates_away_from_the_heading_are_not_taken():
    body = (
        "<div class='hero'><h1>Privacy Policy</h1></div>"
        f"<article>{paragraphs(3)}<p>Last updated: 5/5/2015</p>{paragraphs(3, 3)}</article>"
    )
    assert title_block_dates(fromstring(whole_page(body)), "en-US") == []


def test_links_and_navigation_naming_the_policy_are_not_its_heading():
    body = (
        f"<div class='crumbs'><a href='/privacy'>Privacy Policy</a> 1/1/2010</div>{paragraphs(6)}"
    )
    assert title_block_dates(fromstring(whole_page(body)), "en-US") == []


def test_a_ticker_beside_the_heading_is_not_a_date_line():
    body = (
        "<div class='rates'>Rates as of February 13, 2004. APY = Annual Percentage Yield.</div>"
        "<h1>Online Privacy Statement</h1><p>Effective April 1, 2003</p>"
        f"<div>{paragraphs(8)}</div>"
    )
    tree = fromstring(whole_page(body))
    assert title_block_dates(tree, "en-US") == ["Effective April 1, 2003"]


def test_a_news_line_beside_the_heading_is_not_a_date_line():
    body = (
        "<h1>Privacy Policy</h1><div class='news'><p>Updated March 1, 2016: holiday hours</p>"
        f"</div><div>{paragraphs(8)}</div>"
    )
    assert title_block_dates(fromstring(whole_page(body)), "en-US") == []


def test_a_cookie_policy_above_the_privacy_policy_lends_it_no_date():
    body = (
        "<h2>Cookie Policy</h2><p>Last updated: January 1, 2021</p>"
        f"<p>We use cookies.</p><h2>Privacy Policy</h2><p>Last updated: March 3, 2019</p>"
        f"<div>{paragraphs(8)}</div>"
    )
    assert title_block_dates(fromstring(whole_page(body)), "en-US") == [
        "Last updated: March 3, 2019"
    ]


@pytest.mark.parametrize(
    "date_line",
    [
        "<p>Last updated: <time datetime='2014-03-05'>March 5, 2014</time></p>",
        "<p><label>Effective Date:</label> March 5, 2014</p>",
    ],
)
def test_date_lines_in_common_markup(date_line):
    body = f"<div class='head'><h1><a href='/privacy'>Privacy Policy</a></h1>{date_line}</div>"
    body += f"<article>{paragraphs(8)}</article>"
    [line] = title_block_dates(fromstring(whole_page(body)), "en-US")
    assert line.endswith("March 5, 2014")
