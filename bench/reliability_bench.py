"""Benchmark: the long reliability trials, run by hand; prints the figures reached.

    .venv/bin/python bench/reliability_bench.py --sites 30 --captures 120 --trials 20

1. Kills: a crawl of sites x captures is SIGKILLed at named points (crawler/killpoints.py) and
   at random moments, half of the trials with a JOBDIR; each time the same crawl runs again to
   its end, and its tables (every content column) and WARC records are compared with a crawl
   never killed. Prints kills recovered and rows lost or doubled.
2. Start-up: a targets file of 100,000 rows; seconds until the first CDX request reaches the
   archive.
3. Large pages: a crawl of a 50 MB page and of a gzip body inflating to 1 GB; the crawl's peak
   RSS and what was recorded.
4. Faults: the same collection crawled through each fault kind of the local archive, then run
   again without faults; survived when the tables end as a crawl without faults (but for
   which capture of a page holds its stored copy, when the first one's fetch failed).
5. Bad input: every malformed targets file and option of tests/reliability/test_bad_input.py;
   refused cleanly when it exits 2 with one line and no traceback.
"""

from __future__ import annotations

import argparse
import gzip
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from collection import content, start_crawl, warc_problems  # noqa: E402
from test_bad_input import OPTIONS, TARGET_FILES  # noqa: E402
from test_faults import FAULT_KINDS  # noqa: E402

from bench.synthetic import build  # noqa: E402
from crawler.archive.builder import CaptureSpec, write_warc  # noqa: E402
from crawler.archive.server import ArchiveOptions, ArchiveServer  # noqa: E402
from crawler.killpoints import KILL_POINTS  # noqa: E402

HTML = (("Content-Type", "text/html; charset=utf-8"),)


def finish(process: subprocess.Popen[str], timeout: float = 3600) -> int:
    process.communicate(timeout=timeout)
    return process.returncode


def peak_rss_mb(process: subprocess.Popen[str]) -> float:
    """The process's own peak RSS (VmHWM) so far. Not getrusage(RUSAGE_CHILDREN): a child
    forked from this process counts this process's pages until it execs."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def watch(process: subprocess.Popen[str], until=lambda: False) -> tuple[int | None, float]:
    """Poll until the process ends (or `until()`); returns its exit code and peak RSS in MB."""
    peak = 0.0
    while process.poll() is None and not until():
        peak = max(peak, peak_rss_mb(process))
        time.sleep(0.05)
    return process.poll(), peak


def kill_trials(root: Path, sites: int, captures: int, trials: int, seed: int) -> None:
    targets, total = build(root / "archive", sites, captures)
    rng = random.Random(seed)
    with ArchiveServer([root / "archive"], index_path=root / "index.sqlite3") as archive:
        started = time.perf_counter()
        reference_db = root / "clean" / "clean.duckdb"
        reference_db.parent.mkdir()
        if finish(start_crawl(reference_db, targets, archive.base_url)) != 0:
            sys.exit("the reference crawl failed")
        clean_seconds = time.perf_counter() - started
        reference = content(reference_db)
        rows = len(reference["captures"])
        print(
            f"collection: {sites} sites x {captures} captures = {total}; clean crawl "
            f"{clean_seconds:.1f} s, {rows} capture rows, {len(reference['versions'])} versions"
        )
        fetched = sum(1 for row in reference["captures"] if row[8] == "fetched")
        plan = []
        for number in range(trials):
            jobdir = number % 2 == 1
            if number % 3 == 2:
                # within the crawl: start-up takes some 2.5 s, the rest is under a clean run's time
                plan.append(("random", rng.uniform(2.5, max(3.0, clean_seconds * 0.7)), jobdir))
                continue
            point = KILL_POINTS[number % len(KILL_POINTS)]
            nth = {
                "listing": rng.randint(1, sites),
                "fetching": rng.randint(1, fetched),
                "warc": rng.randint(1, fetched),
                "transaction": rng.randint(1, max(1, rows // 20)),
                "versions": 1,
            }[point]
            plan.append((f"{point}:{nth}", None, jobdir))
        recovered = landed = lost = doubled = torn = 0
        for number, (point, delay, jobdir) in enumerate(plan):
            folder = root / f"trial-{number}"
            folder.mkdir()
            db = folder / "study.duckdb"
            job = folder / "job" if jobdir else None
            if delay is None:
                killed = finish(
                    start_crawl(db, targets, archive.base_url, kill_at=point, jobdir=job)
                )
            else:
                process = start_crawl(db, targets, archive.base_url, jobdir=job)
                time.sleep(delay)
                process.send_signal(signal.SIGKILL)
                killed = finish(process)
                point = f"random at {delay:.1f} s"
            rerun = finish(start_crawl(db, targets, archive.base_url, jobdir=job))
            got = content(db)
            missing = len(set(map(repr, reference["captures"])) - set(map(repr, got["captures"])))
            extra = len(got["captures"]) - len(reference["captures"]) + missing
            problems = warc_problems(db)
            same = got == reference and not problems and rerun == 0
            landed += killed == -signal.SIGKILL
            recovered += same and killed == -signal.SIGKILL
            lost += missing
            doubled += max(extra, 0)
            torn += len(problems)
            print(
                f"  trial {number:2d} {point:22s} jobdir={'yes' if jobdir else 'no ':3s} "
                f"killed={killed == -signal.SIGKILL} rerun exit {rerun} "
                f"{'same as never killed' if same else 'DIFFERS'}"
                f"{f', {len(problems)} WARC problems' if problems else ''}"
            )
        print(
            f"kills recovered: {recovered} of {landed} that landed ({len(plan)} trials: a kill "
            f"after the crawl ended does not count); capture rows lost: {lost}, "
            f"doubled: {doubled}; WARC records torn or unreferenced: {torn}"
        )


def startup(root: Path, rows: int) -> None:
    folder = root / "startup"
    write_warc(
        [
            CaptureSpec(
                "http://www.site0.example/privacy", "20100101000000", headers=HTML, body=b"<p>x</p>"
            )
        ],
        folder / "a.warc.gz",
    )
    targets = root / "big-targets.csv"
    lines = ["site,policy_url"] + [
        f"site{n}.example,http://www.site{n}.example/privacy" for n in range(rows)
    ]
    targets.write_text("\n".join(lines) + "\n")
    with ArchiveServer([folder], index_path=root / "startup-index.sqlite3") as archive:
        started = time.perf_counter()
        process = start_crawl(root / "startup" / "big.duckdb", targets, archive.base_url)
        _, peak = watch(process, until=lambda: archive.stats.get("cdx:none", 0) > 0)
        first = time.perf_counter() - started
        process.send_signal(signal.SIGTERM)
        finish(process)
    print(
        f"start-up: {rows:,} targets, first CDX request after {first:.1f} s; "
        f"peak RSS until then {peak:.0f} MB"
    )


def large_pages(root: Path) -> None:
    folder = root / "large"
    url = "http://www.big.example/privacy"
    bomb = gzip.compress(b" " * 1_000_000_000, compresslevel=9)
    write_warc(
        [
            CaptureSpec(url, "20100101000000", headers=HTML, body=b"<p>" + b"words " * 9_000_000),
            CaptureSpec(
                url, "20110101000000", headers=(*HTML, ("Content-Encoding", "gzip")), body=bomb
            ),
        ],
        folder / "a.warc.gz",
    )
    targets = root / "large-targets.txt"
    targets.write_text(url + "\n")
    with ArchiveServer([folder], index_path=root / "large-index.sqlite3") as archive:
        process = start_crawl(root / "large" / "large.duckdb", targets, archive.base_url)
        code, peak = watch(process)
        finish(process)
    rows = content(root / "large" / "large.duckdb")["captures"]
    outcomes = ", ".join(f"{row[2]:%Y}: {row[8]} {row[10]}" for row in rows)
    print(
        f"large pages (54 MB page, gzip body of {len(bomb):,} bytes inflating to 1 GB): "
        f"exit {code}, {outcomes}; crawl peak RSS {peak:.0f} MB"
    )


def same_but_for_copy_holders(got: dict, reference: dict) -> bool:
    """Tables equal to a crawl without faults, but for which capture of a page holds its
    stored copy: when the first capture of a digest failed, a later one was fetched instead
    and the first points at it. Nothing failed, and every row holds or points at its page."""
    for table, rows in reference.items():
        if table != "captures" and got[table] != rows:
            return False

    def pages(rows: list[tuple]) -> list[tuple]:
        # site, url, timestamp, digest, statuscode, payload_sha1, text_hash, stored
        return sorted((r[0], r[1], r[2], r[3], r[6], r[18], r[21], r[22]) for r in rows)

    no_failures = all(row[8] != "failed" for row in got["captures"])
    return no_failures and pages(got["captures"]) == pages(reference["captures"])


def faults_by_kind(root: Path, sites: int, captures: int) -> None:
    targets, _ = build(root / "faults-archive", sites, captures)
    folder = root / "faults-archive"
    clean_db = root / "faults-clean" / "clean.duckdb"
    clean_db.parent.mkdir()
    with ArchiveServer([folder], index_path=root / "faults-index-0.sqlite3") as archive:
        finish(start_crawl(clean_db, targets, archive.base_url))
    reference = content(clean_db)
    survived = []
    for number, (kind, (config, counted)) in enumerate(sorted(FAULT_KINDS.items()), 1):
        endpoint = "cdx" if config.malformed_rate else "replay"
        faults = replace(config, endpoints=frozenset({endpoint}))
        db = root / f"faults-{number}" / "study.duckdb"
        db.parent.mkdir()
        index = root / f"faults-index-{number}.sqlite3"
        with ArchiveServer([folder], ArchiveOptions(faults=faults), index_path=index) as archive:
            first = finish(start_crawl(db, targets, archive.base_url))
            fired = archive.stats.get(counted, 0)
        with ArchiveServer([folder], index_path=index.with_suffix(".clean")) as archive:
            second = finish(start_crawl(db, targets, archive.base_url))
        same = same_but_for_copy_holders(content(db), reference) and not warc_problems(db)
        survived.append(same)
        print(
            f"  {kind:28s} {fired:5d} faults; runs exit {first}, {second}; "
            f"{'same as without faults' if same else 'DIFFERS'}"
        )
    print(f"faults survived by kind: {sum(survived)} of {len(survived)}")


def bad_inputs(root: Path) -> None:
    folder = root / "bad"
    folder.mkdir()
    write_warc(
        [
            CaptureSpec(
                "http://www.acme.example/privacy", "20100101000000", headers=HTML, body=b"<p>x</p>"
            )
        ],
        folder / "a.warc.gz",
    )
    refused = total = 0
    with ArchiveServer([folder], index_path=root / "bad-index.sqlite3") as archive:
        cases = [(name, content, []) for name, (content, _) in TARGET_FILES.items()]
        cases += [
            (name, b"http://www.acme.example/privacy\n", options)
            for name, (options, _) in OPTIONS.items()
        ]
        for name, data, options in cases:
            targets = folder / "targets.csv"
            targets.write_bytes(data)
            options = ["http://127.0.0.1:9" if option == "CLOSED" else option for option in options]
            if "--archive" not in options:
                options = [*options, "--archive", archive.base_url]
            command = [
                sys.executable,
                "-m",
                "crawler",
                "crawl",
                str(targets),
                "--db",
                str(folder / "study.duckdb"),
                *options,
            ]
            result = subprocess.run(command, capture_output=True, text=True, cwd=folder)
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            clean = result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr
            refused += clean
            total += 1
            if not clean:
                print(f"  NOT refused cleanly: {name} (exit {result.returncode})")
    print(f"bad inputs refused cleanly: {refused} of {total}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=30)
    parser.add_argument("--captures", type=int, default=120)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--targets", type=int, default=100_000, help="rows for the start-up test")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--only", choices=["kills", "startup", "large", "faults", "bad"], default=None
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        steps = {
            "large": lambda: large_pages(root),
            "startup": lambda: startup(root, args.targets),
            "bad": lambda: bad_inputs(root),
            "faults": lambda: faults_by_kind(root, args.sites, args.captures),
            "kills": lambda: kill_trials(root, args.sites, args.captures, args.trials, args.seed),
        }
        for name, step in steps.items():
            if args.only in (None, name):
                step()


if __name__ == "__main__":
    main()
