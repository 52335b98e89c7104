"""The analysis on pages it was never tuned on (tests/heldout/pages; -s prints the table).

The pages were written without reading the extractor, the dater or the classifier, in four
rounds (tests/heldout/pages, round2, round3, round4), and each round's first scores are recorded
in tests/heldout/README.md. The gates are the issue's targets, not
these pages' scores: mean token F1 of at least 0.95, no page far below, every stated date found
exactly, none invented, each page classified as what it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from heldout_pages import PAGES, ROUND_2, ROUND_3, ROUND_4, held_out_pages, outcome, table

MIN_MEAN_F1 = 0.95
# A page this far down has lost a section, or taken in a page's worth of furniture.
MIN_PAGE_F1 = 0.85


@pytest.fixture(scope="module", params=[PAGES, ROUND_2], ids=["round 1", "round 2"])
def outcomes(request):
    return [outcome(page) for page in held_out_pages(request.param)]


@pytest.mark.parametrize("folder", [PAGES, ROUND_2], ids=["round 1", "round 2"])
def test_each_round_holds_policies_in_several_languages_and_pages_that_are_none(folder):
    pages = held_out_pages(folder)
    policies = [page for page in pages if page.is_policy]
    assert len(policies) >= 8 and len(pages) - len(policies) >= 4
    assert len({page.language for page in policies}) >= 5
    assert all(page.reference.strip() for page in policies)


def test_policy_text_reaches_the_target(outcomes):
    print("\n" + table(outcomes))
    policies = [found for found in outcomes if found.page.is_policy]
    mean = sum(found.score.f1 for found in policies) / len(policies)
    low = [
        f"{found.page.stem}: F1 {found.score.f1:.3f} (P {found.score.precision:.3f}, "
        f"R {found.score.recall:.3f})"
        for found in policies
        if found.score.f1 < MIN_PAGE_F1
    ]
    assert mean >= MIN_MEAN_F1 and not low, f"mean F1 {mean:.3f}; " + "; ".join(low)


def _swapped(value: str | None) -> str | None:
    """A YYYY-MM-DD date read the other way round (day for month), if that is a date."""
    if value is None or value.count("-") != 2:
        return None
    year, month, day = value.split("-")
    return f"{year}-{day}-{month}" if int(day) <= 12 else None


def test_every_stated_date_is_found_and_none_invented(outcomes):
    """Exactly, or flagged ambiguous when nothing on the page settles day and month: a bare
    "06/02/2003" on an English page without a region is both June 2 and 6 February."""
    wrong = [
        f"{found.page.stem}: expected {found.page.effective_date}, found {found.effective_date}"
        for found in outcomes
        if found.effective_date != found.page.effective_date
        and not (
            found.document is not None
            and found.document.effective_date_ambiguous
            and _swapped(found.effective_date) == found.page.effective_date
        )
    ]
    assert not wrong


def test_each_page_is_classified_as_what_it_is(outcomes):
    wrong = [
        f"{found.page.stem}: is_policy {found.is_policy}, score "
        f"{found.document.policy_score if found.document else None}"
        for found in outcomes
        if found.is_policy != found.page.is_policy
    ]
    assert not wrong


def test_each_policy_is_in_its_language(outcomes):
    wrong = [
        f"{found.page.stem}: {found.document.language if found.document else None}"
        for found in outcomes
        if found.page.is_policy
        and (found.document is None or found.document.language != found.page.language)
    ]
    assert not wrong


# Rounds 3 and 4 (issue 11) are measured, not tuned on: their gates hold what the changes
# reached, so a later change that loses ground on them shows; the misses are named in
# tests/heldout/README.md.
@dataclass(frozen=True, slots=True)
class Gates:
    folder: Path
    min_dates: int  # stated dates read exactly
    max_invented: int  # pages stating none given a date
    min_kinds: int  # pages given their kind
    min_privacy: float  # precision and recall of privacy


ROUNDS = {
    # 35 of 37 dates, 1 invented on 7, kinds 43 of 44, privacy precision 1.000, recall 0.966
    "round 3": Gates(ROUND_3, 35, 1, 43, 0.95),
    # 35 of 35 dates, none invented on 9, kinds 43 of 44, privacy precision 0.962, recall 1.000
    "round 4": Gates(ROUND_4, 35, 0, 43, 0.95),
}


@pytest.fixture(scope="module", params=sorted(ROUNDS))
def late_round(request):
    gates = ROUNDS[request.param]
    return gates, [outcome(page) for page in held_out_pages(gates.folder)]


@pytest.mark.parametrize("name", sorted(ROUNDS))
def test_the_late_rounds_hold_what_issue_11_asks_of_them(name):
    pages = held_out_pages(ROUNDS[name].folder)
    numeric = [page for page in pages if page.date_evidence]
    title_block = [page for page in pages if page.date_position == "title block"]
    two_dates = [page for page in pages if len(page.stated_dates) > 1]
    others = [page for page in pages if page.kind in ("cookies", "terms", "other legal")]
    assert len(pages) >= 40 and len(numeric) >= len(pages) / 2 - 2
    assert len(title_block) >= len(pages) / 4 - 1 and len(two_dates) >= 5
    assert len(others) >= 10 and any(not page.stated_dates for page in pages)


def test_late_round_texts_and_dates(late_round):
    gates, found = late_round
    print("\n" + table(found))
    policies = [page for page in found if page.page.is_policy]
    mean = sum(page.score.f1 for page in policies) / len(policies)
    assert mean >= MIN_MEAN_F1 and min(page.score.f1 for page in policies) >= MIN_PAGE_F1
    stating = [page for page in found if page.page.effective_date]
    exact = sum(page.effective_date == page.page.effective_date for page in stating)
    invented = sum(
        page.effective_date is not None for page in found if not page.page.effective_date
    )
    assert exact >= gates.min_dates and invented <= gates.max_invented, (exact, invented)


def test_late_round_kinds(late_round):
    gates, found = late_round
    right = sum(page.kind == page.page.kind for page in found)
    said = [page for page in found if page.is_policy]
    truly = [page for page in found if page.page.is_policy]
    both = sum(page.page.is_policy for page in said)
    assert right >= gates.min_kinds, right
    assert both / len(said) >= gates.min_privacy and both / len(truly) >= gates.min_privacy
