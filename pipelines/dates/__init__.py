"""The dates stage: the dates a policy states for itself ("Last updated", "Effective", "Stand").

A policy may state several ("Effective May 1, 2018" and "Last updated May 24, 2018"): all are
kept, with their labels, and the policy's `effective_date` is the latest of those stated in its
own date lines (labelled dates at the top of the text, where its title block is put, or at
its end, unless under another document's heading): the day its current text became what it
is. A page stating dates only elsewhere gets its best-placed one.
Parts: `found` (dates written in a text), `weigh` (labels and places), `order` (day or month
first), `labels` and `months` (vocabularies, data only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from crawler.items import CaptureItem, Document, StatedDate
from pipelines.dates.found import MAX_YEAR, MIN_YEAR, Found, find_dates, plain_spaces
from pipelines.dates.labels import (
    LANGUAGE_ALIASES,
    OTHER_DOCUMENTS,
    PRIVACY_HEADINGS,
    STOPWORDS,
)
from pipelines.dates.order import Order, numeric_order
from pipelines.dates.weigh import Candidate, changelogs, incidental, weigh
from pipelines.stage import Stage

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "DatesPipeline",
    "EffectiveDate",
    "date_document",
    "date_spans",
    "find_effective_date",
]

# Swept by bench/fit_date_weights.py (131 tuning pages, all dated right over the range given).
MIN_SCORE = 0.3  # 0.00-0.45
# A date line: a labelled date at the top or the end of the text (weigh.py: a label weighs 0.85
# to 1.0, the top zone 1.0 and the end 0.9, the middle 0.6): 0.85 x 0.9 = 0.765 is the least.
DATE_LINE_SCORE = 0.75  # 0.65-0.90
AMBIGUOUS_CONFIDENCE = 0.6
CAPTURE_DECIDED_CONFIDENCE = 0.85
CONTESTED_CONFIDENCE = 0.8
# How far above an end-of-text date line, and how short a line, a heading is looked for.
HEADING_REACH, HEADING_WORDS = 3_000, 8
# Scanned for month names when a page's language is unknown and cannot be guessed.
FALLBACK_LANGUAGES = frozenset({*STOPWORDS, "pt"})

_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_STOPWORD_SETS = {language: frozenset(words.split()) for language, words in STOPWORDS.items()}
_OTHER_DOCUMENT = re.compile(
    "|".join(f"(?:{heading})" for heading in OTHER_DOCUMENTS), re.IGNORECASE | re.MULTILINE
)
NOT_LEGAL = "not legal"  # the classifier's kind for a page that is no legal document
_PRIVACY_HEADING = re.compile("|".join(PRIVACY_HEADINGS), re.IGNORECASE)
_LABEL_NAMES = {"bare": "dated", "changelog": "revised"}


@dataclass(frozen=True, slots=True)
class EffectiveDate:
    value: str  # "YYYY-MM-DD", or "YYYY-MM" when the page states only a month
    phrase: str  # the exact phrase it came from
    confidence: float  # 0..1
    ambiguous: bool  # a numeric date whose day/month order nothing on the page decides
    after_capture: bool  # stated date later than captured_at
    order_evidence: str = ""  # what decided a numeric date's order ("declared language en-GB")
    stated: tuple[StatedDate, ...] = ()  # every date the policy states for itself, in text order


def find_effective_date(
    text: str,
    language: str | None = None,
    captured_at: datetime | None = None,
    *,
    declared: str | None = None,
    url: str | None = None,
) -> EffectiveDate | None:
    """The dates `text` states for itself and the one that governs, or None when it states none.

    `language` is the text's language ("en", or a BCP 47 tag "en-US"); `declared` the page's
    own `lang` ("en-GB"), `url` where it was captured: both are evidence for the order of day
    and month. `captured_at` settles numeric dates a label says are past, and flags dates after it.
    """
    scan = _URL.sub(lambda match: " " * len(match[0]), plain_spaces(text))
    if declared is None and language and "-" in language.replace("_", "-"):
        declared = language
    primary = _primary(language) or _primary(declared) or _guess_language(scan)
    # The text's language, the declared one (either may be wrong: a Spanish text under a
    # template's lang="en"), English, and the languages pages most often come in.
    languages = FALLBACK_LANGUAGES | {primary, _primary(declared), "en"} - {""}
    found = find_dates(scan, languages)
    if not found:
        return None
    own = [item for item in found if not incidental(scan, item, languages)]
    order = numeric_order(own, primary or None, declared, url)
    captured = captured_at.date() if captured_at is not None else None
    candidates = [
        candidate
        for candidate in (weigh(scan, date_found, languages) for date_found in found)
        if candidate is not None
    ]
    candidates += changelogs(scan, found)
    for candidate in candidates:
        _century(candidate.found, captured)
        _resolve_order(candidate, order, captured)
    candidates = [candidate for candidate in candidates if candidate.score >= MIN_SCORE]
    if not candidates:
        return None
    best = max(candidates, key=lambda candidate: (candidate.score, -candidate.found.start))
    lines = _stated(scan, candidates) or [best]
    chosen = max(lines, key=lambda candidate: (_first_day(candidate.found), candidate.score))
    value = chosen.found.value
    confidence = min(1.0, chosen.score)
    stated_values = {candidate.found.value for candidate in lines}
    rivals = [
        c for c in candidates if c.found.value not in stated_values and c.score >= 0.8 * best.score
    ]
    if rivals:
        confidence *= CONTESTED_CONFIDENCE
    if chosen.ambiguous:
        confidence *= AMBIGUOUS_CONFIDENCE
    elif chosen.capture_decided:
        confidence *= CAPTURE_DECIDED_CONFIDENCE
    numeric = any(c.found.separator not in ("", "iso") for c in lines)
    return EffectiveDate(
        value=value,
        phrase=text[chosen.label_start : chosen.phrase_end],
        confidence=round(confidence, 2),
        ambiguous=chosen.ambiguous,
        after_capture=captured is not None and _first_day(chosen.found) > captured,
        order_evidence=_evidence(chosen, order) if numeric else "",
        stated=tuple(
            StatedDate(
                _LABEL_NAMES.get(candidate.label, candidate.label),
                candidate.found.value,
                text[candidate.label_start : candidate.phrase_end],
            )
            for candidate in sorted(lines, key=lambda candidate: candidate.found.start)
        ),
    )


def _primary(tag: str | None) -> str:
    """The primary language subtag, as the labels file it: "en-GB" -> "en", "no" -> "nb"."""
    primary = (tag or "").replace("_", "-").split("-")[0].lower()
    return LANGUAGE_ALIASES.get(primary, primary)


def _stated(text: str, candidates: list[Candidate]) -> list[Candidate]:
    """The policy's date lines, one per date (its best-scored phrase): labelled dates at the
    top or the end of the text, but not one under another document's heading; at the end, a
    neutral label ("Posted", "version of") counts only when the top states no date."""
    eligible = [
        candidate
        for candidate in candidates
        if candidate.score >= DATE_LINE_SCORE
        and candidate.label not in ("bare", "changelog")
        and not _under_other_document(text, candidate.found.start)
    ]
    top = any(candidate.zone == "top" for candidate in eligible)
    lines: dict[str, Candidate] = {}
    for candidate in eligible:
        if top and candidate.zone != "top" and candidate.direction == "neutral":
            continue
        held = lines.get(candidate.found.value)
        if held is None or candidate.score > held.score:
            lines[candidate.found.value] = candidate
    return list(lines.values())


def _under_other_document(text: str, start: int) -> bool:
    """Whether the nearest short line above `start` that names a document names another one
    ("Cookie Policy", "Terms & Conditions.") rather than the privacy policy."""
    for line in reversed(text[max(0, start - HEADING_REACH) : start].splitlines()[:-1]):
        if not 0 < len(line.split()) <= HEADING_WORDS:
            continue
        if _OTHER_DOCUMENT.search(line):
            return True
        if _PRIVACY_HEADING.search(line):
            return False
    return False


def _evidence(chosen: Candidate, order: Order) -> str:
    if chosen.capture_decided:
        return "capture time: a date that looks back cannot be after it"
    if chosen.ambiguous:
        return ""
    return order.evidence


def date_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every date with a year written in `text`, in order."""
    return [(item.start, item.end) for item in find_dates(plain_spaces(text), FALLBACK_LANGUAGES)]


def _guess_language(text: str) -> str:
    """The language whose commonest words are commonest in `text` ("" when none is)."""
    words = [word.lower() for word in _WORD.findall(text[:5_000])]
    counts = {
        language: sum(word in stopwords for word in words)
        for language, stopwords in _STOPWORD_SETS.items()
    }
    ranked = sorted(counts, key=lambda name: counts[name], reverse=True)
    first, second = counts[ranked[0]], counts[ranked[1]]
    return ranked[0] if first >= 2 and first > second else ""


def _century(item: Found, captured: date | None) -> None:
    """A two-digit year read into the century that does not put it years after the capture:
    "04/08/89" on a page captured in 1999 is 1989, not 2089."""
    if item.short_year and captured is not None and item.year > captured.year + 1:
        item.year -= 100


def _resolve_order(candidate: Candidate, order: Order, captured: date | None) -> None:
    """Read a numeric date day- or month-first: by the page's evidence, by the capture date, or
    flag it."""
    item = candidate.found
    if item.month_first is None:
        return
    day_first = date(item.year, item.month, item.day or 1)
    month_first = date(item.year, *item.month_first)
    looks_back = candidate.direction != "ahead"
    if order.order is not None:
        chosen, other = (
            (day_first, month_first) if order.order == "dmy" else (month_first, day_first)
        )
        if (
            looks_back
            and not order.decisive
            and captured is not None
            and chosen > captured >= other
        ):
            chosen = other  # a label saying "updated" can't name a day after the capture
            candidate.capture_decided = True
    elif captured is not None and (day_first > captured) != (month_first > captured):
        # Looking back, only the reading before the capture is possible; an "effective" date
        # may lie ahead, so there the capture is weak evidence, taken only when nothing else is.
        chosen = day_first if day_first <= captured else month_first
        candidate.capture_decided = True
    else:
        chosen = month_first
        candidate.ambiguous = True
    item.month, item.day = chosen.month, chosen.day
    item.month_first = None


def _first_day(item: Found) -> date:
    return date(item.year, item.month, item.day or 1)


def date_document(
    document: Document, captured_at: datetime | None, url: str | None = None
) -> Document:
    """The dating step: the dates the document states for itself, if it states any. A page the
    classifier found to be no legal document (a legal hub listing its documents' dates, a home
    page with dated news) states none of its own."""
    if document.kind == NOT_LEGAL:
        return document
    found = find_effective_date(
        document.text, document.language, captured_at, declared=document.declared_language, url=url
    )
    if found is None:
        return document
    return replace(
        document,
        effective_dates=found.stated,
        effective_date_evidence=found.order_evidence or None,
        effective_date=found.value,
        effective_date_text=found.phrase,
        effective_date_confidence=found.confidence,
        effective_date_ambiguous=found.ambiguous,
        effective_date_after_capture=found.after_capture,
    )


def redate_capture(document: Document, captured_at: datetime | None) -> Document:
    """A document dated under an earlier capture of its text, seen at `captured_at`: only
    whether its date is later than the capture can differ."""
    stated = document.effective_day
    after = stated is not None and captured_at is not None and stated > captured_at.date()
    return replace(document, effective_date_after_capture=after)


class DatesPipeline(Stage):
    """Dates each capture's Document; a stated date later than the capture is counted."""

    def process_item(self, item):
        if isinstance(item, CaptureItem) and item.document is not None and item.memento:
            captured_at = item.memento.memento_datetime
            if not item.document.analysed:
                item.document = date_document(item.document, captured_at, item.url)
            else:
                item.document = redate_capture(item.document, captured_at)
            if item.document.effective_date_after_capture:
                self.crawler.stats.inc_value("policytrail/date_after_capture")
        return item
