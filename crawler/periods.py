"""Calendar periods a study samples by (`--sample-every 6M`): an export's records, discovery's
home pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from crawler.exceptions import BadInputError

# Months a sampling period may last when given in months: those that divide a year, so the
# periods line up with calendar years (3M: quarters, 6M: halves).
MONTH_PERIODS = (1, 2, 3, 4, 6, 12)
# Bit 0 of a period mask: nothing was archived before (the Wayback Machine begins in 1996).
MASK_EPOCH = date(1990, 1, 1)
_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_PERIOD = re.compile(r"(\d{1,3})\s*([MY])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SamplingPeriod:
    """Calendar periods of `months` months, aligned to calendar years (6 months: January to
    June, July to December; 2 years: from an even year). A period stands for itself by the
    instant at its middle, 00:00 UTC: the first of a month for an even number of months, the
    15th for an odd one (6M: 1 April and 1 October, as the Princeton-Leuven study sampled;
    3M: 15 February, 15 May, 15 August, 15 November; 1Y: 1 July)."""

    months: int

    @property
    def label(self) -> str:
        return f"{self.months // 12}Y" if self.months % 12 == 0 else f"{self.months}M"

    @property
    def middle_day(self) -> int:
        return 1 if self.months % 2 == 0 else 15

    def period_of(self, moment: datetime | date) -> int:
        """The number of the period holding `moment` (periods counted from year 0)."""
        return (moment.year * 12 + moment.month - 1) // self.months

    def start(self, period: int) -> date:
        """The first day of period number `period`."""
        month = period * self.months
        return date(month // 12, month % 12 + 1, 1)

    def in_mask(self, mask: int, period: int) -> bool:
        """Whether `period` is among a mask's: bit i stands for the i-th period from the one
        holding MASK_EPOCH (pipelines/store/discoveries.py makes them)."""
        offset = period - self.period_of(MASK_EPOCH)
        return offset >= 0 and bool(mask >> offset & 1)

    def instant(self, period: int) -> datetime:
        """The middle of period number `period`."""
        month = period * self.months + self.months // 2
        return datetime(month // 12, month % 12 + 1, self.middle_day)

    def describe(self) -> str:
        """The instants in words: "1 April and 1 October of each year"."""
        first = self.period_of(date(2000, 1, 1))
        if self.months > 12:
            years = self.months // 12
            return (
                f"{_day_name(self.instant(first))} every {years} years "
                f"(periods begin in years divisible by {years})"
            )
        named = [_day_name(self.instant(first + n)) for n in range(12 // self.months)]
        listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
        return f"{listed} of each year"


def _day_name(moment: datetime) -> str:
    return f"{moment.day} {_MONTH_NAMES[moment.month - 1]}"


def parse_period(text: str) -> SamplingPeriod:
    """`6M`, `3M`, `1Y`...: months that divide a year, or whole years."""
    found = _PERIOD.fullmatch(text.strip())
    count = int(found.group(1)) if found else 0
    unit = found.group(2).upper() if found else ""
    if unit == "M" and count in MONTH_PERIODS:
        return SamplingPeriod(count)
    if unit == "Y" and count >= 1:
        return SamplingPeriod(12 * count)
    raise BadInputError(
        f"--sample-every takes <n>M with n one of {', '.join(map(str, MONTH_PERIODS))}, "
        f"or <n>Y (6M, 3M, 1Y...): {text!r}"
    )
