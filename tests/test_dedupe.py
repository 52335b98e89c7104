"""Text normalisation, hashing, sketches and versions, on texts written for these tests."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipelines.normalise import normalise_text, text_hash
from pipelines.versions import (
    NEAR_DUPLICATE_THRESHOLD,
    PolicyCapture,
    build_versions,
    similarity,
    sketch,
    sketch_from_bytes,
    sketch_to_bytes,
)
from pipelines.versions.noise import only_noise

POLICIES = Path(__file__).parent / "fixtures" / "policies"
POLICY = (POLICIES / "quillfeather_en.txt").read_text(encoding="utf-8")  # 580 words
OTHER_POLICY = (POLICIES / "clairval_fr.txt").read_text(encoding="utf-8")
# 1,060 words: the French and German policies appended, as on a page holding several
LONG_POLICY = "\n\n".join(
    [POLICY, OTHER_POLICY, (POLICIES / "lindenhof_de.txt").read_text(encoding="utf-8")]
)
START = datetime(2021, 3, 5, 12, 0, tzinfo=UTC)


# ---- normalise_text and text_hash --------------------------------------------------------


def test_normalisation_unifies_rendering_differences():
    rendered = (
        "\ufeffYour  \u201cpersonal\u201d data\u00a0\u2014 and\u2009yours\u2019\r\n"
        "\r\n\r\n\r\n\u2022 item one\n* item two\n   \n\n\n\ufb01nal\u00adly  "
    )
    assert normalise_text(rendered) == (
        'Your "personal" data - and yours\'\n\n- item one\n- item two\n\nfinally'
    )


def test_normalisation_strips_every_line_as_a_line_by_line_pass_would():
    # normalise_text works on the whole text at once: each line must still come out with its
    # runs of spaces made one and its ends stripped, whatever whitespace the page used.
    def line_by_line(text):
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return "\n".join(" ".join(line.split()) for line in lines)

    for text in (
        " a \t b \n\u3000\n  c\x85 ",
        "\n \n- x \n \u2028 y\t",
        "\x1c\x1d a\r\n b \r c",
    ):
        expected = line_by_line(text)
        assert normalise_text(text) == normalise_text(expected)
        assert "  " not in normalise_text(text)
        assert all(line == line.strip() for line in normalise_text(text).split("\n"))


def test_normalisation_keeps_case_and_paragraphs():
    assert normalise_text("We do NOT sell\n\nyour data") == "We do NOT sell\n\nyour data"
    assert text_hash("We do NOT sell") != text_hash("We do not sell")


def test_hash_is_sha256_hex_of_the_normalised_text():
    import hashlib

    assert text_hash("  a\u2019b \n") == hashlib.sha256(b"a'b").hexdigest()
    assert text_hash(POLICY) == text_hash(POLICY.replace("\n", "\r\n").replace(" ", "  "))
    assert text_hash(POLICY) != text_hash(POLICY.replace("30 days", "60 days"))


# ---- sketch and similarity ---------------------------------------------------------------


def test_similarity_of_equal_near_and_different_texts():
    assert similarity(sketch(POLICY), sketch(POLICY.upper())) == 1.0
    copyright_year = POLICY.replace("© 2021", "© 2022")
    assert similarity(sketch(POLICY), sketch(copyright_year)) >= NEAR_DUPLICATE_THRESHOLD
    assert similarity(sketch(POLICY), sketch(OTHER_POLICY)) < 0.1
    assert similarity(sketch(""), sketch("")) == 1.0
    assert similarity(sketch(""), sketch(POLICY)) == 0.0


def test_sketch_values_and_bytes_are_datasketchs_own():
    # pipelines/versions/minhash.py makes and reads sketches without datasketch (whose import
    # pulls in scipy): its permutations, values and stored bytes must be datasketch's, or
    # sketches stored by one release would not compare with the next's.
    from datasketch import LeanMinHash, MinHash

    from pipelines.versions import SKETCH_PERMUTATIONS, SKETCH_SCHEME, SKETCH_SEED, shingles
    from pipelines.versions.minhash import _permutations

    reference = MinHash(num_perm=SKETCH_PERMUTATIONS, seed=SKETCH_SEED, scheme=SKETCH_SCHEME)
    assert all(
        (ours == theirs).all()
        for ours, theirs in zip(_permutations(), reference.permutations, strict=True)
    )
    for text in (POLICY, LONG_POLICY, "one two three", ""):
        reference = MinHash(num_perm=SKETCH_PERMUTATIONS, seed=SKETCH_SEED, scheme=SKETCH_SCHEME)
        reference.update_batch(sorted(shingles(text)))
        theirs = LeanMinHash(reference)
        stored = bytearray(theirs.bytesize(byteorder="<"))
        theirs.serialize(stored, byteorder="<")
        assert sketch_to_bytes(sketch(text)) == bytes(stored)
        assert (sketch_from_bytes(bytes(stored)).values == theirs.hashvalues).all()
        other = sketch(OTHER_POLICY)
        assert similarity(sketch(text), other) == theirs.jaccard(
            LeanMinHash.deserialize(sketch_to_bytes(other), byteorder="<")
        )


def test_shingles_are_runs_of_five_casefolded_words():
    assert shingles_of("A b c d e F") == {b"a b c d e", b"b c d e f"}
    assert shingles_of("Only three words") == {b"only three words"}
    assert shingles_of("  ") == set()


def shingles_of(text):
    from pipelines.versions import shingles

    return shingles(text)


def test_sketches_survive_storage_and_refuse_other_parameters():
    from datasketch import LeanMinHash, MinHash

    stored = sketch_from_bytes(sketch_to_bytes(sketch(POLICY)))
    assert similarity(stored, sketch(POLICY)) == 1.0
    for foreign in (MinHash(num_perm=128), MinHash(seed=7, num_perm=1024)):
        lean = LeanMinHash(foreign)
        data = bytearray(lean.bytesize(byteorder="<"))
        lean.serialize(data, byteorder="<")
        with pytest.raises(ValueError):
            similarity(sketch(POLICY), sketch_from_bytes(bytes(data)))
    # a sketch datasketch stored before its 2.0 (no scheme byte) is read, and refused too
    legacy = sketch_from_bytes(struct.pack("<qi4I", 1, 4, 1, 2, 3, 4))
    assert legacy.scheme == "legacy" and list(legacy.values) == [1, 2, 3, 4]
    with pytest.raises(ValueError):
        similarity(sketch(POLICY), legacy)
    empty = struct.pack("<qiB", 1, 0, 1)
    for damaged in (b"", b"\x01\x00", sketch_to_bytes(sketch(POLICY))[:-3], empty):
        with pytest.raises(ValueError):
            sketch_from_bytes(damaged)


# ---- build_versions ----------------------------------------------------------------------


def capture(key, text, days, *, is_policy=True, effective_date=None, with_text=False):
    return PolicyCapture(
        key=key,
        captured_at=START + timedelta(days=days),
        text_hash=text_hash(text),
        sketch=None if with_text else sketch(text),
        text=text if with_text else None,
        effective_date=effective_date,
        is_policy=is_policy,
    )


A = POLICY
B = OTHER_POLICY


def test_a_b_a_is_three_versions():
    versions = build_versions(
        [capture("a1", A, 0), capture("a2", A, 10), capture("b1", B, 20), capture("a3", A, 30)]
    )
    assert [v.capture_keys for v in versions] == [("a1", "a2"), ("b1",), ("a3",)]
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[0].text_hash == versions[2].text_hash == text_hash(A)
    first = versions[0]
    assert (first.first_seen, first.last_seen, first.next_seen, first.n_captures) == (
        START,
        START + timedelta(days=10),
        START + timedelta(days=20),
        2,
    )
    assert versions[-1].next_seen is None


def test_captures_out_of_order_are_sorted_and_times_given_in_utc():
    paris = timezone(timedelta(hours=2))
    late = PolicyCapture(
        "b", datetime(2021, 4, 1, 14, 0, tzinfo=paris), text_hash(B), sketch=sketch(B)
    )
    versions = build_versions([late, capture("a2", A, 5), capture("a1", A, 0)])
    assert [v.capture_keys for v in versions] == [("a1", "a2"), ("b",)]
    assert versions[1].first_seen == datetime(2021, 4, 1, 12, 0, tzinfo=UTC)
    assert versions[1].first_seen.tzinfo is UTC
    with pytest.raises(ValueError, match="timezone"):
        build_versions([PolicyCapture("naive", datetime(2021, 1, 1), text_hash(A))])


def promoted(line):
    return f"{line}\n{LONG_POLICY}"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (A, A.replace("© 2021", "© 2022")),
        (promoted("Spring sale: 20% off Pro!"), promoted("Summer sale: 30% off Pro!")),
    ],
    ids=["copyright year", "rotated promotional line"],
)
def test_a_copyright_year_or_a_rotated_promotional_line_stays_one_version(before, after):
    assert similarity(sketch(before), sketch(after)) >= NEAR_DUPLICATE_THRESHOLD
    for with_text in (False, True):
        versions = build_versions(
            [
                capture("first", before, 0, with_text=with_text),
                capture("edited", after, 7, with_text=with_text),
                capture("again", before, 14, with_text=with_text),
            ]
        )
        assert len(versions) == 1
        assert versions[0].n_captures == 3
        assert versions[0].text_hash == text_hash(before)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (A.replace("operating system", "operating sytem"), A),
        (A, A.replace("within 30 days", "within 60 days")),
        (
            LONG_POLICY.replace("Security\n", "Processor | Purpose | Country\nSecurity\n"),
            LONG_POLICY.replace(
                "Security\n",
                "Processor | Purpose | Country\nAnthropic | Artificial intelligence | USA\n"
                "Security\n",
            ),
        ),
        (LONG_POLICY, promoted("Spring sale: 20% off Pro!")),
        (promoted("Last updated: 3 March 2021"), promoted("Last updated: 9 June 2021")),
    ],
    ids=["typo fix", "retention period", "table row", "line added", "dated line"],
)
def test_a_small_real_edit_is_near_by_sketch_but_a_new_version_by_text(before, after):
    assert similarity(sketch(before), sketch(after)) >= NEAR_DUPLICATE_THRESHOLD
    sketched = [capture("before", before, 0), capture("after", after, 7)]
    assert len(build_versions(sketched)) == 1  # sketches alone cannot tell
    texts = [
        capture("before", before, 0, with_text=True),
        capture("after", after, 7, with_text=True),
    ]
    assert len(build_versions(texts)) == 2
    assert not only_noise(before, after)


def test_only_noise_ignores_case_punctuation_and_the_copyright_year():
    assert only_noise(A, A.upper().replace("© 2021", "© 2023").replace(".", " "))
    assert not only_noise(A, A.replace("3 March 2021", "3 March 2023"))  # "Last updated:"
    assert only_noise("Copyright 2021-2022 Quillfeather", "Copyright 2021-2024 Quillfeather")
    assert not only_noise("We keep logs.", "We keep no logs.")
    assert not only_noise(A, A.replace("delete your notes", "delete your notes and images"))


def test_only_noise_reads_lines_broken_elsewhere_and_numbers_added_as_noise():
    rebroken = LONG_POLICY.replace("Security\n", "Security ", 1)
    assert rebroken != LONG_POLICY and only_noise(LONG_POLICY, rebroken)
    assert only_noise(promoted("Offices in Lyon"), promoted("Offices in Lyon 2024"))
    assert not only_noise(promoted("Kept 30 days"), promoted("Kept 30 days, then 90 days"))


@pytest.mark.parametrize(
    "after",
    ["Our commitment to you and your family", "Our comitment to you", "Our commitment"],
    ids=["words added", "spelling changed", "words removed"],
)
def test_an_edited_short_line_is_not_a_rotated_one(after):
    assert not only_noise(promoted("Our commitment to you"), promoted(after))
    assert only_noise(promoted("Our commitment to you"), promoted("Holiday offers for everyone"))


SHORT_POLICY = (
    "Privacy\n\nWe collect your email address to send you the newsletter you asked for, and "
    "nothing else. We never sell it or share it, and we delete it when you unsubscribe from "
    "the newsletter, using the link at the end of every issue. Our host keeps server logs of "
    "visits for a week to keep the site secure. Children under 13 may not subscribe. Write "
    "to privacy@example.org with any question about your data.\n\n© 2019 Example Press"
)


def test_a_short_text_whose_year_changed_is_one_version_when_the_texts_are_compared():
    later = SHORT_POLICY.replace("© 2019", "© 2020")
    assert similarity(sketch(SHORT_POLICY), sketch(later)) < NEAR_DUPLICATE_THRESHOLD
    assert len(build_versions([capture("a", SHORT_POLICY, 0), capture("b", later, 9)])) == 2
    with_texts = [
        capture("a", SHORT_POLICY, 0, with_text=True),
        capture("b", later, 9, with_text=True),
    ]
    assert len(build_versions(with_texts)) == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [("under 13", "under 16"), ("for a week", "for 2 weeks"), ("© 2019", "© 2019, 12 staff")],
    ids=["age", "period", "count"],
)
def test_numbers_other_than_years_are_policy(old, new):
    assert not only_noise(SHORT_POLICY, SHORT_POLICY.replace(old, new))


def test_dates_with_a_year_are_noise_wherever_they_are_written():
    for before, after in [
        ("Printed 3/11/2021", "Printed 4/1/2022"),
        ("Printed 2021-03-11", "Printed 2022-01-04"),
        ("© 2003-2021 Example", "© 2003-2022 Example"),
    ]:
        assert only_noise(promoted(before), promoted(after)), before
    march, june = promoted("Policy printed 3 March 2021"), promoted("Policy printed 3 June 2021")
    assert not only_noise(march, june)  # a month is a word


def test_a_new_paragraph_is_a_new_version():
    added = A.replace(
        "Security\n",
        "Advertising\n\nWe show ads from partners, who may place cookies to measure them. "
        "We do not give them your notes, your name or your email address, and you can turn "
        "personalised ads off in your account settings at any time.\n\nSecurity\n",
    )
    assert len(build_versions([capture("a", A, 0), capture("a+", added, 9)])) == 2


def test_near_duplicates_compare_with_the_first_capture_of_the_version():
    drift = [A]
    for number in range(8):
        drift.append(drift[-1] + f"\nA sentence added in step {number} to the end of the text.")
    versions = build_versions(capture(f"step{n}", text, n) for n, text in enumerate(drift))
    assert len(versions) > 1  # each step is near its predecessor; the last is not near the first
    for earlier, later in zip(drift, drift[1:], strict=False):
        assert similarity(sketch(earlier), sketch(later)) >= NEAR_DUPLICATE_THRESHOLD


def test_a_changed_effective_date_starts_a_version_even_for_a_near_text():
    restated = LONG_POLICY.replace("3 March 2021", "9 June 2021")
    assert similarity(sketch(LONG_POLICY), sketch(restated)) >= NEAR_DUPLICATE_THRESHOLD
    near = [
        capture("old", LONG_POLICY, 0, effective_date=date(2021, 3, 3)),
        capture("new", restated, 90, effective_date=date(2021, 6, 9)),
    ]
    assert len(build_versions(near)) == 2
    assert len(build_versions(near, split_on_effective_date=False)) == 1
    unknown = [capture("old", A, 0), capture("found", A, 5, effective_date=date(2021, 3, 3))]
    (version,) = build_versions(unknown)
    assert version.effective_date == date(2021, 3, 3)


def test_non_policies_are_left_out_unless_asked_for():
    soft_404 = "Page not found. The page you requested does not exist."
    captures = [
        capture("a1", A, 0),
        capture("404", soft_404, 3, is_policy=False),
        capture("a2", A, 6),
    ]
    (version,) = build_versions(captures)
    assert version.capture_keys == ("a1", "a2")
    included = build_versions(captures, include_non_policies=True)
    assert [(v.capture_keys, v.is_policy) for v in included] == [
        (("a1",), True),
        (("404",), False),
        (("a2",), True),
    ]


def test_without_sketch_or_text_only_equal_hashes_continue_a_version():
    bare = [
        PolicyCapture("a1", START, text_hash(A)),
        PolicyCapture("a2", START + timedelta(days=1), text_hash(A)),
        PolicyCapture("a3", START + timedelta(days=2), text_hash(A + " ")),  # same normalised
        PolicyCapture("near", START + timedelta(days=3), text_hash(A + " Thanks.")),
    ]
    assert [v.n_captures for v in build_versions(bare)] == [3, 1]


def test_no_captures_no_versions():
    assert build_versions([]) == []


def mid_text(line):
    """`line` in the middle of a long policy, among the policy's own lines."""
    return LONG_POLICY.replace("Security\n", f"Security\n{line}\n", 1)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Logs are kept for 30 days.", "Logs are kept for 90 days."),
        ("You must be 13 or older to sign up.", "You must be 16 or older to sign up."),
        ("Our servers are in Ireland.", "Our servers are in the USA."),
        ("We will never rent your details.", "We may rent your details."),
        ("Stripe | Payments | USA", "Adyen | Payments | Netherlands"),
        ("Nous ne vendons jamais vos données.", "Nous vendons parfois vos données."),
        ("Server logs\n90 days\nSupport", "Server logs\n3 years\nSupport"),
        ("Privacy line: +1 415 555 2012", "Privacy line: +1 650 444 2012"),
        ("Legal basis: Regulation (EU) 2016/679", "Legal basis: Regulation (EU) 2018/1725"),
        ("Policy version 2.1, March 2021", "Policy version 2.2, March 2021"),
        (
            "From 1 January 2025 we share data with Acme.",
            "From 1 January 2027 we share data with Acme.",
        ),
        ("A 10% fee applies to every transfer.", "A $10 fee applies to every transfer."),
    ],
    ids=[
        "period",
        "age",
        "country",
        "negation",
        "subprocessor row",
        "french negation",
        "table cell",
        "telephone",
        "statute",
        "version number",
        "year in a sentence",
        "sign",
    ],
)
def test_a_short_edit_inside_the_policy_is_never_noise(before, after):
    assert not only_noise(mid_text(before), mid_text(after))


def test_numbers_in_other_scripts_are_words_not_years():
    assert not only_noise(mid_text("Ref ፩፪፫፬"), LONG_POLICY)
    assert only_noise(promoted("Printed ٢٠٢١"), promoted("Printed ٢٠٢١"))


def test_a_promotional_line_rotates_only_at_the_top_or_the_bottom():
    assert only_noise(promoted("Spring sale on all plans"), promoted("Office closed on Monday"))
    assert not only_noise(mid_text("Spring sale on all plans"), mid_text("Office closed on Monday"))


def test_texts_are_asked_for_only_when_two_must_be_compared():
    later = SHORT_POLICY.replace("© 2019", "© 2020")
    asked = []

    def texts(wanted):
        asked.append(wanted)
        return {text_hash(SHORT_POLICY): SHORT_POLICY, text_hash(later): later}.get(wanted)

    captures = [capture(f"a{n}", SHORT_POLICY, n) for n in range(5)]
    captures += [capture(f"b{n}", later, 10 + n) for n in range(5)]
    versions = build_versions(captures, texts=texts)
    assert len(versions) == 1  # word by word: only the year changed
    assert sorted(asked) == sorted({text_hash(SHORT_POLICY), text_hash(later)})
    # Without a text for one of them, the sketch decides (and the short text's year is too much).
    assert len(build_versions(captures, texts=lambda wanted: None)) == 2
