"""Every date written in a text: numeric, ISO, with a month's name in the page's languages, CJK."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from pipelines.dates.months import months_for

# Policies on the web start in the mid-1990s; an earlier date is a law's or a company's history.
MIN_YEAR, MAX_YEAR = 1990, 2099
TWO_DIGIT_PIVOT = 90  # "3/11/25" is 2025, "12/1/98" is 1998
YEAR_REACH = 40  # characters from a date's first letter to its year: "1er septembre de 2021"

_YEAR = r"(?P<y>(?:19|20)\d\d)(?!\d)"
_DAY = r"(?P<d>[0-3]?\d)"
_ISO = re.compile(
    r"(?<![\d./-])(?P<y>(?:19|20)\d\d)(?P<sep>[-/.])(?P<m>[01]?\d)(?P=sep)(?P<d>[0-3]?\d)"
    r"(?![\d]|[./-]\d)"
)
# Chinese, Japanese and Korean write year, month and day with a sign after each number.
_CJK = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[年년]\s*(?P<m>[01]?\d)\s*[月월]\s*(?P<d>[0-3]?\d)\s*[日일]?"
)
_NUMERIC = re.compile(
    r"(?<![\d./-])(?P<a>[0-3]?\d)(?P<sep>[/.-])(?P<b>[0-3]?\d)(?P=sep)(?P<y>(?:19|20)?\d\d)"
    r"(?![\d]|[./-]\d)"
)
# Czech, Slovak and some German writers put a space after each dot: "1. 3. 2019". Four-digit
# years only: "1. 3. 19" is as likely a list's numbering.
_SPACED_DOTS = re.compile(
    r"(?<![\d.])(?P<a>[0-3]?\d)(?P<sep>\.) (?P<b>0?[1-9]|1[0-2])\. (?P<y>(?:19|20)\d\d)(?!\d|\.\d)"
)
_NUMERIC_MONTH_YEAR = re.compile(
    r"(?<![\d./-])(?P<m>[01]?\d)[/.](?P<y>(?:19|20)\d\d)(?![\d]|[./-]\d)"
)
_ODD_SPACE = re.compile("[\u00a0\u2007\u2009\u202f]")
_YEAR_ONLY = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


@dataclass(slots=True)
class Found:
    """A date written in the text, before its label and place are weighed."""

    start: int
    end: int
    year: int
    month: int
    day: int | None  # None for a month-only date
    month_first: tuple[int, int] | None = None  # a numeric date's other reading (month, day)
    separator: str = ""
    forced_order: str = ""  # "dmy" or "mdy" when only one reading of a numeric date exists
    short_year: bool = False
    written_order: str = ""  # "dmy" or "mdy" for a date with a month name

    @property
    def value(self) -> str:
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class _Patterns:
    names: dict[str, int]
    day_month_year: re.Pattern[str]
    month_day_year: re.Pattern[str]
    year_month_day: re.Pattern[str]
    month_year: re.Pattern[str]


@cache
def _patterns(languages: frozenset[str]) -> _Patterns:
    names = months_for(languages)
    month = r"\b(?P<mon>" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    month += r")\b\.?"
    return _Patterns(
        names,
        # "1st", "1er", "1.", "1º"; "of", "de" and "den" join day, month and year.
        re.compile(
            rf"(?<![\d.,/-]){_DAY}(?:st|nd|rd|th|er|re|e|º|°)?\.?\s*(?:of\s+|de\s+)?{month},?"
            rf"\s*(?:de\s+|del\s+)?{_YEAR}",
            re.IGNORECASE,
        ),
        re.compile(rf"{month}\s*{_DAY}(?:st|nd|rd|th)?(?!\d),?\s+{_YEAR}", re.IGNORECASE),
        # Hungarian and Lithuanian: "2019. február 14."
        re.compile(rf"{_YEAR}\.?\s+{month}\s+{_DAY}\.?(?!\d)", re.IGNORECASE),
        re.compile(rf"{month},?\s+(?:de\s+|del\s+)?{_YEAR}", re.IGNORECASE),
    )


def plain_spaces(text: str) -> str:
    """`text` with no-break and thin spaces made plain, keeping every offset."""
    return _ODD_SPACE.sub(" ", text)


def _near_years(text: str) -> list[tuple[int, int]]:
    """Stretches of `text` that end in a four-digit year, where a month's name may come before.

    Trying dozens of month names at every word is slow; years are rare, so look only there.
    """
    stretches: list[tuple[int, int]] = []
    for year in _YEAR_ONLY.finditer(text):
        start, end = max(0, year.start() - YEAR_REACH), year.end() + YEAR_REACH // 2
        if stretches and start <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], end)
        else:
            stretches.append((start, end))
    return stretches


def _matches(
    pattern: re.Pattern[str], text: str, stretches: list[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """`pattern`'s matches that end within one of `stretches` (lookarounds see the whole text)."""
    for start, end in stretches:
        for match in pattern.finditer(text, start, min(len(text), end + 3)):
            if match.end() <= end:
                yield match


def find_dates(text: str, languages: frozenset[str]) -> list[Found]:
    """Every date written in `text` (month names in `languages`), full dates claiming first."""
    patterns = _patterns(languages)
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def keep(item: Found) -> None:
        free = all(item.end <= left or item.start >= right for left, right in taken)
        if free and _valid(item):
            found.append(item)
            taken.append((item.start, item.end))

    for pattern in (_ISO, _CJK):
        for match in pattern.finditer(text):
            year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
            keep(Found(match.start(), match.end(), year, month, day, separator="iso"))
    stretches = _near_years(text)

    def with_names(pattern: re.Pattern[str], written_order: str) -> None:
        for match in _matches(pattern, text, stretches):
            month = patterns.names[match["mon"].lower()]
            item = Found(match.start(), match.end(), int(match["y"]), month, int(match["d"]))
            item.written_order = written_order
            keep(item)

    with_names(patterns.day_month_year, "dmy")
    with_names(patterns.month_day_year, "mdy")
    for match in _NUMERIC.finditer(text):
        keep(_numeric(match))
    for match in _SPACED_DOTS.finditer(text):
        keep(_numeric(match))
    with_names(patterns.year_month_day, "ymd")  # after numeric ones: "31.12.2020 maart 1"
    for match in _matches(patterns.month_year, text, stretches):
        month = patterns.names[match["mon"].lower()]
        keep(Found(match.start(), match.end(), int(match["y"]), month, None))
    for match in _NUMERIC_MONTH_YEAR.finditer(text):
        item = Found(match.start(), match.end(), int(match["y"]), int(match["m"]), None)
        item.short_year = True  # bare "06/2021" is as often a card expiry as a date: label needed
        keep(item)
    return sorted(found, key=lambda item: item.start)


def _numeric(match: re.Match[str]) -> Found:
    """A d/m/y or m/d/y date, read day first, with its month-first reading if there is one."""
    first, second, year_text = int(match["a"]), int(match["b"]), match["y"]
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year < TWO_DIGIT_PIVOT else 1900
    item = Found(match.start(), match.end(), year, second, first, separator=match["sep"])
    item.short_year = len(year_text) == 2
    day_first, month_first = day_exists(year, second, first), day_exists(year, first, second)
    if day_first and month_first and first != second:
        item.month_first = (first, second)
    elif month_first and not day_first:
        item.month, item.day, item.forced_order = first, second, "mdy"
    elif day_first and not month_first:
        item.forced_order = "dmy"
    elif not day_first:
        item.year = 0  # neither reading is a day of the calendar
    return item


def day_exists(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _valid(item: Found) -> bool:
    if not MIN_YEAR <= item.year <= MAX_YEAR:
        return False
    return (
        1 <= item.month <= 12 if item.day is None else day_exists(item.year, item.month, item.day)
    )
