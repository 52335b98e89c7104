"""Targets files: CSV and plain text, clear errors naming file and line, duplicates merged."""

from __future__ import annotations

import pytest

from crawler.exceptions import BadInputError
from crawler.targets import load_targets, registered_domain


def write(tmp_path, text: str, name: str = "targets.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_aliases_and_window(tmp_path):
    path = write(
        tmp_path,
        "site,policy_url,alias_urls,from,to\n"
        "acme.example,http://acme.example/p,https://acme.example/legal/p http://old.acme.example/p,2005,2019-06\n",
    )
    [target] = load_targets(path)
    assert target.site == "acme.example"
    assert target.alias_urls == ["https://acme.example/legal/p", "http://old.acme.example/p"]
    assert (target.from_ts, target.to_ts) == ("20050101000000", "20190630235959")
    assert target.source == f"{path}:2"


def test_text_file_gives_registered_domains(tmp_path):
    path = write(
        tmp_path,
        "# policies\nhttp://www.we-energies.com/home/privacy_policy.htm\n\n"
        "https://shop.example.org/privacy\n",
        name="urls.txt",
    )
    targets = load_targets(path)
    assert [t.site for t in targets] == ["we-energies.com", "shop.example.org"]
    assert targets[1].source == f"{path}:4"


def test_variants_of_one_url_are_one_query(tmp_path):
    path = write(
        tmp_path,
        "site,policy_url,alias_urls\n"
        "a.example,http://www.a.example/p,https://a.example/p http://a.example/q\n",
    )
    assert load_targets(path)[0].urls == ["http://www.a.example/p", "http://a.example/q"]


def test_duplicate_rows_merge(tmp_path):
    path = write(
        tmp_path,
        "site,policy_url,alias_urls,from,to\n"
        "a.example,http://a.example/p,,2010,2012\n"
        "a.example,https://www.a.example/p,http://a.example/old,2008,\n",
    )
    [target] = load_targets(path)
    assert target.alias_urls == ["http://a.example/old"]
    assert target.from_ts == "20080101000000"
    assert target.to_ts is None  # the second row asks for no upper bound


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("site,url\na,http://a.example/\n", ":1: missing column policy_url"),
        ("site,policy_url,extra\na,http://a.example/,x\n", ":1: unknown column extra"),
        (
            "site,policy_url\na.example,ftp://a.example/p\n",
            ":2: not an http(s) URL: 'ftp://a.example/p'",
        ),
        ("site,policy_url\n,http://a.example/p\n", ":2: site is empty"),
        ("site,policy_url\na,http://a.example/p,extra\n", ":2: 3 fields, the header has 2"),
        ("site,policy_url,from\na,http://a.example/p,20x0\n", ":2: from must be YYYY"),
        ("site,policy_url\n", ": no targets in the file"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(BadInputError) as error:
        load_targets(path)
    assert str(error.value).startswith(f"{path}{message}")


def test_missing_file(tmp_path):
    with pytest.raises(BadInputError, match="no such targets file"):
        load_targets(tmp_path / "nope.csv")


def test_registered_domain_drops_www_only():
    assert registered_domain("https://www.example.co.uk/x") == "example.co.uk"
    assert registered_domain("http://shop.example.com/") == "shop.example.com"
