"""`policytrail report`: one self-contained HTML page of plots of a corpus."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from crawler.cli.options import DB_OPTION
from crawler.exceptions import BadInputError

# Timelines and coverage bars of more sites than this no longer read as one page.
DEFAULT_MAX_SITES = 40
REPORT_SUFFIXES = (".html", ".htm")


@click.command()
@click.argument("out", metavar="OUT.html", type=click.Path(path_type=Path))
@DB_OPTION
@click.option(
    "--site",
    "sites",
    multiple=True,
    metavar="SITE",
    help="Report on this site only; repeat for several [default: every site].",
)
@click.option(
    "--max-sites",
    type=click.IntRange(min=1),
    metavar="N",
    default=DEFAULT_MAX_SITES,
    show_default=True,
    help="Timelines of the sites with most versions and coverage of the sites with most "
    "captures, this many at most (the other plots count every site).",
)
def report(out: Path, db: Path, sites: tuple[str, ...], max_sites: int) -> None:
    """Write OUT.html: plots of the corpus with a caption each, in one file that opens in any
    browser without a network. Versions per year, changes by month, policy length over the
    years, a timeline per site (captures, versions, effective dates) and what became of the
    captures per site.

    \b
    Examples:
      policytrail report study.html --db study.duckdb
      policytrail report two.html --site lumenbank.example --site kettleworks.example
    """
    from pipelines.reading import open_reader
    from pipelines.report.build import build_report
    from pipelines.report.data import scope_of

    _check_output(out)
    connection = open_reader(db)
    try:
        scope = scope_of(connection, sites)
        page = build_report(connection, str(db), scope, max_sites, _progress)
    finally:
        connection.close()
    _write(out, page)
    size = out.stat().st_size
    click.echo(f"wrote {out} ({_size(size)}); it opens in any browser, offline")


def _progress(step: str) -> None:
    click.echo(f"policytrail: {step}", err=True)


def _check_output(out: Path) -> None:
    """Refuse, before any work, a report path that cannot or should not be written: one that
    is not .html guards against `report study.duckdb` overwriting a database."""
    if out.suffix.lower() not in REPORT_SUFFIXES:
        raise BadInputError(f"{out}: the report is an HTML page; give a name ending in .html")
    if out.is_dir():
        raise BadInputError(f"{out}: is a folder; give the report's file name")
    folder = out.parent
    if not folder.is_dir():
        raise BadInputError(f"{out}: no folder {folder} to write it in")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise BadInputError(f"{out}: cannot be written (permission denied)")


def _write(out: Path, page: str) -> None:
    """Write the page whole or not at all: a reader never opens half a report."""
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_text(page, encoding="utf-8")
        partial.replace(out)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise BadInputError(f"{out}: cannot be written ({error.strerror or error})") from None


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"
