"""Helpers for end-to-end crawl tests: run the CLI in a subprocess, read the database back."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import duckdb

from crawler.wayback import CdxRecord, parse_cdx_json, unique_records

ROOT = Path(__file__).resolve().parents[1]


def cli_env(cwd: Path, **extra: str) -> dict[str, str]:
    """The environment the CLI runs in for tests: this checkout, a cache of its own."""
    return {
        "PATH": "/usr/bin:/bin",
        "POLICYTRAIL_CACHE_DIR": str(cwd / "cache"),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def run_cli(
    *args: str, cwd: Path, timeout: float = 240, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`policytrail ARGS` in a fresh interpreter (Scrapy's reactor runs once per process);
    `env` adds variables (POLICYTRAIL_KILL_AT...)."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=cli_env(cwd, **(env or {})),
    )


def start_cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """`policytrail ARGS` started in a fresh interpreter, to be signalled or waited for.

    In a process group of its own, as a command typed in a terminal is: a test may signal the
    whole group (Ctrl-C), its worker processes with it.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", *args],
        cwd=cwd,
        env=cli_env(cwd),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def cdx_rows(base_url: str, url: str) -> list[CdxRecord]:
    """Every row the archive lists for one URL, exact repeats dropped (as the crawler does)."""
    with urllib.request.urlopen(f"{base_url}/cdx/search/cdx?url={url}&output=json") as answer:
        return unique_records(parse_cdx_json(answer.read().decode())[0])


def capture_rows(db: Path, *columns: str) -> list[tuple]:
    connection = duckdb.connect(str(db), read_only=True)
    try:
        return connection.execute(
            f"SELECT {', '.join(columns)} FROM captures ORDER BY site, url, timestamp, digest"
        ).fetchall()
    finally:
        connection.close()


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    connection = duckdb.connect(str(db), read_only=True)
    try:
        return connection.execute(sql, list(params)).fetchall()
    finally:
        connection.close()


def dump(value: object) -> str:
    return json.dumps(value, default=str, indent=1)


def crawl_local(
    cwd: Path, archive: str, targets: Path, db: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """`policytrail crawl TARGETS --db DB --archive ARCHIVE --local OPTIONS`, in `cwd`."""
    return run_cli(
        "crawl", str(targets), "--db", str(db), "--archive", archive, "--local", *options, cwd=cwd
    )
