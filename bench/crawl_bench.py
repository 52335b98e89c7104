"""Benchmark: crawl a synthetic local archive end to end and print figures (run by hand).

    .venv/bin/python bench/crawl_bench.py --sites 500 --captures 40

Prints the archive's index time (cold and warm), the crawl's wall time, captures recorded per
second, replays per second, the crawler's peak memory, the database and WARC sizes, the
time of a second, incremental run (which must add nothing), and the time and peak memory of
`policytrail reprocess` over what the crawl stored.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import build  # noqa: E402
from crawler.archive.server import ArchiveServer  # noqa: E402


def crawl(targets: Path, db: Path, base_url: str) -> tuple[float, int]:
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            str(targets),
            "--db",
            str(db),
            "--archive",
            base_url,
            "--local",
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(result.stderr[-2000:])
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return time.perf_counter() - started, peak_kb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--captures", type=int, default=40, help="captures per site")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        started = time.perf_counter()
        targets, total = build(root / "warcs", args.sites, args.captures)
        print(
            f"synthetic archive: {total} captures of {args.sites} sites,"
            f" written in {time.perf_counter() - started:.1f} s"
        )
        index = root / "index.sqlite3"
        for attempt in ("cold", "warm"):
            started = time.perf_counter()
            server = ArchiveServer([root / "warcs"], index_path=index)
            print(
                f"archive index ({attempt}): {time.perf_counter() - started:.2f} s,"
                f" {server.files_indexed} files read"
            )
            if attempt == "cold":
                server.index.close()
        with server.start():
            db = root / "bench.duckdb"
            seconds, peak_kb = crawl(targets, db, server.base_url)
            connection = duckdb.connect(str(db), read_only=True)
            counts = dict(
                connection.execute(
                    "SELECT fetch_status, count(*) FROM captures GROUP BY ALL"
                ).fetchall()
            )
            connection.close()
            fetched = counts.get("fetched", 0)
            print(
                f"crawl: {seconds:.1f} s for {sum(counts.values())} capture rows"
                f" ({sum(counts.values()) / seconds:.0f} rows/s), {fetched} fetched"
                f" ({fetched / seconds:.0f} replays/s), {counts}"
            )
            print(f"crawler peak memory: {peak_kb / 1024:.0f} MB")
            warcs = sum(p.stat().st_size for p in (root / "bench-warcs").glob("*.warc.gz"))
            print(f"database: {db.stat().st_size / 1e6:.1f} MB, WARCs kept: {warcs / 1e6:.1f} MB")
            seconds, _ = crawl(targets, db, server.base_url)
            connection = duckdb.connect(str(db), read_only=True)
            added = connection.execute(
                "SELECT captures_listed FROM crawl_runs ORDER BY run_id DESC LIMIT 1"
            ).fetchone()[0]
            connection.close()
            print(f"second run: {seconds:.1f} s, {added} rows added (must be 0)")
            reprocess(db, fetched)


# Run from a fresh interpreter, so that its peak memory is that of reprocess and its workers.
MEASURED = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode); "
    "print(done.stdout[-300:] + done.stderr[-2000:])"
)


def reprocess(db: Path, fetched: int) -> None:
    started = time.perf_counter()
    command = [sys.executable, "-m", "crawler", "reprocess", "--db", str(db)]
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, *command], capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    figures, _, output = result.stdout.partition("\n")
    peak_kb, returncode = (int(value) for value in figures.split())
    if returncode != 0:
        sys.exit(output)
    print(
        f"reprocess: {seconds:.1f} s for {fetched} records ({fetched / seconds:.0f} records/s),"
        f" peak memory of one process {peak_kb / 1024:.0f} MB: {' '.join(output.split())}"
    )


if __name__ == "__main__":
    main()
