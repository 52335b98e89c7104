"""Where a home page links to its privacy policy: every candidate link, scored and ranked.

Pure: a page's HTML and its URL in, candidates out, so it is tested without a crawl. A candidate
is any link whose text or address names privacy, found wherever home pages of the last thirty
years put it: `<a>`, image links (their `alt`), image maps, `aria-label`led icons, jump menus,
`javascript:` pop-ups, `<link rel="privacy-policy">`, `<noscript>` and `<noframes>` copies, and
the JSON app shells render their footers from. Scores add up what speaks for and against each
one (`reasons` says which), so the next candidate can be tried when the first is no policy.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from urllib.parse import unquote, urldefrag, urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement
from w3lib.url import url_query_cleaner

from crawler.items import PolicyLink
from pipelines.discover.vocabulary import (
    COOKIES_ONLY,
    NOT_THE_POLICY,
    PARKED,
    PARKED_LISTINGS,
    POLICY_TITLES,
    PRIVACY_HUBS,
    PRIVACY_PATH,
    PRIVACY_WORD,
    SHORT_FORMS,
    THIRD_PARTY_HOSTS,
)
from pipelines.extract.html import parse_html
from pipelines.extract.layout import is_dialog

# ---- scores ------------------------------------------------------------------------------------
# What each kind of evidence is worth. A link needs MIN_LINK_SCORE to be tried at all: a title or
# a short form alone passes, a privacy word in a long text or in the address alone does not
# unless something else speaks for it.
MIN_LINK_SCORE = 4.0
SCORE_REL = 12.0  # <link rel="privacy-policy">: the site says so itself
SCORE_TITLE = 10.0  # the text is a policy's title ("Privacy Policy", "Datenschutzerklärung")
SCORE_SHORT = 9.0  # a footer's short form ("Privacy", "Datenschutz")
SCORE_HUB = 7.0  # a hub of privacy pages ("Privacy Center"): after the policy itself
SCORE_WORD = 6.0  # a privacy word in a longer text ("Our commitment to privacy")
LONG_TEXT_WORDS = 4  # ...losing WORD_PENALTY for each word past this many
WORD_PENALTY = 0.5
SCORE_PATH = 3.0  # privacy in the address, besides the text
SCORE_PATH_ONLY = 5.0  # privacy in the address of a link with no text (an unlabelled image)
PENALTY_NOT_POLICY = 7.0  # settings, opt-outs, seals, notices for one audience
PENALTY_COOKIES_ONLY = 5.0  # "Cookie policy" at a privacy address: the page's cookie section
SENTENCE_WORDS = 9  # link text this long is a headline or a sentence, not a footer link
PENALTY_SENTENCE = 4.0
BONUS_FOOTER = 1.5  # where most sites put it
BONUS_HEADER = 0.5
PENALTY_DIALOG = 2.0  # consent dialogs link vendors' policies as well as the site's
PENALTY_SCRIPT = 0.5  # found in a script's data, not in the markup
BONUS_REPEATED = 0.5  # linked more than once (header and footer)
# Another site's policy is never tried (it outweighs any evidence a link gathers)...
PENALTY_OFF_SITE = 20.0
PENALTY_SHARED_LEGAL = 1.0  # ...unless the site's legal pages live there (a group's legal site)
# The last links of a page stand for its footer when the markup names none (1990s tables).
FOOTER_SHARE = 0.2

# Address-like strings in `javascript:` calls and `onclick` handlers.
_SCRIPT_URL = re.compile(
    r"""['"]((?:https?:)?/[^'"\s]*|[\w./-]+\.(?:s?html?|asp|aspx|php\d?|jsp|cfm|pdf)"""
    r"""(?:[?#;][^'"\s]*)?)['"]""",
    re.IGNORECASE,
)
# A JSON object with an address and a label: the footers app shells render.
_JSON_OBJECT = re.compile(r"\{[^{}]{0,2000}\}")
# A key quoted (JSON) or bare (a JavaScript object literal: Nuxt's and webpack's payloads).
_JSON_KEY = r'(?:"(?:{keys})"|(?<![\w$"])(?:{keys}))\s*:\s*"((?:[^"\\]|\\.)*)"'
_JSON_URL = re.compile(_JSON_KEY.format(keys="href|url|link|path|to|slug|uri"))
_JSON_LABEL = re.compile(_JSON_KEY.format(keys="label|title|text|name|linkText|caption"))
_TRACKING = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SESSION_ID = re.compile(r";(?:jsessionid|sid|phpsessid)=[^/?#]*", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[^\w&]+")
_BADGE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_REGION = {
    "footer": re.compile(r"foot|bottom|legal|copyright|colophon|site-?info", re.IGNORECASE),
    "header": re.compile(r"head|masthead|top-?bar|topnav|banner-top", re.IGNORECASE),
    "nav": re.compile(r"\bnav|menu", re.IGNORECASE),
}


@dataclass(frozen=True, slots=True)
class _Raw:
    href: str
    text: str
    where: str
    position: int
    rel: bool = False


def policy_links(html: str, page_url: str) -> list[PolicyLink]:
    """The page's candidate links to its privacy policy, best first (all, even weak ones)."""
    return list(find_policy_links(html, page_url).candidates)


@dataclass(frozen=True, slots=True)
class LinkSearch:
    """What a home page offers: every candidate link, best first, and whether the page is a
    parked domain's (whose links are the parking company's: none is worth trying)."""

    candidates: tuple[PolicyLink, ...]
    parked: bool

    @property
    def worth_trying(self) -> list[PolicyLink]:
        """The candidates scoring at least MIN_LINK_SCORE, best first; none on a parked page."""
        if self.parked:
            return []
        return [link for link in self.candidates if link.score >= MIN_LINK_SCORE]


def find_policy_links(html: str, page_url: str) -> LinkSearch:
    """Every candidate link of a page to its privacy policy, and whether the page is parked."""
    tree = _parse(html)
    if tree is None:
        return LinkSearch((), parked=False)
    text = _text_outside_dialogs(tree)
    return LinkSearch(tuple(_ranked(tree, text, page_url)), parked=_is_parked(text))


def best_policy_links(html: str, page_url: str) -> list[PolicyLink]:
    """The candidates worth trying, best first; none on a parked domain's page."""
    return find_policy_links(html, page_url).worth_trying


def _is_parked(text: str) -> bool:
    """Whether a page's text is a parked domain's: its links and policy are the parking
    company's."""
    text = " ".join(text.casefold().split())
    return bool(PARKED.search(text)) or len(set(PARKED_LISTINGS.findall(text))) >= 2


def _ranked(tree: HtmlElement, text: str, page_url: str) -> list[PolicyLink]:
    site = registrable_domain(page_url)
    if not site:
        return []
    base = _base_url(tree, page_url)
    raws = list(_raw_links(tree, base))
    resolved = [(raw, url) for raw in raws if (url := absolute_url(base, raw.href))]
    page_text = _squashed(text)
    shared = _legal_domains(resolved, site)
    found: dict[str, PolicyLink] = {}
    seen: dict[str, int] = {}
    total = max(len(raws), 1)
    for raw, url in resolved:
        where = raw.where
        if where == "body" and raw.position >= (1 - FOOTER_SHARE) * total:
            where = "footer"
        link = _score(raw, url, where, site, shared, page_text)
        if link is None:
            continue
        seen[url] = seen.get(url, 0) + 1
        if url not in found or link.score > found[url].score:
            found[url] = link
    ranked = []
    for url, link in found.items():
        if seen[url] > 1:
            reasons = (*link.reasons, f"linked {seen[url]} times")
            link = replace(link, score=link.score + BONUS_REPEATED, reasons=reasons)
        ranked.append(link)
    return sorted(ranked, key=lambda link: (-link.score, link.position))


# ---- addresses ---------------------------------------------------------------------------------


@cache
def _extractor():
    import tldextract

    # the public suffix list bundled with tldextract: never fetched
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(url: str) -> str:
    """The domain a site registered (`example.co.uk` for `www.shop.example.co.uk`); "" for an
    address without a host."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:  # a torn IPv6 literal: "http://[::1/p", "http://[domain]/"
        return ""
    if not host:
        return ""
    found = _extractor()(host)
    if found.suffix and found.domain:
        return f"{found.domain}.{found.suffix}"
    # a name outside the public suffix list (".example", an intranet): its last two labels
    return ".".join(host.split(".")[-2:])


def absolute_url(base: str, href: str) -> str | None:
    """`href` resolved against `base` and cleaned (`clean_url`); None for a malformed one."""
    try:
        return clean_url(urljoin(base, href.strip()))
    except ValueError:  # "http://[domain]/x", a template's placeholder
        return None


def clean_url(url: str) -> str | None:
    """`url` as a page's identity: http(s) only, host in lower case without its default port,
    no fragment, tracking parameters or session id. Raises ValueError for a malformed one."""
    url = urldefrag(url.strip())[0]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    url = urlunsplit((parts.scheme, host, parts.path or "/", parts.query, ""))
    url = _SESSION_ID.sub("", url)
    if parts.query:
        url = url_query_cleaner(url, _TRACKING, remove=True, keep_fragments=False)
    return url


# ---- finding links -----------------------------------------------------------------------------


def _parse(html: str) -> HtmlElement | None:
    parsed = parse_html(html)
    return parsed.tree if parsed is not None else None


def _base_url(tree: HtmlElement, page_url: str) -> str:
    for href in tree.xpath("//base/@href"):
        if href.strip():
            try:
                return urljoin(page_url, href.strip())
            except ValueError:
                break
    return page_url


def _raw_links(tree: HtmlElement, base: str) -> Iterator[_Raw]:
    position = 0
    for element in tree.iter("a", "area", "link", "option", "noframes", "script"):
        tag = element.tag
        if tag == "link":
            rel = (element.get("rel") or "").lower().split()
            if "privacy-policy" in rel and element.get("href"):
                yield _Raw(element.get("href"), "", "head", position, rel=True)
                position += 1
        elif tag in ("a", "area"):
            href = (element.get("href") or "").strip()
            text = _link_text(element)
            where = _region(element)
            for target in _targets(href, element.get("onclick") or ""):
                yield _Raw(target, text, where, position)
                position += 1
        elif tag == "option":
            value = (element.get("value") or "").strip()
            if _looks_like_address(value):
                yield _Raw(value, _squash(element.text_content()), _region(element), position)
                position += 1
        elif tag == "noframes" and len(element) == 0 and (element.text or "").strip():
            # a parser that kept the content as text: read it as the page it stands for
            inner = _parse(element.text)
            if inner is not None:
                for raw in _raw_links(inner, base):
                    yield _Raw(raw.href, raw.text, "noframes", position, raw.rel)
                    position += 1
        elif tag == "script" and not element.get("src"):
            for href, label in _json_links(element.text or ""):
                yield _Raw(href, label, "script", position)
                position += 1


def _targets(href: str, onclick: str) -> list[str]:
    """Where a link leads: its address, or the address a script it runs opens."""
    if href.lower().startswith("javascript:"):
        return _SCRIPT_URL.findall(href) or _SCRIPT_URL.findall(onclick)
    if href and not href.startswith("#") and not href.lower().startswith(("mailto:", "tel:")):
        return [href]
    return _SCRIPT_URL.findall(onclick)


def _looks_like_address(value: str) -> bool:
    if value.startswith(("/", "http://", "https://", "./", "../")):
        return True
    return _SCRIPT_URL.fullmatch(f'"{value}"') is not None


def _link_text(element: HtmlElement) -> str:
    text = _squash(element.text_content())
    if text:
        return text
    for attribute in ("aria-label", "title", "alt"):
        if element.get(attribute):
            return _squash(element.get(attribute))
    for image in element.iter("img"):
        for attribute in ("alt", "title"):
            if image.get(attribute):
                return _squash(image.get(attribute))
    return ""


def _region(element: HtmlElement) -> str:
    """Which part of the page a link sits in, from its ancestors' tags, ids and classes."""
    region = "body"
    for ancestor in element.iterancestors():
        tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
        if tag == "noscript":
            return "noscript"
        if tag == "template" or tag == "noframes":
            continue
        if is_dialog(ancestor):
            return "dialog"
        if region != "body":
            continue
        names = f"{ancestor.get('id') or ''} {ancestor.get('class') or ''}"
        if tag == "footer" or _REGION["footer"].search(names):
            region = "footer"
        elif tag == "header" or _REGION["header"].search(names):
            region = "header"
        elif tag == "nav" or _REGION["nav"].search(names):
            region = "nav"
    return region


def _json_links(script: str) -> Iterator[tuple[str, str]]:
    """(address, label) pairs of the JSON objects in a script: an app shell's links."""
    if "privac" not in script.lower() and not PRIVACY_PATH.search(script):
        return
    for match in _JSON_OBJECT.finditer(script):
        body = match.group()
        address = _JSON_URL.search(body)
        if address is None:
            continue
        label = _JSON_LABEL.search(body)
        href = _json_string(address.group(1))
        if href and _looks_like_address(href):
            yield href, _squash(_json_string(label.group(1))) if label else ""


def _json_string(escaped: str) -> str:
    try:
        return json.loads(f'"{escaped}"')
    except ValueError:
        return escaped


# ---- scoring -----------------------------------------------------------------------------------


def _score(
    raw: _Raw, url: str, where: str, site: str, shared: frozenset[str], page_text: str
) -> PolicyLink | None:
    text = _normal(raw.text)
    parts = urlsplit(url)
    address = fold(unquote(f"{parts.path}?{parts.query}"))
    reasons = []
    score = 0.0
    if raw.rel:
        score, reasons = SCORE_REL, ["rel=privacy-policy"]
    elif text in _TITLES:
        score, reasons = SCORE_TITLE, ["a policy's title"]
    elif text in _SHORT_FORMS:
        score, reasons = SCORE_SHORT, ["a privacy link's short form"]
    elif text in _HUBS:
        score, reasons = SCORE_HUB, ["a hub of privacy pages"]
    elif PRIVACY_WORD.search(text):
        extra = max(0, len(text.split()) - LONG_TEXT_WORDS)
        score, reasons = SCORE_WORD - WORD_PENALTY * extra, ["a privacy word in the text"]
    in_address = PRIVACY_PATH.search(address) is not None
    if in_address:
        score += SCORE_PATH if score or text else SCORE_PATH_ONLY
        reasons.append("privacy in the address")
    if not score:
        return None
    if NOT_THE_POLICY.search(text):
        score -= PENALTY_NOT_POLICY
        reasons.append("names settings, an opt-out, a seal or one audience")
    elif COOKIES_ONLY.search(text) and not PRIVACY_WORD.search(text):
        score -= PENALTY_COOKIES_ONLY
        reasons.append("names cookies only")
    if len(text.split()) >= SENTENCE_WORDS:
        score -= PENALTY_SENTENCE
        reasons.append("a sentence, not a link's name")
    if where == "footer":
        score += BONUS_FOOTER
    elif where in ("header", "nav"):
        score += BONUS_HEADER
    elif where == "dialog":
        score -= PENALTY_DIALOG
    elif where == "script":
        score -= PENALTY_SCRIPT
    reasons.append(f"in the {where}")
    domain = registrable_domain(url)
    off_site = domain != site
    if off_site:
        host = (parts.hostname or "").lower()
        if domain in THIRD_PARTY_HOSTS or host in THIRD_PARTY_HOSTS:
            return None
        # A dialog's links are its vendors': never evidence of where the site's pages live.
        if where != "dialog" and (domain in shared or _names_domain(page_text, domain)):
            score -= PENALTY_SHARED_LEGAL
            reasons.append(f"on {domain}, which the page names or links its legal pages to")
        else:
            score -= PENALTY_OFF_SITE
            reasons.append(f"on another site ({domain})")
    return PolicyLink(url, raw.text, where, raw.position, round(score, 2), tuple(reasons), off_site)


def _legal_domains(resolved: list[tuple[_Raw, str]], site: str) -> frozenset[str]:
    """Other domains two or more of the page's legal links lead to: a group's legal site."""
    counts: dict[str, int] = {}
    for raw, url in resolved:
        if raw.where == "dialog":
            continue
        text = _normal(raw.text)
        if not (PRIVACY_WORD.search(text) or _LEGAL.search(text)):
            continue
        domain = registrable_domain(url)
        if domain != site:
            counts[domain] = counts.get(domain, 0) + 1
    return frozenset(domain for domain, count in counts.items() if count >= 2)


_LEGAL = re.compile(
    r"terms|conditions|legal|imprint|impressum|mentions l|aviso legal|note legali|agb"
    r"|disclaimer|cookie|nutzungsbedingungen|cgu|cgv|voorwaarden|termos|terminos|termini"
    r"|condiciones|condizioni|condicoes|bedingungen|villkor|vilkar|betingelser|warunki"
    r"|regulamin|podminky"
)


def _text_outside_dialogs(tree: HtmlElement) -> str:
    """The page's text but its scripts, styles and dialogs (whose vendor lists name companies)."""
    dialogs = {
        element for element in tree.iter() if isinstance(element.tag, str) and is_dialog(element)
    }
    parts = []
    for text in tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]"):
        parent = text.getparent()
        if (
            not dialogs
            or parent is None
            or not any(up in dialogs for up in (parent, *parent.iterancestors()))
        ):
            parts.append(str(text))
    return " ".join(parts)


def _names_domain(page_text: str, domain: str) -> bool:
    """Whether the page's text names the company behind `domain` ("Golden Harvest Foods")."""
    label = _squashed(domain.split(".")[0])
    return len(label) >= 5 and label in page_text


def _squash(text: str) -> str:
    return " ".join(text.split())


def _squashed(text: str) -> str:
    """Letters and digits only, lower case: how a company's name reads inside a domain."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _normal(text: str) -> str:
    """A link's text as the vocabulary is matched against it: folded, without badges such as
    "(new)", punctuation but "&" gone, spaces evened out."""
    text = _BADGE.sub(" ", fold(text))
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def fold(text: str) -> str:
    """Lower case, Latin letters without their accents ("Confidențialitate" ->
    "confidentialitate"); other scripts as they are (kana keep their marks)."""
    return "".join(
        unicodedata.normalize("NFKD", char)[0]
        if char < "\u0250" or "\u1e00" <= char <= "\u1eff"
        else char
        for char in text.casefold()
    )


_TITLES = frozenset(_normal(title) for title in POLICY_TITLES)
_SHORT_FORMS = frozenset(_normal(form) for form in SHORT_FORMS)
_HUBS = frozenset(_normal(hub) for hub in PRIVACY_HUBS)
