"""Captures skipped as duplicates (their digest fetched under another) share the stored copy."""

from __future__ import annotations

import duckdb

from crawler.outcomes import Outcome
from pipelines.store.ledger import STORED_COPY

# What a duplicate takes from the stored copy of its page: where the page is in the WARCs...
PAYLOAD_COLUMNS = ("warc_path", "warc_offset", "warc_length", "payload_sha1")
# ...and the text extracted from it.
TEXT_COLUMNS = ("text_hash",)


def share_by_digest(
    connection: duckdb.DuckDBPyConnection,
    columns: tuple[str, ...],
    *,
    refresh: bool,
    reason: Outcome = Outcome.DUPLICATE,
    key: str = "digest",
) -> None:
    """Give each capture skipped as a duplicate the `columns` of the earliest stored copy of
    its digest whose first column is set. With `reason` UNCHANGED_RANGE and `key` "text_from",
    a capture not fetched inside an unchanged range takes the text of the page it names.

    With `refresh`, a duplicate whose values differ from the copy's gets the copy's (a text
    changes when the page is analysed again); without, only one whose first column is NULL
    does (a copy's place in the WARCs never changes). Column names are the
    caller's constants.
    """
    first = columns[0]
    chosen = ", ".join(f"arg_min({column}, timestamp) AS {column}" for column in columns)
    if refresh:
        which = " OR ".join(f"captures.{column} IS DISTINCT FROM f.{column}" for column in columns)
    else:
        which = f"captures.{first} IS NULL"
    connection.execute(
        f"UPDATE captures SET {', '.join(f'{column} = f.{column}' for column in columns)}"
        f" FROM (SELECT digest, {chosen} FROM captures AS f"
        f" WHERE {STORED_COPY} AND f.{first} IS NOT NULL GROUP BY digest) AS f"
        f" WHERE captures.reason_code = '{reason}' AND captures.{key} = f.digest"
        f" AND ({which})"
    )
