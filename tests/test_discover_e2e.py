"""`policytrail discover` end to end, against the local archive: the sample archive's home pages
(whose truth data/sample/EXPECTED.json holds), then the crawl of what it found; and a small
archive of the cases a home page's link can lead to, with a run that fails and the one after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crawl_helpers import query, run_cli
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.builder import CaptureSpec
from crawler.archive.faults import FaultConfig
from crawler.archive.server import ArchiveOptions, ArchiveServer
from crawler.wayback import surt_key

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
EXPECTED = json.loads((SAMPLE / "EXPECTED.json").read_text(encoding="utf-8"))
KINDS = Path(__file__).resolve().parent / "kinds"


def _period_start(label: str) -> str:
    """EXPECTED.json's "2004H2" as the period's first day, "2004-07-01"."""
    return f"{label[:4]}-{'01' if label[5] == '1' else '07'}-01"


@pytest.fixture(scope="module")
def discovered(tmp_path_factory) -> dict:
    """The sample archive's three domains discovered over the sample's years, discovered
    again, and then crawled through `crawl --discovered`: each run's output and database."""
    folder = tmp_path_factory.mktemp("discover")
    db = folder / "study.duckdb"
    domains = ROOT / "data" / "domains.sample.txt"
    runs = {}
    with ArchiveServer([SAMPLE], index_path=folder / "index.sqlite3") as archive:
        common = ("--db", str(db), "--archive", archive.base_url, "--local")
        window = ("--from", "2004", "--to", "2023")
        runs["first"] = run_cli("discover", str(domains), *common, *window, cwd=folder)
        runs["again"] = run_cli("discover", str(domains), *common, *window, cwd=folder)
        runs["crawl"] = run_cli("crawl", "--discovered", *common, cwd=folder)
    return {"db": db, "folder": folder, **runs}


def test_each_period_finds_the_policy_its_home_page_linked(discovered):
    first = discovered["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    found = {
        (domain, str(start)): (status, url, home)
        for domain, start, status, url, home in query(
            discovered["db"],
            "SELECT domain, period_start, status, policy_url,"
            " strftime(home_timestamp, '%Y%m%d%H%M%S') FROM discovered_policies",
        )
    }
    truth = EXPECTED["home_pages"]
    known = {(period["domain"], _period_start(period["period"])) for period in truth}
    # every half-year of the window has its row; those before a site's first home page none
    assert len(found) == 3 * 40 and len(known) == 116
    assert {found[key][0] for key in set(found) - known} == {"no home page"}
    for period in truth:
        status, url, home = found[(period["domain"], _period_start(period["period"]))]
        where = f"{period['domain']} {period['period']}"
        # the home page nearest the period's middle; a redirect followed to the page it leads to
        shown = period["followed"] or period["capture"]
        assert home == (shown["timestamp"] if shown else None), where
        if period["kind"] == "none":
            assert status == "no home page", where
        expected = period["policy_url"]
        assert (surt_key(url) if url else None) == (surt_key(expected) if expected else None), (
            f"{where}: found {url}, linked {expected}"
        )
        assert status == ("found" if expected else status), where
    out = first.stdout
    assert "lumenbank.example" in out and "found" in out


def test_every_page_read_is_kept_as_warc(discovered):
    """Home pages and linked pages are in WARC records the table points at, so nothing read
    for discovery is fetched again to check it."""
    rows = query(
        discovered["db"],
        "SELECT home_url, home_warc_path, home_warc_offset FROM discoveries"
        " WHERE home_warc_path IS NOT NULL UNION"
        " SELECT page_url, warc_path, warc_offset FROM discoveries WHERE warc_path IS NOT NULL",
    )
    assert len(rows) > 150
    for url, path, offset in rows[:: max(len(rows) // 20, 1)]:
        with (discovered["db"].parent / path).open("rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)))
        assert record.rec_headers.get_header("WARC-Target-URI") == url


def test_the_policies_found_become_targets_with_every_url(discovered):
    rows = query(discovered["db"], "SELECT site, policy_url, source FROM targets ORDER BY site")
    earliest = {}
    for period in EXPECTED["home_pages"]:
        if period["policy_url"] and period["domain"] not in earliest:
            earliest[period["domain"]] = period["policy_url"]
    assert {site: surt_key(url) for site, url, _ in rows} == {
        site: surt_key(url) for site, url in earliest.items()
    }
    assert all(source.startswith("discovered on ") for _, _, source in rows)
    linked = {
        (p["domain"], surt_key(p["policy_url"])) for p in EXPECTED["home_pages"] if p["policy_url"]
    }
    urls = set(query(discovered["db"], "SELECT site, urlkey FROM target_urls"))
    assert linked <= urls


def test_a_second_run_does_nothing_already_done(discovered):
    again = discovered["again"]
    assert again.returncode == 0, again.stderr[-3000:]
    (cdx, replays), *_ = query(
        discovered["db"],
        "SELECT cdx_requests, replay_requests FROM crawl_runs ORDER BY run_id LIMIT 1 OFFSET 1",
    )
    assert (cdx, replays) == (0, 0)
    runs = query(discovered["db"], "SELECT DISTINCT run_id FROM discoveries")
    assert runs == [(1,)]


def test_crawling_what_was_found_gives_the_sample_corpus(discovered):
    """The discovered targets crawl to the same captures and versions as the hand-written
    targets of the demo (data/targets.sample.csv)."""
    crawl = discovered["crawl"]
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    totals = query(
        discovered["db"],
        "SELECT count(*), count(*) FILTER (fetch_status = 'fetched') FROM captures",
    )
    assert totals == [(75, 60)]
    versions = {
        site: n
        for site, n in query(discovered["db"], "SELECT site, count(*) FROM versions GROUP BY site")
    }
    assert versions == {site["site"]: len(site["versions"]) for site in EXPECTED["sites"]}


# ---- the cases a link can lead to, on a small archive --------------------------------------


def _page(name: str) -> bytes:
    return (KINDS / name).read_bytes()


HTML = (("Content-Type", "text/html; charset=utf-8"),)


def _home(links: str) -> bytes:
    return (
        "<html><head><title>Welcome</title></head><body><h1>Welcome to our shop</h1>"
        "<p>Fresh goods delivered every week.</p>"
        f"<div id='footer'>{links}</div></body></html>"
    ).encode()


def _cases() -> list[CaptureSpec]:
    privacy = _page("privacy/copperkettlenews--en-2019-privacy-notice.html")
    terms = _page("terms/bluefinhealth--en-2013-website-terms-of-use.html")
    return [
        # a link whose page moved: its capture is a redirect to the policy's new address
        CaptureSpec(
            "http://moved.example/",
            "20150301000000",
            headers=HTML,
            body=_home("<a href='/privacy'>Privacy</a>"),
        ),
        CaptureSpec(
            "http://moved.example/privacy",
            "20150302000000",
            status=301,
            headers=(("Location", "http://moved.example/legal/privacy"),),
        ),
        CaptureSpec(
            "http://moved.example/legal/privacy", "20150303000000", headers=HTML, body=privacy
        ),
        # the first candidate is no policy (mislabelled terms): the second is tried
        CaptureSpec(
            "http://second.example/",
            "20150301000000",
            headers=HTML,
            body=_home(
                "<a href='/terms.html'>Privacy Policy</a> <a href='/notice.html'>Privacy Notice</a>"
            ),
        ),
        CaptureSpec("http://second.example/terms.html", "20150302000000", headers=HTML, body=terms),
        CaptureSpec(
            "http://second.example/notice.html", "20150302000000", headers=HTML, body=privacy
        ),
        # the capture nearest the home page is a 404; the next one, weeks later, the policy
        CaptureSpec(
            "http://gap.example/",
            "20150301000000",
            headers=HTML,
            body=_home("<a href='/privacy.html'>Privacy</a>"),
        ),
        CaptureSpec(
            "http://gap.example/privacy.html",
            "20150302000000",
            status=404,
            headers=HTML,
            body=b"<html><body>Not found</body></html>",
        ),
        CaptureSpec(
            "http://gap.example/privacy.html", "20150410000000", headers=HTML, body=privacy
        ),
        # a one-page site: the home page is the policy
        CaptureSpec("http://inline.example/", "20150301000000", headers=HTML, body=privacy),
        # the linked page was captured only four years later: not the page linked then
        CaptureSpec(
            "http://far.example/",
            "20150301000000",
            headers=HTML,
            body=_home("<a href='/privacy'>Privacy</a>"),
        ),
        CaptureSpec("http://far.example/privacy", "20190601000000", headers=HTML, body=privacy),
        # the linked page redirects to itself under https; its page was captured a minute on
        CaptureSpec(
            "http://self.example/",
            "20150301000000",
            headers=HTML,
            body=_home("<a href='/privacy'>Privacy</a>"),
        ),
        CaptureSpec(
            "http://self.example/privacy",
            "20150302000000",
            status=301,
            headers=(("Location", "https://self.example/privacy"),),
        ),
        CaptureSpec("https://self.example/privacy", "20150302000100", headers=HTML, body=privacy),
        # the home page redirects to https://www. and its page follows a minute later: the
        # listing's one row a day holds only the redirect
        CaptureSpec(
            "http://hop.example/",
            "20150401000000",
            status=301,
            headers=(("Location", "https://www.hop.example/"),),
        ),
        CaptureSpec(
            "https://www.hop.example/",
            "20150401000100",
            headers=HTML,
            body=_home("<a href='/privacy.html'>Privacy</a>"),
        ),
        CaptureSpec(
            "https://www.hop.example/privacy.html", "20150401000200", headers=HTML, body=privacy
        ),
        # the capture nearest the period's middle is a revisit of a redirect; the page is next
        CaptureSpec(
            "http://rv.example/",
            "20150301000000",
            status=301,
            headers=(("Location", "https://rv.example/"),),
        ),
        CaptureSpec(
            "http://rv.example/",
            "20150401000000",
            kind="revisit",
            status=301,
            headers=(("Location", "https://rv.example/"),),
            refers_to_timestamp="20150301000000",
        ),
        CaptureSpec(
            "https://rv.example/",
            "20150403000000",
            headers=HTML,
            body=_home("<a href='/p.html'>Privacy Policy</a>"),
        ),
        CaptureSpec("https://rv.example/p.html", "20150403000100", headers=HTML, body=privacy),
        # a chain of redirects, a second apart, before the page
        CaptureSpec(
            "http://chain.example/",
            "20150401000000",
            status=301,
            headers=(("Location", "http://www.chain.example/"),),
        ),
        CaptureSpec(
            "http://www.chain.example/",
            "20150401000001",
            status=301,
            headers=(("Location", "https://www.chain.example/"),),
        ),
        CaptureSpec(
            "https://www.chain.example/",
            "20150401000002",
            headers=HTML,
            body=_home("<a href='/privacy'>Privacy</a>"),
        ),
        CaptureSpec(
            "https://www.chain.example/privacy", "20150401000003", headers=HTML, body=privacy
        ),
        # the day's first capture an error, its page a minute on
        CaptureSpec(
            "http://busy.example/",
            "20150401000000",
            status=503,
            headers=HTML,
            body=b"<html><body>Service unavailable</body></html>",
        ),
        CaptureSpec(
            "http://busy.example/",
            "20150401000100",
            headers=HTML,
            body=_home("<a href='/privacy'>Privacy</a>"),
        ),
        CaptureSpec("http://busy.example/privacy", "20150401000200", headers=HTML, body=privacy),
    ]


EXPECTED_CASES = {
    "moved.example": ("found", "http://moved.example/privacy"),
    "second.example": ("found", "http://second.example/notice.html"),
    "gap.example": ("found", "http://gap.example/privacy.html"),
    "inline.example": ("inline", "http://inline.example/"),
    "far.example": ("not found", None),
    "self.example": ("found", "http://self.example/privacy"),
    "hop.example": ("found", "https://www.hop.example/privacy.html"),
    "rv.example": ("found", "https://rv.example/p.html"),
    "chain.example": ("found", "https://www.chain.example/privacy"),
    "busy.example": ("found", "http://busy.example/privacy"),
}


def test_moves_wrong_links_gaps_and_one_page_sites(archive_factory, tmp_path):
    archive = archive_factory(_cases())
    domains = tmp_path / "domains.txt"
    domains.write_text("\n".join(EXPECTED_CASES) + "\n", encoding="utf-8")
    db = tmp_path / "cases.duckdb"
    args = ("discover", str(domains), "--db", str(db), "--archive", archive.base_url, "--local")
    result = run_cli(*args, "--from", "2015", "--to", "2015-06", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    found = {
        domain: (status, url)
        for domain, status, url in query(
            db, "SELECT domain, status, policy_url FROM discovered_policies"
        )
    }
    assert found == EXPECTED_CASES
    tried = query(
        db,
        "SELECT candidate_url, page_kind, accepted FROM discoveries"
        " WHERE domain = 'second.example' AND tried ORDER BY rank",
    )
    assert tried == [
        ("http://second.example/terms.html", "terms", False),
        ("http://second.example/notice.html", "privacy", True),
    ]
    aliases = query(db, "SELECT url FROM target_urls WHERE site = 'moved.example' ORDER BY url")
    assert aliases == [("http://moved.example/legal/privacy",), ("http://moved.example/privacy",)]
    (far,) = query(db, "SELECT candidate_reason FROM discoveries WHERE domain = 'far.example'")
    assert "days from the home page" in far[0]


def test_a_window_inside_a_period_still_does_the_whole_period(archive_factory, tmp_path):
    """--from and --to name the periods holding them: a period is never done in part (and
    then skipped by later runs as done)."""
    archive = archive_factory(_cases())
    domains = tmp_path / "domains.txt"
    domains.write_text("hop.example\nmoved.example\n", encoding="utf-8")
    db = tmp_path / "window.duckdb"
    args = ("discover", str(domains), "--db", str(db), "--archive", archive.base_url, "--local")
    result = run_cli(*args, "--from", "2015-05-20", "--to", "2015-05-21", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    found = query(db, "SELECT domain, period_start, status FROM discovered_policies ORDER BY 1")
    assert [(domain, str(start), status) for domain, start, status in found] == [
        ("hop.example", "2015-01-01", "found"),
        ("moved.example", "2015-01-01", "found"),
    ]


def test_a_failed_run_is_finished_by_the_next(archive_factory, tmp_path):
    """Replays that fail leave their periods `failed` (exit 1), kept out of the targets; the
    next run does those periods, and only those."""
    cases = _cases()
    broken = archive_factory(
        cases, ArchiveOptions(faults=FaultConfig(error_rate=1.0, endpoints=frozenset({"replay"})))
    )
    domains = tmp_path / "domains.txt"
    domains.write_text("moved.example\ninline.example\n", encoding="utf-8")
    db = tmp_path / "retry.duckdb"
    window = ("--from", "2014", "--to", "2015-06")
    args = ("discover", str(domains), "--db", str(db), "--local", *window)
    failed = run_cli(*args, "--archive", broken.base_url, cwd=tmp_path)
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert "failed" in failed.stderr
    statuses = query(
        db, "SELECT domain, period_start, status FROM discovered_policies ORDER BY ALL"
    )
    assert [status for *_, status in statuses] == ["no home page", "no home page", "failed"] * 2
    assert query(db, "SELECT count(*) FROM targets") == [(0,)]
    healthy = archive_factory(cases)
    done = run_cli(*args, "--archive", healthy.base_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    after = query(db, "SELECT domain, status, run_id FROM discovered_policies ORDER BY ALL")
    assert [(domain, status) for domain, status, _ in after if status != "no home page"] == [
        ("inline.example", "inline"),
        ("moved.example", "found"),
    ]
    # the empty periods of the first run stay as it recorded them
    assert sorted({run for _, status, run in after if status == "no home page"}) == [1]


def test_bad_domains_file_is_one_line_and_no_database(tmp_path):
    bad = tmp_path / "domains.txt"
    bad.write_text("not a domain at all\n", encoding="utf-8")
    result = run_cli("discover", str(bad), "--db", str(tmp_path / "x.duckdb"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("policytrail: error: ") and "Traceback" not in result.stderr
    assert not (tmp_path / "x.duckdb").exists()
    nothing = run_cli("crawl", "--discovered", "--db", str(tmp_path / "y.duckdb"), cwd=tmp_path)
    assert nothing.returncode == 2 and "policytrail discover" in nothing.stderr
    good = tmp_path / "good.txt"
    good.write_text("example.com\n", encoding="utf-8")
    for window in (("--to", "1995"), ("--from", "0999"), ("--from", "2010", "--to", "2009")):
        refused = run_cli(
            "discover", str(good), "--db", str(tmp_path / "z.duckdb"), *window, cwd=tmp_path
        )
        assert refused.returncode == 2, (window, refused.stderr[-2000:])
        assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert not (tmp_path / "z.duckdb").exists()
