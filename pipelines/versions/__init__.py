"""The versions stage: text identity and near-identity, and captures grouped into versions."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from crawler.items import CaptureItem, Document
from pipelines.normalise import normalise_text, normalised_hash
from pipelines.stage import Stage
from pipelines.versions.minhash import (
    SKETCH_PERMUTATIONS,
    SKETCH_SCHEME,
    SKETCH_SEED,
    Sketch,
    min_hashes,
    similarity,
    sketch_from_bytes,
    sketch_to_bytes,
)
from pipelines.versions.noise import NoiseCheck

__all__ = [
    "SKETCH_PERMUTATIONS",
    "SKETCH_SCHEME",
    "SKETCH_SEED",
    "Sketch",
    "min_hashes",
    "similarity",
    "sketch_from_bytes",
    "sketch_to_bytes",
]

# Two texts are near-duplicates when the MinHash estimate of the Jaccard similarity of their
# word 5-shingle sets is at least this. Measured on Open Terms Archive's series
# (bench/dedupe_threshold.py, tests/test_dedupe_quality.py): later pages whose text did not
# change score 1.0 against their snapshot; consecutive versions whose version.md changed by 2% of
# its words or more score at most 0.970; versions differing only in markup, which the extractor
# may still render slightly differently, score 0.983 and up. Edits below 2% of the words (a typo,
# an address, a table row, a dated sentence) score 0.94-1.0: most fall above, so a version
# tolerates a copyright-year change in texts of ~500 words or more and a one-line banner in
# texts of ~1,600 words or more. An edit that also changes the effective date still starts a
# version (see build_versions). This decides when only sketches are at hand; with the texts (as
# rebuild_versions always has them), a pair is compared word by word instead (noise.py), which
# keeps those small edits apart and lets a short text's copyright year change.
NEAR_DUPLICATE_THRESHOLD = 0.98
# With the texts at hand, pairs less similar than this are not compared word by word: noise (a
# year, one short line) changes at most ~30 of a text's shingles, so a text of 60 words or more
# that changed only in noise keeps more than half of them.
NOISE_CHECK_FLOOR = 0.5

SHINGLE_WORDS = 5

_WORD = re.compile(r"\w+")


def shingles(text: str, normalised: bool = False) -> set[bytes]:
    """What a sketch summarises: each run of SHINGLE_WORDS words of the casefolded text.

    `normalised`: `text` is normalise_text's already.
    """
    text = text if normalised else normalise_text(text)
    words = [word.encode("utf-8") for word in _WORD.findall(text.casefold())]
    if len(words) <= SHINGLE_WORDS:
        return {b" ".join(words)} if words else set()
    runs = zip(*(words[start:] for start in range(SHINGLE_WORDS)), strict=False)
    return set(map(b" ".join, runs))


def sketch(text: str, normalised: bool = False) -> Sketch:
    """MinHash of the text's word 5-shingles (case-insensitive): compare with `similarity`.

    `normalised`: `text` is normalise_text's already.
    """
    return Sketch(min_hashes(shingles(text, normalised)))


@dataclass(frozen=True, slots=True)
class PolicyCapture:
    """What versioning needs of one capture. Give `sketch`, or `text` to sketch it from.

    With its text (here, or from build_versions' `texts`), a near text is compared word by word
    with the text that began the version: only noise (`noise.py`) keeps it in. Without,
    the sketch decides.
    """

    key: Hashable  # identifies the capture to the caller, e.g. (site, url, timestamp, digest)
    captured_at: datetime  # timezone-aware
    text_hash: str
    sketch: Sketch | None = None
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

    __slots__ = ("first", "first_sketch", "effective_date", "moments", "keys")

    def __init__(self, moment: datetime, first: PolicyCapture) -> None:
        self.first = first
        self.first_sketch: Sketch | None = None
        self.effective_date = first.effective_date
        self.moments = [moment]
        self.keys = [first.key]

    def add(self, moment: datetime, capture: PolicyCapture) -> None:
        self.moments.append(moment)
        self.keys.append(capture.key)
        if self.effective_date is None:
            self.effective_date = capture.effective_date


def _sketch_of(capture: PolicyCapture) -> Sketch | None:
    if capture.sketch is not None:
        return capture.sketch
    return sketch(capture.text) if capture.text is not None else None


def _continues(
    run: _Run,
    capture: PolicyCapture,
    threshold: float,
    split_on_effective_date: bool,
    noise: NoiseCheck,
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
    if score < min(threshold, NOISE_CHECK_FLOOR):
        return False
    decided = noise(run.first.text_hash, capture.text_hash)
    if decided is not None:
        return decided
    return score >= threshold  # sketches only: near is near enough


def build_versions(
    captures: Iterable[PolicyCapture],
    *,
    include_non_policies: bool = False,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    split_on_effective_date: bool = True,
    texts: Callable[[str], str | None] | None = None,
) -> list[PolicyVersion]:
    """Group one target's captures, in any order, into versions.

    Captures are sorted by time (ties keep their given order). A capture continues the current
    version when its text hash equals that of the version's first capture, or, when both texts
    are at hand (a capture's `text`, or `texts(text_hash)`, asked only when needed), when the
    two differ only in noise (`noise.py`); with sketches alone, when its sketch is at
    least `threshold` similar to the first capture's. Comparing with the first capture,
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
    given = {capture.text_hash: capture.text for _, capture in timeline if capture.text is not None}

    def text_of(text_hash: str) -> str | None:
        if text_hash in given:
            return given[text_hash]
        return texts(text_hash) if texts is not None else None

    noise = NoiseCheck(text_of)
    runs: list[_Run] = []
    for moment, capture in timeline:
        if runs and _continues(runs[-1], capture, threshold, split_on_effective_date, noise):
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
    normalised = normalise_text(document.text)
    return replace(
        document,
        text_hash=normalised_hash(normalised),
        sketch=sketch_to_bytes(sketch(normalised, normalised=True)),
    )


class DedupePipeline(Stage):
    """Keys each capture's Document by its normalised text, so equal texts share one document."""

    def process_item(self, item):
        document = item.document if isinstance(item, CaptureItem) else None
        if document is not None and not document.analysed:
            item.document = hash_document(item.document)
        return item
