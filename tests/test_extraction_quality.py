"""Quality gate: extracted text on the real data sets against pinned token P/R/F1 (-s prints them).

Re-pin with `.venv/bin/python bench/extraction_scores.py --write`, after reading the table.
"""

from __future__ import annotations

import pytest
from conftest import needs_shared
from extraction_corpus import load_baseline, means, results, table
from reference_data import COLLECTIONS, extract_text, ota_versions

# The targets the issue sets for the mean F1 of each set.
MIN_MEAN_F1 = {"ota": 0.95, "princeton-leuven": 0.98}
# How far one document may fall below its pinned F1 before the gate fails: room for a changed
# line break or a heading, not for a lost section.
TOLERANCE = 0.01


@pytest.fixture(scope="module", params=list(COLLECTIONS))
def collection(request):
    """(name, results) for one set, each document extracted once for the whole module."""
    name = request.param
    needs_shared(name)
    return name, results(COLLECTIONS[name]())


@pytest.fixture(scope="module")
def baseline():
    return load_baseline()


def test_every_document_is_pinned_and_every_pin_is_a_document(collection, baseline):
    name, scored = collection
    assert sorted(scored) == sorted(baseline[name]["documents"])


def test_no_document_falls_below_its_pin(collection, baseline):
    name, scored = collection
    pinned = baseline[name]["documents"]
    print("\n" + table(name, scored, pinned))
    fallen = [
        f"{key}: F1 {result.score.f1:.4f} < pinned {pinned[key]['f1']:.4f} ({result.strategy})"
        for key, result in scored.items()
        if result.score.f1 < pinned[key]["f1"] - TOLERANCE
    ]
    assert not fallen, "\n".join(fallen)


def test_mean_f1_reaches_the_target(collection):
    name, scored = collection
    average = means(scored)
    print(
        f"\n{name}: mean F1 {average['f1']:.4f}, precision {average['precision']:.4f}, "
        f"recall {average['recall']:.4f}"
    )
    assert average["f1"] >= MIN_MEAN_F1[name]


def test_no_document_with_reference_text_scores_zero(collection):
    _, scored = collection
    empty = [
        key
        for key, result in scored.items()
        if result.score.reference_tokens and result.score.f1 == 0
    ]
    assert not empty


def test_pages_whose_text_did_not_change_extract_to_the_same_text():
    """OTA's same-text snapshots differ in HTML only (build hashes, nonces)."""
    needs_shared("ota")
    differing = []
    for version in ota_versions():
        first = extract_text(version.html, version.url)
        for variant in version.same_text:
            second = extract_text(variant.html, version.url)
            if not first.text or first.text != second.text:
                differing.append(f"{version.key}/{variant.html.name}")
    assert not differing
