"""A database of a million versions (synthetic, built once and cached) and the readers' times.

Sites of VERSIONS_PER_SITE versions each, every version with CAPTURES_PER_VERSION captures
and its own document of some 200 words, written straight into policytrail's schema with
DuckDB's own generators. Times are medians of warm runs: a site's timeline (the function
`policytrail timeline` prints, and the command itself, start-up included) and a full read of
the `policy_versions` view.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSIONS_PER_SITE = 50
CAPTURES_PER_VERSION = 3
REPEATS = 5

SITE = "'site' || lpad(CAST(s AS TEXT), 6, '0') || '.example'"
PARAGRAPH = (
    "We collect the information you give us when you create an account, place an order or"
    " contact us, and information about how you use the service. "
)


@dataclass(frozen=True, slots=True)
class DatabaseFigures:
    versions: int
    captures: int
    bytes: int
    timeline_ms: float  # pipelines.history.timeline of one site, in process
    timeline_command_ms: float  # `policytrail timeline SITE`, a new process
    policy_versions_s: float  # every row of the policy_versions view read


def build(path: Path, versions: int) -> None:
    from pipelines.store.database import connect

    sites = versions // VERSIONS_PER_SITE
    connection = connect(path)
    try:
        connection.execute("BEGIN TRANSACTION")
        connection.execute(
            "INSERT INTO crawl_runs (run_id, started_at, finished_at, status, archive)"
            " VALUES (1, TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-02', 'finished',"
            " 'https://web.archive.org')"
        )
        connection.execute(
            f"INSERT INTO targets (site, policy_url, alias_urls, source, added_run_id)"
            f" SELECT {SITE}, 'http://www.' || {SITE} || '/privacy', [], 'bench', 1"
            f" FROM range({sites}) t(s)"
        )
        # one row per version: its site, number and times
        connection.execute(
            f"CREATE TEMP TABLE plan AS SELECT {SITE} AS site,"
            f" 'http://www.' || {SITE} || '/privacy' AS target_url, v + 1 AS version,"
            " TIMESTAMP '2000-01-01' + to_days(CAST(v * 120 + s % 97 AS INTEGER)) AS first_seen,"
            " sha256(CAST(s AS TEXT) || '-' || CAST(v AS TEXT)) AS text_hash"
            f" FROM range({sites}) a(s), range({VERSIONS_PER_SITE}) b(v)"
        )
        connection.execute(
            "INSERT INTO documents BY NAME SELECT text_hash,"
            f" 'Privacy policy of ' || site || ', version ' || version || '. '"
            f" || repeat('{PARAGRAPH}', 10) || 'Effective ' || strftime(first_seen, '%B %d, %Y')"
            "   AS text, NULL AS markdown, 'en' AS language, 'Privacy policy' AS title,"
            " CAST(first_seen AS DATE) AS effective_date, true AS is_policy,"
            " 0.99 AS policy_score, 'bench' AS extractor, '0' AS extractor_version,"
            " '{}' AS extractor_settings, 'bench' AS strategy, 200 AS n_words,"
            " 'privacy' AS kind FROM plan"
        )
        connection.execute(
            "INSERT INTO versions BY NAME SELECT site, target_url, version, text_hash,"
            " first_seen, first_seen + INTERVAL 100 DAY AS last_seen,"
            " first_seen + INTERVAL 120 DAY AS next_seen,"
            f" {CAPTURES_PER_VERSION} AS n_captures, CAST(first_seen AS DATE) AS effective_date"
            " FROM plan"
        )
        connection.execute(
            "INSERT INTO captures BY NAME SELECT site, target_url AS url,"
            " first_seen + to_days(CAST(c * 50 AS INTEGER)) AS timestamp,"
            " upper(substr(text_hash, 1, 32)) || CAST(c AS TEXT) AS digest,"
            " 'example,' || site || ')/privacy' AS urlkey, 'text/html' AS mimetype,"
            " 200 AS statuscode, 3000 AS length, 'fetched' AS fetch_status, target_url,"
            " 200 AS http_status, 'text/html' AS content_type, 1 AS run_id, text_hash,"
            " 'fetched' AS reason_code"
            f" FROM plan, range({CAPTURES_PER_VERSION}) t(c)"
        )
        connection.execute("COMMIT")
        connection.execute("CHECKPOINT")
    finally:
        connection.close()


def cached(versions: int) -> Path:
    """The database of `versions` versions, built once in the cache folder."""
    from crawler.settings import POLICYTRAIL_CACHE_DIR
    from pipelines.store.schema import SCHEMA_VERSION

    folder = Path(POLICYTRAIL_CACHE_DIR) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"versions-{versions}-schema-{SCHEMA_VERSION}.duckdb"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, versions)
        partial.rename(path)
    return path


def _median_seconds(run) -> float:
    run()  # warm
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(versions: int) -> DatabaseFigures:
    from pipelines.history import timeline
    from pipelines.reading import open_reader, resolve_target

    path = cached(versions)
    site = f"site{versions // VERSIONS_PER_SITE // 2:06d}.example"
    connection = open_reader(path)
    try:
        target = resolve_target(connection, site)
        in_process = _median_seconds(lambda: list(timeline(connection, target)))
        whole = _median_seconds(
            lambda: connection.execute(
                "SELECT count(memento_url), sum(n_words), max(length(text)) FROM policy_versions"
            ).fetchall()
        )
        (stored,) = connection.execute("SELECT count(*) FROM versions").fetchone()
        (captures,) = connection.execute("SELECT count(*) FROM captures").fetchone()
    finally:
        connection.close()
    command = [sys.executable, "-m", "crawler", "timeline", site, "--db", str(path)]
    as_command = _median_seconds(
        lambda: subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
    )
    return DatabaseFigures(
        stored, captures, path.stat().st_size, in_process * 1000, as_command * 1000, whole
    )
