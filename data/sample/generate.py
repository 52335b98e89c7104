"""Write the bundled sample archive: `sample.warc.gz` and `EXPECTED.json`, from the data below.

The sample is a small, made-up Wayback collection for the demo crawl and the end-to-end tests.
It holds three fictional sites (reserved `.example` domains), each with 10+ captures of its
privacy-policy URL from 2004 to 2023 and 5 policy texts (`policies/*.txt`, rendered into
era-appropriate page templates from `templates/*.html`):

- lumenbank.example: the policy moves from /privacy.html to /legal/privacy in 2014. The old URL
  then answers with captured 301s (absolute and root-relative `Location`). Its captures come from
  the http, https and bare-host variants of one URL, which share a SURT key. One capture is
  written twice, an exact duplicate CDX row as IA's CDX repeats them.
- kettleworks.example (shop.): older pages are windows-1252, declared in the HTTP Content-Type
  or only in a `<meta>` tag. From 2014 they are UTF-8. Between 2012 and 2013 the URL gave
  captured 404s.
- northwind-health.example (www.): one text is a hand-written one-page PDF at an alias URL, and
  one capture at the policy URL is text/plain (the crawler records it as skipped).

Within a version the pages still change (rotating promotions, script nonces, "generated at"
comments, footer years). So most captures of one text have different digests. A few revisit
records repeat an earlier payload. Request records are left out: the archive never reads them.

Each site's home page is captured too, for `policytrail discover` (issue 13): about one capture a
half-year from 2004 (northwind: 2006) to 2023 at varied dates, a few half-years with two and a
few with none. Its templates (`templates/*-home-*.html`) follow the eras: tables, then footers
of many links and a cookie banner, then a consent banner with a "Privacy settings" button. Its
privacy link leads to the policy URL in force at the time by the timeline below, and its text,
place (footer or header), form (relative, root-relative, scheme-relative, absolute) and target
change: lumenbank's moves to /legal/privacy in 2014, kettleworks' names another host (shop.)
and is missing in the first years and while the policy answered 404, northwind's leads to the
PDF in 2013-2014. Each site has half-years whose only capture is a 301 or 302 from the bare host
or from http to another variant of the home page, captured nearby. Home pages are not policy
URLs: the demo crawl never lists them.

The WARC is committed; to change the sample, edit this script or its text files and run

    .venv/bin/python data/sample/generate.py [OUTPUT.warc.gz]

which rewrites the WARC and EXPECTED.json next to it. EXPECTED.json describes every capture
(CDX rows, digests, revisits, redirects, 404s) and every policy version. Under `home_pages` it
gives, per site and half-year, the home-page capture closest to the half-year's middle (1 April,
1 October; a page before a redirect), the page a redirect leads to, the privacy link and the
absolute policy URL it names, and every home-page capture of the half-year. It is computed from
the same data as the WARC and must never be edited by hand. WARC record ids are random, so two
runs give the same CDX rows but not the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from string import Template
from urllib.parse import urljoin, urlsplit

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.builder import REVISIT, CaptureSpec, payload_digest, write_warc
from crawler.wayback import http_date, parse_timestamp, reason_phrase, surt_key

HERE = Path(__file__).resolve().parent
POLICIES = HERE / "policies"
TEMPLATES = HERE / "templates"
DEFAULT_WARC = HERE / "sample.warc.gz"
EXPECTED_NAME = "EXPECTED.json"
JSON_LINE = 500  # EXPECTED.json keeps objects up to this long on one line

# What each capture is, as EXPECTED.json names it.
PAGE = "page"
REVISITED = "revisit"
REDIRECT = "redirect"
NOT_FOUND = "not-found"
SKIPPED = "skipped"
NO_CAPTURE = "none"  # a half-year without a home-page capture

# How near in time a home page's linked policy must have been captured (issue 13's test), and
# how far the page a home-page redirect leads to may be: in the same or a neighbouring half-year.
POLICY_NEAR = timedelta(days=365)
REDIRECT_NEAR = timedelta(days=200)


# ---- policy texts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyText:
    """One version of a policy, read from `policies/<source>.txt`."""

    source: str
    title: str
    date_line: str
    effective_date: str
    blocks: tuple[str, ...]  # "## heading", "- item" lines, or a paragraph


def load_policy(source: str) -> PolicyText:
    """Parse a policy file: `key: value` lines, a blank line, then blank-line-separated blocks."""
    head, _, body = (POLICIES / f"{source}.txt").read_text(encoding="utf-8").partition("\n\n")
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    blocks = tuple(block.strip() for block in body.split("\n\n") if block.strip())
    return PolicyText(
        source, fields["title"], fields["date_line"], fields["effective_date"], blocks
    )


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"\*(.+?)\*", r"<em>\1</em>", escaped)


def render_policy(policy: PolicyText, heading: str) -> str:
    """The policy as HTML: title, date line, then headings, lists and paragraphs."""
    parts = [
        f"<h1>{_inline(policy.title)}</h1>",
        f'<p class="effective">{_inline(policy.date_line)}</p>',
    ]
    for block in policy.blocks:
        if block.startswith("## "):
            parts.append(f"<{heading}>{_inline(block[3:])}</{heading}>")
        elif block.startswith("- "):
            items = [line[2:] for line in block.splitlines()]
            parts.append("<ul>\n" + "\n".join(f"<li>{_inline(i)}</li>" for i in items) + "\n</ul>")
        else:
            parts.append(f"<p>{_inline(' '.join(block.splitlines()))}</p>")
    return "\n".join(parts)


def plain_lines(policy: PolicyText, width: int) -> Iterator[tuple[str, str]]:
    """The policy as (style, line) pairs wrapped to `width` characters, for the PDF."""
    yield "title", policy.title
    yield "body", policy.date_line
    for block in policy.blocks:
        yield "gap", ""
        if block.startswith("## "):
            yield "heading", block[3:]
        elif block.startswith("- "):
            for item in block.splitlines():
                wrapped = textwrap.wrap(item[2:].replace("**", ""), width - 4)
                yield "body", f"- {wrapped[0]}"
                yield from (("body", f"  {rest}") for rest in wrapped[1:])
        else:
            yield from (("body", line) for line in textwrap.wrap(" ".join(block.split()), width))


# ---- page layouts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Layout:
    """How one site's pages looked and were served during one period."""

    template: str
    encoding: str  # codec of the bytes; "ascii" writes other characters as &#NNNN; references
    charset: str  # the charset the page declares
    charset_declared_in: str  # "http", "meta" or "http+meta"
    headers: tuple[tuple[str, str], ...]  # values may use the page variables ($nonce, ...)
    heading: str = "h2"
    promos: tuple[str, ...] = ()
    promo_period: int = 14  # how many timestamp digits pick the promotion: 6 = monthly
    last_modified: str | None = None  # a static file: its Last-Modified, as a timestamp

    def render(
        self, url: str, timestamp: str, policy: PolicyText | None,
        extra: dict[str, str] | None = None,
    ) -> tuple[bytes, dict]:  # fmt: skip
        """The page's bytes and the variables used, which the headers may refer to too."""
        variables = page_variables(self, url, timestamp) | (extra or {})
        if policy is not None:
            variables |= {"title": policy.title, "policy": render_policy(policy, self.heading)}
        text = Template((TEMPLATES / self.template).read_text(encoding="utf-8"))
        page = text.substitute(variables)
        errors = "xmlcharrefreplace" if self.encoding == "ascii" else "strict"
        return page.encode(self.encoding, errors), variables


def _noise(*parts: str) -> bytes:
    """Stable pseudo-random bytes for one capture: the same inputs always give the same page."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def page_variables(layout: Layout, url: str, timestamp: str) -> dict[str, str]:
    """What changes between captures of one text: promotions, nonces, dates, server names."""
    moment = parse_timestamp(timestamp)
    noise = _noise(url, timestamp)
    variables = {
        "year": timestamp[:4],
        "nonce": base64.b64encode(noise[:16]).decode("ascii"),
        "csrf": base64.urlsafe_b64encode(noise[16:]).decode("ascii").rstrip("="),
        "visit_id": noise[:8].hex(),
        "session": base64.b32encode(noise[8:18]).decode("ascii")[:16],
        "build": _noise(url, timestamp[:6]).hex()[:7],  # one deploy a month
        "server_node": f"web{noise[20] % 6 + 1:02d}",
        "generated_at": f"{moment:%Y-%m-%d %H:%M:%S}.{noise[21] * 3 % 1000:03d} UTC",
        "rate_date": f"{moment - timedelta(days=1):%B %d, %Y}".replace(" 0", " "),
        "day_uk": f"{moment:%A} {moment.day} {moment:%B %Y}",
        "day_us": f"{moment:%B} {moment.day}, {moment.year}",
        "rates": lumen_rates(noise),
    }
    if layout.promos:
        pick = _noise(layout.template, timestamp[: layout.promo_period])[0] % len(layout.promos)
        variables |= {"promo": layout.promos[pick], "campaign": f"promo-{pick + 1}"}
    return variables


def lumen_rates(noise: bytes) -> str:
    """The rate table Lumen's 2003 pages pulled in with a server-side include."""
    products = ("Statement Savings", "Money Market", "12-Month CD", "24-Month CD")
    rows = []
    for number, product in enumerate(products):
        rate = 0.5 + number * 0.75 + noise[24 + number] % 40 / 100
        rows.append(
            f'<tr><td class="small">{product}</td><td class="small">{rate:.2f}% APY</td></tr>'
        )
    return "\n".join(rows)


APACHE_2003 = (("Server", "Apache/1.3.33 (Unix) mod_ssl/2.8.22 OpenSSL/0.9.7e"),)
APACHE_2007 = (
    ("Server", "Apache/2.2.3 (Red Hat)"),
    ("Set-Cookie", "LBVISIT=$visit_id; path=/"),
)
NGINX_SECURE = (
    ("Server", "nginx"),
    ("Cache-Control", "no-cache, private"),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("Content-Security-Policy", "script-src 'self' 'nonce-$nonce'; object-src 'none'"),
    ("X-Frame-Options", "SAMEORIGIN"),
)

LAYOUTS = {
    "lumenbank-2003": Layout(
        "lumenbank-2003.html",
        encoding="ascii",
        charset="iso-8859-1",
        charset_declared_in="http",
        headers=(*APACHE_2003, ("Content-Type", "text/html; charset=iso-8859-1")),
        heading="h3",
    ),
    "lumenbank-2007": Layout(
        "lumenbank-2007.html",
        encoding="ascii",
        charset="iso-8859-1",
        charset_declared_in="http+meta",
        headers=(*APACHE_2007, ("Content-Type", "text/html; charset=ISO-8859-1")),
        promos=(
            "<h4>Free Online Bill Pay</h4>\n<p>Pay anyone in the U.S. from your Lumen checking"
            ' account. <a href="/personal/billpay.html">Get started</a></p>',
            "<h4>Tap into your home&#8217;s equity</h4>\n<p>Lines of credit with no closing"
            ' costs. <a href="/loans/heloc.html">Learn more</a></p>',
            "<h4>Lumen Rewards Visa</h4>\n<p>Earn points on every purchase."
            ' <a href="/cards/rewards.html">Apply now</a></p>',
            "<h4>Go paperless</h4>\n<p>Switch to eStatements and help us plant a tree."
            ' <a href="/personal/estatements.html">Sign up</a></p>',
        ),
    ),
    "lumenbank-2014": Layout(
        "lumenbank-2014.html",
        encoding="utf-8",
        charset="utf-8",
        charset_declared_in="http+meta",
        headers=(*NGINX_SECURE, ("Content-Type", "text/html; charset=utf-8")),
        promos=(
            '<p>Deposit checks with your phone. <a href="/mobile">Get the Lumen app</a></p>',
            '<p>Earn 2% cash back on groceries with the Lumen Cash Card. <a href="/cards">'
            "See terms</a></p>",
            '<p>Send money to friends in seconds with Lumen Transfers. <a href="/transfers">'
            "How it works</a></p>",
            '<p>Thinking of buying a home? <a href="/mortgages">Talk to a loan officer</a></p>',
        ),
    ),
    "kettleworks-2004": Layout(
        "kettleworks-2004.html",
        encoding="cp1252",
        charset="windows-1252",
        charset_declared_in="http",
        headers=(
            ("Server", "Microsoft-IIS/5.0"),
            ("Content-Type", "text/html; charset=windows-1252"),
            ("Accept-Ranges", "bytes"),
            ("ETag", '"80b4a3e1c238c41:9f2"'),
        ),
        heading="h3",
        last_modified="20040512102241",
    ),
    "kettleworks-2007": Layout(
        "kettleworks-2007.html",
        encoding="cp1252",
        charset="windows-1252",
        charset_declared_in="meta",
        headers=(
            ("Server", "Microsoft-IIS/6.0"),
            ("X-Powered-By", "ASP.NET"),
            ("Set-Cookie", "ASPSESSIONIDSQTRBCAD=$session; path=/"),
            ("Content-Type", "text/html"),
            ("Cache-control", "private"),
        ),
        heading="h3",
        promos=(
            "Whistling stovetop kettle in racing green, was £34.99, now £24.99",
            "Six-cup bone china teapot – £19.50 with free tea cosy",
            "Crème brûlée torch – 20% off this month only",
            "Glass cafetière, 8 cups – £22.00 (save £6)",
            "Espresso cups, set of four – just £12.95",
        ),
        promo_period=6,
    ),
    "kettleworks-2010": Layout(
        "kettleworks-2010.html",
        encoding="cp1252",
        charset="windows-1252",
        charset_declared_in="meta",
        headers=(
            ("Server", "Microsoft-IIS/7.5"),
            ("X-Powered-By", "ASP.NET"),
            ("Content-Type", "text/html"),
        ),
        promos=(
            "Free UK delivery on orders over £40 – use code FREEDEL",
            "Enamel kettles now in five colours, from £29.99",
            "Spring clear-out: up to 30% off teapots",
            "Order by 18 December for Christmas delivery",
        ),
        promo_period=6,
    ),
    "kettleworks-404": Layout(
        "kettleworks-404.html",
        encoding="utf-8",
        charset="utf-8",
        charset_declared_in="http+meta",
        headers=(("Server", "nginx/1.1.19"), ("Content-Type", "text/html; charset=utf-8")),
    ),
    "kettleworks-2014": Layout(
        "kettleworks-2014.html",
        encoding="utf-8",
        charset="utf-8",
        charset_declared_in="http+meta",
        headers=(
            ("Server", "nginx"),
            ("Content-Type", "text/html; charset=UTF-8"),
            ("Set-Cookie", "kw_session=$csrf; path=/; HttpOnly"),
            ("X-Request-Id", "$visit_id"),
        ),
        promos=(
            "Free UK delivery on orders over £40",
            "New: hand-thrown stoneware teapots from Stoke-on-Trent",
            "Summer sale – up to 40% off cafetières",
            "Order by 19 December for Christmas delivery",
            "Join the Kettleworks newsletter and get 10% off your first order",
        ),
        promo_period=6,
    ),
    "northwind-2006": Layout(
        "northwind-2006.html",
        encoding="utf-8",
        charset="utf-8",
        charset_declared_in="http+meta",
        headers=(
            ("Server", "Microsoft-IIS/6.0"),
            ("X-Powered-By", "ASP.NET"),
            ("X-AspNet-Version", "2.0.50727"),
            ("Cache-Control", "private"),
            ("Content-Type", "text/html; charset=utf-8"),
        ),
        heading="h3",
        promos=(
            "Wash your hands often with soap and water for at least 20 seconds.",
            "Most adults need seven to nine hours of sleep a night.",
            "A yearly flu shot is the best way to protect yourself and your family.",
            "Use a sunscreen with an SPF of 30 or higher, even on cloudy days.",
            "Thirty minutes of brisk walking five days a week strengthens your heart.",
        ),
        promo_period=8,
    ),
    "northwind-2015": Layout(
        "northwind-2015.html",
        encoding="utf-8",
        charset="utf-8",
        charset_declared_in="http+meta",
        headers=(
            ("Server", "Microsoft-IIS/8.5"),
            ("X-AspNet-Version", "4.0.30319"),
            ("Cache-Control", "private, max-age=0"),
            ("Content-Security-Policy", "script-src 'self' 'nonce-$nonce'"),
            ("Content-Type", "text/html; charset=utf-8"),
        ),
        promos=(
            "Flu shots are available at all Northwind clinics – no appointment needed.",
            'Our visitor guidelines have changed. <a href="/visitors">Read more</a>',
            "MyNorthwind will be unavailable Sunday from 2 to 4 a.m. for maintenance.",
            "Virtual visits are now available for many appointments. "
            '<a href="/virtual">Learn how</a>',
        ),
        promo_period=6,
    ),
}

# The bodies servers sent with a redirect ({status} {reason}: "301 Moved Permanently").
APACHE_MOVED = """<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>{status} {reason}</title>
</head><body>
<h1>{reason}</h1>
<p>The document has moved <a href="{location}">here</a>.</p>
<hr>
<address>Apache/2.2.15 (Red Hat) Server at {host} Port {port}</address>
</body></html>
"""
NGINX_MOVED = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""
IIS_MOVED = """<head><title>Document Moved</title></head>
<body><h1>Object Moved</h1>This document may be found <a HREF="{location}">here</a></body>"""
MAINTENANCE = """Northwind Health Partners - scheduled maintenance

Our website is being upgraded and is temporarily unavailable.
MyNorthwind, online bill payment and appointment requests will return shortly.

If you need medical care, call your clinic or the 24-hour nurse line at 1-888-555-0190.
In an emergency, call 911.
"""


# ---- home-page layouts --------------------------------------------------------------------------

HEADER = "header"
FOOTER = "footer"


@dataclass(frozen=True, slots=True)
class PrivacyLink:
    """A home page's link to its privacy policy, as written: `href` may be relative."""

    text: str
    href: str
    placement: str = FOOTER  # which of the template's slots holds it: HEADER or FOOTER


@dataclass(frozen=True, slots=True)
class HomeLayout:
    """How one site's home page looked during one period, and where a privacy link could sit."""

    page: Layout
    slots: tuple[tuple[str, str], ...]  # (placement, the link's markup with {href} and {text})

    def render(self, url: str, timestamp: str, link: PrivacyLink | None) -> tuple[bytes, dict]:
        """The page with `link` in its slot (`$privacy_header`, `$privacy_footer`), or none."""
        filled = {f"privacy_{placement}": "" for placement in (HEADER, FOOTER)}
        if link is not None:
            markup = dict(self.slots).get(link.placement)
            if markup is None:
                raise ValueError(f"{self.page.template} has no {link.placement} slot for a link")
            filled[f"privacy_{link.placement}"] = markup.format(
                href=html.escape(link.href), text=html.escape(link.text)
            )
        return self.page.render(url, timestamp, None, filled)


HOME_LAYOUTS = {
    "lumenbank-home-2004": HomeLayout(
        Layout(
            "lumenbank-home-2004.html",
            encoding="ascii",
            charset="iso-8859-1",
            charset_declared_in="http",
            headers=(*APACHE_2003, ("Content-Type", "text/html; charset=iso-8859-1")),
            promos=(
                '<p class="promo"><b>Free Online Bill Pay.</b> Pay anyone in the U.S. from your'
                ' Lumen checking account. <a href="/personal/billpay.html">Learn more</a></p>',
                '<p class="promo"><b>5.15% APY on a 24-month CD.</b> A great rate with the safety'
                ' of FDIC insurance. <a href="/personal/cds.html">Open a CD</a></p>',
                '<p class="promo"><b>Refinance with Lumen.</b> Rates are near 40-year lows.'
                ' <a href="/loans/refinance.html">Talk to a loan officer</a></p>',
            ),
            promo_period=8,
        ),
        slots=((FOOTER, '<a href="{href}">{text}</a> | '),),
    ),
    "lumenbank-home-2007": HomeLayout(
        Layout(
            "lumenbank-home-2007.html",
            encoding="ascii",
            charset="iso-8859-1",
            charset_declared_in="http+meta",
            headers=(*APACHE_2007, ("Content-Type", "text/html; charset=ISO-8859-1")),
            promos=LAYOUTS["lumenbank-2007"].promos,
        ),
        slots=((FOOTER, '<a href="{href}">{text}</a> | '),),
    ),
    "lumenbank-home-2014": HomeLayout(
        Layout(
            "lumenbank-home-2014.html",
            encoding="utf-8",
            charset="utf-8",
            charset_declared_in="http+meta",
            headers=(*NGINX_SECURE, ("Content-Type", "text/html; charset=utf-8")),
            promos=LAYOUTS["lumenbank-2014"].promos,
        ),
        slots=((FOOTER, '<li><a href="{href}">{text}</a></li>'),),
    ),
    "lumenbank-home-2020": HomeLayout(
        Layout(
            "lumenbank-home-2020.html",
            encoding="utf-8",
            charset="utf-8",
            charset_declared_in="http+meta",
            headers=(*NGINX_SECURE, ("Content-Type", "text/html; charset=utf-8")),
            promos=(
                "<h1>Banking made brighter</h1>\n<p>Open a checking account online in minutes."
                ' <a href="/checking/open">Get started</a></p>',
                "<h1>Zelle® is in the Lumen app</h1>\n<p>Send money to people you know and trust."
                ' <a href="/mobile/zelle">Learn more</a></p>',
                "<h1>Rates are up. So is your savings.</h1>\n<p>Earn 4.25% APY with Lumen"
                ' High-Yield Savings. <a href="/savings/high-yield">See details</a></p>',
            ),
            promo_period=6,
        ),
        slots=((HEADER, '<a href="{href}">{text}</a>'),),
    ),
    "kettleworks-home-2004": HomeLayout(
        Layout(
            "kettleworks-home-2004.html",
            encoding="cp1252",
            charset="windows-1252",
            charset_declared_in="http",
            headers=(
                ("Server", "Microsoft-IIS/5.0"),
                ("Set-Cookie", "ASPSESSIONIDQQGGQRBD=$session; path=/"),
                ("Content-Type", "text/html; charset=windows-1252"),
                ("Cache-control", "private"),
            ),
            promos=LAYOUTS["kettleworks-2007"].promos,
            promo_period=6,
        ),
        slots=((FOOTER, ' · <a href="{href}">{text}</a>'),),
    ),
    "kettleworks-home-2007": HomeLayout(
        replace(LAYOUTS["kettleworks-2007"], template="kettleworks-home-2007.html"),
        slots=(
            (HEADER, ' | <a href="{href}">{text}</a>'),
            (FOOTER, '<a href="{href}">{text}</a> · '),
        ),
    ),
    "kettleworks-home-2012": HomeLayout(
        Layout(
            "kettleworks-home-2012.html",
            encoding="utf-8",
            charset="utf-8",
            charset_declared_in="http+meta",
            headers=(
                ("Server", "nginx/1.1.19"),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Set-Cookie", "kw_session=$csrf; path=/; HttpOnly"),
            ),
            promos=LAYOUTS["kettleworks-2014"].promos,
            promo_period=6,
        ),
        slots=((FOOTER, '<a href="{href}">{text}</a> · '),),
    ),
    "kettleworks-home-2019": HomeLayout(
        Layout(
            "kettleworks-home-2019.html",
            encoding="utf-8",
            charset="utf-8",
            charset_declared_in="http+meta",
            headers=(
                ("Server", "nginx"),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Strict-Transport-Security", "max-age=31536000"),
                ("Set-Cookie", "cart_sig=$csrf; path=/; Secure; HttpOnly; SameSite=Lax"),
                ("X-Request-Id", "$visit_id"),
            ),
            promos=(
                "Free UK delivery on orders over £40",
                "Christmas delivery: order by 18 December",
                "Now with 60-day returns",
                "New: copper stovetop kettles, hand-finished in Sheffield",
                "Summer sale – up to 30% off teapots",
            ),
            promo_period=6,
        ),
        slots=((FOOTER, '<a href="{href}">{text}</a> · '),),
    ),
    "northwind-home-2006": HomeLayout(
        replace(LAYOUTS["northwind-2006"], template="northwind-home-2006.html"),
        slots=(
            (HEADER, ' | <a href="{href}">{text}</a>'),
            (FOOTER, '<a href="{href}">{text}</a> | '),
        ),
    ),
    "northwind-home-2013": HomeLayout(
        Layout(
            "northwind-home-2013.html",
            encoding="utf-8",
            charset="utf-8",
            charset_declared_in="http+meta",
            headers=(
                ("Server", "Microsoft-IIS/7.5"),
                ("Cache-Control", "max-age=300"),
                ("Content-Type", "text/html; charset=utf-8"),
            ),
            promos=LAYOUTS["northwind-2006"].promos,
            promo_period=8,
        ),
        slots=((HEADER, '<a href="{href}">{text}</a>'),),
    ),
    "northwind-home-2015": HomeLayout(
        replace(LAYOUTS["northwind-2015"], template="northwind-home-2015.html"),
        slots=((FOOTER, '<a href="{href}">{text}</a> · '),),
    ),
    "northwind-home-2020": HomeLayout(
        Layout(
            "northwind-home-2020.html",
            encoding="utf-8",
            charset="utf-8",
            charset_declared_in="http+meta",
            headers=(
                ("Server", "Microsoft-IIS/10.0"),
                ("Cache-Control", "private, max-age=0"),
                ("Content-Security-Policy", "script-src 'self' 'nonce-$nonce'"),
                ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
                ("Content-Type", "text/html; charset=utf-8"),
            ),
            promos=(
                "Masks are optional in most Northwind buildings. "
                '<a href="/visitors">Visitor guidelines</a>',
                "Flu shots and updated COVID-19 vaccines are available at all clinics.",
                "Northwind General is among the nation's top hospitals for heart care.",
                'MyNorthwind has a new look. <a href="/mynorthwind-help">What changed</a>',
            ),
            promo_period=6,
        ),
        slots=((FOOTER, '<a href="{href}">{text}</a> · '),),
    ),
}


# ---- the PDF ------------------------------------------------------------------------------------

PDF_LEADING = {"title": 22, "heading": 16, "body": 13, "gap": 5}
PDF_FONTS = {"title": ("F2", 15), "heading": ("F2", 11), "body": ("F1", 10)}


def _pdf_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


def pdf_document(policy: PolicyText, author: str, created: str) -> bytes:
    """A one-page PDF 1.4 holding the policy as text, with an exact cross-reference table."""
    operations = ["BT"]
    y = 742
    for style, line in plain_lines(policy, width=92):
        y -= PDF_LEADING[style]
        if style == "gap":
            continue
        font, size = PDF_FONTS[style]
        operations.append(f"/{font} {size} Tf 1 0 0 1 72 {y} Tm {_pdf_string(line)} Tj")
    operations.append("ET")
    if y < 54:
        raise ValueError(f"{policy.source} does not fit on one PDF page")
    stream = ("\n".join(operations) + "\n").encode("cp1252")
    info = (
        f"<< /Title {_pdf_string(policy.title)} /Author {_pdf_string(author)}"
        f" /Producer (policytrail sample generator) /CreationDate (D:{created}Z) >>"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        info.encode("cp1252"),
    ]
    document = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(document))
        document += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\n" % (len(objects) + 1)
    document += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(document)


# ---- captures -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Planned:
    """One capture of the sample: the spec to write and what EXPECTED.json says about it."""

    spec: CaptureSpec
    role: str
    policy: PolicyText | None = None
    charset: str | None = None
    charset_declared_in: str | None = None
    location: str | None = None
    repeated: bool = False  # written twice: an exact duplicate CDX row
    link: PrivacyLink | None = None  # a home page's link to the privacy policy

    @property
    def key(self) -> tuple[str, str]:
        return surt_key(self.spec.url), self.spec.timestamp

    @property
    def moment(self) -> datetime:
        return parse_timestamp(self.spec.timestamp)


def _headers(
    timestamp: str, body: bytes, given: Iterable[tuple[str, str]], variables: dict | None = None,
    last_modified: str | None = None,
) -> tuple[tuple[str, str], ...]:  # fmt: skip
    headers = [("Date", http_date(parse_timestamp(timestamp)))]
    for name, value in given:
        headers.append((name, Template(value).substitute(variables or {})))
    if last_modified:
        headers.append(("Last-Modified", http_date(parse_timestamp(last_modified))))
    headers.append(("Content-Length", str(len(body))))
    return tuple(headers)


@dataclass(slots=True)
class Timeline:
    """The captures of one site in the order they are written; revisits find what they repeat."""

    captures: list[Planned] = field(default_factory=list)

    def _find(self, url: str, timestamp: str) -> Planned:
        for planned in self.captures:
            if planned.spec.url == url and planned.spec.timestamp == timestamp:
                return planned
        raise ValueError(f"no capture of {url} at {timestamp} to revisit")

    def page(
        self, url: str, timestamp: str, layout: str, policy: str | None, *, repeated: bool = False,
        status: int = 200,
    ) -> None:  # fmt: skip
        shape = LAYOUTS[layout]
        text = load_policy(policy) if policy else None
        body, variables = shape.render(url, timestamp, text)
        headers = _headers(timestamp, body, shape.headers, variables, shape.last_modified)
        self.captures.append(
            Planned(
                CaptureSpec(url, timestamp, status=status, headers=headers, body=body),
                NOT_FOUND if status == 404 else PAGE,
                text,
                shape.charset,
                shape.charset_declared_in,
                repeated=repeated,
            )
        )

    def home(self, url: str, timestamp: str, layout: str, link: PrivacyLink | None = None) -> None:
        """A home page, with its link to the privacy policy or none."""
        shape = HOME_LAYOUTS[layout]
        body, variables = shape.render(url, timestamp, link)
        headers = _headers(timestamp, body, shape.page.headers, variables)
        spec = CaptureSpec(url, timestamp, headers=headers, body=body)
        page = shape.page
        self.captures.append(
            Planned(spec, PAGE, None, page.charset, page.charset_declared_in, link=link)
        )

    def homes(self, url: str, layout: str, link: PrivacyLink | None, *timestamps: str) -> None:
        """Home pages of one layout and link, one at each timestamp."""
        for timestamp in timestamps:
            self.home(url, timestamp, layout, link)

    def not_found(self, url: str, timestamp: str) -> None:
        self.page(url, timestamp, "kettleworks-404", None, status=404)

    def revisit(self, url: str, timestamp: str, of: str, of_url: str | None = None) -> None:
        """A revisit record: same payload as the capture of `of_url` (default `url`) at `of`."""
        original = self._find(of_url or url, of)
        headers = (("Date", http_date(parse_timestamp(timestamp))), *original.spec.headers[1:])
        spec = CaptureSpec(
            url, timestamp, status=original.spec.status, headers=headers, kind=REVISIT,
            refers_to_timestamp=of, refers_to_url=of_url,
        )  # fmt: skip
        self.captures.append(replace(original, spec=spec, role=REVISITED, repeated=False))

    def redirect(
        self, url: str, timestamp: str, location: str, server: str, status: int = 301
    ) -> None:
        """A captured redirect; "apache" and "iis" write the target into the body, "nginx" not."""
        parts = urlsplit(url)
        fields = {
            "status": status,
            "reason": reason_phrase(status),
            "location": location,
            "host": parts.hostname,
            "port": parts.port or (443 if parts.scheme == "https" else 80),
        }
        if server == "apache":
            body = APACHE_MOVED.format(**fields).encode("ascii")
            given = (
                ("Server", "Apache/2.2.15 (Red Hat)"),
                ("Location", location),
                ("Content-Type", "text/html; charset=iso-8859-1"),
            )
        elif server == "iis":
            body = IIS_MOVED.format(**fields).encode("ascii")
            given = (
                ("Server", "Microsoft-IIS/6.0" if timestamp < "2012" else "Microsoft-IIS/8.5"),
                ("Location", location),
                ("X-Powered-By", "ASP.NET"),
                ("Content-Type", "text/html"),
            )
        else:
            body = NGINX_MOVED.format(**fields).encode("ascii")
            given = (("Server", "nginx"), ("Location", location), ("Content-Type", "text/html"))
        spec = CaptureSpec(
            url, timestamp, status=status, headers=_headers(timestamp, body, given), body=body
        )
        self.captures.append(Planned(spec, REDIRECT, location=location))

    def plain(self, url: str, timestamp: str, text: str) -> None:
        """A text/plain answer at a policy URL: not a policy, the crawler skips it."""
        body = text.encode("ascii")
        given = (
            ("Server", "BigIP"),
            ("Cache-Control", "no-store"),
            ("Content-Type", "text/plain; charset=us-ascii"),
        )
        spec = CaptureSpec(url, timestamp, headers=_headers(timestamp, body, given), body=body)
        self.captures.append(Planned(spec, SKIPPED))

    def pdf(self, url: str, timestamp: str, policy: str, author: str, created: str) -> None:
        text = load_policy(policy)
        body = pdf_document(text, author, created)
        given = (
            ("Server", "Microsoft-IIS/7.5"),
            ("Content-Type", "application/pdf"),
            ("Accept-Ranges", "bytes"),
            ("ETag", f'"{payload_digest(body)[:12].lower()}"'),
        )
        headers = _headers(timestamp, body, given, last_modified=created)
        spec = CaptureSpec(url, timestamp, headers=headers, body=body)
        self.captures.append(Planned(spec, PAGE, text))


@dataclass(frozen=True, slots=True)
class Site:
    """One sample site: the row of targets.sample.csv and its captures."""

    name: str
    policy_url: str
    alias_urls: tuple[str, ...]
    moved_to: str | None
    captures: tuple[Planned, ...]
    home_captures: tuple[Planned, ...] = ()  # its home page's, from the first to the last

    @property
    def urls(self) -> dict[str, str]:
        """Each policy URL of the site and its role."""
        urls = {self.policy_url: "listed"} | {url: "alias" for url in self.alias_urls}
        return urls | ({self.moved_to: "moved-to"} if self.moved_to else {})


# ---- the sites ----------------------------------------------------------------------------------

LUMEN_OLD = "http://www.lumenbank.example/privacy.html"
LUMEN_OLD_HTTPS = "https://www.lumenbank.example/privacy.html"
LUMEN_OLD_BARE = "http://lumenbank.example/privacy.html"
LUMEN_NEW = "https://www.lumenbank.example/legal/privacy"
KETTLE = "http://shop.kettleworks.example/privacy.htm"
KETTLE_HTTPS = "https://shop.kettleworks.example/privacy.htm"
NORTHWIND = "http://www.northwind-health.example/privacy.aspx"
NORTHWIND_HTTPS = "https://www.northwind-health.example/privacy.aspx"
NORTHWIND_PDF = "http://www.northwind-health.example/privacy.pdf"
NORTHWIND_PDF_HTTPS = "https://www.northwind-health.example/privacy.pdf"


def lumenbank() -> Site:
    """A bank whose policy moves to a new URL in 2014, behind captured redirects."""
    t = Timeline()
    t.page(LUMEN_OLD, "20040214063512", "lumenbank-2003", "lumenbank-1")
    t.page(LUMEN_OLD, "20040903174405", "lumenbank-2003", "lumenbank-1")
    t.page(LUMEN_OLD, "20050521021938", "lumenbank-2003", "lumenbank-1")
    t.revisit(LUMEN_OLD, "20060110220417", of="20050521021938")
    t.page(LUMEN_OLD, "20071102134455", "lumenbank-2007", "lumenbank-2")
    t.page(LUMEN_OLD, "20080615090212", "lumenbank-2007", "lumenbank-2")
    t.page(LUMEN_OLD_BARE, "20090307114731", "lumenbank-2007", "lumenbank-2")
    t.page(LUMEN_OLD, "20091219052608", "lumenbank-2007", "lumenbank-2", repeated=True)
    t.revisit(LUMEN_OLD, "20100830193320", of="20091219052608")
    t.page(LUMEN_OLD_HTTPS, "20110304160145", "lumenbank-2007", "lumenbank-3")
    t.page(LUMEN_OLD, "20111022140351", "lumenbank-2007", "lumenbank-3")
    t.page(LUMEN_OLD, "20120709031127", "lumenbank-2007", "lumenbank-3")
    t.revisit(LUMEN_OLD, "20130427225840", of="20120709031127")
    # From 2014 the old address redirects; the new one is captured a few seconds later.
    t.redirect(LUMEN_OLD, "20140312081507", LUMEN_NEW, "apache")
    t.page(LUMEN_NEW, "20140312081509", "lumenbank-2014", "lumenbank-3")
    t.page(LUMEN_NEW, "20141001154012", "lumenbank-2014", "lumenbank-3")
    t.redirect(LUMEN_OLD_HTTPS, "20150805120914", "/legal/privacy", "nginx")
    t.page(LUMEN_NEW, "20150805120917", "lumenbank-2014", "lumenbank-3")
    t.page(LUMEN_NEW, "20160514083055", "lumenbank-2014", "lumenbank-3")
    t.redirect(LUMEN_OLD_BARE, "20170220064421", LUMEN_NEW, "nginx")
    t.page(LUMEN_NEW, "20170220064424", "lumenbank-2014", "lumenbank-3")
    t.page(LUMEN_NEW, "20180611102236", "lumenbank-2014", "lumenbank-4")
    t.page(LUMEN_NEW, "20181203174950", "lumenbank-2014", "lumenbank-4")
    # Twelve minutes later, from the CDN's cache: the very same bytes.
    t.revisit(LUMEN_NEW, "20181203180115", of="20181203174950")
    t.redirect(LUMEN_OLD, "20191111195302", "/legal/privacy", "nginx")
    t.page(LUMEN_NEW, "20191111195305", "lumenbank-2014", "lumenbank-4")
    t.page(LUMEN_NEW, "20201006071840", "lumenbank-2014", "lumenbank-5")
    t.page(LUMEN_NEW, "20210617133302", "lumenbank-2014", "lumenbank-5")
    t.page(LUMEN_NEW, "20220329210548", "lumenbank-2014", "lumenbank-5")
    t.redirect(LUMEN_OLD_HTTPS, "20220502081733", LUMEN_NEW, "nginx")
    t.page(LUMEN_NEW, "20220502081736", "lumenbank-2014", "lumenbank-5")
    t.page(LUMEN_NEW, "20230814045127", "lumenbank-2014", "lumenbank-5")
    return Site("lumenbank.example", LUMEN_OLD, (), LUMEN_NEW, tuple(t.captures), lumenbank_home())


def kettleworks() -> Site:
    """A shop with windows-1252 pages until 2011, 404s in 2012-2013, then UTF-8."""
    t = Timeline()
    # A static file: three captures of the same bytes, all full responses.
    t.page(KETTLE, "20050118102233", "kettleworks-2004", "kettleworks-1")
    t.page(KETTLE, "20050630154410", "kettleworks-2004", "kettleworks-1")
    t.page(KETTLE, "20060402081957", "kettleworks-2004", "kettleworks-1")
    t.page(KETTLE, "20070315113002", "kettleworks-2007", "kettleworks-2")
    t.page(KETTLE, "20080109164521", "kettleworks-2007", "kettleworks-2")
    t.revisit(KETTLE, "20080127093348", of="20080109164521")
    t.page(KETTLE, "20090505120738", "kettleworks-2007", "kettleworks-2")
    t.page(KETTLE, "20100212084415", "kettleworks-2010", "kettleworks-2")
    t.page(KETTLE, "20110108195026", "kettleworks-2010", "kettleworks-2")
    # The move to a new shop platform lost the page for two years.
    t.not_found(KETTLE, "20120303071544")
    t.not_found(KETTLE, "20121120152801")
    t.not_found(KETTLE, "20130716234119")
    t.page(KETTLE, "20140529101207", "kettleworks-2014", "kettleworks-3")
    t.page(KETTLE, "20150224183355", "kettleworks-2014", "kettleworks-3")
    t.page(KETTLE_HTTPS, "20160908062940", "kettleworks-2014", "kettleworks-3")
    t.page(KETTLE_HTTPS, "20170601141418", "kettleworks-2014", "kettleworks-3")
    t.page(KETTLE_HTTPS, "20180530090951", "kettleworks-2014", "kettleworks-4")
    t.page(KETTLE_HTTPS, "20190321172206", "kettleworks-2014", "kettleworks-4")
    t.page(KETTLE_HTTPS, "20200114112637", "kettleworks-2014", "kettleworks-4")
    t.page(KETTLE_HTTPS, "20210809075512", "kettleworks-2014", "kettleworks-5")
    t.page(KETTLE_HTTPS, "20230227131849", "kettleworks-2014", "kettleworks-5")
    return Site("kettleworks.example", KETTLE, (), None, tuple(t.captures), kettleworks_home())


def northwind() -> Site:
    """A health system whose interim policy of 2013-2014 was a PDF, and one text/plain capture."""
    t = Timeline()
    t.page(NORTHWIND, "20060510140322", "northwind-2006", "northwind-1")
    t.page(NORTHWIND, "20070201091547", "northwind-2006", "northwind-1")
    t.page(NORTHWIND, "20071019162230", "northwind-2006", "northwind-1")
    t.revisit(NORTHWIND, "20071019170514", of="20071019162230")
    t.page(NORTHWIND, "20080814103349", "northwind-2006", "northwind-1")
    t.page(NORTHWIND, "20100902151204", "northwind-2006", "northwind-2")
    t.page(NORTHWIND, "20110523082610", "northwind-2006", "northwind-2")
    t.page(NORTHWIND, "20120130194455", "northwind-2006", "northwind-2")
    t.page(NORTHWIND, "20130606121830", "northwind-2006", "northwind-2")
    # During the 2013-2015 rebuild the policy was a PDF, and the page a maintenance notice.
    author = "Northwind Health Partners"
    t.pdf(NORTHWIND_PDF, "20131105142210", "northwind-3", author, created="20131031163005")
    t.plain(NORTHWIND, "20140217040512", MAINTENANCE)
    t.revisit(NORTHWIND_PDF, "20140412083001", of="20131105142210")
    t.pdf(NORTHWIND_PDF_HTTPS, "20141202195533", "northwind-3", author, created="20131031163005")
    t.page(NORTHWIND_HTTPS, "20150420133917", "northwind-2015", "northwind-4")
    t.page(NORTHWIND_HTTPS, "20160309101126", "northwind-2015", "northwind-4")
    t.page(NORTHWIND_HTTPS, "20170828155942", "northwind-2015", "northwind-4")
    t.page(NORTHWIND_HTTPS, "20180205074408", "northwind-2015", "northwind-4")
    t.revisit(NORTHWIND_HTTPS, "20180205081122", of="20180205074408")
    t.page(NORTHWIND_HTTPS, "20200122112745", "northwind-2015", "northwind-5")
    t.page(NORTHWIND_HTTPS, "20210430140233", "northwind-2015", "northwind-5")
    t.page(NORTHWIND_HTTPS, "20220915090816", "northwind-2015", "northwind-5")
    t.page(NORTHWIND_HTTPS, "20230511163340", "northwind-2015", "northwind-5")
    return Site(
        "northwind-health.example", NORTHWIND, (NORTHWIND_PDF,), None, tuple(t.captures),
        northwind_home(),
    )  # fmt: skip


# ---- the home pages -----------------------------------------------------------------------------

LUMEN_HOME = "http://www.lumenbank.example/"
LUMEN_HOME_HTTPS = "https://www.lumenbank.example/"
LUMEN_HOME_BARE = "http://lumenbank.example/"
KETTLE_HOME = "http://www.kettleworks.example/"
KETTLE_HOME_HTTPS = "https://www.kettleworks.example/"
KETTLE_HOME_BARE = "http://kettleworks.example/"
NORTHWIND_HOME = "http://www.northwind-health.example/"
NORTHWIND_HOME_HTTPS = "https://www.northwind-health.example/"
NORTHWIND_HOME_BARE = "http://northwind-health.example/"


def lumenbank_home() -> tuple[Planned, ...]:
    """Lumen's home page links /privacy.html until the 2014 move, then /legal/privacy."""
    t = Timeline()
    footer = PrivacyLink("Privacy", "/privacy.html")
    t.homes(
        LUMEN_HOME, "lumenbank-home-2004", footer,
        "20040305161204", "20041120093517", "20050403201145", "20050625074830", "20050814112906",
        "20061009180422",
    )  # fmt: skip
    # 2007's first half has only the bare host's redirect; www was captured in July.
    t.redirect(LUMEN_HOME_BARE, "20070530102215", LUMEN_HOME, "apache")
    security = PrivacyLink("Privacy & Security", "http://www.lumenbank.example/privacy.html")
    t.homes(
        LUMEN_HOME, "lumenbank-home-2007", security,
        "20070706140933", "20070918082151", "20080422195530", "20081202063318", "20090327154702",
        "20100516221039", "20100903111427", "20110129170845", "20111013092610",
    )  # fmt: skip
    # From 2012 the home page is https and http redirects to it; the absolute link stays http.
    t.redirect(LUMEN_HOME, "20120402040118", LUMEN_HOME_HTTPS, "nginx")
    t.home(LUMEN_HOME_HTTPS, "20120418133956", "lumenbank-home-2007", security)
    t.redirect(LUMEN_HOME, "20120807215412", LUMEN_HOME_HTTPS, "nginx")
    t.homes(
        LUMEN_HOME_HTTPS, "lumenbank-home-2007", security,
        "20130125100733", "20131030171249", "20140116123005",
    )  # fmt: skip
    legal = PrivacyLink("Privacy", "/legal/privacy")
    t.homes(
        LUMEN_HOME_HTTPS, "lumenbank-home-2014", legal,
        "20140409084417", "20141021190252", "20150211073820", "20151206164511", "20160329120940",
        "20170614083527", "20170830201114", "20180112095006", "20180402172345", "20181119132858",
        "20190508061733", "20190924154019",
    )  # fmt: skip
    utility = PrivacyLink("Privacy & Security", LUMEN_NEW, HEADER)
    t.homes(
        LUMEN_HOME_HTTPS, "lumenbank-home-2020", utility,
        "20200217110358", "20201026143122", "20210315081947", "20211219195604", "20220406122735",
        "20220728090311", "20230109174450", "20230331102918", "20231017063405",
    )  # fmt: skip
    return tuple(t.captures)


def kettleworks_home() -> tuple[Planned, ...]:
    """The shop's home page is on www, its policy on shop.: every link to it names the host."""
    t = Timeline()
    # The first years: no privacy page linked from the home page.
    t.homes(
        KETTLE_HOME, "kettleworks-home-2004", None,
        "20040608114502", "20040930160218", "20041214093041", "20050519120655",
    )  # fmt: skip
    footer = PrivacyLink("Privacy", KETTLE)
    t.homes(KETTLE_HOME, "kettleworks-home-2004", footer, "20051004075923", "20060721143310")
    policy = PrivacyLink("Privacy policy", KETTLE)
    t.home(KETTLE_HOME, "20070411101728", "kettleworks-home-2007", policy)
    t.redirect(KETTLE_HOME_BARE, "20071126183047", KETTLE_HOME, "iis", status=302)
    t.homes(
        KETTLE_HOME, "kettleworks-home-2007", policy,
        "20080204122356", "20080322165011", "20081015090134", "20090602131847", "20091029200512",
    )  # fmt: skip
    top = PrivacyLink("Privacy", "//shop.kettleworks.example/privacy.htm", HEADER)
    t.homes(
        KETTLE_HOME, "kettleworks-home-2007", top,
        "20100308083925", "20101209154400", "20110426111819", "20110817190236",
    )  # fmt: skip
    # The new platform: no privacy link while the policy URL answered 404.
    t.homes(
        KETTLE_HOME, "kettleworks-home-2012", None,
        "20120523142731", "20130314085520", "20130902173814",
    )  # fmt: skip
    cookies = PrivacyLink("Privacy & cookies", KETTLE)
    t.homes(
        KETTLE_HOME, "kettleworks-home-2012", cookies,
        "20140610104127", "20141002161549", "20150119091233", "20150407130402", "20151130201716",
        "20160225112843",
    )  # fmt: skip
    t.redirect(KETTLE_HOME, "20160819063152", KETTLE_HOME_HTTPS, "nginx")
    secure = PrivacyLink("Privacy Policy", KETTLE_HTTPS)
    t.homes(
        KETTLE_HOME_HTTPS, "kettleworks-home-2012", secure,
        "20170111142008", "20171005083311", "20180525070945",
    )  # fmt: skip
    t.homes(
        KETTLE_HOME_HTTPS, "kettleworks-home-2019", secure,
        "20190416122150", "20190909185503", "20200330094416", "20200612161022", "20201103110757",
        "20210208135831",
    )  # fmt: skip
    t.redirect(KETTLE_HOME, "20211002052417", KETTLE_HOME_HTTPS, "nginx")
    t.homes(
        KETTLE_HOME_HTTPS, "kettleworks-home-2019", secure,
        "20211022170348", "20220428091102", "20220815140626", "20230503103359", "20230927152814",
    )  # fmt: skip
    return tuple(t.captures)


def northwind_home() -> tuple[Planned, ...]:
    """Northwind's home page links the PDF while the policy was one, in 2013-2014."""
    t = Timeline()
    website = PrivacyLink("Website Privacy Policy", "privacy.aspx")
    t.homes(
        NORTHWIND_HOME, "northwind-home-2006", website,
        "20060315100942", "20060928131507", "20070419084036", "20071203152259", "20080717110420",
    )  # fmt: skip
    t.redirect(NORTHWIND_HOME_BARE, "20090106174733", NORTHWIND_HOME, "iis", status=302)
    t.home(NORTHWIND_HOME, "20091020093318", "northwind-home-2006", website)
    absolute = PrivacyLink("Privacy Policy", NORTHWIND)
    t.homes(
        NORTHWIND_HOME, "northwind-home-2006", absolute,
        "20101004141126", "20110322102254", "20110530165840", "20111108113017", "20120425090645",
        "20120709144512", "20130402103829", "20130805120014",
    )  # fmt: skip
    # The rebuild's stop-gap page links the PDF from its header.
    pdf = PrivacyLink("Privacy Policy (PDF)", "/privacy.pdf", HEADER)
    t.home(NORTHWIND_HOME, "20131112091522", "northwind-home-2013", pdf)
    relative = PrivacyLink("Privacy Policy", "privacy.pdf", HEADER)
    t.homes(NORTHWIND_HOME, "northwind-home-2013", relative, "20140306155908", "20141218103351")
    yours = PrivacyLink("Your Privacy", "/privacy.aspx")
    t.homes(
        NORTHWIND_HOME_HTTPS, "northwind-home-2015", yours,
        "20150526140207", "20151013081944", "20160127163025",
    )  # fmt: skip
    t.redirect(NORTHWIND_HOME, "20161128071538", NORTHWIND_HOME_HTTPS, "iis")
    t.homes(
        NORTHWIND_HOME_HTTPS, "northwind-home-2015", yours,
        "20170105113349", "20170424150620", "20170912094711", "20180319122438", "20181030170052",
        "20190620083315",
    )  # fmt: skip
    policy = PrivacyLink("Privacy Policy", NORTHWIND_HTTPS)
    t.homes(
        NORTHWIND_HOME_HTTPS, "northwind-home-2020", policy,
        "20200414101826", "20200921143907", "20210408112230", "20211001132205", "20220223095541",
        "20221212154418", "20230629110936", "20231115083042",
    )  # fmt: skip
    return tuple(t.captures)


def sample_sites() -> list[Site]:
    sites = [lumenbank(), kettleworks(), northwind()]
    _check(sites)
    return sites


def _check(sites: list[Site]) -> None:
    """Refuse a sample that breaks its own rules, rather than write misleading fixtures."""
    seen: set[tuple[str, str]] = set()
    for site in sites:
        keys = {surt_key(url) for url in site.urls}
        for planned in site.captures:
            if planned.key in seen:
                raise ValueError(f"{planned.spec.url} captured twice at {planned.spec.timestamp}")
            seen.add(planned.key)
            if planned.key[0] not in keys:
                raise ValueError(f"{planned.spec.url} is not one of {site.name}'s policy URLs")
        order = [p.policy.source for p in _by_time(site.captures) if p.policy]
        changes = [source for i, source in enumerate(order) if i == 0 or order[i - 1] != source]
        if len(changes) != len(set(changes)):
            raise ValueError(f"{site.name}: a policy text comes back after another: {changes}")
        _check_home(site)


def _check_home(site: Site) -> None:
    """Each home-page link leads to the policy URL in force then, captured within a year; each
    redirect to a home-page variant captured nearby; no two pages share a digest."""
    captures = _by_time(site.home_captures)
    if {p.key[0] for p in captures} != {surt_key(f"http://{site.name}/")}:
        raise ValueError(f"{site.name}: a home-page capture is not of its home page")
    if len({p.key for p in captures}) != len(captures):
        raise ValueError(f"{site.name}: two home-page captures at one second")
    digests = [payload_digest(p.spec.body) for p in captures if _is_page(p)]
    if len(set(digests)) != len(digests):
        raise ValueError(f"{site.name}: two home pages with the same digest")
    policies = [p for p in _by_time(site.captures) if p.policy is not None]  # pages, revisits
    for planned in captures:
        where = f"{planned.spec.url} at {planned.spec.timestamp}"
        if planned.role == REDIRECT:
            target = urljoin(planned.spec.url, planned.location or "")
            page = _followed(planned, captures)
            if page.spec.url != target or abs(page.moment - planned.moment) > REDIRECT_NEAR:
                raise ValueError(f"{where} redirects to {target}, but the nearest page is {page}")
        elif planned.link is not None:
            linked = surt_key(urljoin(planned.spec.url, planned.link.href))
            before = [p for p in policies if p.moment <= planned.moment]
            in_force = (before[-1] if before else policies[0]).key[0]
            near = [p for p in policies if abs(p.moment - planned.moment) <= POLICY_NEAR]
            if linked != in_force or linked not in {p.key[0] for p in near}:
                raise ValueError(f"{where} links {linked}; in force then: {in_force}")


def _by_time(captures: Iterable[Planned]) -> list[Planned]:
    return sorted(captures, key=lambda p: (p.spec.timestamp, p.key[0]))


def _is_page(planned: Planned) -> bool:
    """A 2xx HTML capture: what discovery reads a home page's links from."""
    return 200 <= planned.spec.status < 300 and _mimetype(planned.spec) == "text/html"


def _closest(captures: Iterable[Planned], instant: datetime) -> Planned | None:
    """The capture nearest `instant`; of two as near, the earlier."""
    return min(captures, key=lambda p: (abs(p.moment - instant), p.moment), default=None)


def _followed(redirect: Planned, captures: Iterable[Planned]) -> Planned:
    """The home page a home-page redirect leads to: the page of that URL key captured nearest it
    (what an archive shows once it skips redirects to the URL asked for, as pywb does)."""
    page = _closest((p for p in captures if _is_page(p)), redirect.moment)
    if page is None:
        raise ValueError(f"{redirect.spec.url} redirects to a home page never captured")
    return page


# ---- writing ------------------------------------------------------------------------------------


def write_sample(warc_path: Path) -> tuple[Path, Path]:
    """Write the WARC and EXPECTED.json beside it; returns both paths."""
    sites = sample_sites()
    captures = [planned for site in sites for planned in site.captures]
    captures += [planned for site in sites for planned in site.home_captures]
    # No request records: the archive never reads them, and they would add a fifth to the size.
    write_warc([replace(planned.spec, with_request=False) for planned in captures], warc_path)
    _repeat_records(warc_path, {(p.spec.url, p.spec.timestamp) for p in captures if p.repeated})
    expected_path = warc_path.parent / EXPECTED_NAME
    document = expected(sites, warc_path.name)
    expected_path.write_text(to_json(document) + "\n", encoding="utf-8")
    return warc_path, expected_path


def to_json(value: object, indent: str = "") -> str:
    """JSON with each short object or list on one line (a capture row is one line)."""
    compact = json.dumps(value, ensure_ascii=False)
    if len(compact) <= JSON_LINE or not isinstance(value, dict | list) or not value:
        return compact
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {to_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    items = [f"{inner}{to_json(v, inner)}" for v in value]
    return "[\n" + ",\n".join(items) + f"\n{indent}]"


def _repeat_records(path: Path, keys: set[tuple[str, str]]) -> None:
    """Append verbatim copies of the records of (url, timestamp) `keys`.

    Writing the spec twice would give two records whose lengths differ by a few bytes (the random
    record ids compress differently), while IA's repeated CDX rows are identical in every field.
    """
    spans = []
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            uri = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date") or ""
            timestamp = re.sub(r"\D", "", date)[:14]
            wanted = record.rec_type == "response" and (uri, timestamp) in keys
            records.read_to_end()
            if wanted:
                spans.append((records.get_record_offset(), records.get_record_length()))
    data = path.read_bytes()
    with path.open("ab") as out:
        for offset, length in spans:
            out.write(data[offset : offset + length])


def _capture_entry(planned: Planned, digests: dict[tuple[str, str], str], versions: dict) -> dict:
    spec = planned.spec
    revisit = spec.kind == REVISIT
    if revisit:
        digest = digests[(spec.refers_to_url or spec.url, spec.refers_to_timestamp)]
    else:
        digest = payload_digest(spec.body)
    entry: dict[str, object] = {
        "timestamp": spec.timestamp,
        "original": spec.url,
        "mimetype": "warc/revisit" if revisit else _mimetype(spec),  # as IA's CDX shows them
        "statuscode": "-" if revisit else str(spec.status),
        "digest": digest,
        "role": planned.role,
    }
    if revisit:
        entry["refers_to"] = {
            "timestamp": spec.refers_to_timestamp,
            "url": spec.refers_to_url or spec.url,
            "statuscode": str(spec.status),
            "mimetype": _mimetype(spec),
        }
    if planned.policy:
        entry["version"] = versions[planned.policy.source]
        if planned.charset:
            entry["charset"] = planned.charset
            entry["charset_declared_in"] = planned.charset_declared_in
    if planned.location:
        entry["location"] = planned.location
        entry["location_target"] = urljoin(spec.url, planned.location)
    return entry


def _mimetype(spec: CaptureSpec) -> str:
    value = next(v for name, v in spec.headers if name.lower() == "content-type")
    return value.split(";", 1)[0].strip().lower()


def expected(sites: list[Site], warc_name: str) -> dict:
    """What the archive holds, for the tests: per site, its URLs, captures and policy versions."""
    digests = {
        (p.spec.url, p.spec.timestamp): payload_digest(p.spec.body)
        for site in sites
        for p in site.captures
        if p.spec.kind != REVISIT
    }
    entries = []
    for site in sites:
        timeline = _by_time(site.captures)
        versions: dict[str, int] = {}
        for planned in timeline:
            if planned.policy and planned.policy.source not in versions:
                versions[planned.policy.source] = len(versions) + 1
        urls = {}
        for url, role in site.urls.items():
            key = surt_key(url)
            rows = []
            for planned in (p for p in timeline if p.key[0] == key):
                entry = _capture_entry(planned, digests, versions)
                rows.extend([entry, dict(entry, duplicate=True)] if planned.repeated else [entry])
            urls[url] = {
                "role": role,
                "urlkey": key,
                "cdx_rows": len(rows),
                "distinct_digests": len({row["digest"] for row in rows}),
                "originals": sorted({row["original"] for row in rows}),
                "captures": rows,
                "revisits": [r["timestamp"] for r in rows if r["role"] == REVISITED],
                "not_found": [r["timestamp"] for r in rows if r["role"] == NOT_FOUND],
                "redirects": [
                    {k: r[k] for k in ("timestamp", "original", "location", "location_target")}
                    for r in rows
                    if r["role"] == REDIRECT
                ],
                "duplicates": [r["timestamp"] for r in rows if r.get("duplicate")],
                "skipped": [r["timestamp"] for r in rows if r["role"] == SKIPPED],
                "pdf": [r["timestamp"] for r in rows if r["mimetype"] == "application/pdf"],
            }
        entries.append(
            {
                "site": site.name,
                "policy_url": site.policy_url,
                "alias_urls": list(site.alias_urls),
                "moved_to": site.moved_to,
                "urls": urls,
                "versions": [_version(source, n, timeline) for source, n in versions.items()],
            }
        )
    return {
        "about": "Written by generate.py from the data it writes into the WARC; do not edit.",
        "warc": warc_name,
        "sites": entries,
        "home_pages": home_pages(sites),
    }


def home_pages(sites: list[Site]) -> list[dict]:
    """Per site and half-year, from its first home-page capture to its last: the capture closest
    to the half-year's middle (1 April, 1 October; a page before a redirect) and where it links."""
    entries = []
    for site in sites:
        captures = _by_time(site.home_captures)
        found: dict[tuple[int, int], list[Planned]] = {}
        for planned in captures:
            found.setdefault(_half_year(planned.moment), []).append(planned)
        (first_year, first_half), (last_year, last_half) = min(found), max(found)
        for number in range(first_year * 2 + first_half - 1, last_year * 2 + last_half):
            year, half = number // 2, number % 2 + 1
            entries.append(
                _home_entry(site.name, year, half, found.get((year, half), []), captures)
            )
    return entries


def _half_year(moment: datetime) -> tuple[int, int]:
    return moment.year, 1 if moment.month <= 6 else 2


def _home_entry(
    domain: str, year: int, half: int, in_period: list[Planned], captures: list[Planned]
) -> dict:
    """One half-year of `home_pages`: the capture discovery should take, and where it links."""
    middle = datetime(year, 4 if half == 1 else 10, 1, tzinfo=UTC)
    pages = [p for p in in_period if _is_page(p)]
    chosen = _closest(pages or [p for p in in_period if 300 <= p.spec.status < 400], middle)
    followed = _followed(chosen, captures) if chosen and not pages else None
    shown = followed or chosen
    link = shown.link if shown else None
    capture = None
    if chosen is not None:
        capture = {
            "timestamp": chosen.spec.timestamp,
            "url": chosen.spec.url,
            "statuscode": str(chosen.spec.status),
        }
        if followed is not None:
            capture["location"] = urljoin(chosen.spec.url, chosen.location or "")
    return {
        "domain": domain,
        "period": f"{year}H{half}",
        "sampled_at": middle.date().isoformat(),
        "capture": capture,
        "kind": NO_CAPTURE if chosen is None else REDIRECT if followed else PAGE,
        "policy_url": urljoin(shown.spec.url, link.href) if shown and link else None,
        "link": asdict(link) if link else None,
        "followed": {"timestamp": followed.spec.timestamp, "url": followed.spec.url}
        if followed
        else None,
        "captures_in_period": [
            {
                "timestamp": p.spec.timestamp,
                "original": p.spec.url,
                "mimetype": _mimetype(p.spec),
                "statuscode": str(p.spec.status),
                "digest": payload_digest(p.spec.body),
            }
            for p in in_period
        ],
    }


def _version(source: str, number: int, timeline: list[Planned]) -> dict:
    shown = [p for p in timeline if p.policy and p.policy.source == source]
    policy = load_policy(source)
    return {
        "version": number,
        "source": f"policies/{source}.txt",
        "title": policy.title,
        "date_line": policy.date_line,
        "effective_date": policy.effective_date,
        "headings": [block[3:] for block in policy.blocks if block.startswith("## ")],
        "urls": sorted({p.spec.url for p in shown}),
        "formats": sorted({_mimetype(p.spec) for p in shown}),
        "first_capture": shown[0].spec.timestamp,
        "last_capture": shown[-1].spec.timestamp,
        "timestamps": [p.spec.timestamp for p in shown],
        "cdx_rows": len(shown) + sum(p.repeated for p in shown),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "warc", nargs="?", type=Path, default=DEFAULT_WARC,
        help=f"where to write the WARC (default: {DEFAULT_WARC.name} beside this script);"
        f" {EXPECTED_NAME} goes in the same folder",
    )  # fmt: skip
    args = parser.parse_args(argv)
    warc_path, expected_path = write_sample(args.warc)
    print(f"wrote {warc_path} and {expected_path}")


if __name__ == "__main__":
    main()
