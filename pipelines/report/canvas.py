"""What every plot of the report shares: its style, its canvas, its axes of years and counts,
and its output as an <svg> element to put in the page."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import matplotlib
import matplotlib.dates as mdates
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter
from matplotlib.typing import RcKeyType

WIDTH = 11.0  # inches: about 1,050 px on the page, the same for every plot
RASTER_DPI = 110  # of the parts drawn as an embedded picture (rasterized=True)
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


def styled(draw: Callable[[_Data], str]) -> Callable[[_Data], str]:
    """`draw` with the report's style in force while it creates its figure's parts."""

    @functools.wraps(draw)
    def drawn(data: _Data) -> str:
        with matplotlib.rc_context(RC):
            return draw(data)

    return drawn


def new_figure(height: float) -> tuple[Figure, Axes]:
    """A figure of the page's width (no pyplot: no global state, no GUI backend)."""
    figure = Figure(figsize=(WIDTH, height), layout="constrained")
    return figure, figure.add_subplot()


def year_axis(axes: Axes) -> None:
    """Dates on the x axis, labelled by year, with a light line at each new year."""
    axes.xaxis.set_major_locator(mdates.YearLocator())
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    axes.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(7,)))
    axes.grid(axis="x", color="#e4e4e4", linewidth=0.6)
    axes.set_axisbelow(True)


def count_axis(axis: Axis) -> None:
    """Whole numbers with thousands separated, on `axis`."""
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def legend(figure: Figure, handles: list[Artist]) -> None:
    """One row of keys above the plot, where it hides nothing."""
    figure.legend(handles=handles, loc="outside upper left", frameon=False, ncols=len(handles))


def day_number(moment: date | datetime) -> float:
    """A date as matplotlib places it on a date axis."""
    return float(mdates.date2num(moment))


def empty(message: str) -> str:
    """A short plot that says why there is nothing to draw."""
    figure, axes = new_figure(1.0)
    axes.axis("off")
    axes.text(0.5, 0.5, message, ha="center", va="center", color="#666666", fontsize=11)
    return to_svg(figure, "empty")


def to_svg(figure: Figure, name: str) -> str:
    """The figure as an <svg> element; ids salted by `name`, so that the page's plots do not
    share ids, and no date, so the same data give the same page."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": name}):
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA, dpi=RASTER_DPI)
    text = buffer.getvalue()
    return text[text.index("<svg") :]
