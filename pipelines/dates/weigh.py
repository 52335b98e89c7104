"""How much a date found in a text looks like the policy's own: its label, place and company."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipelines.dates import labels as vocabulary
from pipelines.dates.found import Found

# What a label's kind tells of its date (see labels.py), and how much a date's place counts.
# Swept by bench/fit_date_weights.py (OTA and Princeton-Leuven pins, held-out rounds 1-2: 131
# pages, round 3 kept out); each value lies in the range that dates all 131 right, given here.
LABEL_WEIGHTS = {"back": 1.0, "ahead": 1.0, "neutral": 0.85}  # neutral: 0.30-1.00
CHANGELOG_WEIGHT = 0.7  # the newest entry of a list of dated changes: 0.35-1.00
BARE_WEIGHT = 0.5  # a date standing alone on a line near the top or the end: 0.35-1.00
# A line this short above a date, past a blank line, may be its label. No tuning page moves it
# (0-300 all right): a label is a few words ("Effective date").
LABEL_HEADING_CHARS = 40
# Near the top, where policies put their date, or at the very end, where older ones did: the
# share 0.05-0.25 dates all right; the floor (0-2,000 all right) keeps short texts whole.
ZONE_SHARE, ZONE_MIN_CHARS = 0.12, 600
POSITION_WEIGHTS = {"top": 1.0, "end": 0.9, "middle": 0.6}  # end: 0.75-1.00, middle: 0.30-0.70
# A previous version's date, a period's end ("until"): no tuning page moves these two (all
# right from 0 to 1); they must sink a labelled top date (1.0) under MIN_SCORE, so below 0.3.
PREVIOUS_PENALTY = 0.15
BOUNDARY_PENALTY = 0.2
CONDITIONAL_PENALTY = 0.5  # "for residents of California": 0.00-0.80
# Characters from a law's name to the "of" before its date; no tuning page moves it (0-300).
LAW_CONNECTOR_REACH = 60


@dataclass(slots=True)
class Candidate:
    found: Found
    score: float
    label_start: int
    phrase_end: int  # past a label that follows its date ("am 12.03.2020 aktualisiert")
    label: str  # effective, updated, revised, modified, posted, version, dated; bare, changelog
    zone: str = "top"  # top, middle or end of the text
    ambiguous: bool = False
    capture_decided: bool = False

    @property
    def direction(self) -> str:
        return "back" if self.label == "changelog" else _direction(self.label)


def _alternatives(fragments: tuple[str, ...] | list[str]) -> str:
    return "|".join(f"(?:{fragment})" for fragment in fragments)


def _words(*fragments: str, end: str = "") -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_alternatives(fragments)}){end}", re.IGNORECASE)


_PREVIOUS = _words(*vocabulary.PREVIOUS, end=r"\b")
_REPLACES = _words(*vocabulary.REPLACES, end=r"\b")
_BOUNDARY = _words(*vocabulary.UNTIL, end=r"\s*$")
_CONDITIONAL = _words(*vocabulary.FOR_SOME_READERS, end=r"\b")
_EXAMPLE = re.compile(rf"(?:\b(?:{_alternatives(vocabulary.EXAMPLE)}))", re.IGNORECASE)
_COPYRIGHT = re.compile(_alternatives(vocabulary.COPYRIGHT), re.IGNORECASE)
_LAW = _words(*vocabulary.LAWS, end=r"\b")
_LAW_CONNECTOR = _words(*vocabulary.LAW_CONNECTORS, end=r"\s*$")
_POLICY_WORD = _words(*vocabulary.POLICY_WORDS, end=r"\b")
_SENTENCE_END = re.compile(r"[.!?;](?=\s+[A-ZÀ-ÖØ-Þ])|\n[ \t]*\n")
_GAP = re.compile(r"[^\d.!?;]{0,32}")
_LINE_REST = re.compile(r"[\W_]*", re.UNICODE)
# A place of signature before a date: one to three words, the first capitalised, a comma, and
# the article some languages put before the date: two held-out pages written apart need it
# ("Roma, 15/10/2013" in round 1, "En Sevilla, a 3 de febrero de 2014" in round 2).
_SIGNED_AT = re.compile(
    r"\s*[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:[ -][\w'’.-]+){0,2},\s*(?:le|den|am|il|lì|li|a|el|on)?\s*"
)
_CHANGELOG_TAIL = re.compile(r"\s*[:\-–—)]\s*\S")
_VERSION_BEFORE = re.compile(
    rf"\b(?:{_alternatives(vocabulary.VERSION_WORDS)})\.?\s*$", re.IGNORECASE
)
VERSION_REACH = 12  # characters before a dotted number where "version", "v", "SDK" may stand


# A version label may carry its number before the date: "Version 3.2 - 04/08/2020".
_VERSION_NUMBER = r"(?:\s+(?:no\.?\s*)?\d+(?:\.\d+)*)?"


@cache
def _label_patterns(languages: frozenset[str]) -> dict[str, re.Pattern[str]]:
    """One pattern per label kind, over the labels of `languages` (and English)."""
    fragments: dict[str, list[str]] = {}
    for language in ["en", *sorted(languages - {"en"})]:
        for kind, words in vocabulary.LABELS.get(language, {}).items():
            suffix = _VERSION_NUMBER if kind == "version" else ""
            fragments.setdefault(kind, []).extend(f"(?:{word}){suffix}" for word in words)
    return {kind: _words(*dict.fromkeys(words)) for kind, words in fragments.items()}


def _named_kinds(labels: dict[str, tuple[str, ...]]) -> str:
    """The labels as one alternation, a group named after each kind."""
    return "|".join(f"(?P<{kind}>{_alternatives(words)})" for kind, words in labels.items())


_TRAILING = re.compile(rf"\s{{1,3}}(?:{_named_kinds(vocabulary.TRAILING_LABELS)})\b", re.IGNORECASE)
# A date and its word as a line of their own, no space needed ("2016年4月1日改定").
_LINE_END = re.compile(
    rf"[ \t]{{0,3}}(?:{_named_kinds(vocabulary.LINE_END_LABELS)})[ \t]*[。.]?[ \t]*$",
    re.MULTILINE,
)
# What may come before such a date on its line: bullets.
_LINE_LEAD = " \t・･-*•"


def _trailing(text: str, item: Found) -> re.Match[str] | None:
    """The label right after the date ("am 12.03.2020 aktualisiert"), or the word ending a
    line the date starts ("2016年4月1日 改定")."""
    found = _TRAILING.match(text, item.end)
    if found is not None:
        return found
    line_start = text.rfind("\n", 0, item.start) + 1
    if text[line_start : item.start].strip(_LINE_LEAD):
        return None
    return _LINE_END.match(text, item.end)


def clause_before(text: str, start: int) -> int:
    """Where the clause leading up to `start` begins: this line, or the label line above it."""
    line_start = text.rfind("\n", 0, start) + 1
    begin = line_start
    label_line_end = -1  # a heading above the date ("Effective date", blank line, the date)
    if not text[line_start:start].strip() and line_start > 0:
        above = text[:line_start].rstrip()
        previous_start = above.rfind("\n") + 1
        blank_between = "\n" in text[len(above) : line_start - 1]
        if not blank_between or len(above) - previous_start <= LABEL_HEADING_CHARS:
            begin, label_line_end = previous_start, len(above)
    begin = max(begin, start - 200)
    for boundary in _SENTENCE_END.finditer(text, begin, start):
        if boundary[0] == "." and _abbreviation_before(text, boundary.start()):
            continue
        if boundary[0].startswith("\n") and boundary.start() == label_line_end:
            continue
        begin = boundary.end()
    return begin


def _abbreviation_before(text: str, dot: int) -> bool:
    word = re.search(r"(\w+)$", text[max(0, dot - 12) : dot])
    return word is None or len(word[1]) == 1 or word[1].lower() in vocabulary.ABBREVIATIONS


def _label(
    text: str, clause_start: int, start: int, languages: frozenset[str]
) -> tuple[str, int] | None:
    """The label that introduces the date at `start`: its kind and where it begins.

    Of several, the one closest to the date wins, a looking-back or ahead one over a neutral.
    """
    labels = []
    for kind, pattern in _label_patterns(languages).items():
        for match in pattern.finditer(text, clause_start, start):
            if _GAP.fullmatch(text, match.end(), start):
                weight = LABEL_WEIGHTS[_direction(kind)]
                labels.append((weight, match.end(), kind, match.start()))
    if not labels:
        return None
    _, _, kind, label_start = max(labels)
    return kind, label_start


def _direction(kind: str) -> str:
    if kind in vocabulary.LOOKING_AHEAD:
        return "ahead"
    return "back" if kind in vocabulary.LOOKING_BACK else "neutral"


def _zone(start: int, length: int) -> str:
    zone = max(ZONE_SHARE * length, ZONE_MIN_CHARS)
    if start <= zone:
        return "top"
    return "end" if start >= length - zone else "middle"


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _standalone(text: str, item: Found) -> bool:
    """Whether the date is all there is on its line, but for punctuation and a place it was
    signed at ("Roma, 15/10/2013", "Paris, le 3 mai 2019", "Berlin, den 12.03.2020")."""
    line_start = text.rfind("\n", 0, item.start) + 1
    before = text[line_start : item.start]
    if _LINE_REST.fullmatch(text[item.end : _line_end(text, item.end)]) is None:
        return False
    return _LINE_REST.fullmatch(before) is not None or _SIGNED_AT.fullmatch(before) is not None


def _version_number(text: str, item: Found) -> bool:
    """A dotted number after "version", "v", "SDK": "4.12.21" is a release, not 4 December."""
    if item.separator != "." or not item.short_year:
        return False
    return _VERSION_BEFORE.search(text, max(0, item.start - VERSION_REACH), item.start) is not None


def incidental(text: str, item: Found, languages: frozenset[str]) -> bool:
    """Whether the date is one the dater never takes (an example's, a copyright line's, a
    law's, a version number): it is no evidence of how the page writes its own dates."""
    if _version_number(text, item):
        return True
    clause = text[clause_before(text, item.start) : item.start]
    return bool(
        _EXAMPLE.search(clause) or _COPYRIGHT.search(clause) or _law_date(clause, None, languages)
    )


def weigh(text: str, item: Found, languages: frozenset[str]) -> Candidate | None:
    """A candidate for the policy's date, or None for a law's, an example's or a bare one's."""
    length = len(text)
    clause_start = clause_before(text, item.start)
    clause = text[clause_start : item.start]
    if _EXAMPLE.search(clause) or _COPYRIGHT.search(clause) or _version_number(text, item):
        return None
    label = _label(text, clause_start, item.start, languages)
    updated_at = label[1] - clause_start if label and _direction(label[0]) == "back" else None
    if _law_date(clause, updated_at, languages):
        return None
    zone = _zone(item.start, length)
    trailing = _trailing(text, item)
    phrase_end = trailing.end() if trailing else item.end
    if label is not None:
        kind, label_start = label
        weight = LABEL_WEIGHTS[_direction(kind)]
    elif trailing is not None:
        kind = next(name for name, value in trailing.groupdict().items() if value)
        label_start, weight = item.start, LABEL_WEIGHTS[_direction(kind)]
    elif item.day is None or item.short_year or zone == "middle":
        return None
    elif _standalone(text, item):
        kind, label_start, weight = "bare", item.start, BARE_WEIGHT
    else:
        return None
    score = weight * POSITION_WEIGHTS[zone]
    context = clause if label is not None else text[max(0, item.start - 300) : item.start]
    previous = _PREVIOUS.search(context)
    # "This policy replaces the previous version and is effective ...": the date is the new one's.
    if previous and not _REPLACES.search(context, 0, previous.start()):
        score *= PREVIOUS_PENALTY
    if _BOUNDARY.search(text, clause_start, item.start):
        score *= BOUNDARY_PENALTY
    sentence_end = _SENTENCE_END.search(text, item.end)
    after_end = min(item.end + 60, _line_end(text, item.end))
    if sentence_end:
        after_end = min(after_end, sentence_end.start())
    after = text[item.end : after_end]
    if _CONDITIONAL.search(clause) or _CONDITIONAL.search(after):
        score *= CONDITIONAL_PENALTY
    return Candidate(item, score, label_start, phrase_end, kind, zone)


def _law_date(clause: str, updated_at: int | None, languages: frozenset[str]) -> bool:
    """Whether the clause makes the date a legal instrument's ("the Act of 18 July 2002").

    `updated_at` is where a looking-back label starts in the clause, if the date has one.
    """
    laws = list(_LAW.finditer(clause))
    if not laws:
        return False
    last_law = laws[-1]
    between = clause[last_law.end() :]
    labelled_between = any(
        pattern.search(between)
        for kind, pattern in _label_patterns(languages).items()
        if _direction(kind) != "neutral"
    )
    if (
        _LAW_CONNECTOR.search(clause)
        and len(between) <= LAW_CONNECTOR_REACH
        and not labelled_between
    ):
        return True
    # "The GDPR took effect May 25, 2018": a law and no policy in the clause, unless the date is
    # labelled as an update after the law's name ("GDPR notice. Last updated: ...").
    labelled_after_law = updated_at is not None and updated_at >= last_law.end()
    return not _POLICY_WORD.search(clause) and not labelled_after_law


def changelogs(text: str, found: list[Found]) -> list[Candidate]:
    """The newest entry of each run of lines opening with a date ("May 2, 2020: added X")."""
    entries = [
        item
        for item in found
        if item.day is not None
        and not text[text.rfind("\n", 0, item.start) + 1 : item.start].strip(" \t*-•_")
        and _CHANGELOG_TAIL.match(text, item.end)
    ]
    runs: list[list[Found]] = []
    for item in entries:
        if runs and text.count("\n", runs[-1][-1].end, item.start) <= 2:
            runs[-1].append(item)
        else:
            runs.append([item])
    candidates = []
    for run in runs:
        if len(run) < 2:
            continue
        newest = max(run, key=lambda item: (item.year, item.month, item.day or 1))
        score = CHANGELOG_WEIGHT * POSITION_WEIGHTS[_zone(run[0].start, len(text))]
        if _PREVIOUS.search(text, max(0, run[0].start - 300), run[0].start):
            score *= PREVIOUS_PENALTY
        zone = _zone(run[0].start, len(text))
        candidates.append(Candidate(newest, score, newest.start, newest.end, "changelog", zone))
    return candidates
