"""Whether two texts of one policy differ only in noise: the word-by-word check behind versions.

Noise is what changes between captures of one policy without its terms changing: a copyright
year or a "printed on" date in a short line of page furniture, a line broken elsewhere, and one
rotated promotional line or banner among the first or last lines. Anything else is an edit, however
small: a typo fix, an added table row, a changed age limit, retention period or country. Case and
punctuation other than %, currency signs, @ and © are not compared.
"""

from __future__ import annotations

import difflib
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from pipelines.dates import MAX_YEAR, MIN_YEAR, date_spans
from pipelines.normalise import normalise_text

# A line of page furniture is short, at most this many words, and names nothing a policy is
# about (POLICY_WORDS), or is a copyright line. Only in such lines is a year or a date noise
# ("© 2003-2021", "Printed 3/11/2025"); in a policy's own sentences ("From 1 January 2025 we
# share...", "Last updated: 3/11/2025", "Regulation (EU) 2016/679") it is an edit.
PROMO_LINE_WORDS = 20
# Words that make a short line policy rather than furniture: a line naming data, a right, a
# party or the policy's date is policy however short. Compared with the casefolded words.
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
COPYRIGHT_WORDS = frozenset(("©", "copyright", "urheberrecht"))
# Banners and promotions sit at the top or the bottom of what the extractor keeps: a line
# further in than this, counted in lines holding words, is policy text and is never "rotated".
# A judgement, not a measurement: no pair of Open Terms Archive's series needs a rotation (the
# extractor drops banners), so this and PROMO_LINE_WORDS only bound what one may excuse.
ROTATION_REACH = 3
# A word replaced by one at least this similar, character by character (difflib's ratio), is
# the same word spelt anew: "informaton" -> "information" is 0.95, "spring" -> "summer" 0.33.
SPELLING_RATIO = 0.8
# Parsed texts kept by a NoiseCheck: a run compares every text with its first, so two would do;
# a few more serve texts that come back (A, B, A).
PARSED_TEXTS = 16

# Words, and the signs that change what a sentence says: "10%" is not "$10".
_TOKEN = re.compile(r"\w+|[%$€£¥@©]")
# A four-digit year, or a numeric date whose year has two ("3/11/25"): a line without either
# holds no date with a year. One search per line, before anything slower.
_MAY_HOLD_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|\b\d{1,2}[./-]\d{1,2}[./-]\d{2}\b")


@dataclass(frozen=True, slots=True)
class ComparedText:
    """A text as only_noise compares it."""

    words: tuple[str, ...]  # casefolded words in order, noise (years, dates) left out
    line_of: tuple[int, ...]  # for each of `words`, the line it stands in
    lines: tuple[tuple[str, ...], ...]  # the words of each line holding any, noise kept


def _is_year(word: str) -> bool:
    return (
        len(word) == 4 and word.isascii() and word.isdigit() and MIN_YEAR <= int(word) <= MAX_YEAR
    )


def _furniture(words: list[str]) -> bool:
    if len(words) > PROMO_LINE_WORDS:
        return False
    return POLICY_WORDS.isdisjoint(words) or not COPYRIGHT_WORDS.isdisjoint(words)


def _noise(line: str, tokens: list[re.Match[str]], words: list[str]) -> set[int]:
    """Which of a line's tokens are noise: years and the numbers of dates, in furniture only."""
    if not _MAY_HOLD_YEAR.search(line):
        return set()  # no year, so no date with one either
    if not _furniture(words):
        return set()
    spans = date_spans(line)
    return {
        at
        for at, token in enumerate(tokens)
        if token[0].isascii()
        and token[0].isdigit()
        and (_is_year(token[0]) or any(start <= token.start() < end for start, end in spans))
    }


def compared_text(text: str) -> ComparedText:
    """`text` parsed for only_noise: its words, their lines, what in them is noise."""
    words: list[str] = []
    line_of: list[int] = []
    lines: list[tuple[str, ...]] = []
    for line in normalise_text(text).casefold().split("\n"):
        tokens = list(_TOKEN.finditer(line))
        if not tokens:
            continue
        found = [token[0] for token in tokens]
        noise = _noise(line, tokens, found)
        for at, word in enumerate(found):
            if at not in noise:
                words.append(word)
                line_of.append(len(lines))
        lines.append(tuple(found))
    return ComparedText(tuple(words), tuple(line_of), tuple(lines))


def _line_range(text: ComparedText, line: int) -> tuple[int, int]:
    """Where the words of `line` start and end in `text.words` (lines are contiguous)."""
    start = text.line_of.index(line)
    end = start
    while end < len(text.line_of) and text.line_of[end] == line:
        end += 1
    return start, end


def _near_edge(text: ComparedText, line: int) -> bool:
    return min(line, len(text.lines) - 1 - line) < ROTATION_REACH


def _rotated(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """One short furniture line put in place of another, rather than edited.

    A rotation swaps words for others ("Spring sale" -> "Summer sale"); words only added or
    removed, numbers changed, or words swapped for a spelling of themselves ("Informaton" ->
    "Information") are an edit.
    """
    if len(old) > PROMO_LINE_WORDS or len(new) > PROMO_LINE_WORDS:
        return False
    if not (POLICY_WORDS.isdisjoint(old) and POLICY_WORDS.isdisjoint(new)):
        return False
    removed = {word for word in set(old) - set(new) if not word.isdigit()}
    added = {word for word in set(new) - set(old) if not word.isdigit()}
    if not removed or not added:
        return False
    return not any(
        difflib.SequenceMatcher(None, gone, came).ratio() >= SPELLING_RATIO
        for gone in removed
        for came in added
    )


def differ_only_in_noise(old: ComparedText, new: ComparedText) -> bool:
    """Whether `new` is `old` but for noise (see the module's docstring). Linear in the words."""
    if old.words == new.words:
        return True
    if len(old.lines) <= 1 or len(new.lines) <= 1:
        return False  # a one-line text put in place of another is the whole text changing
    limit = min(len(old.words), len(new.words))
    prefix = 0
    while prefix < limit and old.words[prefix] == new.words[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old.words[-1 - suffix] == new.words[-1 - suffix]:
        suffix += 1
    old_lines = set(old.line_of[prefix : len(old.words) - suffix])
    new_lines = set(new.line_of[prefix : len(new.words) - suffix])
    if len(old_lines) != 1 or len(new_lines) != 1:
        return False  # words only added or removed, or changes in several lines
    (line_before,), (line_after,) = old_lines, new_lines
    if not (_near_edge(old, line_before) and _near_edge(new, line_after)):
        return False
    start, end = _line_range(old, line_before)
    new_start, new_end = _line_range(new, line_after)
    if old.words[:start] + old.words[end:] != new.words[:new_start] + new.words[new_end:]:
        return False  # the change runs past the line's ends
    return _rotated(old.lines[line_before], new.lines[line_after])


def only_noise(before: str, after: str) -> bool:
    """Whether two texts differ in nothing but noise (see the module's docstring)."""
    return differ_only_in_noise(compared_text(before), compared_text(after))


class NoiseCheck:
    """only_noise between texts known by their hash, each parsed once and each pair decided once.

    `text_of` gives the text of a hash, or None when it is not at hand; it is asked only when a
    pair must be compared, and at most PARSED_TEXTS parsed texts are kept.
    """

    def __init__(self, text_of: Callable[[str], str | None]) -> None:
        self._text_of = text_of
        self._parsed: OrderedDict[str, ComparedText | None] = OrderedDict()
        self._decided: dict[tuple[str, str], bool | None] = {}

    def _compared(self, text_hash: str) -> ComparedText | None:
        if text_hash in self._parsed:
            self._parsed.move_to_end(text_hash)
            return self._parsed[text_hash]
        text = self._text_of(text_hash)
        parsed = compared_text(text) if text is not None else None
        self._parsed[text_hash] = parsed
        if len(self._parsed) > PARSED_TEXTS:
            self._parsed.popitem(last=False)
        return parsed

    def __call__(self, first_hash: str, text_hash: str) -> bool | None:
        """Whether the text of `text_hash` is that of `first_hash` but for noise; None when
        either text is not at hand."""
        pair = (first_hash, text_hash)
        if pair not in self._decided:
            old = self._compared(first_hash)
            new = self._compared(text_hash) if old is not None else None
            self._decided[pair] = (
                None if old is None or new is None else differ_only_in_noise(old, new)
            )
        return self._decided[pair]
