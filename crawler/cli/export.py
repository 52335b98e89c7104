"""`policytrail export`: a corpus of policy versions written out for other tools."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from crawler import settings
from crawler.cli.options import DB_OPTION, parse_day
from crawler.exceptions import PolicytrailError
from pipelines.export.formats import FORMATS

# Listed after the options: what each format writes into OUT.
FORMATS_EPILOG = "\b\nFormats (each writes the folder OUT, with MANIFEST.json):\n" + "\n".join(
    f"  {name:8} {what}" for name, what in FORMATS.items()
)


@click.command(epilog=FORMATS_EPILOG)
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "format_name",
    type=click.Choice(list(FORMATS)),
    required=True,
    help="What to write into OUT (Formats, below).",
)
@DB_OPTION
@click.option(
    "--site",
    "sites",
    multiple=True,
    metavar="SITE|@FILE",
    help="Only this site (repeatable); @FILE: the sites listed in FILE, one a line.",
)
@click.option(
    "--from",
    "from_value",
    metavar="DATE",
    help="Only versions in force on or after this day (YYYY-MM-DD, UTC).",
)
@click.option(
    "--to",
    "to_value",
    metavar="DATE",
    help="Only versions in force on or before this day (YYYY-MM-DD; YYYY-MM or YYYY: to the "
    "end of that month or year).",
)
@click.option(
    "--sample-every",
    metavar="PERIOD",
    help="One record per target and calendar period (6M, 3M, 1Y...): the version in force "
    "at the period's middle (6M: 1 April and 1 October).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace a previous export in OUT (a folder holding a policytrail MANIFEST.json; "
    "any other non-empty folder is refused).",
)
def export(
    out: Path,
    format_name: str,
    db: Path,
    sites: tuple[str, ...],
    from_value: str | None,
    to_value: str | None,
    sample_every: str | None,
    force: bool,
) -> None:
    """Export policy versions to the folder OUT, with a MANIFEST.json of what it holds (the
    selection, the crawl runs, a SHA-256 per file).

    Without --sample-every, one record per version; --from/--to keep the versions in force
    during the window. With --sample-every, one record per target and period, for the
    version in force at the period's middle.

    \b
    Examples:
      policytrail export --format parquet corpus/ --db study.duckdb
      policytrail export --format csv q/ --site lumenbank.example --from 2010-01-01 --to 2015
      policytrail export --format hf dataset/ --site @sites.txt --sample-every 6M
      policytrail export --format warc captures/ --sample-every 1Y --force
    """
    from crawler.periods import parse_period
    from pipelines.export.exporter import export as run
    from pipelines.export.selection import Selection, read_sites

    selection = Selection(
        sites=read_sites(sites),
        from_day=parse_day(from_value, "--from").date() if from_value else None,
        to_day=_last_day(to_value) if to_value else None,
        sample_every=parse_period(sample_every) if sample_every is not None else None,
    )
    with ExitStack() as stack:
        progress = _Progress(stack, settings.POLICYTRAIL_EXPORT_PROGRESS_INTERVAL)
        summary = run(db, out, format_name, selection, force=force, progress=progress)
    counts = summary.counts
    what = _many(counts.versions, "version")
    if selection.sample_every is not None:
        what = f"{_many(counts.records, 'record')} ({what}, every {selection.sample_every.label})"
    click.echo(f"exported {what} of {_many(counts.sites, 'site')} to {out} ({format_name})")
    for problem in summary.problems:
        click.echo(f"policytrail: not exported: {problem}", err=True)
    if summary.problems:
        raise PolicytrailError(
            f"{len(summary.problems)} capture(s) could not be exported (named above); the rest were"
        )


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _last_day(value: str) -> date:
    """--to as the last day it names: YYYY-MM-DD itself, YYYY-MM and YYYY to their end."""
    first = parse_day(value, "--to").date()
    text = value.strip()
    if len(text) == 4:
        return date(first.year, 12, 31)
    if len(text) == 7:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return first


class _Progress:
    """Export progress on stderr: a bar on a terminal, otherwise a line every `interval`
    seconds (a scheduled job's log stays short)."""

    def __init__(self, stack: ExitStack, interval: float) -> None:
        self.stack = stack
        self.interval = interval
        self.terminal = sys.stderr.isatty()
        self.started = self.last = time.monotonic()
        self.bar: Any = None  # click.progressbar once the total is known

    def __call__(self, done: int, total: int) -> None:
        if self.terminal:
            if self.bar is None and total:
                self.bar = self.stack.enter_context(
                    click.progressbar(length=total, label="exporting", file=sys.stderr)
                )
            if self.bar is not None:
                self.bar.update(done - self.bar.pos)
            return
        now = time.monotonic()
        if 0 < done < total and now - self.last >= self.interval:
            self.last = now
            click.echo(
                f"policytrail: exported {done} of {total} records ({now - self.started:.0f} s)",
                err=True,
            )
