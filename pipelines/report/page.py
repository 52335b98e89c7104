"""The report's HTML page: a header on the corpus, then each plot with a caption saying what it
shows. Self-contained: plots are inline SVG, the style is in the page, nothing is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from pipelines.report import plots
from pipelines.report.records import (
    ChangesByMonth,
    CorpusSummary,
    Coverage,
    PolicyLengths,
    ReportData,
    Timelines,
    VersionsPerYear,
)

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #222; margin: 2em auto; max-width: 1120px;
       padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin: 2em 0 0.4em; border-top: 1px solid #ddd; padding-top: 1em; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.15em 1.2em; }
dt { color: #666; } dd { margin: 0; }
figure { margin: 0; } figure svg { width: 100%; height: auto; }
figcaption { color: #444; font-size: 0.93em; max-width: 75em; }
nav a { margin-right: 1em; }
"""


@dataclass(frozen=True, slots=True)
class Section:
    anchor: str
    title: str
    svg: str
    caption: str


def sections(report: ReportData) -> tuple[Section, ...]:
    """Every plot of the report, drawn, with its caption."""
    return (
        Section(
            "versions-per-year",
            "Versions per year",
            plots.versions_per_year(report.per_year),
            _per_year(report.per_year),
        ),
        Section(
            "changes-by-month",
            "Changes by month",
            plots.changes_by_month(report.by_month),
            _by_month(report.by_month),
        ),
        Section(
            "policy-length",
            "Policy length",
            plots.policy_lengths(report.lengths),
            _lengths(report.lengths),
        ),
        Section(
            "timelines",
            "Timelines",
            plots.timelines(report.timelines),
            _timelines(report.timelines),
        ),
        Section(
            "coverage", "Coverage", plots.coverage(report.coverage), _coverage(report.coverage)
        ),
    )


def render_page(
    *,
    database: str,
    generated: datetime,
    software: str,
    sites: tuple[str, ...],
    summary: CorpusSummary,
    sections: tuple[Section, ...],
) -> str:
    span = (
        f"{summary.first_capture:%Y-%m-%d} to {summary.last_capture:%Y-%m-%d}"
        if summary.first_capture and summary.last_capture
        else "none"
    )
    facts = (
        ("database", database),
        ("sites", ", ".join(sites) if sites else f"all {summary.sites:,}"),
        ("targets", f"{summary.targets:,} (policy pages followed)"),
        ("captures", f"{summary.captures:,} listed by the archive, {span}"),
        ("versions", f"{summary.versions:,} ({summary.documents:,} distinct texts)"),
        ("generated", f"{generated:%Y-%m-%d %H:%M} UTC by {software}"),
    )
    header = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in facts)
    links = "".join(f'<a href="#{s.anchor}">{escape(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{s.anchor}"><h2>{escape(s.title)}</h2><figure>{s.svg}'
        f"<figcaption>{escape(s.caption)}</figcaption></figure></section>\n"
        for s in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>policytrail report: {escape(database)}</title><style>{STYLE}</style></head>\n"
        f"<body><header><h1>Privacy policies over time</h1><dl>{header}</dl>"
        f"<nav>{links}</nav></header>\n{body}</body></html>\n"
    )


def _per_year(data: VersionsPerYear) -> str:
    if not data.years:
        return "The database holds no versions yet."
    changes = sum(data.changes)
    most = max(data.changes)
    busiest = [str(year) for year, n in zip(data.years, data.changes, strict=True) if n == most]
    peak = (
        f" Most changes: {', '.join(busiest)} ({most:,}{' each' if len(busiest) > 1 else ''})."
        if changes and len(busiest) <= 3
        else ""
    )
    return (
        f"Versions by the year of their first capture: {sum(data.first_versions):,} first "
        f"versions and {changes:,} changes, {data.years[0]}-{data.years[-1]}. The light part of "
        "each bar counts the first version of each target: the year its observation starts "
        "(its first capture), not a change. The dark part counts changes: the versions after "
        f"a target's first.{peak}"
    )


def _by_month(data: ChangesByMonth) -> str:
    total = sum(data.changes)
    if not total or data.median_gap_days is None:
        return "No target has more than one version: there are no changes to place in time."
    peak = data.peak
    highlight = (
        f" Highlighted, the month with most changes: {peak[0]:%B %Y}, {peak[1]:,} "
        f"({peak[1] / total:.0%} of all)."
        if peak
        else ""
    )
    return (
        f"Changes (every version but a target's first) by the month of their first capture, "
        f"{data.months[0]:%B %Y} to {data.months[-1]:%B %Y}: {total:,} changes. A change "
        "happened between the last capture of the version before and this first capture; "
        f"that gap has a median of {data.median_gap_days:,.0f} days, so a change may belong "
        f"to a month before its bar.{highlight}"
    )


def _lengths(data: PolicyLengths) -> str:
    if not data.years:
        return "The database holds no versions yet."
    count = len(data.series)
    drawn = len(plots.lines_drawn(data.series))
    sample = f" for {drawn:,} of the {count:,}, spread evenly by name" if drawn < count else ""
    lines = (
        "one line per target"
        if count <= len(plots.PALETTE)
        else "in blue, the middle half of targets (between the quartiles); one grey line per "
        f"target{sample}"
    )
    return (
        "Length in words of the version in force on 1 July of each year. A version is in force "
        "from its first capture until the next version's first capture; the latest, until its "
        "own last capture (after it nothing is known, and later years do not count it). In "
        f"black, the median across the targets with a version in force that day "
        f"({min(data.targets):,} to {max(data.targets):,} targets a year); {lines}. "
        f"Median in {data.years[0]}: {data.median_words[0]:,.0f} words; in {data.years[-1]}: "
        f"{data.median_words[-1]:,.0f}."
    )


def _timelines(data: Timelines) -> str:
    if not data.targets:
        return "The database holds no versions yet."
    shown = (
        f"the {data.sites_shown:,} sites with most versions, of {data.sites_total:,} "
        "(--max-sites shows more)"
        if data.sites_shown < data.sites_total
        else f"all {data.sites_total:,} sites"
    )
    return (
        f"One row per target of {shown}, sorted by name. Bands: the versions, each from its "
        "first capture to the next version's first capture (the latest, to its own last "
        "capture), in alternating shades. Ticks under the bands: the days with captures, dark "
        "for captures with text (fetched, or skipped as the same bytes as one fetched), orange "
        "for captures without (a redirect, skipped as an error page or another type, or "
        "failed). "
        "Triangles: the effective date a version's text states for itself, where it states "
        "one; a triangle long before its band means the text was first captured long after "
        "it took effect."
    )


def _coverage(data: Coverage) -> str:
    if not data.sites:
        return "The database holds no captures yet."
    shown = (
        f"the {len(data.sites):,} sites with most captures, of {data.sites_total:,}"
        if len(data.sites) < data.sites_total
        else f"all {data.sites_total:,} sites"
    )
    total = data.total
    reasons = ", ".join(f"{code} {count:,}" for _, code, count in data.reasons[:8]) or "none"
    return (
        f"What became of each capture the archive listed, for {shown}. Fetched: downloaded and "
        "read. Skipped: not downloaded, mostly because the same bytes were already fetched "
        "(duplicate) or the archive recorded an error page. Failed: the download failed; the "
        f"next run tries again. Over all {data.sites_total:,} sites: {total.fetched:,} "
        f"fetched, {total.skipped:,} skipped, {total.failed:,} failed. Reasons for skipping "
        f"and failures, most frequent first: {reasons}."
    )
