"""Tabular output shared by the commands: `--format table|csv|json|markdown` means the same for
`query`, `sites`, `timeline` and `search`; the summaries of runs align as one another."""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TextIO

import click

FORMATS = ("table", "csv", "json", "markdown")
# A table on a terminal is for reading: long values (a policy's text) are cut to this many
# characters; csv, json and markdown carry them whole.
TABLE_CELL_WIDTH = 60

FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table: aligned columns for reading; csv; json: one array of objects; markdown.",
)


def render(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    output_format: str,
    stream: TextIO | None = None,
) -> int:
    """Write `rows` under `columns` in `output_format`; returns the number of rows written."""
    out = stream or sys.stdout
    if output_format == "csv":
        return _csv(columns, rows, out)
    if output_format == "json":
        return _json(columns, rows, out)
    table = [[_cell(value, output_format) for value in row] for row in rows]
    if output_format == "markdown":
        out.write("| " + " | ".join(columns) + " |\n")
        out.write("|" + "|".join("---" for _ in columns) + "|\n")
        for row in table:
            out.write("| " + " | ".join(row) + " |\n")
        return len(table)
    widths = [len(name) for name in columns]
    for row in table:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    header = "  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True))
    out.write(header.rstrip() + "\n" + "  ".join("-" * width for width in widths) + "\n")
    for row in table:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        out.write(line.rstrip() + "\n")
    return len(table)


def json_value(value: object) -> object:
    """`value` as JSON holds it; LIST, STRUCT and MAP values (lists and dicts) item by item."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _plain(value: object) -> object:
    """A value for one csv or table cell: nested values as JSON, bytes in hex, not as Python
    writes them (`datetime.date(2020, 1, 1)`, `b'\\xaa'`)."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(json_value(value), ensure_ascii=False)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _cell(value: object, output_format: str) -> str:
    if value is None:
        return "" if output_format == "markdown" else "NULL"
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else str(_plain(value))
    if output_format == "markdown":
        return text.replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")
    text = " ".join(text.split()) if "\n" in text or "\t" in text else text
    if len(text) > TABLE_CELL_WIDTH:
        return text[: TABLE_CELL_WIDTH - 1] + "…"
    return text


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, date) else _plain(v) for v in row]
        )
        count += 1
    return count


def _json(columns: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO) -> int:
    count = 0
    out.write("[")
    for row in rows:
        record = {name: json_value(value) for name, value in zip(columns, row, strict=True)}
        out.write(("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def aligned(table: Sequence[Sequence[str]], left: int = 1, rules: Sequence[int] = (1,)) -> str:
    """Rows of cells as aligned columns: the first `left` columns to the left, the others (the
    counts) to the right; a rule of dashes before each row index in `rules` (-1: the last)."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in table
    ]
    rule = "  ".join("-" * width for width in widths)
    # a rule after the header and before the totals: one, when there are no rows between
    places = {min(max(r if r >= 0 else len(lines) + r, 1), len(lines)) for r in rules}
    for index in sorted(places, reverse=True):
        lines.insert(index, rule)
    return "\n".join(lines)
