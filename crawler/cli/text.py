"""`policytrail extract` and `policytrail reprocess`: texts, dates and versions without a crawl."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler import settings
from crawler.cli.options import parse_day
from crawler.exceptions import (
    EXIT_FAILURES,
    EXIT_REFUSED,
    BadInputError,
    PageTooLargeError,
    PolicytrailError,
)

if TYPE_CHECKING:
    from crawler.items import Document

# What `extract` reads in a folder, and the Content-Type each stands for.
EXTRACTABLE = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
}
JSON_KEYS = (
    "path",
    "text",
    "markdown",
    "title",
    "language",
    "effective_date",
    "effective_date_text",
    "is_policy",
    "policy_score",
    "effective_dates",
    "effective_date_evidence",
    "kind",
)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line per file.")
@click.option(
    "--captured-at",
    metavar="DATE",
    help="When the pages were captured (YYYY-MM-DD): a date labelled as past cannot follow it.",
)
@click.option(
    "--url",
    metavar="URL",
    help="The pages' original URL (its country helps read 04/08/2011); default: the file's.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to read the files in (default: all cores; one for a single file).",
)
def extract(
    paths: tuple[Path, ...],
    as_json: bool,
    captured_at: str | None,
    url: str | None,
    workers: int | None,
) -> None:
    """Extract text, Markdown, effective date and policy score from saved pages (HTML or PDF).

    Folders are read recursively, the files on all cores, printed in order. A file over the analysis
    limit (POLICYTRAIL_MAX_ANALYSIS_BYTES) is named on stderr, not read, and the exit status
    is 1 once the other files are done.

    \b
    Examples:
      policytrail extract page.html
      policytrail extract saved-pages/ --json > extracted.jsonl
      policytrail extract page.html --captured-at 2011-05-02 --url https://shop.example.co.uk/privacy
    """
    moment = parse_day(captured_at, "--captured-at").replace(tzinfo=UTC) if captured_at else None

    files = _files(paths)
    tasks = [(path, url, moment) for path in files]
    refused = 0
    for path, (document, problem) in zip(files, _read_all(tasks, workers), strict=True):
        if problem:
            click.echo(f"policytrail: error: {path}: {problem}", err=True)
            refused += 1
            continue
        record = {
            "path": str(path),
            "text": document.text if document else None,
            "markdown": document.markdown if document else None,
            "title": document.title if document else None,
            "language": document.language if document else None,
            "effective_date": document.effective_date if document else None,
            "effective_date_text": document.effective_date_text if document else None,
            "is_policy": bool(document.is_policy) if document else False,
            "policy_score": round(document.policy_score or 0.0, 4) if document else 0.0,
            "effective_dates": [
                {"label": stated.label, "date": stated.value, "phrase": stated.phrase}
                for stated in (document.effective_dates if document else ())
            ],
            "effective_date_evidence": document.effective_date_evidence if document else None,
            "kind": document.kind if document else None,
        }
        if as_json:
            click.echo(json.dumps({key: record[key] for key in JSON_KEYS}, ensure_ascii=False))
        else:
            words = len((record["text"] or "").split())
            click.echo(
                f"{path}: {words} words, title {record['title']!r}, language "
                f"{record['language']}, effective {record['effective_date']} "
                f"({record['effective_date_text']!r}), policy {record['is_policy']} "
                f"({record['policy_score']}), kind {record['kind']}"
                + "".join(
                    f"\n  states {stated['label']} {stated['date']} ({stated['phrase']!r})"
                    for stated in record["effective_dates"]
                )
            )
    if refused:
        # none read: the input was bad (2); some read: finished with failures (1)
        sys.exit(EXIT_REFUSED if refused == len(files) else EXIT_FAILURES)


# Files handed to a worker at a time: one, so that an unexpected failure on a file loses no
# other file's output (a page takes some 80 ms; handing it over, well under one).
EXTRACT_CHUNK = 1


def _read_file(
    task: tuple[Path, str | None, datetime | None],
) -> tuple[Document | None, str | None]:
    """One file analysed: its Document (None without text), or why it was not read."""
    from pipelines.analysis import analyse

    path, url, moment = task
    body = path.read_bytes()
    problem = _unreadable(body, _suffix(path))
    if problem:
        return None, problem
    try:
        return analyse(
            body, url or path.resolve().as_uri(), EXTRACTABLE[_suffix(path)], moment
        ), None
    except PageTooLargeError as error:
        return None, str(error)


def _read_all(tasks: list, workers: int | None) -> Iterator[tuple[Document | None, str | None]]:
    """The files analysed in order, in `workers` processes (all cores by default)."""
    workers = min(workers or settings.POLICYTRAIL_CORES, len(tasks))
    if workers <= 1:
        yield from map(_read_file, tasks)
        return
    with ProcessPoolExecutor(workers) as pool:
        yield from pool.map(_read_file, tasks, chunksize=EXTRACT_CHUNK)


def _unreadable(body: bytes, suffix: str) -> str | None:
    """Why a file is no page at all (empty, or binary data under a text name), or None."""
    if not body.strip():
        return "empty file"
    if suffix != ".pdf" and b"\0" in body[:4096]:
        return "binary data, not a page"
    return None


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _files(paths: tuple[Path, ...]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if _suffix(p) in EXTRACTABLE)
        elif path.is_file():
            if _suffix(path) not in EXTRACTABLE:
                raise BadInputError(f"{path}: not a page (expected {', '.join(EXTRACTABLE)})")
            found.append(path)
        else:
            raise BadInputError(f"{path}: no such file or folder")
    if not found:
        raise BadInputError(f"no pages in {', '.join(map(str, paths))}")
    return found


@click.command()
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=settings.POLICYTRAIL_DB,
    show_default=True,
    help="The database to reprocess.",
)
@click.option("--workers", type=int, default=None, help="Processes to use (default: all cores).")
def reprocess(db: Path, workers: int | None) -> None:
    """Re-extract every stored capture from its WARC record and rebuild documents and versions.

    No network: everything is read from the WARCs the crawl kept. Running it twice gives
    identical tables.

    \b
    Example:
      policytrail reprocess --db data/policytrail.duckdb
    """
    from pipelines.reprocess import reprocess as run

    if not db.is_file():
        raise BadInputError(f"{db}: no such database")
    summary = run(db, workers)
    click.echo(
        f"{summary.records} stored captures analysed: {summary.documents} distinct texts, "
        f"{summary.without_text} without text, {summary.too_large} too large to analyse, "
        f"{summary.versions} versions"
    )
    for problem in summary.unreadable:
        click.echo(f"policytrail: unreadable: {problem} (its stored text is kept)", err=True)
    if summary.unreadable:
        raise PolicytrailError(
            f"{len(summary.unreadable)} stored record(s) could not be read; the rest were "
            "reprocessed"
        )
