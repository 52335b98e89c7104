"""NEAR_DUPLICATE_THRESHOLD against Open Terms Archive's series: pages whose text did not change
fall into their version; consecutive versions whose text changed stay apart.

Pages go through the project's extractor (the trafilatura stand-in until pipelines/extract.py
exists). bench/dedupe_threshold.py prints the distributions behind the threshold.
"""

from __future__ import annotations

from functools import cache

import pytest
from conftest import needs_shared
from reference_data import (
    OtaFolder,
    WordChange,
    consecutive_versions,
    extract_text,
    ota_series,
    word_change,
)

from pipelines.dedupe import (
    NEAR_DUPLICATE_THRESHOLD,
    PolicyCapture,
    build_versions,
    similarity,
    sketch,
    text_hash,
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
def page(folder: OtaFolder, variant: int | None = None) -> str:
    path = folder.snapshot if variant is None else folder.same_text[variant][0]
    return extract_text(path, folder.url).text


@cache
def page_sketch(folder: OtaFolder, variant: int | None = None):
    return sketch(page(folder, variant))


@cache
def change(earlier: OtaFolder, later: OtaFolder) -> WordChange:
    return word_change(earlier.expected_text(), later.expected_text())


def test_every_same_text_page_is_a_near_duplicate_of_its_snapshot():
    pairs = [
        (folder, variant)
        for folders in ota_series().values()
        for folder in folders
        for variant in range(len(folder.same_text))
    ]
    assert len(pairs) >= 30
    apart = [
        f"{folder.label} {folder.same_text[variant][0].name}: {score:.4f}"
        for folder, variant in pairs
        if (score := similarity(page_sketch(folder), page_sketch(folder, variant)))
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
    for service, folders in ota_series().items():
        captures = []
        for folder in folders:
            for variant in (None, *range(len(folder.same_text))):
                moment = folder.captured_at if variant is None else folder.same_text[variant][1]
                text = page(folder, variant)
                captures.append(
                    PolicyCapture(
                        key=(folder.name, variant),
                        captured_at=moment,
                        text_hash=text_hash(text),
                        sketch=page_sketch(folder, variant),
                        text=text,
                    )
                )
        # Given newest first: build_versions sorts by capture time.
        versions = build_versions(reversed(captures))
        version_of = {key: v.version for v in versions for key in v.capture_keys}
        for folder in folders:
            for variant in range(len(folder.same_text)):
                assert version_of[(folder.name, variant)] == version_of[(folder.name, None)], (
                    f"{folder.label} same-text page {variant} left its version"
                )
        for earlier, later in zip(folders, folders[1:], strict=False):
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
