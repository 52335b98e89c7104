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
