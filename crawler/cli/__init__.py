"""The `policytrail` command, the composer: the only package that imports both crawler/ and
pipelines/. One group, each family of subcommands in a module of its own."""

from __future__ import annotations

import atexit
import gc
import sys

import click

from crawler.cli.archive import archive
from crawler.cli.crawl import crawl, demo
from crawler.cli.discover import discover
from crawler.cli.export import export
from crawler.cli.history import diff, show, sites, timeline
from crawler.cli.query import query, search
from crawler.cli.report import report
from crawler.cli.runs import changes, runs
from crawler.cli.text import extract, reprocess
from crawler.exceptions import EXIT_INTERRUPTED, EXIT_REFUSED, PolicytrailError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="policytrail")
def cli() -> None:
    """policytrail: privacy policies over time, from the Wayback Machine into DuckDB.

    \b
    Examples:
      policytrail demo
      policytrail crawl data/targets.example.csv --contact me@example.org
      policytrail discover domains.txt --db study.duckdb --then-crawl
      policytrail archive serve data/sample --port 8765
      policytrail export --format parquet corpus/ --db data/demo.duckdb
    """


cli.add_command(archive)
cli.add_command(crawl)
cli.add_command(discover)
cli.add_command(demo)
cli.add_command(extract)
cli.add_command(reprocess)
cli.add_command(runs)
cli.add_command(changes)
cli.add_command(query)
cli.add_command(sites)
cli.add_command(timeline)
cli.add_command(show)
cli.add_command(diff)
cli.add_command(search)
cli.add_command(export)
cli.add_command(report)


def main(argv: list[str] | None = None) -> None:
    """Entry point: known errors become one line on stderr and the exit code of their kind
    (crawler/exceptions.py), never a traceback; `--debug` anywhere shows the traceback."""
    # At exit the heap goes back to the operating system whole: Python's last collections over
    # the analysis's models and tables took 0.3 s at the end of every crawl. Every file and
    # database is closed by then (the commands close what they open).
    atexit.register(gc.freeze)
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    try:
        cli.main(args=args, prog_name="policytrail", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("policytrail: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_REFUSED if error.exit_code == 2 else error.exit_code)
    except PolicytrailError as error:
        if debug:
            raise
        click.echo(f"policytrail: error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("policytrail: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
