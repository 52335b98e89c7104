"""Benchmark: time and peak memory of analysing pathological pages (run by hand).

    .venv/bin/python bench/pathological_pages.py [CASE ...]
    .venv/bin/python bench/pathological_pages.py --unbounded deep-2000x10   # as a tree

Each case is analysed in a fresh process (`analyse`, as `policytrail extract` runs it), so its
peak RSS is its own; prints the wall time, the peak RSS, and what came of the page. The time
includes loading py3langid's model (about 0.5 s) and the RSS the imports (about 230 MB).
--unbounded lifts the tree bounds (MAX_TREE_ELEMENTS, MAX_TREE_DEPTH), to time what reading
such a page as a tree would cost.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SENTENCE = "We collect the personal information you give us and share it with our providers."


def unclosed_fonts(paragraphs: int = 400) -> bytes:
    """2000s markup: a `<font>` opened before every paragraph and never closed."""
    body = "".join(
        f"<font face='Arial'><p>Paragraph {i}. {SENTENCE}</p>" for i in range(paragraphs)
    )
    return f"<html><head><title>Privacy</title></head><body>{body}</body></html>".encode()


def nested_divs(depth: int = 5000) -> bytes:
    """A `<div>` nested `depth` deep, each with a little text, and the policy after them."""
    opened = "".join(f"<div>level {i} " for i in range(depth))
    tail = "".join(f"<p>Paragraph {i}. {SENTENCE}</p>" for i in range(20))
    return f"<html><body>{opened}{'</div>' * depth}{tail}</body></html>".encode()


def nested_paragraphs(depth: int, per_level: int = 10) -> bytes:
    """`<div>`s nested `depth` deep, each holding `per_level` paragraphs of the policy."""
    level = "<div>" + f"<p>{SENTENCE}</p>" * per_level
    return f"<html><body>{level * depth}{'</div>' * depth}</body></html>".encode()


def single_table(megabytes: float, cells_per_row: int = 10) -> bytes:
    """One table of short cells filling `megabytes` (a data dump saved as a page)."""
    row = "<tr>" + "".join(f"<td>cell {i}</td>" for i in range(cells_per_row)) + "</tr>"
    rows = max(1, int(megabytes * 1_000_000) // len(row))
    head = f"<html><body><h1>Privacy policy</h1><p>{SENTENCE * 3}</p><table>"
    return (head + row * rows + "</table></body></html>").encode()


def one_line(megabytes: float) -> bytes:
    """A page that is one paragraph, one line, with no markup inside."""
    words = (SENTENCE + " ") * (int(megabytes * 1_000_000) // (len(SENTENCE) + 1))
    return f"<html><body><p>{words}</p></body></html>".encode()


CASES: dict[str, Callable[[], bytes]] = {
    "fonts-400": unclosed_fonts,
    "divs-5000": nested_divs,
    "deep-128x10": lambda: nested_paragraphs(128),  # at MAX_TREE_DEPTH
    "deep-500x10": lambda: nested_paragraphs(500),
    "deep-2000x10": lambda: nested_paragraphs(2000),
    "table-24k-elements": lambda: single_table(0.35),  # just under MAX_TREE_ELEMENTS
    "table-3mb": lambda: single_table(3),
    "table-4.9mb": lambda: single_table(4.9),
    "one-line-4.9mb": lambda: one_line(4.9),
    "table-30mb": lambda: single_table(30),
    "page-50mb": lambda: one_line(50),
}


def run_case(name: str, unbounded: bool) -> None:
    from crawler.exceptions import PageTooLargeError
    from pipelines.analysis import analyse
    from pipelines.extract import html

    if unbounded:
        html.MAX_TREE_ELEMENTS = html.MAX_TREE_DEPTH = sys.maxsize

    body = CASES[name]()
    started = time.perf_counter()
    try:
        document = analyse(body, "https://example.com/privacy", "text/html")
        outcome = f"{len((document.text if document else '').split())} words"
    except PageTooLargeError as error:
        outcome = str(error)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name:20} {len(body) / 1e6:7.1f} MB {elapsed:8.2f} s {peak:8.0f} MB peak  {outcome}")


def main(arguments: list[str]) -> None:
    flags = [argument for argument in arguments if argument == "--unbounded"]
    for name in [argument for argument in arguments if argument not in flags] or CASES:
        subprocess.run([sys.executable, __file__, "--case", name, *flags], check=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--case"]:
        run_case(sys.argv[2], "--unbounded" in sys.argv[3:])
    else:
        main(sys.argv[1:])
