"""A small collection and the means to crawl it, kill the crawl, and compare what is stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.builder import CaptureSpec, write_warc
from crawler.wayback import payload_digest

ROOT = Path(__file__).resolve().parents[2]
HTML = (("Content-Type", "text/html; charset=utf-8"),)
SITES = 8
CAPTURES_PER_SITE = 15
# Rows per DuckDB transaction in these crawls: small, so a crawl commits many times.
STORE_BATCH = 20


PARAGRAPH = (
    "We collect the information you give us when you create an account, place an order or "
    "contact us, and information about how you use the service. We use your personal data to "
    "provide and improve the service, to keep it secure and to tell you about changes. "
)


def page(site: int, version: int, noise: int) -> bytes:
    text = "".join(
        f"<p>{PARAGRAPH} Section {n} of version {version} for site {site}.</p>" for n in range(6)
    )
    return (
        f"<html><head><title>Privacy policy</title><script>var n={noise};</script></head><body>"
        f"<h1>Privacy policy</h1><p>Last updated: March {version + 1}, 2015</p>{text}"
        "</body></html>"
    ).encode()


def policy_url(site: int) -> str:
    return f"http://www.site{site}.example/privacy"


def collection() -> list[CaptureSpec]:
    """Per site: text versions every five captures, each page repeated (same digest) once,
    a 404 and, for every other site, a move to a new URL."""
    captures = []
    for site in range(SITES):
        url = policy_url(site)
        for n in range(CAPTURES_PER_SITE):
            timestamp = f"20{10 + n // 12:02d}{n % 12 + 1:02d}01000000"
            if n == 7:
                captures.append(
                    CaptureSpec(url, timestamp, status=404, headers=HTML, body=b"<p>gone</p>")
                )
                continue
            # pairs of captures share their bytes (a digest fetched once, the other skipped)
            captures.append(
                CaptureSpec(url, timestamp, headers=HTML, body=page(site, n // 5, n // 2))
            )
        if site % 2 == 0:
            new = f"https://www.site{site}.example/legal/privacy"
            captures.append(
                CaptureSpec(url, "20140101000000", status=301, headers=(("Location", new),))
            )
            for n in range(4):
                captures.append(
                    CaptureSpec(
                        new, f"2015{n + 1:02d}01000000", headers=HTML, body=page(site, 9, n)
                    )
                )
    return captures


def write_collection(folder: Path) -> Path:
    specs = collection()
    half = len(specs) // 2
    write_warc(specs[:half], folder / "part-000.warc.gz")
    write_warc(specs[half:], folder / "part-001.warc.gz")
    return folder


def write_targets(path: Path) -> Path:
    rows = [f"site{site}.example,{policy_url(site)}" for site in range(SITES)]
    path.write_text("site,policy_url\n" + "\n".join(rows) + "\n")
    return path


CRAWL = """
import json, sys
from pathlib import Path
from crawler.cli.runner import run_crawl
extra = {"LOG_LEVEL": "WARNING", "POLICYTRAIL_STORE_BATCH": int(sys.argv[4])}
extra.update(json.loads(sys.argv[6]))
if sys.argv[5]:
    extra["JOBDIR"] = sys.argv[5]
run_crawl(Path(sys.argv[1]), Path(sys.argv[2]), archive=sys.argv[3], local=True, extra=extra)
"""


def start_crawl(
    db: Path,
    targets: Path,
    archive: str,
    *,
    kill_at: str = "",
    jobdir: Path | None = None,
    settings: dict | None = None,
) -> subprocess.Popen[str]:
    """The real crawl (run_crawl) in a fresh interpreter, with small batches."""
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "POLICYTRAIL_CACHE_DIR": str(db.parent / "cache"),
    }
    if kill_at:
        env["POLICYTRAIL_KILL_AT"] = kill_at
    command = [
        sys.executable,
        "-c",
        CRAWL,
        str(targets),
        str(db),
        archive,
        str(STORE_BATCH),
        str(jobdir or ""),
        json.dumps(settings or {}),
    ]
    return subprocess.Popen(
        command,
        cwd=db.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def crawl(db: Path, targets: Path, archive: str, **options) -> subprocess.CompletedProcess[str]:
    process = start_crawl(db, targets, archive, **options)
    stdout, stderr = process.communicate(timeout=180)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


# What a crawl stores, without what differs from run to run (run ids, fetch times, file names).
CONTENT = {
    "captures": (
        "site, url, timestamp, digest, urlkey, mimetype, statuscode, length, fetch_status,"
        " reason, reason_code, target_url, via,"
        # the archive's address aside: another server (port) may serve the same collection
        " regexp_replace(final_url, '^https?://[^/]+', '') AS final_url,"
        " memento_datetime, location,"
        " http_status, content_type, payload_sha1, payload_length, encoding, text_hash,"
        " warc_path IS NOT NULL AS stored"
    ),
    "documents": "text_hash, text, markdown, language, title, effective_date, is_policy, n_words",
    "versions": "*",
    "target_urls": "site, policy_url, url, urlkey, via, found_at, listing_status",
    "targets": "site, policy_url, alias_urls, from_ts, to_ts",
}


def content(db: Path) -> dict[str, list[tuple]]:
    connection = duckdb.connect(str(db), read_only=True)
    try:
        return {
            table: connection.execute(f"SELECT {columns} FROM {table} ORDER BY ALL").fetchall()
            for table, columns in CONTENT.items()
        }
    finally:
        connection.close()


def warc_problems(db: Path) -> list[str]:
    """Every record the database points at is whole and holds its capture's payload; every
    response record in the WARC folder is one the database points at."""
    problems = []
    connection = duckdb.connect(str(db), read_only=True)
    try:
        referenced = connection.execute(
            "SELECT DISTINCT warc_path, warc_offset, url, payload_sha1 FROM captures"
            " WHERE warc_path IS NOT NULL"
        ).fetchall()
    finally:
        connection.close()
    pointed = set()
    for path, offset, url, sha1 in referenced:
        pointed.add((path, offset))
        with (db.parent / path).open("rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)), None)
            if record is None or record.rec_type != "response":
                problems.append(f"{path}@{offset}: no response record")
                continue
            body = record.content_stream().read()
            if record.rec_headers.get_header("WARC-Target-URI") != url:
                problems.append(f"{path}@{offset}: another URL")
            if payload_digest(body) != sha1:
                problems.append(f"{path}@{offset}: payload differs")
    folder = db.parent / f"{db.stem}-warcs"
    for warc in sorted(folder.glob("*.warc.gz")):
        relative = warc.relative_to(db.parent).as_posix()
        with warc.open("rb") as handle:
            records = ArchiveIterator(handle)
            try:
                for record in records:
                    if record.rec_type == "response":
                        offset = records.get_record_offset()
                        if (relative, offset) not in pointed:
                            problems.append(f"{relative}@{offset}: a record nobody refers to")
            except Exception as error:  # noqa: BLE001 - any unreadable tail is the finding
                problems.append(f"{relative}: unreadable ({type(error).__name__}: {error})")
    return problems


def run_statuses(db: Path) -> list[str]:
    connection = duckdb.connect(str(db), read_only=True)
    try:
        rows = connection.execute("SELECT status FROM crawl_runs ORDER BY run_id").fetchall()
        return [status for (status,) in rows]
    finally:
        connection.close()


def kill_group(process: subprocess.Popen[str], signal_number: int) -> None:
    os.killpg(process.pid, signal_number)
