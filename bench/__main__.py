"""policytrail's benchmark: every figure of issue 12 in one run, each against its reference
measured in the same run (run by hand; not part of the tests).

    .venv/bin/pip install -e '.[bench]'      # EDGI's wayback, for its loop
    .venv/bin/python -m bench --quick        # about 2 minutes: smaller collections
    .venv/bin/python -m bench                # about 12 minutes; writes bench/RESULTS.md

Sections: (1) budget use per endpoint under IA's limits and 429s, (2) requests per text
version, (3) wall time to the same corpus against EDGI's `wayback` and waybackpy loops,
(4) pages a second against trafilatura alone, (5) memory, database size and reading times.
Rate-limited runs keep IA's proportions in less time: the archive counts IA's per-minute
limits over a window FACTOR times shorter, and every client's rates are FACTOR times IA's
80% (bench/scaled.py). Process start-up does not scale: it weighs FACTOR times more than on IA.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    budget,
    changepoint_crawl,
    churn,
    database,
    memory,
    ota_series,
    speed,
    synthetic,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
EVERY, CHANGE_POINT = "policytrail (every payload)", "policytrail (change-point)"
LOOPS = ("EDGI wayback loop", "waybackpy loop")


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run measures: the quick run's smaller collections, or the full run's."""

    factor: float  # IA's time divided by this, for the churn collection
    churn_urls: int
    churn_seed: int
    # synthetic collections (name, sites, captures a site, factor): one where the CDX budget
    # is the bound (two captures a URL), and the first. The full run serves them at
    # IA's own pace (factor 1): a crawl's start-up and the reactor's latency between replays
    # do not shrink with the window, and would weigh 4 times more than on IA.
    synthetic: tuple[tuple[str, int, int, float], ...]
    real_pages: int | None  # None: all
    synthetic_pages: int
    versions: int  # the reading-time database
    memory: tuple[int, int] | None  # captures per site of the two memory crawls
    other_sets: bool  # OTA's series and the bundled sample, for requests per version


QUICK = Plan(10, 1, 1, (("CDX-bound", 16, 2, 10),), 40, 200, 100_000, None, False)
FULL = Plan(
    4,
    2,
    4,
    (("CDX-bound", 16, 2, 1), ("synthetic", 8, 60, 1)),
    None,
    1000,
    1_000_000,
    (1000, 5000),
    True,
)


@dataclass(slots=True)
class Table:
    """The figures, by section: (figure, value, reference, goal or '')."""

    sections: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict)

    def add(self, section: str, figure: str, value: str, reference: str = "", goal: str = ""):
        self.sections.setdefault(section, []).append((figure, value, reference, goal))
        print(
            f"  {figure}: {value}"
            + (f" ({reference})" if reference else "")
            + (f" [{goal}]" if goal else ""),
            flush=True,
        )

    def markdown(self) -> str:
        lines = []
        for section, rows in self.sections.items():
            lines += [
                f"### {section}",
                "",
                "| figure | value | against | goal |",
                "|---|---|---|---|",
            ]
            lines += [f"| {' | '.join(row)} |" for row in rows]
            lines.append("")
        return "\n".join(lines)


def met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def budget_and_wall(plan: Plan, scratch: Path, table: Table) -> dict[str, budget.Run]:
    """Sections 1 and 3; returns the churn collection's runs for section 2."""
    section = "1, 3. Under IA's limits"
    print(f"\n{section}", flush=True)
    folder = scratch / "churn"
    targets, _, captures = churn.build(folder, plan.churn_urls, plan.churn_seed)
    clients = [EVERY, CHANGE_POINT, *LOOPS]
    churn_runs = {
        run.client: run
        for run in budget.measure("churn", folder, targets, folder, plan.factor, clients)
    }
    for run in churn_runs.values():
        bound = "replay" if run.client != CHANGE_POINT else None
        collection = f"churn ({captures:,} captures, time scaled by {plan.factor:g})"
        describe(table, section, collection, run, bound=bound)
    best_loop = min(churn_runs[name].seconds for name in LOOPS)
    speedup = best_loop / churn_runs[CHANGE_POINT].seconds
    table.add(
        section,
        "churn: change-point's wall time against the best library loop",
        f"{speedup:.1f}x faster",
        f"best loop {best_loop:.1f} s",
        f">= 5x: {met(speedup >= 5)}",
    )
    for name, sites, per_site, factor in plan.synthetic:
        where = scratch / name
        targets, _ = synthetic.build(where / "warcs", sites, per_site)
        runs = budget.measure(name, where / "warcs", targets, where, factor, [EVERY, *LOOPS])
        collection = f"{name} ({sites} x {per_site}, time scaled by {factor:g})"
        for run in runs:
            describe(
                table, section, collection, run, bound="cdx" if name == "CDX-bound" else "replay"
            )
        ours, best = runs[0].seconds, min(run.seconds for run in runs[1:])
        table.add(
            section,
            f"{collection}: policytrail's wall time against the best library loop",
            f"{ours / best:.2f}x the loop's time",
            f"best loop {best:.1f} s",
            f"<= 1.05x: {met(ours / best <= 1.05)}" if name == "CDX-bound" else "",
        )
    return churn_runs


def describe(
    table: Table, section: str, collection: str, run: budget.Run, bound: str | None
) -> None:
    """A client's run; for policytrail, the goal on the endpoint whose budget bounds the run
    (none for change-point, whose replays wait for the texts that decide the next ones)."""
    goal = ""
    if run.client.startswith("policytrail") and bound is not None:
        endpoint = run.cdx if bound == "cdx" else run.replay
        full = endpoint.rate_used >= 0.95 and not (run.cdx.throttled or run.replay.throttled)
        goal = f"{bound} >= 95% of its rate, 0 x 429: {met(full)}"
    table.add(
        section,
        f"{collection}: {run.client}",
        f"{run.seconds:.1f} s; CDX {usage(run.cdx)}; replays {usage(run.replay)}",
        "",
        goal,
    )


def usage(endpoint: budget.Endpoint) -> str:
    """Requests, the share of the configured rate they ran at (from two requests on), 429s."""
    rate = f" at {endpoint.rate_used:.0%} of the rate" if endpoint.requests > 1 else ""
    return f"{endpoint.requests}{rate}, {endpoint.throttled} x 429"


def requests_per_version(plan: Plan, scratch: Path, churn_runs, table: Table) -> None:
    section = "2. Requests per text version"
    print(f"\n{section}", flush=True)
    folder = scratch / "churn"
    reference = changepoint_crawl.truth_runs(folder / "truth.json")
    every = changepoint_crawl.read(churn_runs[EVERY].db, churn_runs[EVERY].seconds)
    results = {
        "every payload": every,
        "change-point": changepoint_crawl.read(
            churn_runs[CHANGE_POINT].db, churn_runs[CHANGE_POINT].seconds
        ),
    }
    with changepoint_crawl.ArchiveServer([folder], index_path=folder / "index.sqlite3") as archive:
        for label in ("change-point 30d", "change-point + probe 6M"):
            options = changepoint_crawl.STRATEGIES[label]
            db = scratch / f"churn-{label.replace(' ', '-')}.duckdb"
            results[label] = changepoint_crawl.crawl(
                folder / "targets.csv", db, archive.base_url, options
            )
    add_requests(table, section, "churn", every, results, reference)
    if plan.other_sets:
        for name, where, targets in other_sets(scratch):
            with changepoint_crawl.ArchiveServer(
                [where / "warcs"], index_path=where / "index.sqlite3"
            ) as archive:
                found = {
                    label: changepoint_crawl.crawl(
                        targets,
                        where / f"{label.replace(' ', '-')}.duckdb",
                        archive.base_url,
                        options,
                    )
                    for label, options in changepoint_crawl.STRATEGIES.items()
                    if label != "change-point + probe 6M"
                }
            truth = [(s, f, last, text) for s, f, last, _, text in found["every payload"].versions]
            add_requests(table, section, name, found["every payload"], found, truth)


def other_sets(scratch: Path):
    if ota_series.OTA.is_dir():
        where = scratch / "ota"
        targets, _, _ = ota_series.build(where)
        yield "OTA series", where, targets
    else:
        print(f"  OTA series: skipped ({ota_series.OTA} is absent)")
    where = scratch / "sample"
    where.mkdir()
    (where / "warcs").symlink_to(ROOT / "data" / "sample")
    yield "bundled sample", where, ROOT / "data" / "targets.sample.csv"


def add_requests(table, section, name, every, results, reference) -> None:
    versions = len(reference)
    per_payloads = every.payloads / versions
    bound = math.log2(max(per_payloads, 1)) + 2
    table.add(
        section,
        f"{name}: versions, captures, payloads",
        f"{versions}, {every.captures:,}, {every.payloads:,}",
    )
    table.add(section, f"{name}: (a) every capture", f"{every.captures / versions:.2f}")
    table.add(section, f"{name}: (b) every payload", f"{per_payloads:.2f}")
    for label, found in results.items():
        if label == "every payload":
            continue
        missed, inexact = changepoint_crawl.score(found.versions, reference)
        goal = ""
        if label == "change-point" and name == "churn":
            ok = found.replays / versions <= bound and missed == 0
            goal = f"<= {bound:.1f} and 0 missed: {met(ok)}"
        table.add(
            section,
            f"{name}: (c) {label}",
            f"{found.replays / versions:.2f}; {missed} missed, {inexact} dated otherwise",
            f"{per_payloads / (found.replays / versions):.1f}x fewer than (b)",
            goal,
        )
    table.add(section, f"{name}: (d) lower bound", "1.00")


def pages_per_second(plan: Plan, scratch: Path, table: Table) -> None:
    section = "4. Pages a second, on all cores, against trafilatura alone"
    print(f"\n{section}", flush=True)
    sets = [("synthetic pages", speed.synthetic_pages(plan.synthetic_pages))]
    if (speed.SHARED / "ota").is_dir():
        sets.insert(0, ("real pages", speed.real_pages(plan.real_pages)))
    else:
        print(f"  real pages: skipped ({speed.SHARED} is absent)")
    for name, pages in sets:
        found = speed.measure(pages, scratch / name.replace(" ", "-"))
        size = sum(map(len, pages)) / len(pages) / 1000
        table.add(
            section,
            f"{name} ({found.pages}, {size:.0f} KB mean): trafilatura alone",
            f"{found.trafilatura:.1f} pages/s",
        )
        for figure, value, goal in (
            ("crawl --local, end to end", found.crawl, 0.5),
            ("extract", found.extract, 0.6),
            ("reprocess, 2 workers", found.reprocess_2, 0.6),
        ):
            ratio = value / found.trafilatura
            table.add(
                section,
                f"{name}: {figure}",
                f"{value:.1f} pages/s",
                f"{ratio:.2f} of trafilatura",
                f">= {goal}: {met(ratio >= goal)}" if name == "real pages" else "",
            )
        scaling = found.reprocess_2 / found.reprocess_1
        table.add(
            section,
            f"{name}: reprocess on 2 workers against 1",
            f"{scaling:.2f}x",
            f"{found.reprocess_1:.1f} pages/s on 1",
            f">= 1.8x: {met(scaling >= 1.8)}" if name == "real pages" else "",
        )
        if found.marginal_scaling is not None:
            table.add(
                section,
                f"{name}: the same per page, beyond the fixed start and end",
                f"{found.marginal_scaling:.2f}x",
                f"from a reprocess of {speed.FEW} pages",
            )


def storage_and_reading(plan: Plan, scratch: Path, table: Table) -> None:
    section = "5. Memory, storage and reading"
    print(f"\n{section}", flush=True)
    if plan.memory:
        found = memory.measure(scratch / "memory", plan.memory)
        table.add(
            section,
            "crawl's peak memory per million captures listed",
            f"{found.mb_per_million:,.0f} MB",
            f"peaks {found.peak_mb[0]:.0f} MB at {found.captures[0]:,} captures and"
            f" {found.peak_mb[1]:.0f} MB at {found.captures[1]:,}",
        )
    started = time.perf_counter()
    found = database.measure(plan.versions)
    table.add(
        section,
        f"database of {found.versions:,} versions ({found.captures:,} captures)",
        f"{found.bytes / found.versions:,.0f} bytes per version",
        f"{found.bytes / 1e6:,.0f} MB; synthetic texts of ~1.4 KB (measured in"
        f" {time.perf_counter() - started:.0f} s, built once and cached)",
    )
    table.add(
        section,
        "a site's timeline (pipelines.history.timeline)",
        f"{found.timeline_ms:.1f} ms",
        f"`policytrail timeline` command: {found.timeline_command_ms:.0f} ms, start-up included",
        f"< 100 ms: {met(found.timeline_ms < 100)}",
    )
    table.add(section, "every row of policy_versions", f"{found.policy_versions_s:.2f} s")


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("scrapy", "trafilatura", "duckdb", "wayback", "waybackpy")
    )
    return (
        f"{os.cpu_count()} cores ({model}), {memory_kb / 1024 / 1024:.0f} GB, "
        f"Python {platform.python_version()}, {platform.system()}; {packages}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller collections, ~2 minutes")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    table = Table()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="policytrail-bench-") as folder:
        scratch = Path(folder)
        churn_runs = budget_and_wall(plan, scratch, table)
        requests_per_version(plan, scratch, churn_runs, table)
        pages_per_second(plan, scratch, table)
        storage_and_reading(plan, scratch, table)
    minutes = (time.perf_counter() - started) / 60
    print(f"\n{'quick' if args.quick else 'full'} run: {minutes:.1f} minutes")
    if not args.quick:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        RESULTS.write_text(
            f"# Benchmark results\n\n`python -m bench`, {stamp}, {minutes:.1f} minutes, on"
            f" {machine()}.\nRate-limited runs keep IA's limits over a window shortened by the"
            f" factor each names (see bench/__main__.py).\n\n{table.markdown()}",
            encoding="utf-8",
        )
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
