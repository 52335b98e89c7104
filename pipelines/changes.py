"""What changed since a run or a date: the new versions, each against the one before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from pipelines.worddiff import word_changes


@dataclass(frozen=True, slots=True)
class Change:
    site: str
    target_url: str
    version: int
    first_seen: datetime
    effective_date: date | None
    run_id: int  # the run that found it
    n_words: int
    words_added: int  # against the previous version (all its words if it is the first)
    words_removed: int
    memento_url: str | None  # the capture that begins it


# Each version whose first capture was recorded by one of the runs asked about, with its text
# and the text of the version before it.
_NEW_VERSIONS = """
SELECT v.site, v.target_url, v.version, v.first_seen, v.effective_date, c.run_id, d.n_words,
       d.text, p.text, c.memento_url
FROM versions v
JOIN documents d ON d.text_hash = v.text_hash
JOIN (SELECT site, target_url, timestamp, text_hash, max(run_id) AS run_id,
             min(memento_url) AS memento_url
      FROM captures GROUP BY ALL) c
  ON c.site = v.site AND c.target_url = v.target_url AND c.timestamp = v.first_seen
 AND c.text_hash = v.text_hash
LEFT JOIN versions pv ON pv.site = v.site AND pv.target_url = v.target_url
 AND pv.version = v.version - 1
LEFT JOIN documents p ON p.text_hash = pv.text_hash
WHERE c.run_id IN (SELECT run_id FROM crawl_runs WHERE {runs})
ORDER BY v.site, v.target_url, v.version
"""


def changes_since(
    connection: duckdb.DuckDBPyConnection,
    *,
    after_run: int | None = None,
    since: datetime | None = None,
) -> list[Change]:
    """New versions found by the runs after `after_run`, or by runs started at or after
    `since`; with neither, by the latest run."""
    if after_run is not None:
        runs, parameters = "run_id > ?", [after_run]
    elif since is not None:
        runs, parameters = "started_at >= ?", [since]
    else:
        runs, parameters = "run_id = (SELECT max(run_id) FROM crawl_runs)", []
    rows = connection.execute(_NEW_VERSIONS.format(runs=runs), parameters).fetchall()
    found = []
    for site, target, number, first, effective, run_id, n_words, text, previous, url in rows:
        diff = word_changes(previous, text)
        found.append(
            Change(
                site,
                target,
                number,
                first,
                effective,
                run_id,
                n_words,
                diff.added,
                diff.removed,
                url,
            )
        )
    return found
