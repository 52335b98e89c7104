"""A report from a database: the data of every plot read, then drawn into one HTML page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

import duckdb

from pipelines.report.data import Scope, read_report
from pipelines.report.page import render_page, sections


def build_report(
    connection: duckdb.DuckDBPyConnection,
    database: str,
    scope: Scope,
    max_sites: int,
    progress: Callable[[str], None] = lambda _: None,
) -> str:
    """The report's HTML (timelines and coverage of `max_sites` sites at most); `progress`
    hears of each step."""
    progress(f"reading {database}")
    report = read_report(connection, scope, max_sites)
    summary = report.summary
    progress(
        f"drawing 5 plots of {summary.sites:,} sites, {summary.versions:,} versions and "
        f"{summary.captures:,} captures"
    )
    return render_page(
        database=database,
        generated=datetime.now(UTC).replace(microsecond=0),
        software=f"policytrail {_version()}",
        sites=scope.sites,
        summary=report.summary,
        sections=sections(report),
    )


def _version() -> str:
    try:
        return version("policytrail")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(version unknown: not installed)"
