"""Change-point fetching's planner (crawler/changepoint.py), on histories whose texts are known."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawler.changepoint import UNKNOWN, ChangePoints, UrlPlan, slots
from crawler.outcomes import Outcome
from crawler.targets import Target
from crawler.wayback import CdxRecord

URL = "https://www.acme.example/privacy"


def history(texts: str, days_apart: int = 10) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Captures of one URL: each letter a capture's text; every capture its own payload, except
    a '=' that repeats the capture before it byte for byte."""
    captures, text_of, day = [], {}, 0
    for number, letter in enumerate(texts):
        day += days_apart
        stamp = f"2010{(day // 28) % 12 + 1:02d}{day % 28 + 1:02d}000000"
        stamp = f"{2010 + day // 336}{stamp[4:]}"
        if letter == "=":
            captures.append((stamp, captures[-1][1]))
            continue
        digest = f"D{number}"
        captures.append((stamp, digest))
        text_of[digest] = letter
    return captures, text_of


def search(texts: str, **options) -> tuple[ChangePoints, list[int]]:
    captures, text_of = history(texts)
    found = ChangePoints(slots(captures), **options)
    fetched = []
    while not found.done:
        wanted = found.wanted()
        assert wanted, "not done, yet nothing to fetch"
        found.ask(wanted)
        for index in wanted:
            fetched.append(index)
            found.learn(index, text_of[found.slots[index].digest])
    return found, fetched


def test_repeated_payloads_are_one_slot():
    captures, _ = history("AA==B=")
    assert [(slot.digest, slot.captures) for slot in slots(captures)] == [
        ("D0", 1),
        ("D1", 3),
        ("D4", 2),
    ]


def test_one_text_throughout_costs_two_fetches():
    found, fetched = search("A" * 200)
    assert sorted(fetched) == [0, 199]
    assert found.changes() == []
    assert len(found.settled()) == 198 and found.settled()[0] == (1, 0, 199)


def test_each_change_is_located_between_neighbouring_slots():
    texts = "A" * 100 + "B" * 60 + "C" * 40
    found, fetched = search(texts)
    assert found.changes() == [(99, 100), (159, 160)]
    # two ends, then about log2 of each range per change
    assert len(fetched) <= 2 + 2 * 8


def test_a_coarse_precision_stops_early_and_fetches_less():
    texts = "A" * 100 + "B" * 100
    exact, exact_fetched = search(texts)
    coarse, coarse_fetched = search(texts, precision=timedelta(days=100))
    assert exact.changes() == [(99, 100)]
    ((left, right),) = coarse.changes()
    assert left <= 99 < right and right - left <= 11
    assert len(coarse_fetched) < len(exact_fetched)


def test_a_text_that_comes_back_is_missed_without_probes_and_caught_with_them():
    texts = "A" * 100 + "B" * 20 + "A" * 100
    plain, _ = search(texts)
    assert plain.changes() == []  # the ends agree: A -> B -> A is the known risk
    probed, _ = search(texts, sample_every=timedelta(days=150))
    assert probed.changes() == [(99, 100), (119, 120)]


def test_a_payload_seen_before_is_known_without_fetching():
    captures, text_of = history("ABC")
    captures.insert(2, (captures[1][0][:-2] + "01", captures[0][1]))  # A's bytes, a second on
    found = ChangePoints(slots(captures))
    found.learn(0, text_of["D0"])
    assert found.known(2) == "A" and found.known(1) is UNKNOWN
    assert found.wanted() == [3]  # the last slot; the third is known


def test_failed_slots_are_gone_around():
    captures, text_of = history("A" * 10 + "B" * 10)
    found = ChangePoints(slots(captures))
    while not found.done:
        wanted = found.wanted()
        found.ask(wanted)
        for index in wanted:
            # every third slot fails
            found.learn(index, None if index % 3 == 0 else text_of[found.slots[index].digest])
    ((left, right),) = found.changes()
    assert found.known(left) == "A" and found.known(right) == "B"
    assert all(found.known(index) is None or index in (left, right) for index in range(left, right))


@pytest.mark.parametrize("texts", ["", "A", "AB", "A=" * 3])
def test_short_histories(texts):
    found, fetched = search(texts)
    assert len(fetched) == len({index for index in fetched})
    assert len(fetched) <= len(found.slots)


def test_a_failed_fetch_is_not_copied_to_the_same_payload_elsewhere():
    captures, text_of = history("AB")
    captures.append((captures[1][0][:-2] + "01", captures[0][1]))  # A's bytes again, last
    found = ChangePoints(slots(captures))
    found.learn(0, None)
    assert found.known(2) is UNKNOWN
    found.learn(0, "A")  # a retry that works
    assert found.known(2) == "A"


def test_a_zero_precision_is_exact():
    texts = "A" * 20 + "B" * 20
    exact, _ = search(texts)
    zero, _ = search(texts, precision=timedelta(0))
    assert zero.changes() == exact.changes() == [(19, 20)]


# ---- one URL's plan: rows in, replays out, and what becomes of the rows never replayed --------


def plan_of(texts: str, **options) -> tuple[UrlPlan, dict[str, str]]:
    captures, text_of = history(texts)
    plan = UrlPlan(Target("acme", URL), None, URL, **options)
    for timestamp, digest in reversed(captures):  # as listed from several CDX pages
        plan.add(CdxRecord("com,acme)/privacy", timestamp, URL, "text/html", "200", digest, ""))
    plan.begin()
    return plan, text_of


def run_plan(plan: UrlPlan, text_of: dict[str, str], fails: set[str] = frozenset()) -> list[str]:
    """Replay what the plan asks until it is done; rows in `fails` (timestamps) fail. Returns
    the timestamps replayed."""
    replayed = []
    while not plan.done:
        wanted = plan.to_fetch({})
        assert wanted, "not done, yet nothing to fetch"
        for index in wanted:
            while (row := plan.next_row(index)) is not None:
                replayed.append(row.timestamp)
                if row.timestamp not in fails:
                    plan.learn(index, text_of[row.digest])
                    break
            else:
                plan.learn(index, None)
    return replayed


def test_a_plan_records_every_row_it_did_not_replay_with_its_reason():
    plan, text_of = plan_of("A=" * 10 + "B" * 10)
    replayed = run_plan(plan, text_of)
    unfetched = plan.unfetched()
    assert len(replayed) + len(unfetched) == 30
    assert {row.record.timestamp for row in unfetched}.isdisjoint(replayed)
    codes = {row.reason.code for row in unfetched}
    assert codes == {Outcome.DUPLICATE, Outcome.UNCHANGED_RANGE}
    for row in unfetched:
        if row.reason.code == Outcome.UNCHANGED_RANGE:
            # it names a replayed page whose text is the row's own
            assert row.text_from in {r.digest for r in plan.members[0]} | set(text_of)
            assert text_of[row.text_from] == text_of[row.record.digest]
        else:
            assert row.text_from is None


def test_a_failed_replay_tries_the_same_payload_captured_again():
    plan, text_of = plan_of("A==" + "A" * 5)
    first = plan.members[0]
    replayed = run_plan(plan, text_of, fails={first[0].timestamp, first[1].timestamp})
    assert replayed[:3] == [row.timestamp for row in first]  # the third capture of it worked
    assert plan.search.known(0) == "A"


def test_payloads_whose_text_is_known_are_not_replayed():
    plan, text_of = plan_of("A" * 6)
    first, last = plan.members[0][0].digest, plan.members[-1][0].digest
    assert plan.to_fetch({first: "A", last: "A"}) == []
    assert plan.done
    # the ends known by their payloads (stored before), the inside by the ends' one text
    codes = [row.reason.code for row in plan.unfetched()]
    assert codes == [Outcome.DUPLICATE, *[Outcome.UNCHANGED_RANGE] * 4, Outcome.DUPLICATE]


def test_a_coarse_plan_says_which_rows_it_left_unknown():
    plan, text_of = plan_of("A" * 100 + "B" * 100, precision=timedelta(days=100))
    run_plan(plan, text_of)
    unknown = [row for row in plan.unfetched() if row.reason.code == Outcome.WITHIN_PRECISION]
    assert unknown and all(row.text_from is None for row in unknown)
    assert "located to within 100 days" in unknown[0].reason.text
