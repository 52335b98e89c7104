"""The file exports (md, txt, git): layout, provenance headers, safe names, history, raw bytes."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest
from conftest import needs_shared
from warcio.archiveiterator import ArchiveIterator

from crawler.exceptions import BadInputError
from pipelines.export.documents import markdown_document, text_document, write_documents
from pipelines.export.gitrepo import html_document, write_git
from pipelines.export.provenance import (
    SAFE_NAME_MAX,
    corpus_folder,
    html_header,
    markdown_header,
    safe_name,
    target_slug,
    text_header,
)
from pipelines.export.raw import RawPayloads, raw_payload
from pipelines.export.records import ExportVersion
from pipelines.reading import main_target

COLUMNS = (
    "version_id", "site", "target_url", "version", "first_seen", "last_seen", "next_seen",
    "n_captures", "effective_date", "effective_date_text", "title", "language", "n_words",
    "text", "markdown", "original_url", "memento_url", "extractor", "extractor_version",
    "text_hash",
)  # fmt: skip
NASTY_SITES = (
    "../evil",
    "/etc/passwd",
    "a/b",
    "a\\b",
    "nul\x00byte.example",
    "line\nbreak.example",
    "",
    "x" * 300,
    "..",
    ".hidden",
    "-rf",
    "C:\\Windows",
    "nul.example",
    "münchen.example",
)
WE_ENERGIES = "https://web.archive.org/web/20190720000000id_/http://www.we-energies.com/home/privacy_policy.htm"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def read_versions(db: Path) -> list[ExportVersion]:
    """Every version of the database as export records (captured_at = first_seen), grouped by
    site as the export reads them."""
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute(
            f"SELECT {', '.join(COLUMNS)} FROM policy_versions ORDER BY site, target_url, version"
        ).fetchall()
    return [
        ExportVersion(**dict(zip(COLUMNS, row, strict=True)), captured_at=row[4]) for row in rows
    ]


@pytest.fixture(scope="module")
def sample_versions(sample_db: Path) -> list[ExportVersion]:
    return read_versions(sample_db)


def made_up(site: str, target_url: str, moment: datetime, version: int = 1) -> ExportVersion:
    text = f"{site} keeps your data.\n\nVersion {version}."
    return ExportVersion(
        version_id=f"{version:016d}",
        site=site,
        target_url=target_url,
        version=version,
        first_seen=moment,
        last_seen=moment,
        next_seen=None,
        n_captures=1,
        effective_date=None,
        effective_date_text=None,
        title=None,
        language="en",
        n_words=len(text.split()),
        text=text,
        markdown=f"# Privacy\n\n{text}",
        captured_at=moment,
        original_url=target_url,
        memento_url=f"https://web.archive.org/web/{moment:%Y%m%d%H%M%S}id_/{target_url}",
        extractor="test",
        extractor_version="0",
        text_hash=f"hash-{version}",
    )


def files_under(out: Path) -> list[Path]:
    return sorted(
        path.relative_to(out)
        for path in out.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(out).parts
    )


def assert_inside(out: Path, relative: Path) -> None:
    assert (out / relative).resolve().is_relative_to(out.resolve()), relative


def git(repository: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repository), *args], capture_output=True, check=True
    ).stdout


def warc_payload(db: Path, version: ExportVersion) -> bytes:
    """The capture's payload found by walking the WARCs with warcio (not by stored offsets)."""
    wanted = f"{version.captured_at:%Y-%m-%dT%H:%M:%S}"
    for warc in sorted((db.parent / "demo-warcs").glob("*.warc.gz")):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if (
                    record.rec_type == "response"
                    and record.rec_headers.get_header("WARC-Target-URI") == version.original_url
                    and record.rec_headers.get_header("WARC-Date").startswith(wanted)
                ):
                    return record.content_stream().read()
    raise AssertionError(f"no WARC record of {version.original_url} at {wanted}")


# --- names and folders ---


@pytest.mark.parametrize(
    ("site", "name", "folder"),
    [
        ("we-energies.com", "we-energies.com", "w/we/we-"),
        ("Example.COM", "example.com", "e/ex/exa"),
        ("  spaced.example ", "spaced.example", "s/sp/spa"),
        ("münchen.example", "xn--mnchen-3ya.example", "x/xn/xn-"),
        ("t.co", "t.co", "t/t_/t_c"),
        ("x", "x", "x/x_/x__"),
    ],
)
def test_ordinary_names_keep_the_domain(site, name, folder):
    assert safe_name(site) == name
    assert str(corpus_folder(site)) == folder


@pytest.mark.parametrize("site", NASTY_SITES)
def test_safe_names_stay_one_plain_file_name(site):
    name = safe_name(site)
    assert re.fullmatch(r"[a-z0-9_][a-z0-9._-]*", name), name
    assert ".." not in name and not name.endswith((".", "-"))
    assert 0 < len(name) <= SAFE_NAME_MAX
    assert all(part not in ("", ".", "..") for part in corpus_folder(site).parts)
    assert not corpus_folder(site).is_absolute()


def test_names_made_equal_by_cleaning_stay_apart():
    assert len({safe_name(site) for site in ("a/b", "a_b", "a\\b", "a\x00b")}) == 4
    assert safe_name("x" * 300) != safe_name("x" * 299)
    assert safe_name("nul.example").startswith("nul_.example-")


def test_target_slugs_are_safe_and_tell_targets_apart():
    cookies = target_slug("http://www.lumenbank.example/legal/Cookies.html?lang=en")
    assert re.fullmatch(r"legal-cookies-html-lang-en-[0-9a-f]{8}", cookies)
    assert re.fullmatch(r"[0-9a-f]{8}", target_slug("http://lumenbank.example/"))
    assert target_slug("http://a.example/p") != target_slug("http://b.example/p")
    assert target_slug("http://a.example/P") != target_slug("http://a.example/p")
    assert target_slug("http://a.example/../../etc") == target_slug("http://a.example/../../etc")
    assert "/" not in target_slug("http://a.example/../../etc/passwd")


def test_the_main_target_is_the_privacy_policy_or_the_first():
    targets = ["http://a.example/terms", "http://a.example/privacy", "http://a.example/cookies"]
    assert main_target(targets) == "http://a.example/privacy"
    assert main_target(reversed(targets)) == "http://a.example/privacy"
    assert main_target(["http://a.example/z", "http://a.example/b"]) == "http://a.example/b"


# --- headers ---


def test_markdown_header_is_the_reference_form():
    assert markdown_header("we-energies.com", date(2019, 7, 20), WE_ENERGIES) == (
        "> *The following text is extracted and transformed from the we-energies.com privacy"
        " policy that was archived on 2019-07-20. Please check the [original snapshot on the"
        " Wayback Machine](https://web.archive.org/web/20190720000000id_/http%3A//www.we-energies"
        ".com/home/privacy_policy.htm) for the most accurate reproduction.*"
    )


def test_text_header_is_the_same_sentence_plain():
    assert text_header("we-energies.com", date(2019, 7, 20)) == (
        "The following text is extracted and transformed from the we-energies.com privacy policy"
        " that was archived on 2019-07-20. Please check the original snapshot on the Wayback"
        " Machine for the most accurate reproduction."
    )


def test_a_header_without_a_snapshot_address_has_no_link():
    header = markdown_header("we-energies.com", date(2019, 7, 20), None)
    assert "](" not in header and "[" not in header
    assert header == f"> *{text_header('we-energies.com', date(2019, 7, 20))}*"
    assert "(" not in html_header("we-energies.com", date(2019, 7, 20), None)


def test_headers_stay_one_line_whatever_the_site_holds():
    site = "evil\n> # heading *bold* [link](x) -->"
    for header in (
        markdown_header(site, date(2020, 1, 2), "https://web.archive.org/web/1id_/http://x/(a)"),
        text_header(site, date(2020, 1, 2)),
        html_header(site, date(2020, 1, 2), "https://web.archive.org/web/1id_/http://x/-->"),
    ):
        assert "\n" not in header
    assert "-->" not in html_header(site, date(2020, 1, 2), None)[:-3]
    link = markdown_header("x", date(2020, 1, 2), "https://web.archive.org/web/1id_/http://x/(a)")
    assert "http%3A//x/%28a%29)" in link


def test_headers_match_the_reference_corpus_files():
    root = needs_shared("princeton-leuven")
    form = re.compile(
        r"> \*The following text .* from the (?P<site>\S+) privacy policy that was archived on"
        r" (?P<day>[\d-]+)\. Please check the \[.*\]\((?P<link>[^)]+)\) for the most accurate"
        r" reproduction\.\*"
    )
    checked = 0
    for markdown_file in sorted(root.rglob("*.md")):
        first_line = markdown_file.read_text(encoding="utf-8").split("\n", 1)[0]
        found = form.fullmatch(first_line)
        assert found, first_line
        archive, _, original = found["link"].partition("id_/")
        memento = f"{archive}id_/{unquote(original)}"
        day = date.fromisoformat(found["day"])
        assert markdown_header(found["site"], day, memento) == first_line
        # the reference breaks its HTML comment over two lines; ours is the same on one
        comment = markdown_file.with_suffix(".html").read_text("utf-8", "replace")
        comment = comment.split("-->", 1)[0].replace("\n", "") + "-->"
        assert html_header(found["site"], day, memento) == comment
        checked += 1
    assert checked >= 10


# --- md and txt ---


def test_markdown_files_one_per_version(sample_versions, tmp_path):
    written = write_documents(sample_versions, tmp_path, "md")
    assert len(written) == 15
    assert Path("l/lu/lum/lumenbank.example/2004-02-14.md") in written
    assert Path("k/ke/ket/kettleworks.example/2021-08-09.md") in written
    assert sorted(written) == files_under(tmp_path)
    for version in sample_versions:
        day = version.first_seen.date().isoformat()
        folder = corpus_folder(version.site) / version.site
        content = (tmp_path / folder / f"{day}.md").read_text(encoding="utf-8")
        header = markdown_header(version.site, version.archived_on, version.memento_url)
        assert content == f"{header}\n\n{version.markdown.rstrip(chr(10))}\n"


def test_text_files_start_with_the_plain_header(sample_versions, tmp_path):
    written = write_documents(sample_versions, tmp_path, "txt")
    assert len(written) == 15 and all(path.suffix == ".txt" for path in written)
    version = sample_versions[0]
    path = tmp_path / f"k/ke/ket/kettleworks.example/{version.first_seen.date()}.txt"
    first, blank, rest = path.read_text(encoding="utf-8").split("\n", 2)
    assert first == text_header("kettleworks.example", version.archived_on)
    assert blank == ""
    assert rest == version.text.rstrip("\n") + "\n"


def test_markdown_falls_back_to_the_text():
    version = dataclasses.replace(
        made_up("a.example", "http://a.example/privacy", datetime(2010, 1, 1)), markdown=None
    )
    assert markdown_document(version).endswith("\n\n" + version.text + "\n")
    assert text_document(version).split("\n", 1)[0].startswith("The following text")


def test_versions_sharing_a_day_get_numbered(tmp_path):
    target = "http://a.example/privacy"
    morning, evening = datetime(2015, 3, 1, 8), datetime(2015, 3, 1, 20)
    versions = [
        made_up("a.example", target, evening, version=2),
        made_up("a.example", target, morning, version=1),
        made_up("a.example", target, datetime(2015, 3, 2), version=3),
    ]
    written = write_documents(versions, tmp_path, "md")
    folder = Path("a/a_/a_e/a.example")
    assert sorted(written) == [
        folder / "2015-03-01.md",
        folder / "2015-03-01_2.md",
        folder / "2015-03-02.md",
    ]
    assert "Version 1." in (tmp_path / folder / "2015-03-01.md").read_text()
    assert "Version 2." in (tmp_path / folder / "2015-03-01_2.md").read_text()


def test_sampled_versions_are_named_after_their_capture(tmp_path):
    version = made_up("a.example", "http://a.example/privacy", datetime(2015, 3, 1))
    sampled = dataclasses.replace(
        version, captured_at=datetime(2016, 7, 2, 5), sampled_at=datetime(2016, 7, 1)
    )
    assert write_documents([version, sampled], tmp_path, "txt") == [
        Path("a/a_/a_e/a.example/2015-03-01.txt"),
        Path("a/a_/a_e/a.example/2016-07-02.txt"),
    ]
    assert "archived on 2016-07-02" in (tmp_path / "a/a_/a_e/a.example/2016-07-02.txt").read_text()


def several_targets() -> list[ExportVersion]:
    site, moment = "lumenbank.example", datetime(2012, 5, 6, 7)
    return [
        made_up(site, "http://www.lumenbank.example/cookies.html", moment, 1),
        made_up(site, "http://www.lumenbank.example/privacy.html", moment, 1),
        made_up(site, "http://www.lumenbank.example/privacy.html", moment + timedelta(days=40), 2),
    ]


def test_a_sites_other_targets_get_folders_of_their_own(tmp_path):
    written = write_documents(several_targets(), tmp_path, "md")
    slug = target_slug("http://www.lumenbank.example/cookies.html")
    assert sorted(written) == [
        Path("l/lu/lum/lumenbank.example/2012-05-06.md"),
        Path("l/lu/lum/lumenbank.example/2012-06-15.md"),
        Path(f"l/lu/lum/lumenbank.example--{slug}/2012-05-06.md"),
    ]
    assert slug.startswith("cookies-html-")


@pytest.mark.parametrize("suffix", ["md", "txt"])
def test_nasty_site_names_never_leave_the_folder(tmp_path, suffix):
    out = tmp_path / "out"
    versions = [
        made_up(site, f"http://{site}/privacy", datetime(2011, 1, 1) + timedelta(days=number))
        for number, site in enumerate(NASTY_SITES)
    ]
    written = write_documents(versions, out, suffix)
    assert len(written) == len(NASTY_SITES)
    for relative in written:
        assert_inside(out, relative)
    assert sorted(written) == files_under(out)
    assert list(tmp_path.iterdir()) == [out]


def test_sites_whose_names_collide_are_refused(tmp_path):
    moment = datetime(2011, 1, 1)
    versions = [
        made_up("Example.com", "http://example.com/privacy", moment),
        made_up("example.com", "http://example.com/privacy", moment),
    ]
    with pytest.raises(BadInputError, match="same file name"):
        write_documents(versions, tmp_path, "md")


def test_versions_not_grouped_by_site_are_refused(tmp_path):
    moment = datetime(2011, 1, 1)
    versions = [
        made_up("a.example", "http://a.example/privacy", moment),
        made_up("b.example", "http://b.example/privacy", moment),
        made_up("a.example", "http://a.example/privacy", moment, version=2),
    ]
    with pytest.raises(BadInputError, match="grouped by site"):
        write_documents(versions, tmp_path, "md")
    with pytest.raises(BadInputError, match="no document format"):
        write_documents(versions, tmp_path, "html")


# --- raw payloads ---


def test_raw_payload_is_the_warc_payload(sample_db, sample_versions):
    with duckdb.connect(str(sample_db), read_only=True) as connection:
        payloads = RawPayloads(connection, sample_db.parent)
        for version in sample_versions:
            expected = warc_payload(sample_db, version)
            assert raw_payload(connection, sample_db.parent, version) == expected
            assert payloads(version) == expected
        payloads.close()


def test_a_duplicate_capture_is_read_from_the_fetched_copy(sample_db_copy):
    with duckdb.connect(str(sample_db_copy)) as connection:
        # the crawler copies the fetched record's place onto the skipped row: forget it here,
        # so only the digest leads to the record
        connection.execute(
            "UPDATE captures SET warc_path = NULL, warc_offset = NULL"
            " WHERE reason_code = 'duplicate'"
        )
        site, moment, text_hash, digest = connection.execute(
            "SELECT site, timestamp, text_hash, digest FROM captures"
            " WHERE reason_code = 'duplicate' ORDER BY site, timestamp LIMIT 1"
        ).fetchone()
        fetched_at, url = connection.execute(
            "SELECT timestamp, url FROM captures WHERE digest = ? AND fetch_status = 'fetched'",
            [digest],
        ).fetchone()
    version = next(v for v in read_versions(sample_db_copy) if v.site == site)
    skipped = dataclasses.replace(version, captured_at=moment, text_hash=text_hash)
    fetched = dataclasses.replace(skipped, captured_at=fetched_at, original_url=url)
    expected = warc_payload(sample_db_copy, fetched)
    with duckdb.connect(str(sample_db_copy), read_only=True) as connection:
        assert raw_payload(connection, sample_db_copy.parent, skipped) == expected
        assert RawPayloads(connection, sample_db_copy.parent)(skipped) == expected
        unknown = dataclasses.replace(skipped, captured_at=moment + timedelta(seconds=1))
        assert raw_payload(connection, sample_db_copy.parent, unknown) is None
        assert RawPayloads(connection, sample_db_copy.parent)(unknown) is None


# --- git ---


@pytest.fixture(scope="module")
def sample_repository(sample_db, sample_versions, tmp_path_factory) -> tuple[Path, list[Path]]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    out = tmp_path_factory.mktemp("git-export") / "corpus"
    with duckdb.connect(str(sample_db), read_only=True) as connection:
        files = write_git(sample_versions, out, RawPayloads(connection, sample_db.parent))
    return out, files


def test_git_history_follows_capture_time(sample_repository, sample_versions):
    out, files = sample_repository
    assert files == sorted(
        Path(f"{corpus_folder(site)}/{site}{suffix}")
        for site in {version.site for version in sample_versions}
        for suffix in (".md", ".html")
    )
    dates = git(out, "log", "--reverse", "--format=%ad", "--date=iso-strict").decode().split()
    assert len(dates) == 15
    assert dates == sorted(dates)
    for site in {version.site for version in sample_versions}:
        path = f"{corpus_folder(site)}/{site}.md"
        logged = git(out, "log", "--format=%ad", "--date=iso-strict", "--", path).decode().split()
        expected = sorted(
            (f"{v.captured_at.isoformat()}+00:00" for v in sample_versions if v.site == site),
            reverse=True,
        )
        assert logged == expected
    identity = git(out, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%cd", "--date=iso-strict")
    assert identity.decode().startswith("policytrail <policytrail@localhost>|policytrail <")
    assert git(out, "rev-parse", "--abbrev-ref", "HEAD").decode().strip() == "main"


def test_git_commits_hold_what_the_writer_meant(sample_db, sample_repository, sample_versions):
    out, _ = sample_repository
    commits = git(out, "log", "--reverse", "--format=%H %ad %s", "--date=unix").decode()
    ordered = sorted(sample_versions, key=lambda v: (v.captured_at, v.site))
    pdfs = 0
    for line, version in zip(commits.splitlines(), ordered, strict=True):
        commit, _, subject = line.split(" ", 2)
        assert subject == (
            f"{version.site}: version {version.version}, archived {version.archived_on}"
        )
        stem = f"{corpus_folder(version.site)}/{version.site}"
        markdown = git(out, "show", f"{commit}:{stem}.md")
        assert markdown == markdown_document(version).encode("utf-8")
        html = git(out, "show", f"{commit}:{stem}.html")
        if warc_payload(sample_db, version).startswith(b"%PDF-"):
            # a PDF is no HTML source: the comment alone says where its text is
            pdfs += 1
            assert html == html_document(version, warc_payload(sample_db, version))
            assert b"is a PDF, not HTML" in html and html.endswith(b"-->\n")
            continue
        first_line, blank, payload = html.split(b"\n", 2)
        assert first_line.decode("ascii").startswith("<!--") and first_line.endswith(b"-->")
        assert first_line.decode("ascii") == html_header(
            version.site, version.archived_on, version.memento_url
        )
        assert "web/" in first_line.decode() and "id_/" in first_line.decode()
        assert blank == b""
        assert payload == warc_payload(sample_db, version)
    assert pdfs == 1  # northwind-health's policy of 2013
    body = git(out, "log", "-1", "--format=%b").decode()
    assert "Snapshot: " in body and "Version id: " in body
    # the work tree is left at the last commit
    last = ordered[-1]
    stem = out / corpus_folder(last.site) / last.site
    assert (stem.with_name(f"{last.site}.md")).read_bytes() == markdown_document(last).encode()
    assert git(out, "status", "--porcelain") == b""


def test_git_keeps_any_bytes_and_says_when_none_are_stored(tmp_path):
    odd = b"\xff\xfe<\x00h\x00>\r\n\x00binary\r\nlatin \xe9\n"
    versions = [
        made_up("a.example", "http://a.example/privacy", datetime(2012, 1, 1), 1),
        made_up("a.example", "http://a.example/privacy", datetime(2013, 1, 1), 2),
    ]
    payloads = {1: odd, 2: None}
    out = tmp_path / "corpus"
    write_git(versions, out, lambda version: payloads[version.version])
    first = git(out, "show", "HEAD~1:a/a_/a_e/a.example.html")
    assert first == html_document(versions[0], odd) and first.endswith(odd)
    # no stored capture: the .html says so in a comment alone, so .md and .html stay a pair
    missing = (out / "a/a_/a_e/a.example.html").read_bytes()
    assert missing == html_document(versions[1], None)
    assert missing.startswith(b"<!--") and missing.endswith(b"-->\n")
    assert b"is not stored in this corpus" in missing


@needs_git
def test_git_ignores_the_users_configuration(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[commit]\n\tgpgsign = true\n[core]\n\tautocrlf = true\n"
        "[init]\n\tdefaultBranch = trunk\n[user]\n\tname = Someone Else\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Someone Else")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    version = made_up("a.example", "http://a.example/privacy", datetime(2012, 1, 1))
    out = tmp_path / "corpus"
    write_git([version], out, lambda _: b"line\r\n")
    monkeypatch.delenv("GIT_DIR")
    when = int(version.captured_at.replace(tzinfo=UTC).timestamp())
    assert git(out, "log", "--format=%an %ad", "--date=unix").decode().strip() == (
        f"policytrail {when}"
    )
    assert git(out, "rev-parse", "--abbrev-ref", "HEAD").decode().strip() == "main"
    assert (out / "a/a_/a_e/a.example.html").read_bytes().endswith(b"line\r\n")


@needs_git
def test_git_several_targets_and_nasty_names(tmp_path):
    versions = sorted(
        several_targets()
        + [
            made_up(site, f"http://{site}/privacy", datetime(2011, 1, 1) + timedelta(days=n))
            for n, site in enumerate(NASTY_SITES)
        ],
        key=lambda version: version.site,
    )
    out = tmp_path / "corpus"
    files = write_git(versions, out, lambda version: b"<p>" + version.text.encode() + b"</p>")
    slug = target_slug("http://www.lumenbank.example/cookies.html")
    assert Path("l/lu/lum/lumenbank.example.md") in files
    assert Path(f"l/lu/lum/lumenbank.example--{slug}.html") in files
    assert len(files) == 2 * (len(NASTY_SITES) + 2)
    for relative in files:
        assert_inside(out, relative)
    assert files == files_under(out)
    subjects = git(out, "log", "--format=%s").decode()
    assert "lumenbank.example (http://www.lumenbank.example/cookies.html): version 1" in subjects
    assert len(subjects.splitlines()) == len(versions)


@needs_git
def test_git_commits_a_sampled_version_once_per_capture(tmp_path):
    """Sampling instants whose nearest capture is one make one commit: the next would change
    no file (an empty commit)."""
    first = made_up("a.example", "http://a.example/privacy", datetime(2012, 1, 1), 1)
    again = replace(first, sampled_at=datetime(2012, 10, 1))
    later = replace(first, sampled_at=datetime(2013, 4, 1), captured_at=datetime(2013, 3, 1))
    out = tmp_path / "corpus"
    write_git([replace(first, sampled_at=datetime(2012, 4, 1)), again, later], out, lambda v: None)
    subjects = git(out, "log", "--format=%s").decode().splitlines()
    assert len(subjects) == 2
    changed = git(out, "log", "--format=", "--name-only").decode().split()
    assert changed.count("a/a_/a_e/a.example.md") == 2  # each commit changes the files


@needs_git
def test_git_wants_a_new_folder(tmp_path):
    (tmp_path / "something").write_text("here")
    with pytest.raises(BadInputError, match="empty folder"):
        write_git([], tmp_path, lambda _: None)
    assert write_git([], tmp_path / "empty", lambda _: None) == []
