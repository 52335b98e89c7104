"""Options and values shared by the readers' commands, so `--db` or a date means the same
everywhere."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from crawler import settings
from crawler.exceptions import BadInputError

DB_OPTION = click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=settings.POLICYTRAIL_DB,
    show_default=True,
    help="The database to read (opened read-only).",
)


def parse_day(value: str, option: str) -> datetime:
    """A YYYY-MM-DD (or YYYY-MM, or YYYY) option value as the start of that day, in UTC."""
    text = value.strip()
    for form, pattern in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        if len(text) == pattern:
            try:
                return datetime.strptime(text, form)
            except ValueError:
                break
    raise BadInputError(f"{option} takes a date (YYYY-MM-DD, YYYY-MM or YYYY): {value!r}")


def iso(value: object) -> str:
    """How dates and times read in JSON output."""
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


# Days in each unit a span may be written in: a month and a year on average (365.25 / 12).
SPAN_UNITS = {"d": 1.0, "w": 7.0, "M": 30.4375, "Y": 365.25}
# The longest span that means anything: the web's age, and some.
MAX_SPAN_DAYS = 100 * 365.25


class Span(click.ParamType):
    """A span of time as days: "30d", "2w", "6M", "1Y", or a plain number of days."""

    name = "span"

    def convert(self, value: object, param: object, ctx: object) -> float:
        if isinstance(value, int | float):
            return float(value)
        text = str(value).strip()
        unit = SPAN_UNITS.get(text[-1:]) if text else None
        number = text[:-1] if unit is not None else text
        try:
            days = float(number) * (unit or 1.0)
        except ValueError:
            days = -1.0
        if not 0 <= days <= MAX_SPAN_DAYS:  # also refuses nan and inf
            self.fail(f"{value!r} is no span of time (30d, 2w, 6M, 1Y, or days)", param, ctx)
        return days
