"""The bundled sample archive (data/sample/) holds what the demo and end-to-end tests rely on."""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from crawler.archive.builder import payload_digest
from crawler.archive.server import ArchiveServer
from crawler.wayback import http_date, parse_timestamp, surt_key

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SAMPLE = DATA / "sample"
EXPECTED = json.loads((SAMPLE / "EXPECTED.json").read_text(encoding="utf-8"))
SITES = EXPECTED["sites"]
ROW_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest")
# The issue asks for a sample small enough to commit: about 300 KB. Issue 13's home pages (some
# 120 captures, and their truth in EXPECTED.json) double that.
MAX_SAMPLE_BYTES = 700 * 1024
CP1252_ONLY = (b"\x91", b"\x92", b"\x93", b"\x94", b"\x96", b"\x99", b"\x80")  # ‘ ’ “ ” – ™ €
POLICY_TAGS = ("h1", "h2", "h3", "p", "ul", "li", "strong", "em")


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a captured 301 is the answer under test, not something to follow


_OPENER = urllib.request.build_opener(_KeepRedirects)


def fetch(url: str) -> Answer:
    try:
        with _OPENER.open(url, timeout=10) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


def cdx(archive: ArchiveServer, url: str, **params: str) -> list[dict[str, str]]:
    query = urllib.parse.urlencode({"url": url, "output": "json", **params})
    answer = fetch(f"{archive.base_url}/cdx/search/cdx?{query}")
    assert answer.status == 200, answer.body
    table = json.loads(answer.body) if answer.body.strip() else []
    if not table:
        return []
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def memento(archive: ArchiveServer, timestamp: str, url: str) -> Answer:
    return fetch(f"{archive.base_url}/web/{timestamp}id_/{url}")


def url_groups() -> Iterator[tuple[dict, str, dict]]:
    for site in SITES:
        for url, group in site["urls"].items():
            yield site, url, group


def captures(**wanted: object) -> Iterator[tuple[dict, dict]]:
    """(site, capture) pairs from EXPECTED.json whose fields have the values given."""
    for site, _, group in url_groups():
        for capture in group["captures"]:
            if all(capture.get(key) == value for key, value in wanted.items()):
                yield site, capture


def policy_text(body: bytes, charset: str) -> str:
    """The policy's words as a reader sees them: from its <h1> to the end of its container."""
    page = body.decode(charset)
    start = page.index("<h1>")
    others = "|".join(POLICY_TAGS)
    end = re.compile(rf"</(?!(?:{others})>)\w+>").search(page, start)
    assert end is not None
    text = re.sub(r"<[^>]+>", " ", page[start : end.start()])
    return " ".join(html.unescape(text).split())


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArchiveServer]:
    index = tmp_path_factory.mktemp("sample-index") / "index.sqlite3"
    with ArchiveServer([SAMPLE], index_path=index) as server:
        yield server


# ---- what the issue asks for ------------------------------------------------------------------


def test_three_sites_with_ten_captures_of_each_policy_url(archive: ArchiveServer) -> None:
    assert len(SITES) >= 3
    for site in SITES:
        assert re.search(r"(^|\.)[a-z0-9-]+\.example$", site["site"]), site["site"]
        assert len(cdx(archive, site["policy_url"])) >= 10
        if site["moved_to"]:
            assert len(cdx(archive, site["moved_to"])) >= 10
        years = {c["timestamp"][:4] for g in site["urls"].values() for c in g["captures"]}
        assert int(max(years)) - int(min(years)) >= 15


def test_three_policy_texts_per_site_each_with_its_date_line(archive: ArchiveServer) -> None:
    for site in SITES:
        versions = site["versions"]
        assert len(versions) >= 3, site["site"]
        assert len({v["date_line"] for v in versions}) == len(versions)
        firsts = [version["first_capture"] for version in versions]
        assert firsts == sorted(firsts)
        for version in versions:
            assert len(version["headings"]) >= 4
            for timestamp in (version["first_capture"], version["last_capture"]):
                capture = next(
                    c
                    for s, c in captures(version=version["version"], timestamp=timestamp)
                    if s is site
                )
                answer = memento(archive, timestamp, capture["original"])
                assert answer.status == 200
                text = answer.body.decode(capture.get("charset", "latin-1"))  # a PDF: ASCII
                assert version["date_line"] in html.unescape(text)


def test_html_changes_between_captures_while_the_policy_text_does_not(
    archive: ArchiveServer,
) -> None:
    for site in SITES:
        texts: dict[int, set[str]] = {}
        digests: dict[int, set[str]] = {}
        for owner, capture in captures(role="page"):
            if owner is not site or "charset" not in capture:  # the PDF: no HTML around it
                continue
            answer = memento(archive, capture["timestamp"], capture["original"])
            number = capture["version"]
            texts.setdefault(number, set()).add(policy_text(answer.body, capture["charset"]))
            digests.setdefault(number, set()).add(capture["digest"])
        assert all(len(found) == 1 for found in texts.values()), site["site"]
        assert len({next(iter(found)) for found in texts.values()}) == len(texts)
        assert max(len(found) for found in digests.values()) >= 3, site["site"]


def test_policy_moves_to_a_new_url_through_captured_redirects(archive: ArchiveServer) -> None:
    moved = [site for site in SITES if site["moved_to"]]
    assert moved
    for site in moved:
        old = site["urls"][site["policy_url"]]
        redirects = old["redirects"]
        assert any(r["location"].startswith("https://") for r in redirects)
        assert any(r["location"].startswith("/") for r in redirects)
        rows = {row["timestamp"]: row for row in cdx(archive, site["policy_url"])}
        first_move = min(r["timestamp"] for r in redirects)
        assert all(row["statuscode"] == "301" for ts, row in rows.items() if ts >= first_move)
        for redirect in redirects:
            timestamp = redirect["timestamp"]
            answer = memento(archive, timestamp, redirect["original"])
            assert answer.status == 301
            target = urllib.parse.urljoin(redirect["original"], redirect["location"])
            assert target == redirect["location_target"]
            assert surt_key(target) == surt_key(site["moved_to"])
            archived = f"/web/{timestamp}id_/{target}"
            if redirect["location"].startswith("/"):
                assert answer.headers["Location"] == archived
            else:
                assert answer.headers["Location"] == archive.base_url + archived
        new_only = [v for v in site["versions"] if v["urls"] == [site["moved_to"]]]
        assert 1 <= len(new_only) <= 2


def test_a_period_of_404s_between_periods_of_200s(archive: ArchiveServer) -> None:
    groups = [(url, g) for _, url, g in url_groups() if g["not_found"]]
    assert groups
    for url, group in groups:
        statuses = [row["statuscode"] for row in cdx(archive, url) if row["statuscode"] != "-"]
        runs = [status for i, status in enumerate(statuses) if i == 0 or statuses[i - 1] != status]
        assert "200,404,200" in ",".join(runs)
        for timestamp in group["not_found"]:
            answer = memento(archive, timestamp, url)
            assert answer.status == 404
            assert "Memento-Datetime" in answer.headers
            assert b"Page not found" in answer.body


def test_windows_1252_pages_declared_in_http_or_only_in_meta(archive: ArchiveServer) -> None:
    declared = Counter()
    for _, capture in captures(charset="windows-1252", role="page"):
        answer = memento(archive, capture["timestamp"], capture["original"])
        content_type = answer.headers["Content-Type"].lower()
        assert any(byte in answer.body for byte in CP1252_ONLY)
        with pytest.raises(UnicodeDecodeError):
            answer.body.decode("utf-8")
        assert "’" in answer.body.decode("cp1252")
        if capture["charset_declared_in"] == "http":
            assert "charset=windows-1252" in content_type
            assert b"<meta" not in answer.body.lower()
            declared["http"] += 1
        else:
            assert "charset" not in content_type
            head = answer.body.split(b"</head>")[0].lower()
            if b'<meta charset="windows-1252">' in head:
                declared["meta charset"] += 1
            else:
                assert b'content="text/html; charset=windows-1252"' in head
                declared["meta http-equiv"] += 1
    assert set(declared) == {"http", "meta charset", "meta http-equiv"}
    cp1252_sites = {site["site"] for site, _ in captures(charset="windows-1252")}
    for site, capture in captures(charset="utf-8", role="page"):
        if site["site"] in cp1252_sites and capture["timestamp"] >= "2014":
            body = memento(archive, capture["timestamp"], capture["original"]).body
            assert "’" in body.decode("utf-8")


def test_the_pdf_is_a_valid_one_page_pdf_served_as_application_pdf(
    archive: ArchiveServer,
) -> None:
    pdfs = [(url, g) for _, url, g in url_groups() if g["pdf"]]
    assert pdfs
    for url, group in pdfs:
        version = next(c["version"] for c in group["captures"] if "version" in c)
        date_line = next(
            v["date_line"]
            for s in SITES
            for v in s["versions"]
            if url in s["urls"] and v["version"] == version
        )
        for timestamp in group["pdf"]:
            answer = memento(archive, timestamp, url)
            assert answer.headers["Content-Type"] == "application/pdf"
            document = answer.body
            assert document.startswith(b"%PDF-1.4\n")
            assert document.rstrip().endswith(b"%%EOF")
            _check_xref(document)
            assert b"/Count 1" in document
            shown = b" ".join(re.findall(rb"\((.*?)\) Tj", document)).decode("cp1252")
            assert date_line in shown


def _check_xref(document: bytes) -> None:
    xref_at = int(re.search(rb"startxref\n(\d+)\n%%EOF", document)[1])
    assert document[xref_at:].startswith(b"xref\n")
    lines = document[xref_at:].split(b"\n")
    first, count = map(int, lines[1].split())
    entries = [document[xref_at:].split(b"\n", 2)[2][i * 20 : (i + 1) * 20] for i in range(count)]
    assert first == 0 and entries[0] == b"0000000000 65535 f \n"
    for number, entry in enumerate(entries[1:], 1):
        assert entry.endswith(b" 00000 n \n")
        offset = int(entry[:10])
        assert document[offset:].startswith(b"%d 0 obj\n" % number)
    assert re.search(rb"trailer\n<< /Size %d /Root 1 0 R" % count, document)
    length = int(re.search(rb"/Length (\d+) >>\nstream\n", document)[1])
    start = document.index(b"stream\n") + len(b"stream\n")
    assert document[start + length :].startswith(b"endstream")


def test_revisits_resolve_to_the_payload_they_repeat(archive: ArchiveServer) -> None:
    revisits = list(captures(role="revisit"))
    assert len(revisits) >= 3
    for _, capture in revisits:
        original = capture["refers_to"]
        repeated = memento(archive, capture["timestamp"], capture["original"])
        first = memento(archive, original["timestamp"], original["url"])
        assert repeated.status == first.status == int(original["statuscode"])
        assert repeated.body == first.body
        assert payload_digest(repeated.body) == capture["digest"]
    resolved = cdx(archive, SITES[0]["policy_url"], resolveRevisits="true")
    assert "warc/revisit" not in {row["mimetype"] for row in resolved}


def test_an_exact_duplicate_row_appears_twice(archive: ArchiveServer) -> None:
    duplicated = [(url, g) for _, url, g in url_groups() if g["duplicates"]]
    assert duplicated
    for url, group in duplicated:
        rows = cdx(archive, url)
        for timestamp in group["duplicates"]:
            same = [row for row in rows if row["timestamp"] == timestamp]
            assert len(same) == 2 and same[0] == same[1]


def test_timestamps_are_unique_per_url_but_for_the_duplicate(archive: ArchiveServer) -> None:
    for _, url, group in url_groups():
        counts = Counter(row["timestamp"] for row in cdx(archive, url))
        assert sorted(ts for ts, n in counts.items() if n > 1) == sorted(group["duplicates"])


def test_http_https_and_bare_host_variants_share_one_surt_key(archive: ArchiveServer) -> None:
    originals = max((g["originals"] for _, _, g in url_groups()), key=len)
    hosts = {urllib.parse.urlsplit(url)[:2] for url in originals}
    assert len(hosts) >= 3 and {scheme for scheme, _ in hosts} == {"http", "https"}
    assert any(not host.startswith("www.") for _, host in hosts)
    answers = [cdx(archive, url) for url in originals]
    assert all(answer == answers[0] for answer in answers)
    assert {row["original"] for row in answers[0]} == set(originals)


def test_a_non_html_non_pdf_capture_to_skip(archive: ArchiveServer) -> None:
    skipped = list(captures(role="skipped"))
    assert skipped
    for _, capture in skipped:
        assert capture["mimetype"] not in ("text/html", "application/pdf")
        answer = memento(archive, capture["timestamp"], capture["original"])
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith(capture["mimetype"])


# ---- EXPECTED.json, the targets files and the generator agree with the archive ----------------


def test_expected_json_matches_the_cdx_answers(archive: ArchiveServer) -> None:
    for site in SITES:
        described = set()
        for url, group in site["urls"].items():
            rows = cdx(archive, url)
            fields = ("timestamp", "original", "mimetype", "statuscode", "digest")
            assert [tuple(r[f] for f in fields) for r in rows] == [
                tuple(c[f] for f in fields) for c in group["captures"]
            ]
            assert {row["urlkey"] for row in rows} == {group["urlkey"]}
            assert len(rows) == group["cdx_rows"]
            assert len({row["digest"] for row in rows}) == group["distinct_digests"]
            assert [r["timestamp"] for r in rows if r["statuscode"] == "404"] == group["not_found"]
            assert [r["timestamp"] for r in rows if r["statuscode"] == "301"] == [
                r["timestamp"] for r in group["redirects"]
            ]
            revisit_rows = [r["timestamp"] for r in rows if r["mimetype"] == "warc/revisit"]
            assert revisit_rows == group["revisits"]
            described.add(group["urlkey"])
        domain = site["site"]
        described.add(surt_key(f"http://{domain}/"))  # its home page: test_sample_home_pages.py
        everything = cdx(archive, domain, matchType="domain")
        assert {row["urlkey"] for row in everything} == described
        for version in site["versions"]:
            shown = [c for s, c in captures(version=version["version"]) if s is site]
            timestamps = sorted(c["timestamp"] for c in shown if not c.get("duplicate"))
            assert timestamps == sorted(version["timestamps"])
            assert len(shown) == version["cdx_rows"]


def test_archived_headers_carry_the_capture_date_and_a_server(archive: ArchiveServer) -> None:
    for _, capture in captures():
        answer = memento(archive, capture["timestamp"], capture["original"])
        moment = http_date(parse_timestamp(capture["timestamp"]))
        assert answer.headers["X-Archive-Orig-Date"] == moment
        assert "X-Archive-Orig-Server" in answer.headers
        assert int(answer.headers["X-Archive-Orig-Content-Length"]) == len(answer.body)


def test_targets_sample_lists_each_site_with_only_its_old_policy_url() -> None:
    with (DATA / "targets.sample.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["site", "policy_url", "alias_urls"]
        rows = list(reader)
    assert [(row["site"], row["policy_url"], row["alias_urls"].split()) for row in rows] == [
        (site["site"], site["policy_url"], site["alias_urls"]) for site in SITES
    ]
    listed = " ".join(f"{row['policy_url']} {row['alias_urls']}" for row in rows)
    assert all(site["moved_to"] not in listed for site in SITES if site["moved_to"])


def test_targets_example_lists_real_policy_urls() -> None:
    with (DATA / "targets.example.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["site", "policy_url", "alias_urls"]
        rows = list(reader)
    assert 5 <= len(rows) <= 6
    assert {
        "site": "we-energies.com",
        "policy_url": "http://www.we-energies.com/home/privacy_policy.htm",
        "alias_urls": "",
    } in rows
    for row in rows:
        for url in [row["policy_url"], *row["alias_urls"].split()]:
            host = urllib.parse.urlsplit(url).hostname or ""
            assert url.startswith(("http://", "https://")) and host.endswith(row["site"])


def test_regenerating_gives_the_same_cdx_rows(archive: ArchiveServer, tmp_path: Path) -> None:
    out = tmp_path / "regenerated" / "sample.warc.gz"
    subprocess.run(
        [sys.executable, str(SAMPLE / "generate.py"), str(out)],
        check=True,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    regenerated = json.loads((out.parent / "EXPECTED.json").read_text(encoding="utf-8"))
    assert regenerated == EXPECTED
    with ArchiveServer([out.parent], index_path=tmp_path / "index.sqlite3") as fresh:
        for site in SITES:
            assert domain_rows(fresh, site["site"]) == domain_rows(archive, site["site"])


def domain_rows(archive: ArchiveServer, domain: str) -> list[tuple[str, ...]]:
    """Every CDX row of a site without `length`, which depends on the random WARC record ids."""
    return [tuple(row[f] for f in ROW_FIELDS) for row in cdx(archive, domain, matchType="domain")]


def test_the_sample_folder_stays_small() -> None:
    files = [p for p in SAMPLE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert sum(p.stat().st_size for p in files) < MAX_SAMPLE_BYTES
