"""Peak memory of a crawl per million captures listed (run by hand through `python -m bench`).

Two crawls (`--local`) of collections of SITES URLs whose captures mostly repeat a few
payloads (revisit records, as the Wayback Machine's listings mostly are): each lists and
records every capture and fetches a few. The growth of the crawler's peak resident memory
between the two sizes, per million captures, is the figure; the smaller run's peak is the
fixed part (Python, Scrapy, the analysis's libraries).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.crawl_bench import MEASURED

ROOT = Path(__file__).resolve().parents[1]
SITES = 20
PAYLOADS_PER_SITE = 3


@dataclass(frozen=True, slots=True)
class MemoryFigures:
    captures: tuple[int, int]
    peak_mb: tuple[float, float]

    @property
    def mb_per_million(self) -> float:
        (small, large), (low, high) = self.captures, self.peak_mb
        return (high - low) / (large - small) * 1_000_000


def build(folder: Path, captures_per_site: int) -> Path:
    from bench.synthetic import HTML, policy
    from crawler.archive.builder import REVISIT, CaptureSpec, write_warc

    start = int(datetime(2005, 1, 1, tzinfo=UTC).timestamp())
    lines = ["site,policy_url"]
    (folder / "warcs").mkdir(parents=True)
    for site in range(SITES):
        url = f"http://www.site{site:04d}.example/privacy"
        lines.append(f"site{site:04d}.example,{url}")
        specs, firsts = [], []
        for number in range(captures_per_site):
            moment = datetime.fromtimestamp(start + number * 3600 * 6, UTC)
            timestamp = moment.strftime("%Y%m%d%H%M%S")
            if number < PAYLOADS_PER_SITE:
                body = policy(site, number, number)
                specs.append(CaptureSpec(url, timestamp, headers=HTML, body=body))
                firsts.append(timestamp)
            else:
                specs.append(
                    CaptureSpec(
                        url,
                        timestamp,
                        headers=HTML,
                        body=specs[number % PAYLOADS_PER_SITE].body,
                        kind=REVISIT,
                        refers_to_timestamp=firsts[number % PAYLOADS_PER_SITE],
                    )
                )
        write_warc(specs, folder / "warcs" / f"site-{site:04d}.warc.gz")
    targets = folder / "targets.csv"
    targets.write_text("\n".join(lines) + "\n")
    return targets


def peak_mb(folder: Path, targets: Path) -> float:
    from crawler.archive.server import ArchiveServer

    with ArchiveServer([folder / "warcs"], index_path=folder / "index.sqlite3") as archive:
        command = [sys.executable, "-m", "crawler", "crawl", str(targets)]
        command += ["--db", str(folder / "crawl.duckdb"), "--archive", archive.base_url]
        done = subprocess.run(
            [sys.executable, "-c", MEASURED, *command, "--local"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    figures, _, errors = done.stdout.partition("\n")
    peak_kb, returncode = (int(value) for value in figures.split())
    if returncode != 0:
        sys.exit(f"crawl failed: {errors}")
    return peak_kb / 1024


def measure(folder: Path, captures_per_site: tuple[int, int]) -> MemoryFigures:
    peaks = []
    for size in captures_per_site:
        where = folder / f"memory-{size}"
        peaks.append(peak_mb(where, build(where, size)))
    small, large = (SITES * size for size in captures_per_site)
    return MemoryFigures((small, large), (peaks[0], peaks[1]))
