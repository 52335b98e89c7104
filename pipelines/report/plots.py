"""The report's plots: the data of pipelines/report/data.py drawn with matplotlib, as SVG text."""

from __future__ import annotations

import functools
import io
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import matplotlib
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from pipelines.report.records import (
    ChangesByMonth,
    Coverage,
    PolicyLengths,
    Timelines,
    VersionsPerYear,
)

WIDTH = 11.0  # inches: about 1,050 px on the page, the same for every plot
ROW = 0.3  # inches per site or target in the plots with one row each
# Above this many capture ticks or length points, those are drawn as one embedded picture
# (of RASTER_DPI): as vector paths they would make the page megabytes long.
MAX_VECTOR_MARKS = 10_000
RASTER_DPI = 110
FIRST, CHANGE, TEXT, GREY = "#a9c4e0", "#2f6db0", "#1f3b5c", "#9a9a9a"
PALETTE = tuple(matplotlib.color_sequences["tab10"])  # a line each, when there are so few
BANDS = ("#c9dcf0", "#9dbfe3")  # versions of a target alternate between these
FETCHED, SKIPPED, FAILED = "#4e9a5f", "#d9a441", "#c8474a"
RC: dict[RcKeyType, Any] = {
    "font.size": 9,
    # text stays text (the browser draws it): small files, and labels can be searched
    "svg.fonttype": "none",
    # the font matplotlib measured labels with first; each name is repeated in every label
    "font.sans-serif": ["DejaVu Sans", "Verdana"],
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_Data = TypeVar("_Data")


def _styled(draw: Callable[[_Data], str]) -> Callable[[_Data], str]:
    """`draw` with the report's style in force while it creates its figure's parts."""

    @functools.wraps(draw)
    def styled(data: _Data) -> str:
        with matplotlib.rc_context(RC):
            return draw(data)

    return styled


@_styled
def versions_per_year(data: VersionsPerYear) -> str:
    if not data.years:
        return _empty("no versions")
    figure, axes = _figure(3.4)
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
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(figure, axes.get_legend_handles_labels()[0])
    return _svg(figure, "versions-per-year")


@_styled
def changes_by_month(data: ChangesByMonth) -> str:
    if not any(data.changes):
        return _empty("no changes: no target has more than one version")
    figure, axes = _figure(3.4)
    edges = [*data.months, _next_month(data.months[-1])]
    # one outline for all months: a bar each would be a path each
    axes.stairs(data.changes, [_num(day) for day in edges], fill=True, color=CHANGE)
    if data.peak:
        month, count = data.peak
        start, end = _num(month), _num(_next_month(month))
        axes.stairs([count], [start, end], fill=True, color=FAILED)
        late = (start - _num(edges[0])) > 0.75 * (_num(edges[-1]) - _num(edges[0]))
        axes.annotate(
            f"{month:%B %Y}: {count:,} changes",
            xy=(start if late else end, count),
            xytext=(-6 if late else 6, -2),
            textcoords="offset points",
            ha="right" if late else "left",
            va="top",
            color=FAILED,
        )
    axes.set_xlim(_num(edges[0]), _num(edges[-1]))
    axes.set_ylabel("changes per month")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _year_axis(axes)
    return _svg(figure, "changes-by-month")


@_styled
def policy_lengths(data: PolicyLengths) -> str:
    if not data.years:
        return _empty("no versions")
    figure, axes = _figure(3.8)
    many = len(data.series) > len(PALETTE)
    lines = LineCollection(
        [list(zip(s.years, s.n_words, strict=True)) for s in data.series],
        colors=GREY if many else PALETTE[: len(data.series)],
        linewidths=0.7 if many else 1.3,
        alpha=max(0.08, min(0.9, 10 / len(data.series))),
        rasterized=sum(len(s.years) for s in data.series) > MAX_VECTOR_MARKS,
    )
    axes.add_collection(lines)
    axes.plot(data.years, data.median_words, color="black", linewidth=2.4, marker="o", ms=3)
    axes.set_xlim(data.years[0] - 0.5, data.years[-1] + 0.5)
    axes.set_ylim(0, max(max(s.n_words) for s in data.series) * 1.05)
    axes.set_ylabel("words")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=25))
    handles = [Line2D([], [], color="black", linewidth=2.4, label="median across targets")]
    if many:
        handles.append(Line2D([], [], color=GREY, label="one target"))
    else:
        names = _names([(s.site, s.target_url) for s in data.series])
        handles += [
            Line2D([], [], color=color, label=name)
            for color, name in zip(PALETTE, names, strict=False)
        ]
    _legend(figure, handles)
    return _svg(figure, "policy-lengths")


@_styled
def timelines(data: Timelines) -> str:
    if not data.targets:
        return _empty("no versions")
    rows = data.targets
    figure, axes = _figure(1.1 + ROW * len(rows))
    effective: list[tuple[float, int]] = []
    ticks: dict[str, list[tuple[float, int]]] = {TEXT: [], FAILED: []}
    for index, row in enumerate(rows):
        spans = [(_num(v.start), max(_num(v.end) - _num(v.start), 1)) for v in row.versions]
        colors = [BANDS[v.version % 2] for v in row.versions]
        axes.broken_barh(spans, (index - 0.38, 0.5), facecolors=colors, edgecolor="white", lw=0.5)
        effective += [(_num(v.effective_date), index) for v in row.versions if v.effective_date]
        ticks[TEXT] += [(_num(day), index) for day in row.text_days]
        ticks[FAILED] += [(_num(day), index) for day in row.other_days]
    raster = sum(len(marks) for marks in ticks.values()) > MAX_VECTOR_MARKS
    for color, marks in ticks.items():  # all rows' ticks of a kind in one path
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
    _year_axis(axes)
    axes.xaxis.set_tick_params(labeltop=True)
    _legend(
        figure,
        [
            Patch(color=BANDS[1], label="version: first capture to the next version's"),
            Line2D([], [], color="black", marker="v", ls="", ms=5, label="effective date stated"),
            Line2D([], [], color=TEXT, marker="|", ls="", ms=9, label="capture with text"),
            Line2D(
                [], [], color=FAILED, marker="|", ls="", ms=9, label="capture skipped or failed"
            ),
        ],
    )
    return _svg(figure, "timelines")


@_styled
def coverage(data: Coverage) -> str:
    if not data.sites:
        return _empty("no captures")
    rows = data.sites
    figure, axes = _figure(1.1 + 0.24 * len(rows))
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
    _legend(figure, axes.get_legend_handles_labels()[0])
    return _svg(figure, "coverage")


def _names(targets: list[tuple[str, str]]) -> list[str]:
    """Row labels: the site, and the target's path where the site has several targets."""
    sites = Counter(site for site, _ in targets)
    return [
        f"{site} /{url.split('/', 3)[-1]}" if sites[site] > 1 else site for site, url in targets
    ]


def _legend(figure: Figure, handles: list) -> None:
    figure.legend(handles=handles, loc="outside upper left", frameon=False, ncols=len(handles))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _figure(height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH, height), layout="constrained")
    return figure, figure.add_subplot()


def _year_axis(axes: Axes) -> None:
    axes.xaxis.set_major_locator(mdates.YearLocator())
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    axes.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(7,)))
    axes.grid(axis="x", color="#e4e4e4", linewidth=0.6)
    axes.set_axisbelow(True)


def _num(moment: date | datetime) -> float:
    return float(mdates.date2num(moment))


def _empty(message: str) -> str:
    figure, axes = _figure(1.0)
    axes.axis("off")
    axes.text(0.5, 0.5, message, ha="center", va="center", color="#666666", fontsize=11)
    return _svg(figure, "empty")


def _svg(figure: Figure, name: str) -> str:
    """The figure as an <svg> element; ids salted by `name`, so that the page's plots do not
    share ids, and no date, so the same data give the same page."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": name}):
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA, dpi=RASTER_DPI)
    text = buffer.getvalue()
    return text[text.index("<svg") :]
