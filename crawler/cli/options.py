"""Options and values shared by the commands, so `--db`, `--archive` or a date means the same
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


# The commands that write: `crawl` and `discover`.
WRITE_DB_OPTION = click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=settings.POLICYTRAIL_DB,
    show_default=True,
    help="DuckDB database to write (created if missing).",
)
ARCHIVE_OPTION = click.option(
    "--archive",
    default=None,
    help=f"Wayback-compatible archive base URL [default: {settings.WAYBACK_ARCHIVE_URL}].",
)
LOCAL_OPTION = click.option(
    "--local",
    is_flag=True,
    help="Lift IA's rate limits (for a local archive only: IA would block you).",
)
CONTACT_OPTION = click.option(
    "--contact",
    default=None,
    help="Contact (email or URL) for the User-Agent, as IA asks of bulk users.",
)
MAX_PAUSE_OPTION = click.option(
    "--max-pause",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Stop (exit 3) rather than wait out a longer pause the archive asks for (429s, a "
    "block): a nightly job runs again the next night.",
)


def run_settings(verbose: bool, contact: str | None, max_pause: float | None) -> dict:
    """The settings `crawl` and `discover` take from their shared options."""
    extra: dict = {"LOG_LEVEL": "DEBUG" if verbose else "INFO"}
    if contact:
        extra["POLICYTRAIL_CONTACT"] = contact
        extra["USER_AGENT"] = settings.POLICYTRAIL_USER_AGENT.format(contact=contact)
    if max_pause is not None:
        extra["WAYBACK_MAX_PAUSE"] = max_pause
    return extra


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
