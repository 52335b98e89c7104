"""Opening a database for reading, and naming what a reader asks for: a site's target."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crawler.exceptions import BadInputError
from pipelines.store.database import connect
from pipelines.store.schema import SCHEMA_VERSION, current_version

logger = logging.getLogger(__name__)

# How a target's URL or its documents' titles say it is the privacy policy, when a site has
# several targets (a privacy policy beside a cookie policy or terms) and none is named.
PRIVACY_WORDS = re.compile(
    r"priva|datenschutz|confidentialit|donn[eé]es|privacidad|riservatezza|gegevens", re.I
)


def open_reader(db: str | Path) -> duckdb.DuckDBPyConnection:
    """The database opened read-only. A database of an older schema is first brought up to
    date in one short write (its views are what readers use), then reopened read-only."""
    connection = connect(db, read_only=True)
    version = current_version(connection)
    if version < SCHEMA_VERSION:
        connection.close()
        logger.warning("%s: upgrading from schema %d to %d", db, version, SCHEMA_VERSION)
        connect(db).close()
        connection = connect(db, read_only=True)
    # DuckDB draws a progress bar on a terminal for long queries, over the readers' output
    connection.execute("SET enable_progress_bar = false")
    return connection


def unknown_sites(connection: duckdb.DuckDBPyConnection, sites: Sequence[str]) -> list[str]:
    """The sites named that the database does not know, in order (none named: none)."""
    if not sites:
        return []
    rows = connection.execute(
        "SELECT s FROM unnest($sites::VARCHAR[]) AS t(s)"
        " WHERE s NOT IN (SELECT site FROM targets UNION SELECT site FROM versions)"
        " ORDER BY s",
        {"sites": list(sites)},
    ).fetchall()
    return [site for (site,) in rows]


def check_sites(connection: duckdb.DuckDBPyConnection, sites: Sequence[str]) -> None:
    """Refuse, naming them, sites the database does not know (a typo would show nothing)."""
    unknown = unknown_sites(connection, sites)
    if unknown:
        raise BadInputError(f"no site {', '.join(map(repr, unknown))} in the database")


@dataclass(frozen=True, slots=True)
class TargetRef:
    site: str
    target_url: str


def resolve_target(
    connection: duckdb.DuckDBPyConnection, site: str, url: str | None = None
) -> TargetRef:
    """The target a reader means by SITE and, optionally, --url (the target's policy URL or any
    URL crawled for it). Without --url: the site's privacy policy, or its only target."""
    rows = connection.execute(
        "SELECT policy_url, source FROM targets WHERE site = ? ORDER BY added_run_id, source",
        [site],
    ).fetchall()
    if not rows:
        raise BadInputError(f"no site {site!r} in the database ({_some_sites(connection)})")
    targets = [policy_url for policy_url, _ in rows]
    if url is not None:
        if url in targets:
            return TargetRef(site, url)
        crawled = connection.execute(
            "SELECT DISTINCT policy_url FROM target_urls WHERE site = ? AND url = ?", [site, url]
        ).fetchall()
        if len(crawled) == 1:
            return TargetRef(site, crawled[0][0])
        raise BadInputError(f"{site} has no target {url!r}; its targets: {', '.join(targets)}")
    return TargetRef(site, main_target(targets))


def main_target(target_urls: Iterable[str]) -> str:
    """A site's main target, which readers show and exports name after the site alone: the
    only one, or the first (in URL order) whose URL reads as a privacy policy, or else the
    first. It depends on the set of the site's targets only, so it is the same every time."""
    ordered = sorted(set(target_urls))
    if not ordered:
        raise ValueError("a site has at least one target")
    privacy = [url for url in ordered if PRIVACY_WORDS.search(url)]
    return (privacy or ordered)[0]


def _some_sites(connection: duckdb.DuckDBPyConnection) -> str:
    rows = connection.execute("SELECT DISTINCT site FROM targets ORDER BY site").fetchall()
    sites = [s for (s,) in rows]
    if not sites:
        return "it holds no sites yet"
    shown = ", ".join(sites[:5])
    return f"it holds {len(sites)}: {shown}{', ...' if len(sites) > 5 else ''}"
