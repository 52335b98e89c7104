"""The report's plots: the data of pipelines/report/data.py drawn with matplotlib, as SVG text."""

from __future__ import annotations

from collections import Counter
from datetime import date

import matplotlib
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator

from pipelines.report.canvas import (
    count_axis,
    day_number,
    empty,
    legend,
    new_figure,
    styled,
    to_svg,
    year_axis,
)
from pipelines.report.records import (
    ChangesByMonth,
    Coverage,
    LengthSeries,
    PolicyLengths,
    Timelines,
    VersionsPerYear,
)

ROW = 0.3  # inches per site or target in the plots with one row each
# Above this many capture ticks or length points, those are drawn as one embedded picture:
# as vector paths they would make the page megabytes long.
MAX_VECTOR_MARKS = 10_000
MAX_LINES = 400  # lengths: more lines than this merge into one grey block
FIRST, CHANGE, GREY = "#a9c4e0", "#2f6db0", "#9a9a9a"
TEXT, NO_TEXT = "#1f3b5c", "#e08a2c"  # capture ticks: with text, and without (redirects...)
PALETTE = tuple(matplotlib.color_sequences["tab10"])  # a line each, when there are so few
BANDS = ("#c9dcf0", "#9dbfe3")  # versions of a target alternate between these
FETCHED, SKIPPED, FAILED = "#4e9a5f", "#d9a441", "#c8474a"


@styled
def versions_per_year(data: VersionsPerYear) -> str:
    if not data.years:
        return empty("no versions")
    figure, axes = new_figure(3.4)
    axes.bar(data.years, data.first_versions, color=FIRST, label="first version of a target")
    axes.bar(
        data.years,
        data.changes,
        bottom=data.first_versions,
        color=CHANGE,
        label="change (a later version)",
    )
    axes.set_xlim(data.years[0] - 0.6, data.years[-1] + 0.6)
    axes.set_ylabel("versions")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=25))
    count_axis(axes.yaxis)
    legend(figure, axes.get_legend_handles_labels()[0])
    return to_svg(figure, "versions-per-year")


@styled
def changes_by_month(data: ChangesByMonth) -> str:
    if not any(data.changes):
        return empty("no changes: no target has more than one version")
    figure, axes = new_figure(3.4)
    edges = [*data.months, _next_month(data.months[-1])]
    # one outline for all months: a bar each would be a path each
    axes.stairs(data.changes, [day_number(day) for day in edges], fill=True, color=CHANGE)
    if data.peak:
        month, count = data.peak
        start, end = day_number(month), day_number(_next_month(month))
        axes.stairs([count], [start, end], fill=True, color=FAILED)
        late = (start - day_number(edges[0])) > 0.75 * (
            day_number(edges[-1]) - day_number(edges[0])
        )
        axes.annotate(
            f"{month:%B %Y}: {count:,} changes",
            xy=(start if late else end, count),
            xytext=(-6 if late else 6, -2),
            textcoords="offset points",
            ha="right" if late else "left",
            va="top",
            color=FAILED,
        )
    axes.set_xlim(day_number(edges[0]), day_number(edges[-1]))
    axes.set_ylabel("changes per month")
    count_axis(axes.yaxis)
    year_axis(axes)
    return to_svg(figure, "changes-by-month")


@styled
def policy_lengths(data: PolicyLengths) -> str:
    if not data.years:
        return empty("no versions")
    figure, axes = new_figure(3.8)
    drawn = lines_drawn(data.series)
    many = len(data.series) > len(PALETTE)
    lines = LineCollection(
        [list(zip(s.years, s.n_words, strict=True)) for s in drawn],
        colors=GREY if many else PALETTE[: len(drawn)],
        linewidths=0.7 if many else 1.3,
        alpha=max(0.1, min(0.9, 10 / len(drawn))),
        rasterized=sum(len(s.years) for s in drawn) > MAX_VECTOR_MARKS,
    )
    axes.add_collection(lines)
    handles: list[Artist] = [
        Line2D([], [], color="black", linewidth=2.4, label="median across targets")
    ]
    if many:
        axes.fill_between(
            data.years, data.lower_quartile, data.upper_quartile, color=CHANGE, alpha=0.22, lw=0
        )
        handles += [
            Patch(color=CHANGE, alpha=0.22, label="middle half of targets"),
            Line2D([], [], color=GREY, label="one target"),
        ]
    else:
        names = _names([(s.site, s.target_url) for s in drawn])
        handles += [Line2D([], [], color=c, label=n) for c, n in zip(PALETTE, names, strict=False)]
    axes.plot(data.years, data.median_words, color="black", linewidth=2.4, marker="o", ms=3)
    axes.set_xlim(data.years[0] - 0.5, data.years[-1] + 0.5)
    axes.set_ylim(0, max(max(s.n_words) for s in data.series) * 1.05)
    axes.set_ylabel("words")
    count_axis(axes.yaxis)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=25))
    legend(figure, handles)
    return to_svg(figure, "policy-lengths")


def lines_drawn(series: tuple[LengthSeries, ...]) -> tuple[LengthSeries, ...]:
    """The targets drawn as lines: all, or MAX_LINES spread evenly over them (more only
    blacken the plot)."""
    step = -(-len(series) // MAX_LINES)
    return series[::step]


@styled
def timelines(data: Timelines) -> str:
    if not data.targets:
        return empty("no versions")
    rows = data.targets
    figure, axes = new_figure(1.1 + ROW * len(rows))
    effective: list[tuple[float, int]] = []
    ticks: dict[str, list[tuple[float, int]]] = {TEXT: [], NO_TEXT: []}
    for index, row in enumerate(rows):
        spans = [
            (day_number(v.start), max(day_number(v.end) - day_number(v.start), 1))
            for v in row.versions
        ]
        colors = [BANDS[v.version % 2] for v in row.versions]
        axes.broken_barh(spans, (index - 0.38, 0.5), facecolors=colors, edgecolor="white", lw=0.5)
        effective += [
            (day_number(v.effective_date), index) for v in row.versions if v.effective_date
        ]
        ticks[TEXT] += [(day_number(day), index) for day in row.text_days]
        ticks[NO_TEXT] += [(day_number(day), index) for day in row.other_days]
    raster = sum(len(marks) for marks in ticks.values()) > MAX_VECTOR_MARKS
    for color, marks in ticks.items():  # all rows' ticks of a kind in one path
        if not marks:
            continue
        vertices = [(day, i + offset) for day, i in marks for offset in (0.16, 0.42)]
        codes = [Path.MOVETO, Path.LINETO] * len(marks)
        axes.add_patch(
            PathPatch(Path(vertices, codes), fill=False, edgecolor=color, lw=0.6, rasterized=raster)
        )
    axes.plot(
        [d for d, _ in effective], [i - 0.38 for _, i in effective], "v", color="black", ms=3.5
    )
    axes.set_yticks(range(len(rows)), _names([(r.site, r.target_url) for r in rows]), fontsize=8)
    axes.set_ylim(len(rows) - 0.5, -0.7)
    axes.tick_params(axis="y", length=0)
    year_axis(axes)
    axes.xaxis.set_tick_params(labeltop=True)
    legend(
        figure,
        [
            Patch(color=BANDS[1], label="version: first capture to the next version's"),
            Line2D([], [], color="black", marker="v", ls="", ms=5, label="effective date stated"),
            Line2D([], [], color=TEXT, marker="|", ls="", ms=9, label="capture with text"),
            Line2D([], [], color=NO_TEXT, marker="|", ls="", ms=9, label="capture without text"),
        ],
    )
    return to_svg(figure, "timelines")


@styled
def coverage(data: Coverage) -> str:
    if not data.sites:
        return empty("no captures")
    rows = data.sites
    figure, axes = new_figure(1.1 + 0.24 * len(rows))
    positions = range(len(rows))
    left = [0] * len(rows)
    for status, color in (("fetched", FETCHED), ("skipped", SKIPPED), ("failed", FAILED)):
        counts = [getattr(row, status) for row in rows]
        axes.barh(positions, counts, left=left, color=color, height=0.7, label=status)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.set_yticks(positions, [row.site for row in rows], fontsize=8)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.tick_params(axis="y", length=0)
    axes.set_xlabel("captures listed by the archive")
    count_axis(axes.xaxis)
    legend(figure, axes.get_legend_handles_labels()[0])
    return to_svg(figure, "coverage")


def _names(targets: list[tuple[str, str]]) -> list[str]:
    """Row labels: the site, and the target's path where the site has several targets."""
    sites = Counter(site for site, _ in targets)
    return [
        f"{site} /{url.split('/', 3)[-1]}" if sites[site] > 1 else site for site, url in targets
    ]


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
