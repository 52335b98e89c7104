"""Policy text identity and near-identity, and grouping a target's captures into versions."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from datasketch import LeanMinHash, MinHash

from crawler.items import CaptureItem
from pipelines.dates import MAX_YEAR, MIN_YEAR, MONTHS
from pipelines.documents import Document
from pipelines.stage import Stage

# Two texts are near-duplicates when the MinHash estimate of the Jaccard similarity of their
# word 5-shingle sets is at least this. Measured on Open Terms Archive's series
# (bench/dedupe_threshold.py, tests/test_dedupe_quality.py): later pages whose text did not
# change score 1.0 against their snapshot; consecutive versions whose version.md changed by 2% of
# its words or more score at most 0.970; versions differing only in markup, which the extractor
# may still render slightly differently, score 0.983 and up. Edits below 2% of the words (a typo,
# an address, a table row, a dated sentence) score 0.94-1.0: most fall above, so a version
# tolerates a copyright-year change in texts of ~500 words or more and a one-line banner in
# texts of ~1,600 words or more. An edit that also changes the effective date still starts a
# version (see build_versions). This decides when only sketches are at hand; with the texts, a
# pair is compared word by word instead (`only_noise`), which keeps those small edits apart and
# lets a short text's copyright year change.
NEAR_DUPLICATE_THRESHOLD = 0.98
# With the texts at hand, pairs less similar than this are not compared word by word: noise (a
# year, one short line) changes at most ~30 of a text's shingles, so a text of 60 words or more
# that changed only in noise keeps more than half of them.
NOISE_CHECK_FLOOR = 0.5

# The word-by-word check behind a near-duplicate: the only edits that leave a version unchanged.
# A rotated promotional or banner line: one whole line of at most this many words in place of
# another such line, neither using POLICY_WORDS. A line added or removed is not rotated: on OTA's
# Buffer an added line is a new subprocessor row ("Anthropic | Artificial intelligence | USA").
PROMO_LINE_WORDS = 20
# Words that make a short line policy rather than promotion: a line naming data, a right, a party
# or the policy's date is a policy edit however short ("Last updated: February 13, 2024").
# Compared with the casefolded words of the line.
_POLICY_WORDS = """
    access account address advertising advertisers affiliates agree analytics anonymised
    anonymized authorities basis biometric ccpa children collect collected collection consent
    contact controller cookie cookies data delete deleted deletion device disclose disclosed
    email gdpr identifier identifiers information law lawful legal location marketing opt party
    parties personal policy privacy process processed processing processor processors profile
    profiling protection provider providers purpose purposes request retain retained retention
    right rights sell sold share shared sharing store stored subprocessor subprocessors terms
    third track tracking transfer transfers use used vendors
    dated effective revised revision updated version
"""
POLICY_WORDS = frozenset(_POLICY_WORDS.split())
# Numbers that are noise: years (MIN_YEAR..MAX_YEAR, as dates.py reads them) and the day and
# month numbers of a date holding a year ("3 March 2021", "3/11/2025", "© 2003-2021"), at most
# this many words from the year. Any other number is policy: an age ("under 13" -> "under 16"),
# a period ("30 days"), a count, a section or a telephone number.
DATE_REACH = 2
# What a year is compared as: no word has a space in it.
NUMBER = "# "
# A word replaced by one at least this similar, character by character (difflib's ratio), is
# the same word spelt anew: "informaton" -> "information" is 0.96, "spring" -> "summer" 0.33.
SPELLING_RATIO = 0.8

# 1,024 permutations put the estimate's standard error at 0.0044 near the threshold (0.0087
# with 256); a sketch serialises to 4 KB and takes ~50 ms for a 25,000-word page.
SKETCH_PERMUTATIONS = 1024
SKETCH_SEED = 1
# Pinned so that stored sketches stay comparable across datasketch upgrades.
SKETCH_SCHEME = "affine32"
SHINGLE_WORDS = 5
# update_batch holds a shingles x permutations array: feed it in slices to bound memory.
_SHINGLE_BATCH = 1000
_SERIAL_BYTEORDER = "<"

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2039": "'",
        "\u203a": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space, joiners and the BOM carry no text
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# List markers differ between extractors and redesigns (•, ·, *, -): one marker for all.
_BULLET = re.compile(r"^[\u2022\u2023\u25aa\u25e6\u00b7\u2043*-]\s+", re.MULTILINE)
_WORD = re.compile(r"\w+")


def normalise_text(text: str) -> str:
    """The text as compared: NFKC, one kind of quote, dash, space and list marker, no blank runs.

    Case is kept: the hash identifies the text as it reads, and a change of case can matter
    ("we do NOT sell"). The similarity sketch ignores case instead.
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BULLET.sub("- ", "\n".join(lines))
    return _BLANK_LINES.sub("\n\n", text).strip()


def text_hash(text: str) -> str:
    """sha256 hex digest of the normalised text: equal for texts that differ only in rendering."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def shingles(text: str) -> set[bytes]:
    """What a sketch summarises: each run of SHINGLE_WORDS words of the casefolded text."""
    words = _WORD.findall(normalise_text(text).casefold())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {
        " ".join(words[start : start + SHINGLE_WORDS]).encode("utf-8")
        for start in range(len(words) - SHINGLE_WORDS + 1)
    }


def sketch(text: str) -> LeanMinHash:
    """MinHash of the text's word 5-shingles (case-insensitive): compare with `similarity`."""
    minhash = MinHash(num_perm=SKETCH_PERMUTATIONS, seed=SKETCH_SEED, scheme=SKETCH_SCHEME)
    ordered = sorted(shingles(text))
    for start in range(0, len(ordered), _SHINGLE_BATCH):
        minhash.update_batch(ordered[start : start + _SHINGLE_BATCH])
    return LeanMinHash(minhash)


def similarity(a: LeanMinHash, b: LeanMinHash) -> float:
    """Estimated Jaccard similarity (0..1) of the shingle sets behind two sketches.

    Two empty texts are similar (1.0), an empty and a non-empty one are not (0.0).
    Raises ValueError for sketches made with other parameters.
    """
    return float(a.jaccard(b))


def sketch_to_bytes(value: LeanMinHash) -> bytes:
    """A sketch as bytes for storage (little-endian, datasketch's own layout)."""
    buffer = bytearray(value.bytesize(byteorder=_SERIAL_BYTEORDER))
    value.serialize(buffer, byteorder=_SERIAL_BYTEORDER)
    return bytes(buffer)


def sketch_from_bytes(data: bytes) -> LeanMinHash:
    return LeanMinHash.deserialize(data, byteorder=_SERIAL_BYTEORDER)


@dataclass(frozen=True, slots=True)
class PolicyCapture:
    """What versioning needs of one capture. Give `sketch`, or `text` to sketch it from.

    With `text` (and a sketch or not), a near text is also compared word by word with the text
    that began the version: only noise (`only_noise`) keeps it in. Without, the sketch decides.
    """

    key: Hashable  # identifies the capture to the caller, e.g. (site, url, timestamp, digest)
    captured_at: datetime  # timezone-aware
    text_hash: str
    sketch: LeanMinHash | None = None
    text: str | None = None
    effective_date: date | None = None
    is_policy: bool = True


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """A maximal run, in capture time, of captures with the same or nearly the same text."""

    version: int  # 1, 2, ... in capture time
    text_hash: str  # of the run's first capture
    first_seen: datetime  # UTC
    last_seen: datetime  # UTC, the run's last capture
    next_seen: datetime | None  # UTC, first capture of the following version; None for the last
    n_captures: int
    effective_date: date | None  # the first one found in the run
    capture_keys: tuple[Hashable, ...]
    is_policy: bool = True  # False only for runs of non-policies, with include_non_policies


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"capture time {moment.isoformat()} has no timezone: give it in UTC")
    return moment.astimezone(UTC)


class _Run:
    """The version being built; its first capture stands for it in every comparison."""

    __slots__ = ("first", "first_sketch", "noise", "effective_date", "moments", "keys")

    def __init__(self, moment: datetime, first: PolicyCapture) -> None:
        self.first = first
        self.first_sketch: LeanMinHash | None = None
        self.noise: dict[str, bool] = {}  # text hash -> only_noise(first text, that text)
        self.effective_date = first.effective_date
        self.moments = [moment]
        self.keys = [first.key]

    def add(self, moment: datetime, capture: PolicyCapture) -> None:
        self.moments.append(moment)
        self.keys.append(capture.key)
        if self.effective_date is None:
            self.effective_date = capture.effective_date


def _sketch_of(capture: PolicyCapture) -> LeanMinHash | None:
    if capture.sketch is not None:
        return capture.sketch
    return sketch(capture.text) if capture.text is not None else None


def _continues(
    run: _Run, capture: PolicyCapture, threshold: float, split_on_effective_date: bool
) -> bool:
    if capture.is_policy != run.first.is_policy:
        return False
    if capture.text_hash == run.first.text_hash:
        return True
    if (
        split_on_effective_date
        and run.effective_date is not None
        and capture.effective_date is not None
        and capture.effective_date != run.effective_date
    ):
        return False
    if run.first_sketch is None:
        run.first_sketch = _sketch_of(run.first)
    other = _sketch_of(capture)
    if run.first_sketch is None or other is None:
        return False  # nothing to measure nearness with: only equal hashes continue a run
    score = similarity(run.first_sketch, other)
    if run.first.text is None or capture.text is None:
        return score >= threshold  # sketches only: near is near enough
    if score < NOISE_CHECK_FLOOR:
        return False
    if capture.text_hash not in run.noise:
        run.noise[capture.text_hash] = only_noise(run.first.text, capture.text)
    return run.noise[capture.text_hash]


def _lines(text: str) -> list[tuple[str, ...]]:
    """The casefolded words of each line holding any, punctuation dropped, years masked."""
    found = []
    for line in normalise_text(text).casefold().split("\n"):
        words = _WORD.findall(line)
        if words:
            found.append(tuple(_masked(words)))
    return found


def _is_year(word: str) -> bool:
    return len(word) == 4 and word.isdigit() and MIN_YEAR <= int(word) <= MAX_YEAR


def _masked(words: list[str]) -> list[str]:
    """`words` with each year, and each number of a date with a year, as NUMBER."""
    years = [_is_year(word) for word in words]

    def in_date(at: int) -> bool:
        for step in (-1, 1):
            near = at + step
            while 0 <= near < len(words) and abs(near - at) <= DATE_REACH:
                if years[near]:
                    return True
                if not (words[near].isdigit() or words[near] in MONTHS):
                    break
                near += step
        return False

    return [
        NUMBER if years[at] or (word.isdigit() and in_date(at)) else word
        for at, word in enumerate(words)
    ]


def _promo_line(line: tuple[str, ...]) -> bool:
    return len(line) <= PROMO_LINE_WORDS and POLICY_WORDS.isdisjoint(line)


def _rotated(old: list[tuple[str, ...]], new: list[tuple[str, ...]]) -> bool:
    """One short promotional line put in place of another, rather than edited.

    A rotation swaps words for others ("Spring sale" -> "Summer sale"); words only added or
    removed, or swapped for a spelling of themselves ("Informaton" -> "Information"), are an edit.
    """
    if len(old) != 1 or len(new) != 1 or not (_promo_line(old[0]) and _promo_line(new[0])):
        return False
    removed, added = set(old[0]) - set(new[0]), set(new[0]) - set(old[0])
    if not removed or not added:
        return False
    return not any(
        difflib.SequenceMatcher(None, gone, came).ratio() >= SPELLING_RATIO
        for gone in removed
        for came in added
    )


def _words_outside_years(lines: list[tuple[str, ...]]) -> list[str]:
    return [word for line in lines for word in line if word != NUMBER]


def only_noise(before: str, after: str) -> bool:
    """Whether two texts differ in nothing but noise, word by word (case and punctuation aside).

    Noise is a changed, added or removed year, or date with a year ("© 2021", "printed on
    3/11/2025"; not an age, a period or a count: see DATE_REACH), a line broken elsewhere, and
    at most one whole short line without policy vocabulary put in place of a different such
    line (a rotated promotional line or banner). Anything else, a typo fix or an added line or
    table row included, is a real edit.

    Lines are aligned first and only the lines that differ are compared word by word, so a long
    text costs about as much as its number of lines.
    """
    old_lines, new_lines = _lines(before), _lines(after)
    if len(old_lines) <= 1 and len(new_lines) <= 1:
        return _words_outside_years(old_lines) == _words_outside_years(new_lines)
    aligned = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rotations = 0
    for tag, i1, i2, j1, j2 in aligned.get_opcodes():
        if tag == "equal":
            continue
        old, new = old_lines[i1:i2], new_lines[j1:j2]
        if _words_outside_years(old) == _words_outside_years(new):
            continue  # only years added or removed, or the same words broken into other lines
        if rotations == 0 and _rotated(old, new):
            rotations += 1
            continue
        return False
    return True


def build_versions(
    captures: Iterable[PolicyCapture],
    *,
    include_non_policies: bool = False,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    split_on_effective_date: bool = True,
) -> list[PolicyVersion]:
    """Group one target's captures, in any order, into versions.

    Captures are sorted by time (ties keep their given order). A capture continues the current
    version when its text hash equals that of the version's first capture, or when its sketch
    is at least `threshold` similar to the first capture's and, when both captures carry their
    text, the two texts differ only in noise (`only_noise`). Comparing with the first capture,
    not the previous one, keeps small edits from adding up: a text drifting a line at a time
    starts a new version once it is no longer near the text the version began with. A near
    (not equal) text whose effective date differs from the version's also starts a new version:
    a policy that restates its date is a new version, however small the edit. A text that comes
    back later (A, B, A) is a new version each time.

    Non-policies (soft 404s, login walls...) are left out, so they neither form versions nor
    interrupt one; with `include_non_policies` they form versions of their own (is_policy False).
    """
    timeline = sorted(
        (
            (_utc(capture.captured_at), capture)
            for capture in captures
            if capture.is_policy or include_non_policies
        ),
        key=lambda pair: pair[0],
    )
    runs: list[_Run] = []
    for moment, capture in timeline:
        if runs and _continues(runs[-1], capture, threshold, split_on_effective_date):
            runs[-1].add(moment, capture)
        else:
            runs.append(_Run(moment, capture))
    return [
        PolicyVersion(
            version=number,
            text_hash=run.first.text_hash,
            first_seen=run.moments[0],
            last_seen=run.moments[-1],
            next_seen=runs[number].moments[0] if number < len(runs) else None,
            n_captures=len(run.moments),
            effective_date=run.effective_date,
            capture_keys=tuple(run.keys),
            is_policy=run.first.is_policy,
        )
        for number, run in enumerate(runs, start=1)
    ]


def hash_document(document: Document) -> Document:
    """The hashing step: the key of the normalised text, and its similarity sketch."""
    return replace(
        document, text_hash=text_hash(document.text), sketch=sketch_to_bytes(sketch(document.text))
    )


class DedupePipeline(Stage):
    """Keys each capture's Document by its normalised text, so equal texts share one document."""

    def process_item(self, item):
        if isinstance(item, CaptureItem) and item.document is not None:
            item.document = hash_document(item.document)
        return item
