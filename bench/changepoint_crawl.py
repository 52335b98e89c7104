"""Benchmark: replays per text version of real crawls, fetching every payload against
change-point fetching, on collections whose truth is known (issue 12). Run by hand.

    .venv/bin/python bench/changepoint_crawl.py [--churn-sites 8] [--every-digest-churn]

Collections: the synthetic churn collection (bench/churn.py: its truth is each capture's text),
Open Terms Archive's recorded snapshots (bench/ota_series.py, when ../shared is present) and the
bundled sample. Each is served by the local archive and crawled with `--local`. Versions missed
are counted against the truth (churn: every run of one text, dated by its first and last
capture) or against the every-payload crawl's versions (the others): a version is missed when
no version starts within its span, and dated off when one does but not with its first and last
seen. Prints requests per version for (a) every capture, (b) every distinct payload,
(c) change-point (exact; 30 days; exact with a probe every 6 months), (d) the lower bound, one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import churn, ota_series  # noqa: E402
from crawler.archive.server import ArchiveServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = (
    "SELECT site, strftime(first_seen, '%Y%m%d%H%M%S'), strftime(last_seen, '%Y%m%d%H%M%S'),"
    " next_seen, text_hash FROM versions ORDER BY ALL"
)
STRATEGIES = {
    "every payload": (),
    "change-point": ("--fetch", "change-point"),
    "change-point 30d": ("--fetch", "change-point", "--boundary-precision", "30d"),
    "change-point + probe 6M": ("--fetch", "change-point", "--probe-every", "6M"),
}


@dataclass(slots=True)
class Crawl:
    replays: int
    seconds: float
    versions: list[tuple]
    captures: int  # listed and recorded
    payloads: int  # distinct digests among them


def crawl(targets: Path, db: Path, archive: str, options: tuple[str, ...]) -> Crawl:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", str(targets), "--db", str(db)]
        + ["--archive", archive, "--local", *options],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(result.stderr[-2000:])
    return read(db, seconds)


def read(db: Path, seconds: float) -> Crawl:
    """What a crawl into `db` made: its replays, versions, captures and payloads."""
    connection = duckdb.connect(str(db), read_only=True)
    try:
        (replays,) = connection.execute(
            "SELECT replay_requests FROM crawl_runs ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        versions = connection.execute(VERSIONS).fetchall()
        captures, payloads = connection.execute(
            "SELECT count(*), count(DISTINCT digest) FROM captures"
        ).fetchone()
    finally:
        connection.close()
    return Crawl(replays, seconds, versions, captures, payloads)


def truth_runs(truth: Path) -> list[tuple[str, str, str, None]]:
    """The churn collection's runs of one text: (site, first, last, None)."""
    return [
        (url["site"], first, last, None)
        for url in json.loads(truth.read_text())
        for _, first, last in url["runs"]
    ]


def score(found: list[tuple], reference: list[tuple]) -> tuple[int, int]:
    """(versions missed, versions found with other dates): a reference version (site, first,
    last, text or None) is found when a version of the site (and of its text, if known) starts
    within its span, and found exactly when one has its first and last seen."""
    starts: dict[tuple, list[str]] = {}
    exact = set()
    for site, first, last, _, text in found:
        starts.setdefault((site, None), []).append(first)
        starts.setdefault((site, text), []).append(first)
        exact.add((site, first, last))
    missed = inexact = 0
    for site, first, last, text in reference:
        if not any(first <= start <= last for start in starts.get((site, text), [])):
            missed += 1
        elif (site, first, last) not in exact:
            inexact += 1
    return missed, inexact


def bench(name: str, folder: Path, targets: Path, truth: Path | None, every: bool) -> None:
    index = folder / "index.sqlite3"
    with ArchiveServer([folder / "warcs"], index_path=index) as archive:
        results: dict[str, Crawl] = {}
        for label, options in STRATEGIES.items():
            if label == "every payload" and not every:
                continue
            db = folder / f"{label.replace(' ', '-')}.duckdb"
            results[label] = crawl(targets, db, archive.base_url, options)
    any_crawl = next(iter(results.values()))
    captures, payloads = any_crawl.captures, any_crawl.payloads
    if truth is not None:
        reference = truth_runs(truth)
    else:
        reference = [
            (s, f, last, text) for s, f, last, _, text in results["every payload"].versions
        ]
    versions = len(reference)

    print(f"\n{name}: {captures:,} captures, {payloads:,} distinct payloads, {versions} versions")
    print(
        f"  {'strategy':<26} {'replays':>8} {'per version':>12} {'missed':>7}"
        f" {'dated off':>10} {'wall s':>7}"
    )
    print(f"  {'(a) every capture':<26} {captures:>8,} {captures / versions:>12.2f}")
    print(f"  {'(b) every payload, listed':<26} {payloads:>8,} {payloads / versions:>12.2f}")
    for label, found in results.items():
        missed, inexact = score(found.versions, reference)
        print(
            f"  {label:<26} {found.replays:>8,} {found.replays / versions:>12.2f}"
            f" {missed:>7} {inexact:>10} {found.seconds:>7.1f}"
        )
    print(f"  {'(d) lower bound':<26} {versions:>8,} {1:>12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--churn-sites", type=int, default=8)
    parser.add_argument(
        "--every-digest-churn",
        action="store_true",
        help="crawl the churn collection fetching every payload too (slow: some 40 pages/s)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        folder = root / "churn"
        targets, truth, _ = churn.build(folder, args.churn_sites)
        bench(f"churn, {args.churn_sites} URLs", folder, targets, truth, args.every_digest_churn)
        if ota_series.OTA.is_dir():
            folder = root / "ota"
            targets, _, _ = ota_series.build(folder)
            bench("Open Terms Archive series", folder, targets, None, True)
        else:
            print(f"\nOpen Terms Archive series: skipped ({ota_series.OTA} is absent)")
        folder = root / "sample"
        folder.mkdir()
        (folder / "warcs").symlink_to(ROOT / "data" / "sample")
        bench("bundled sample", folder, ROOT / "data" / "targets.sample.csv", None, True)


if __name__ == "__main__":
    main()
