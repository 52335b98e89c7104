"""Pages a second: the analysis (extract, reprocess, a whole crawl) against trafilatura alone.

Every figure runs on the same pages and on all cores: trafilatura's `extract` with policytrail's
options over a process pool is the reference. Real pages are Open Terms Archive's and the
Princeton-Leuven corpus's (../shared); the small synthetic pages are bench/synthetic.py's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
REAL_FOLDERS = ("ota", "ota-other", "princeton-leuven")
PAGES_PER_URL = 10  # real pages served as captures of one URL each, in this many per URL
FEW = 20  # pages of the small reprocess that measures its fixed part


@dataclass(frozen=True, slots=True)
class Speed:
    pages: int
    trafilatura: float  # pages a second, trafilatura alone on all cores
    extract: float  # `policytrail extract` of the pages as files, wall time
    crawl: float  # `policytrail crawl --local` of the pages served as captures, wall time
    reprocess_1: float  # `policytrail reprocess` of that crawl on one worker
    reprocess_2: float  # ... and on two
    # 2 workers against 1 per page beyond the fixed part (start-up, the workers' own start,
    # the versions' rebuild), measured as the difference with a reprocess of FEW pages; None
    # for a set too small for the difference to mean anything
    marginal_scaling: float | None


def real_pages(limit: int | None = None) -> list[bytes]:
    paths = sorted(p for folder in REAL_FOLDERS for p in (SHARED / folder).rglob("*.html"))
    return [path.read_bytes() for path in paths[:limit]]


def synthetic_pages(count: int) -> list[bytes]:
    from bench.synthetic import policy

    return [policy(number, number % 5, number) for number in range(count)]


def _trafilatura(page: bytes) -> int:
    import trafilatura

    from pipelines.extract.config import TRAFILATURA_CONFIG, TRAFILATURA_OPTIONS

    text = trafilatura.extract(
        page.decode("utf-8", "replace"), config=TRAFILATURA_CONFIG, **TRAFILATURA_OPTIONS
    )
    return len(text or "")


def trafilatura_rate(pages: list[bytes]) -> float:
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(_trafilatura, pages[:4]))  # the workers up, trafilatura imported
        started = time.perf_counter()
        list(pool.map(_trafilatura, pages, chunksize=4))
        return len(pages) / (time.perf_counter() - started)


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # extract exits 1 when some file had no page
        sys.exit(f"{' '.join(command[:4])} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def write_collection(pages: list[bytes], folder: Path) -> Path:
    """The pages as captures of a few URLs (PAGES_PER_URL each), a WARC and a targets CSV."""
    from crawler.archive.builder import CaptureSpec, write_warc

    html = (("Content-Type", "text/html; charset=utf-8"),)
    specs, lines = [], ["site,policy_url"]
    for number, page in enumerate(pages):
        group = number // PAGES_PER_URL
        url = f"http://www.site{group:04d}.example/privacy"
        if number % PAGES_PER_URL == 0:
            lines.append(f"site{group:04d}.example,{url}")
        timestamp = f"{2010 + number % PAGES_PER_URL}0101000000"
        specs.append(CaptureSpec(url, timestamp, headers=html, body=page, with_request=False))
    (folder / "warcs").mkdir(parents=True)
    write_warc(specs, folder / "warcs" / "pages.warc.gz")
    targets = folder / "targets.csv"
    targets.write_text("\n".join(lines) + "\n")
    return targets


def measure(pages: list[bytes], folder: Path) -> Speed:
    from crawler.archive.server import ArchiveServer

    reference = trafilatura_rate(pages)
    files = folder / "files"
    files.mkdir(parents=True)
    for number, page in enumerate(pages):
        (files / f"page-{number:05d}.html").write_bytes(page)
    policytrail = [sys.executable, "-m", "crawler"]
    extract = len(pages) / _timed([*policytrail, "extract", str(files), "--json"])
    targets = write_collection(pages, folder)
    db = folder / "speed.duckdb"
    with ArchiveServer([folder / "warcs"], index_path=folder / "index.sqlite3") as archive:
        crawl_command = [*policytrail, "crawl", str(targets), "--db", str(db)]
        crawl = len(pages) / _timed([*crawl_command, "--archive", archive.base_url, "--local"])
    reprocess = [*policytrail, "reprocess", "--db", str(db), "--workers"]
    seconds_1, seconds_2 = _timed([*reprocess, "1"]), _timed([*reprocess, "2"])
    marginal = None
    if len(pages) >= 4 * FEW:
        few_1, few_2 = _few_reprocessed(pages[:FEW], folder / "few")
        marginal = (seconds_1 - few_1) / (seconds_2 - few_2)
    shutil.rmtree(files)
    return Speed(
        len(pages),
        reference,
        extract,
        crawl,
        len(pages) / seconds_1,
        len(pages) / seconds_2,
        marginal,
    )


def _few_reprocessed(pages: list[bytes], folder: Path) -> tuple[float, float]:
    """Seconds to reprocess a crawl of `pages` on one worker and on two."""
    from crawler.archive.server import ArchiveServer

    targets = write_collection(pages, folder)
    db = folder / "few.duckdb"
    with ArchiveServer([folder / "warcs"], index_path=folder / "index.sqlite3") as archive:
        command = [sys.executable, "-m", "crawler", "crawl", str(targets), "--db", str(db)]
        _timed([*command, "--archive", archive.base_url, "--local"])
    reprocess = [sys.executable, "-m", "crawler", "reprocess", "--db", str(db), "--workers"]
    return _timed([*reprocess, "1"]), _timed([*reprocess, "2"])
