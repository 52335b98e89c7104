"""A crawl run's start in the database: stale runs marked, torn WARC tails cut, targets loaded."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from crawler.killpoints import kill_point
from crawler.targets import Target
from crawler.wayback import parse_timestamp, surt_key
from pipelines.warcs import repair_warc

logger = logging.getLogger(__name__)

# Where the targets file's rows land before one statement merges them into `targets`.
_TARGET_COLUMNS = {
    "site": "VARCHAR",
    "policy_url": "VARCHAR",
    "alias_urls": "VARCHAR[]",
    "from_ts": "VARCHAR",
    "to_ts": "VARCHAR",
    "source": "VARCHAR",
    "urls": "VARCHAR[]",
    "urlkeys": "VARCHAR[]",
}


@dataclass(frozen=True, slots=True)
class RunStart:
    run_id: int
    killed: list[int]  # earlier runs found still `running`: they ended without closing


def begin_run(
    connection: duckdb.DuckDBPyConnection,
    targets: Sequence[Target],
    *,
    archive: str | None,
    targets_file: str | None,
    software: str,
    warc_folder: Path,
    db_folder: Path,
    command: str = "crawl",
) -> RunStart:
    """Open a run: earlier runs left `running` are marked `killed` (the caller holds the
    database's lock, so no other process runs them) and their WARC files cut back to the
    records the database refers to; then the run's row and every target, in bulk."""
    connection.execute("BEGIN TRANSACTION")
    try:
        killed = mark_killed_runs(connection, warc_folder, db_folder)
        run_id = connection.execute(
            "INSERT INTO crawl_runs (started_at, status, archive, targets_file, software, command)"
            " VALUES (?, 'running', ?, ?, ?, ?) RETURNING run_id",
            [_now(), archive, targets_file, software, command],
        ).fetchone()[0]
        load_targets_in_bulk(connection, targets, run_id)
        kill_point("begin")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return RunStart(int(run_id), killed)


def mark_killed_runs(
    connection: duckdb.DuckDBPyConnection, warc_folder: Path, db_folder: Path
) -> list[int]:
    killed = [
        row[0]
        for row in connection.execute(
            "SELECT run_id FROM crawl_runs WHERE status = 'running' ORDER BY run_id"
        ).fetchall()
    ]
    if not killed:
        return []
    for run_id in killed:
        repair_run_warcs(connection, run_id, warc_folder, db_folder)
    connection.execute(
        "UPDATE crawl_runs SET status = 'killed', finished_at = coalesce(finished_at, ?)"
        " WHERE status = 'running'",
        [_now()],
    )
    logger.warning(
        "run(s) %s ended without closing (killed?): marked killed; what they stored is kept, "
        "the rest is done now",
        ", ".join(map(str, killed)),
    )
    return killed


def repair_run_warcs(
    connection: duckdb.DuckDBPyConnection, run_id: int, warc_folder: Path, db_folder: Path
) -> None:
    """Cut each WARC file a killed run wrote back to the last record the database refers to:
    records written after its last commit (a torn one among them) would be served again as
    captures nobody recorded. A file with no referenced record goes."""
    if not warc_folder.is_dir():
        return
    ends = dict(
        connection.execute(
            "SELECT path, max(record_end) FROM ("
            " SELECT warc_path AS path, warc_offset + warc_length AS record_end FROM captures"
            " WHERE run_id = $run UNION ALL"
            " SELECT home_warc_path, home_warc_offset + home_warc_length FROM discoveries"
            " WHERE run_id = $run UNION ALL"
            " SELECT warc_path, warc_offset + warc_length FROM discoveries WHERE run_id = $run"
            ") WHERE path IS NOT NULL GROUP BY path",
            {"run": run_id},
        ).fetchall()
    )
    for path in sorted(warc_folder.glob(f"policytrail-*-run{run_id}-*.warc.gz")):
        relative = (
            path.relative_to(db_folder).as_posix() if path.is_relative_to(db_folder) else str(path)
        )
        repair_warc(path, ends.get(relative) or ends.get(str(path)))


def load_targets_in_bulk(
    connection: duckdb.DuckDBPyConnection, targets: Sequence[Target], run_id: int
) -> None:
    """Every target and its URLs in two statements, through a JSON file DuckDB reads itself:
    100,000 targets take a second or two, where a statement per row took minutes. The caller
    holds the transaction."""
    with tempfile.TemporaryDirectory(prefix="policytrail-targets-") as folder:
        staged = Path(folder) / "targets.jsonl"
        with staged.open("w", encoding="utf-8") as handle:
            for target in targets:
                urls = target.urls
                row = {
                    "site": target.site,
                    "policy_url": target.policy_url,
                    "alias_urls": target.alias_urls,
                    "from_ts": target.from_ts,
                    "to_ts": target.to_ts,
                    "source": target.source,
                    "urls": urls,
                    "urlkeys": [surt_key(url) for url in urls],
                }
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        columns = ", ".join(f"'{name}': '{kind}'" for name, kind in _TARGET_COLUMNS.items())
        source = f"read_json(?, format = 'newline_delimited', columns = {{{columns}}})"
        # inside the caller's transaction
        connection.execute(
            "INSERT INTO targets SELECT site, policy_url, alias_urls,"
            " strptime(from_ts, '%Y%m%d%H%M%S'), strptime(to_ts, '%Y%m%d%H%M%S'),"
            f" source, ? FROM {source}"
            " ON CONFLICT DO UPDATE SET alias_urls = excluded.alias_urls,"
            " from_ts = excluded.from_ts, to_ts = excluded.to_ts, source = excluded.source",
            [run_id, str(staged)],
        )
        connection.execute(
            "INSERT INTO target_urls (site, policy_url, url, urlkey, via, found_at, run_id)"
            " SELECT site, policy_url, u.url, u.urlkey,"
            " CASE WHEN u.url = policy_url THEN 'listed' ELSE 'alias' END, NULL, ?"
            f" FROM {source},"
            " LATERAL (SELECT unnest(urls) AS url, unnest(urlkeys) AS urlkey) AS u"
            " ON CONFLICT DO NOTHING",
            [run_id, str(staged)],
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def moment(timestamp: str | None) -> datetime | None:
    """A 14-digit timestamp as the naive UTC value of a TIMESTAMP column."""
    return parse_timestamp(timestamp).replace(tzinfo=None) if timestamp else None


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: int
    started_at: datetime
    seconds: float | None
    status: str
    command: str  # crawl, or discover
    listed: int
    fetched: int
    skipped: int
    failed: int
    requests: int  # CDX and replay requests sent, retries included
    rate_limited: int  # 429 answers
    new_versions: int


def list_runs(connection: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[RunRow]:
    """The crawl runs, newest first."""
    rows = connection.execute(
        "SELECT run_id, started_at, epoch(finished_at - started_at), status,"
        " coalesce(command, 'crawl'), captures_listed,"
        " fetched, skipped, failed, cdx_requests + replay_requests, coalesce(rate_limited, 0),"
        " coalesce(new_versions, 0) FROM crawl_runs ORDER BY run_id DESC"
        + (" LIMIT ?" if limit else ""),
        [limit] if limit else [],
    ).fetchall()
    return [RunRow(*row) for row in rows]
