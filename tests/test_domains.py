"""Reading a study's list of domains for `policytrail discover`."""

from __future__ import annotations

import pytest

from crawler.domains import load_domains
from crawler.exceptions import BadInputError


def write(tmp_path, text: str, name: str = "domains.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def names(path) -> list[str]:
    return [domain.name for domain in load_domains(path)]


def test_plain_lists_take_domains_and_urls_and_drop_www_duplicates_and_comments(tmp_path):
    path = write(
        tmp_path,
        "# a study\nexample.com\nhttps://www.Lakeside.example/about\n\nwww.example.com\n"
        "bücher.example\n",
    )
    assert names(path) == ["example.com", "lakeside.example", "xn--bcher-kva.example"]
    assert load_domains(path)[1].source == f"{path}:3"
    assert load_domains(path)[0].home_page == "http://example.com/"


def test_ranked_lists_keep_their_ranks(tmp_path):
    path = write(tmp_path, "1,google.com\n2,youtube.com\n3,www.google.com\n", "top.csv")
    assert [(d.name, d.rank) for d in load_domains(path)] == [("google.com", 1), ("youtube.com", 2)]


def test_a_csv_may_follow_comments_and_hold_the_domain_column_alone(tmp_path):
    path = write(tmp_path, "# a study\n\nrank,domain\n1,bank.example\n", "ranked.csv")
    assert [(d.name, d.rank, d.source) for d in load_domains(path)] == [
        ("bank.example", 1, f"{path}:4")
    ]
    alone = write(tmp_path, "domain\nbank.example\nshop.example\n", "alone.csv")
    assert names(alone) == ["bank.example", "shop.example"]


def test_a_csv_needs_a_domain_column_and_may_rank(tmp_path):
    path = write(tmp_path, "rank,domain,sector\n5,bank.example,finance\n9,shop.example,retail\n")
    assert [(d.name, d.rank) for d in load_domains(path)] == [
        ("bank.example", 5),
        ("shop.example", 9),
    ]
    missing = write(tmp_path, "site,sector\nbank.example,finance\n", "bad.csv")
    with pytest.raises(BadInputError, match=r"bad\.csv:1: no domain column"):
        load_domains(missing)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("example.com\nnot a domain\n", r":2: not a domain: 'not a domain'"),
        ("localhost\n", r":1: not a domain"),
        ("127.0.0.1\n", r":1: not a domain"),
        ("http://[::1\n", r":1: not a domain"),
        ("1,example.com\nx,other.com\n", r":2: expected rank,domain"),
        ("rank,domain\n1,a.example,extra\n", r":2: 3 fields, the header has 2"),
        ("# only a comment\n", r"no domains in the file"),
    ],
)
def test_bad_lines_are_named_with_their_line(tmp_path, text, problem):
    with pytest.raises(BadInputError, match=problem):
        load_domains(write(tmp_path, text))


def test_files_that_are_not_lists_are_refused(tmp_path):
    with pytest.raises(BadInputError, match="no such domains file"):
        load_domains(tmp_path / "missing.txt")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(BadInputError, match="not UTF-8|NUL"):
        load_domains(binary)
