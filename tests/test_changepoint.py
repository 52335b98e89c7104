"""Change-point fetching's planner (crawler/changepoint.py), on histories whose texts are known."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawler.changepoint import UNKNOWN, ChangePoints, slots


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
