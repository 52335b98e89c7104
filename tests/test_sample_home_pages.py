"""The sample archive's home pages (data/sample/): the truth `policytrail discover` runs on."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest

from crawler.archive.server import ArchiveServer
from crawler.wayback import surt_key

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
EXPECTED = json.loads((SAMPLE / "EXPECTED.json").read_text(encoding="utf-8"))
HOME_PAGES = EXPECTED["home_pages"]
DOMAINS = list(dict.fromkeys(entry["domain"] for entry in HOME_PAGES))
ROW_FIELDS = ("timestamp", "original", "mimetype", "statuscode", "digest")
# Issue 13: following a home page's privacy link must find the policy captured this near it.
POLICY_NEAR = timedelta(days=365)


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a captured redirect is the answer under test, not something to follow


_OPENER = urllib.request.build_opener(_KeepRedirects)


def fetch(url: str) -> Answer:
    try:
        with _OPENER.open(url, timeout=10) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


def cdx(archive: ArchiveServer, url: str) -> list[dict[str, str]]:
    query = urllib.parse.urlencode({"url": url, "output": "json"})
    answer = fetch(f"{archive.base_url}/cdx/search/cdx?{query}")
    assert answer.status == 200, answer.body
    table = json.loads(answer.body) if answer.body.strip() else []
    if not table:
        return []
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def raw(archive: ArchiveServer, timestamp: str, url: str) -> Answer:
    return fetch(f"{archive.base_url}/web/{timestamp}id_/{url}")


def moment(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def half_year(timestamp: str) -> str:
    return f"{timestamp[:4]}H{1 if timestamp[4:6] <= '06' else 2}"


def half_index(period: str) -> int:
    """Half-years counted from year 0: consecutive half-years have consecutive numbers."""
    return int(period[:4]) * 2 + int(period[-1]) - 1


def middle(period: str) -> datetime:
    return datetime(int(period[:4]), 4 if period.endswith("H1") else 10, 1, tzinfo=UTC)


def is_page(row: dict[str, str]) -> bool:
    return row["statuscode"].startswith("2") and row["mimetype"] == "text/html"


def is_redirect(row: dict[str, str]) -> bool:
    return row["statuscode"].startswith("3")


def nearest(rows: list[dict[str, str]], instant: datetime) -> dict[str, str] | None:
    """The row captured nearest `instant`; of two as near, the earlier."""
    return min(
        rows, key=lambda r: (abs(moment(r["timestamp"]) - instant), r["timestamp"]), default=None
    )


def entries(domain: str) -> list[dict]:
    return [entry for entry in HOME_PAGES if entry["domain"] == domain]


def shown_page(entry: dict) -> dict:
    """The home page whose links count: the capture itself, or the page a redirect leads to."""
    return entry["followed"] or entry["capture"]


def policy_urls(domain: str) -> set[str]:
    """The URL keys of the site's policy (its listed URL, aliases and the URL it moved to)."""
    site = next(site for site in EXPECTED["sites"] if site["site"] == domain)
    return {group["urlkey"] for group in site["urls"].values()}


class _Links(HTMLParser):
    """Each `<a href>` of a page with its text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._open: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href is not None:
            self._open = (href, [])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            href, text = self._open
            self.links.append((href, " ".join("".join(text).split())))
            self._open = None


def links_on(body: bytes, page_url: str) -> list[tuple[str, str]]:
    """(absolute URL, text) of each link, its href resolved against the page's URL."""
    parser = _Links()
    parser.feed(body.decode("utf-8", errors="replace"))  # the hrefs are ASCII in every charset
    parser.close()
    return [(urllib.parse.urljoin(page_url, href.strip()), text) for href, text in parser.links]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArchiveServer]:
    index = tmp_path_factory.mktemp("home-pages-index") / "index.sqlite3"
    with ArchiveServer([SAMPLE], index_path=index) as server:
        yield server


@pytest.fixture(scope="module")
def home_rows(archive: ArchiveServer) -> dict[str, list[dict[str, str]]]:
    """Each domain's home-page CDX rows: `url=<domain>/` matches its www, http and https forms."""
    return {domain: cdx(archive, f"{domain}/") for domain in DOMAINS}


def test_each_site_has_home_pages_from_2004_to_2023() -> None:
    assert [site["site"] for site in EXPECTED["sites"]] == DOMAINS
    for domain in DOMAINS:
        periods = [entry["period"] for entry in entries(domain)]
        assert periods[0] <= "2006H1" and periods[-1] == "2023H2", domain
        numbers = [half_index(period) for period in periods]
        assert numbers == list(range(numbers[0], numbers[-1] + 1)), domain
        for entry in entries(domain):
            assert entry["sampled_at"] == middle(entry["period"]).date().isoformat()


def test_the_cdx_lists_the_home_page_captures_expected_json_names(
    home_rows: dict[str, list[dict[str, str]]],
) -> None:
    for domain in DOMAINS:
        rows = home_rows[domain]
        described = [c for entry in entries(domain) for c in entry["captures_in_period"]]
        assert [tuple(r[f] for f in ROW_FIELDS) for r in rows] == [
            tuple(c[f] for f in ROW_FIELDS) for c in described
        ]
        assert {row["urlkey"] for row in rows} == {surt_key(f"http://www.{domain}/")}
        for entry in entries(domain):
            in_period = {c["timestamp"] for c in entry["captures_in_period"]}
            assert {half_year(t) for t in in_period} <= {entry["period"]}
        variants = {urllib.parse.urlsplit(row["original"])[:2] for row in rows}
        assert ("http", f"www.{domain}") in variants and ("https", f"www.{domain}") in variants
        assert ("http", domain) in variants  # the bare host


def test_each_half_year_takes_the_capture_closest_to_its_middle(
    home_rows: dict[str, list[dict[str, str]]],
) -> None:
    for domain in DOMAINS:
        for entry in entries(domain):
            rows = [r for r in home_rows[domain] if half_year(r["timestamp"]) == entry["period"]]
            pages = [r for r in rows if is_page(r)]
            chosen = nearest(pages or [r for r in rows if is_redirect(r)], middle(entry["period"]))
            if chosen is None:
                assert entry["kind"] == "none" and entry["capture"] is None, entry["period"]
                assert entry["policy_url"] is None
                continue
            assert entry["kind"] == ("page" if pages else "redirect"), entry["period"]
            capture = entry["capture"]
            assert (capture["timestamp"], capture["url"], capture["statuscode"]) == (
                chosen["timestamp"],
                chosen["original"],
                chosen["statuscode"],
            )


def test_the_sample_holds_what_discovery_must_handle() -> None:
    kinds = {domain: Counter(entry["kind"] for entry in entries(domain)) for domain in DOMAINS}
    for domain, counted in kinds.items():
        assert counted["redirect"] >= 1 and counted["none"] >= 1, domain
        doubles = [
            entry
            for entry in entries(domain)
            if sum(c["statuscode"] == "200" for c in entry["captures_in_period"]) >= 2
        ]
        assert len(doubles) >= 2, domain
    pages = [entry for entry in HOME_PAGES if entry["kind"] == "page"]
    links = [entry["link"] for entry in pages if entry["link"]]
    assert {"Privacy", "Privacy Policy", "Privacy & Security", "Your Privacy"} <= {
        link["text"] for link in links
    }
    assert {link["placement"] for link in links} == {"header", "footer"}
    hrefs = [link["href"] for link in links]
    assert any(href.startswith(("http://", "https://")) for href in hrefs)
    assert any(href.startswith("//") for href in hrefs)
    assert any(href.startswith("/") and not href.startswith("//") for href in hrefs)
    assert any(not href.startswith("/") and "://" not in href for href in hrefs)
    linked = {entry["policy_url"] for entry in HOME_PAGES if entry["policy_url"]}
    assert any(url.endswith(".pdf") for url in linked)
    for site in EXPECTED["sites"]:
        if site["moved_to"]:
            assert {site["policy_url"], site["moved_to"]} <= linked
    # Pages that link no policy: kettleworks' first years and its 404 years.
    unlinked = [entry for entry in pages if entry["policy_url"] is None]
    assert {entry["domain"] for entry in unlinked} == {"kettleworks.example"}
    assert {entry["period"][:4] for entry in unlinked} >= {"2004", "2012", "2013"}
    statuses = {
        entry["capture"]["statuscode"] for entry in HOME_PAGES if entry["kind"] == "redirect"
    }
    assert statuses == {"301", "302"}


def test_each_policy_link_is_on_the_home_page_replayed_raw(archive: ArchiveServer) -> None:
    for entry in HOME_PAGES:
        if entry["policy_url"] is None:
            continue
        page = shown_page(entry)
        answer = raw(archive, page["timestamp"], page["url"])
        assert answer.status == 200, page
        found = links_on(answer.body, page["url"])
        assert (entry["policy_url"], entry["link"]["text"]) in found, (entry["period"], page)


def test_a_page_said_to_link_no_policy_links_none(archive: ArchiveServer) -> None:
    for entry in HOME_PAGES:
        if entry["kind"] != "page" or entry["policy_url"] is not None:
            continue
        page = entry["capture"]
        answer = raw(archive, page["timestamp"], page["url"])
        assert answer.status == 200
        keys = {surt_key(url) for url, _ in links_on(answer.body, page["url"])}
        assert not keys & policy_urls(entry["domain"]), entry["period"]


def test_a_redirect_leads_to_a_home_page_captured_nearby(
    archive: ArchiveServer, home_rows: dict[str, list[dict[str, str]]]
) -> None:
    redirects = [entry for entry in HOME_PAGES if entry["kind"] == "redirect"]
    assert redirects
    for entry in redirects:
        capture = entry["capture"]
        answer = raw(archive, capture["timestamp"], capture["url"])
        assert answer.status == int(capture["statuscode"])
        archived = re.fullmatch(r".*/web/(\d{14})id_/(.+)", answer.headers["Location"])
        assert archived is not None and archived[1] == capture["timestamp"]
        target = archived[2]
        assert target == capture["location"] != capture["url"]
        assert surt_key(target) == surt_key(capture["url"])
        # The target shares the redirect's URL key: it leads to the page of that key captured
        # nearest the redirect, in the same or a neighbouring half-year.
        pages = [r for r in home_rows[entry["domain"]] if is_page(r)]
        followed = nearest(pages, moment(capture["timestamp"]))
        assert followed is not None and followed["original"] == target
        assert entry["followed"] == {"timestamp": followed["timestamp"], "url": target}
        period = half_year(followed["timestamp"])
        assert abs(half_index(period) - half_index(entry["period"])) <= 1


def test_each_linked_policy_was_captured_within_a_year_of_the_home_page(
    archive: ArchiveServer,
) -> None:
    for entry in HOME_PAGES:
        if entry["policy_url"] is None:
            continue
        seen = moment(shown_page(entry)["timestamp"])
        rows = cdx(archive, entry["policy_url"])
        policies = [
            moment(r["timestamp"])
            for r in rows
            if r["statuscode"].startswith("2") or r["mimetype"] == "warc/revisit"
        ]
        assert any(abs(taken - seen) <= POLICY_NEAR for taken in policies), entry["period"]
        assert surt_key(entry["policy_url"]) in policy_urls(entry["domain"])
