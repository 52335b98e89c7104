"""Reading a target's history: the sites and their coverage, a target's versions with what each
changed, and one version by number or by the date it was in force."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from crawler.exceptions import BadInputError
from pipelines.reading import TargetRef
from pipelines.worddiff import word_changes


@dataclass(frozen=True, slots=True)
class SiteRow:
    site: str
    target_url: str
    versions: int
    first_capture: datetime | None
    last_capture: datetime | None
    latest_effective_date: date | None
    listed: int  # captures the CDX listed, each considered once
    fetched: int
    skipped: int
    failed: int


_SITES = """
SELECT t.site, t.policy_url,
       (SELECT count(*) FROM versions v WHERE v.site = t.site AND v.target_url = t.policy_url),
       c.first_capture, c.last_capture,
       (SELECT max(effective_date) FROM versions v
        WHERE v.site = t.site AND v.target_url = t.policy_url),
       coalesce(c.listed, 0), coalesce(c.fetched, 0), coalesce(c.skipped, 0),
       coalesce(c.failed, 0)
FROM targets t
LEFT JOIN (
    SELECT site, target_url, min(timestamp) AS first_capture, max(timestamp) AS last_capture,
           count(*) AS listed, count(*) FILTER (fetch_status = 'fetched') AS fetched,
           count(*) FILTER (fetch_status = 'skipped') AS skipped,
           count(*) FILTER (fetch_status = 'failed') AS failed
    FROM captures GROUP BY ALL
) c ON c.site = t.site AND c.target_url = t.policy_url
{where}
ORDER BY t.site, t.policy_url
"""


def sites(connection: duckdb.DuckDBPyConnection, only: list[str] | None = None) -> list[SiteRow]:
    """Every target (or those of the sites named) with its versions and coverage."""
    where, parameters = "", []
    if only:
        where, parameters = "WHERE t.site IN (SELECT unnest(?))", [only]
    rows = connection.execute(_SITES.format(where=where), parameters).fetchall()
    return [SiteRow(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class TimelineRow:
    version: int
    first_seen: datetime
    last_seen: datetime
    next_seen: datetime | None
    n_captures: int
    effective_date: date | None
    n_words: int
    words_added: int  # against the version before (all its words for the first)
    words_removed: int
    version_id: str


def timeline(connection: duckdb.DuckDBPyConnection, target: TargetRef) -> Iterator[TimelineRow]:
    """The target's versions in order, each with the words it added and removed; texts are
    read one version at a time, so a long history is never all in memory."""
    cursor = connection.execute(
        "SELECT version, first_seen, last_seen, next_seen, n_captures, effective_date, n_words,"
        " version_id, text FROM policy_versions WHERE site = ? AND target_url = ?"
        " ORDER BY version",
        [target.site, target.target_url],
    )
    previous: str | None = None
    while row := cursor.fetchone():
        number, first, last, following, captures, effective, n_words, version_id, text = row
        change = word_changes(previous, text)
        yield TimelineRow(
            number,
            first,
            last,
            following,
            captures,
            effective,
            n_words,
            change.added,
            change.removed,
            version_id,
        )
        previous = text


@dataclass(frozen=True, slots=True)
class Version:
    site: str
    target_url: str
    version: int
    version_id: str
    first_seen: datetime
    last_seen: datetime
    next_seen: datetime | None
    n_captures: int
    effective_date: date | None
    effective_date_text: str | None
    title: str | None
    n_words: int
    text: str
    markdown: str | None
    memento_url: str | None
    # every date the policy states: [{"label", "date", "precision", "phrase"}], text order
    effective_dates: list[dict[str, Any]] | None = None


_VERSION = """
SELECT site, target_url, version, version_id, first_seen, last_seen, next_seen, n_captures,
       effective_date, effective_date_text, title, n_words, text, markdown, memento_url,
       effective_dates
FROM policy_versions WHERE site = ? AND target_url = ? AND {condition}
"""


def version_count(connection: duckdb.DuckDBPyConnection, target: TargetRef) -> int:
    count: int = _value(
        connection, "SELECT count(*) FROM versions WHERE site = ? AND target_url = ?", target
    )
    return count


def _value(connection: duckdb.DuckDBPyConnection, sql: str, target: TargetRef) -> Any:
    row = connection.execute(sql, [target.site, target.target_url]).fetchone()
    return None if row is None else row[0]


def version_by_number(
    connection: duckdb.DuckDBPyConnection, target: TargetRef, number: int
) -> Version:
    """Version `number` (1 is the first; -1 the latest, -2 the one before it)."""
    count = version_count(connection, target)
    if count == 0:
        raise BadInputError(f"{target.site} ({target.target_url}) has no versions yet")
    wanted = count + 1 + number if number < 0 else number
    if not 1 <= wanted <= count:
        raise BadInputError(f"{target.site} has no version {number}: its versions are 1 to {count}")
    row = connection.execute(
        _VERSION.format(condition="version = ?"), [target.site, target.target_url, wanted]
    ).fetchone()
    if row is None:  # removed since counted: a reprocess rebuilt the versions meanwhile
        raise BadInputError(f"{target.site} has no version {number} any more")
    return Version(*row)


def version_at(
    connection: duckdb.DuckDBPyConnection, target: TargetRef, moment: datetime
) -> Version:
    """The version in force at `moment` as the archive observed it: the one whose
    [first_seen, next_seen) holds it (the latest version holds from its first capture on)."""
    row = connection.execute(
        _VERSION.format(condition="first_seen <= ? AND (next_seen IS NULL OR ? < next_seen)"),
        [target.site, target.target_url, moment, moment],
    ).fetchone()
    if row is None:
        first = _value(
            connection,
            "SELECT min(first_seen) FROM versions WHERE site = ? AND target_url = ?",
            target,
        )
        if first is None:
            raise BadInputError(f"{target.site} ({target.target_url}) has no versions yet")
        raise BadInputError(
            f"no version of {target.site} in force on {moment:%Y-%m-%d}: "
            f"the archive first saw its policy on {first:%Y-%m-%d}"
        )
    return Version(*row)
