"""safe_name: site names as path components that stay inside the export and stay apart."""

from __future__ import annotations

import pytest

from pipelines.export.paths import MAX_NAME_BYTES, safe_name


@pytest.mark.parametrize("site", ["kettleworks.example", "bücher.de", "a_b", "www.x-y.example"])
def test_safe_names_are_kept_as_they_are(site):
    assert safe_name(site) == site


@pytest.mark.parametrize(
    "site",
    [
        "../etc",
        "a/b",
        "a\\b",
        ".hidden",
        "..",
        ".",
        "",
        "a\x00b",
        "a\nb",
        "con",
        "NUL.txt",
        "com1.example",
        "a.",
        "x" * 300,
        "ü" * 200,
        "a..b",
    ],
)
def test_unsafe_names_become_one_harmless_component(site):
    name = safe_name(site)
    assert name and "/" not in name and "\\" not in name and ".." not in name
    assert not name.startswith(".") and not name.endswith(".")
    assert all(ch.isprintable() for ch in name)
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.split(".")[0].lower() not in {"con", "nul", "com1"}
    assert name != site


def test_names_that_clean_alike_stay_apart():
    names = {safe_name(s) for s in ["a/b", "a_b", "a\\b", "a b", "a:b"]}
    assert len(names) == 5
    assert safe_name("a/b") == safe_name("a/b")  # deterministic
