"""Clients against the local archive under IA's limits: wall time, requests, 429s, budget use.

Each client gets its own `policytrail archive serve --rate-limits` process, with IA's per-minute
limits counted over a window FACTOR times shorter than a minute and the client's rates
multiplied by FACTOR (bench/scaled.py), so a run keeps IA's proportions in a FACTOR-th of the
time. The server's access log (one line per answer, Unix time first) gives each endpoint's
requests, 429s and the rate it ran at between its first and last request.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IA_CDX_PER_MINUTE, IA_REPLAYS_PER_MINUTE = 30, 600
# Every client is configured at 80% of IA's limits (policytrail's and EDGI's defaults).
CONFIGURED_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class Endpoint:
    requests: int
    throttled: int  # 429 answers
    rate_used: float  # its rate between first and last request, over the configured rate


@dataclass(frozen=True, slots=True)
class Run:
    client: str
    seconds: float
    cdx: Endpoint
    replay: Endpoint
    db: Path | None = None  # the crawls' database


def client_commands(targets: Path, db: Path, base_url: str, factor: float) -> dict[str, list[str]]:
    crawl = [sys.executable, "-m", "bench.scaled", str(factor), "crawl", str(targets)]
    crawl += ["--db", str(db), "--archive", base_url]
    loop = [sys.executable, "-m", "bench.loops"]
    return {
        "policytrail (every payload)": crawl,
        "policytrail (change-point)": [*crawl, "--fetch", "change-point"],
        "EDGI wayback loop": [*loop, "edgi", str(targets), base_url, str(factor)],
        "waybackpy loop": [*loop, "waybackpy", str(targets), base_url, str(factor)],
    }


def serve(warcs: Path, index: Path, log: Path, factor: float, base_url: str | None):
    command = [sys.executable, "-m", "crawler", "archive", "serve", str(warcs)]
    command += ["--index", str(index), "--rate-limits", "--window-seconds", str(60 / factor)]
    command += ["--access-log", str(log)]
    if base_url:
        command += ["--base-url", base_url]
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    line = server.stdout.readline().strip()
    if not line.startswith("http"):
        server.kill()
        sys.exit(f"archive serve did not start: {server.stderr.read()[-2000:]}")
    return server, line


def endpoint_figures(log: Path, factor: float) -> tuple[Endpoint, Endpoint]:
    lines = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    figures = []
    for marker, per_minute in (("/cdx/", IA_CDX_PER_MINUTE), ("/web/", IA_REPLAYS_PER_MINUTE)):
        asked = [line for line in lines if any(part.startswith(marker) for part in line)]
        times = sorted(float(line[0]) for line in asked)
        throttled = sum(1 for line in asked if " 429 " in " ".join(line))
        configured = CONFIGURED_SHARE * per_minute * factor / 60
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        used = (len(times) - 1) / span / configured if span else 0.0
        figures.append(Endpoint(len(asked), throttled, used))
    return figures[0], figures[1]


def measure(
    name: str, warcs: Path, targets: Path, folder: Path, factor: float, clients: list[str]
) -> list[Run]:
    """Run each client in `clients` (keys of client_commands) against its own server."""
    runs = []
    index = folder / "index.sqlite3"
    for number, client in enumerate(clients):
        log = folder / f"access-{number}.log"
        log.unlink(missing_ok=True)
        db = folder / f"crawl-{number}.duckdb"
        # EDGI's client takes only mementos that come from web.archive.org
        base = "https://web.archive.org" if client.startswith("EDGI") else None
        server, base_url = serve(warcs, index, log, factor, base)
        try:
            command = client_commands(targets, db, base_url, factor)[client]
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            seconds = time.perf_counter() - started
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=30)
        if done.returncode != 0:
            sys.exit(f"{name}, {client} failed:\n{done.stderr[-3000:]}")
        cdx, replay = endpoint_figures(log, factor)
        runs.append(Run(client, seconds, cdx, replay, db if db.exists() else None))
    return runs
