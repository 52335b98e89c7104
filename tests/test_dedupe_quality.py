"""NEAR_DUPLICATE_THRESHOLD against Open Terms Archive's series: pages whose text did not change
fall into their version; consecutive versions whose text changed stay apart.

Pages go through pipelines.extract.extract_policy; bench/dedupe_threshold.py prints the
distributions behind the threshold.
"""

from __future__ import annotations

from functools import cache

import pytest
from conftest import needs_shared
from reference_data import (
    OtaVersion,
    WordChange,
    consecutive_versions,
    extract_text,
    ota_series,
    ota_versions,
    word_change,
)

from pipelines.normalise import text_hash
from pipelines.versions import (
    NEAR_DUPLICATE_THRESHOLD,
    PolicyCapture,
    build_versions,
    similarity,
    sketch,
)

# A consecutive pair "really differs" when at least this share of its version.md words changed:
# the sketch alone keeps those apart. Smaller edits (a typo, an address, one table row) may be
# near by sketch, depending on the text's length (bench/dedupe_threshold.py lists them); the
# word-by-word check of build_versions keeps them apart when it has the texts.
REAL_CHANGE = 0.02


@pytest.fixture(scope="module", autouse=True)
def _shared_data():
    needs_shared("ota")


@cache
def page(version: OtaVersion, variant: int | None = None) -> str:
    path = version.html if variant is None else version.same_text[variant].html
    return extract_text(path, version.url).text


@cache
def page_sketch(version: OtaVersion, variant: int | None = None):
    return sketch(page(version, variant))


@cache
def change(earlier: OtaVersion, later: OtaVersion) -> WordChange:
    return word_change(earlier.reference_text(), later.reference_text())


def test_every_same_text_page_is_a_near_duplicate_of_its_snapshot():
    pairs = [
        (version, variant)
        for version in ota_versions()
        for variant in range(len(version.same_text))
    ]
    assert len(pairs) >= 30
    apart = [
        f"{version.label} {version.same_text[variant].html.name}: {score:.4f}"
        for version, variant in pairs
        if (score := similarity(page_sketch(version), page_sketch(version, variant)))
        < NEAR_DUPLICATE_THRESHOLD
    ]
    assert not apart


def test_consecutive_versions_that_really_differ_are_not_near_duplicates():
    checked, near = 0, []
    for earlier, later in consecutive_versions():
        edit = change(earlier, later)
        if edit.fraction < REAL_CHANGE or not page(earlier) or not page(later):
            continue
        checked += 1
        score = similarity(page_sketch(earlier), page_sketch(later))
        if score >= NEAR_DUPLICATE_THRESHOLD:
            near.append(f"{earlier.label} -> {later.label[-3:]}: {edit.fraction:.1%} {score:.4f}")
    assert checked >= 15
    assert not near


def test_versions_of_each_series_keep_same_text_pages_in_and_every_edit_out():
    """With texts, small edits (a typo, an address, a table row) stay apart too; markup does not."""
    split_markup = []
    for service, versions in ota_series().items():
        captures = []
        for version in versions:
            for variant in (None, *range(len(version.same_text))):
                moment = (
                    version.captured_at
                    if variant is None
                    else version.same_text[variant].captured_at
                )
                text = page(version, variant)
                captures.append(
                    PolicyCapture(
                        key=(version.name, variant),
                        captured_at=moment,
                        text_hash=text_hash(text),
                        sketch=page_sketch(version, variant),
                        text=text,
                    )
                )
        # Given newest first: build_versions sorts by capture time.
        built = build_versions(reversed(captures))
        version_of = {key: v.version for v in built for key in v.capture_keys}
        for version in versions:
            for variant in range(len(version.same_text)):
                assert version_of[(version.name, variant)] == version_of[(version.name, None)], (
                    f"{version.label} same-text page {variant} left its version"
                )
        for earlier, later in zip(versions, versions[1:], strict=False):
            apart = version_of[(later.name, None)] != version_of[(earlier.name, None)]
            if not page(earlier) or not page(later):
                continue
            if change(earlier, later).changed == 0:
                if apart:
                    split_markup.append(f"{service} {earlier.name[:3]} -> {later.name[:3]}")
            elif text_hash(page(earlier)) != text_hash(page(later)):
                # An edit the extracted texts do not show (HER 002 -> 003) cannot be seen.
                assert apart, f"{service}: {later.name} merged into the version of {earlier.name}"
    # Equal version.md words, different extracted texts: the extractor took in something else
    # (HER 004 -> 005 did, a cookie-consent dialog, until remove_dialogs knew its plugin).
    assert not split_markup
