"""score_kinds against real data: every reference policy is privacy, no recorded non-policy page
is, nor any of OTA's other documents of the services that are not privacy policies.

Pages go through pipelines.extract.extract_policy. Run with -s for the table and the closest
calls. All of these pages are among the model's training pages (bench/fit_kinds.py): this is a
gate against a refit or a change of extraction undoing them; the held-out figures, by service,
are the fit's own (pipelines/classify/model.json, tests/test_classify_model.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import needs_shared
from kind_corpus import OTA_OTHER_READ_AS, OTA_TYPES
from reference_data import (
    extract_text,
    leuven_pages,
    ota_other_documents,
    ota_versions,
    recorded_pages,
)

from pipelines.classify import KindScore, score_kinds

NEGATIVES = Path(__file__).parent / "fixtures" / "negatives"
# The hand-written negatives stand where a policy should be.
NEGATIVE_URL = "https://www.example.org/privacy-policy"
_ORIGINAL = re.compile(r"/web/\d+(?:id_)?/(.*)")


@dataclass(frozen=True, slots=True)
class Case:
    group: str
    label: str
    expected: bool
    result: KindScore


def _policies() -> list[Case]:
    cases = []
    for version in ota_versions():
        page = extract_text(version.html, version.url)
        cases.append(
            Case(
                "OTA snapshot.html",
                version.label,
                True,
                score_kinds(page.text, page.title, version.url),
            )
        )
        cases.append(
            Case(
                "OTA version.md",
                version.label,
                True,
                score_kinds(version.reference_text(), None, version.url),
            )
        )
    for policy in leuven_pages():
        page = extract_text(policy.html, policy.url)
        cases.append(
            Case(
                "Princeton-Leuven .html",
                policy.domain,
                True,
                score_kinds(page.text, page.title, policy.url),
            )
        )
        cases.append(
            Case(
                "Princeton-Leuven .md",
                policy.domain,
                True,
                score_kinds(policy.reference_text(), None, policy.url),
            )
        )
    return cases


def _non_policies() -> list[Case]:
    cases = []
    for recorded in recorded_pages():
        match = _ORIGINAL.search(recorded.uri)
        url = match.group(1) if match else recorded.uri
        page = extract_text(recorded.body, url, recorded.content_type)
        cases.append(
            Case(
                "real Wayback pages",
                recorded.label,
                False,
                score_kinds(page.text, page.title, url),
            )
        )
    for path in sorted(NEGATIVES.glob("*.html")):
        page = extract_text(path, NEGATIVE_URL)
        cases.append(
            Case(
                "hand-written negatives",
                path.stem,
                False,
                score_kinds(page.text, page.title, NEGATIVE_URL),
            )
        )
    for document in ota_other_documents():
        name = f"{document.service} {document.document_type}"
        if OTA_OTHER_READ_AS.get(name, OTA_TYPES[document.document_type]) == "privacy":
            continue  # a privacy policy filed under another name (tests/kind_corpus.py)
        page = extract_text(document.path, document.url or NEGATIVE_URL, document.content_type)
        if page.text:
            cases.append(
                Case(
                    "OTA other documents",
                    document.label,
                    False,
                    score_kinds(page.text, page.title, document.url),
                )
            )
    return cases


def _report(cases: list[Case]) -> None:
    print("\nscore_kinds on pages read by extract_policy: privacy or not, probability of privacy")
    print(f"{'group':<26}{'expected':>10}{'as policy':>11}{'as not':>8}{'min':>8}{'max':>8}")
    for group in dict.fromkeys(case.group for case in cases):
        members = [case for case in cases if case.group == group]
        scores = [case.result.policy_score for case in members]
        print(
            f"{group:<26}{'policy' if members[0].expected else 'not':>10}"
            f"{sum(case.result.is_policy for case in members):>11}"
            f"{sum(not case.result.is_policy for case in members):>8}"
            f"{min(scores):>8.3f}{max(scores):>8.3f}"
        )
    positives = sorted(
        (case for case in cases if case.expected), key=lambda c: c.result.policy_score
    )
    negatives = sorted(
        (case for case in cases if not case.expected), key=lambda c: -c.result.policy_score
    )
    print("closest calls:")
    for case in positives[:3] + negatives[:3]:
        print(f"  {case.result.policy_score:.3f} {case.group}: {case.label} ({case.result.kind})")
        print(f"        {'; '.join(case.result.policy_reasons[:4])}")


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    for part in ("ota", "ota-other", "princeton-leuven", "real-wayback/edgi"):
        needs_shared(*part.split("/"))
    found = _policies() + _non_policies()
    _report(found)
    return found


def _misjudged(cases: list[Case], expected: bool) -> list[str]:
    return [
        f"{case.group} {case.label}: {case.result.kind} {case.result.policy_score:.3f} "
        f"{case.result.policy_reasons[:4]}"
        for case in cases
        if case.expected is expected and case.result.is_policy is not expected
    ]


def test_every_reference_policy_is_a_policy(cases):
    assert len([case for case in cases if case.expected]) == 2 * (
        len(ota_versions()) + len(leuven_pages())
    )
    assert not _misjudged(cases, True)


def test_no_recorded_or_hand_written_non_policy_is_a_policy(cases):
    groups = {case.group for case in cases if not case.expected}
    assert groups == {"real Wayback pages", "hand-written negatives", "OTA other documents"}
    assert not _misjudged(cases, False)


def test_the_hand_written_negatives_cover_each_kind_in_three_languages():
    kinds = {path.stem.rsplit("_", 1)[0] for path in NEGATIVES.glob("*.html")}
    languages = {path.stem.rsplit("_", 1)[1] for path in NEGATIVES.glob("*.html")}
    assert {"soft404", "parked", "login", "cookiewall", "moved", "shop_home", "news"} <= kinds
    assert {"en", "de", "fr"} <= languages
