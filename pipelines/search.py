"""Finding a phrase in the corpus: the versions whose text holds it, and per target the first
and the last version that do. Plain SQL over each distinct text once (documents), then joined
to the versions: DuckDB scans 100,000 versions in well under a second (bench/search_bench.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import duckdb

from crawler.exceptions import BadInputError


@dataclass(frozen=True, slots=True)
class Match:
    site: str
    target_url: str
    version: int
    version_id: str
    first_seen: datetime
    last_seen: datetime
    next_seen: datetime | None
    occurrences: int  # times the phrase occurs in the version's text


@dataclass(frozen=True, slots=True)
class TargetMatches:
    """Per target: where the phrase is first and last found, and whether it is still there."""

    site: str
    target_url: str
    versions: int  # the target's versions in all
    matching: tuple[Match, ...]
    in_latest: bool

    @property
    def first(self) -> Match:
        return self.matching[0]

    @property
    def last(self) -> Match:
        return self.matching[-1]


# The pattern is matched case-insensitively; occurrences are counted on the same pattern.
_SEARCH = """
WITH hits AS (
    SELECT text_hash, len(regexp_extract_all(text, $pattern, 0, 'i')) AS occurrences
    FROM documents
    WHERE {prefilter} regexp_matches(text, $pattern, 'i')
)
SELECT v.site, v.target_url, v.version,
       version_id(v.site, v.target_url, v.first_seen, v.text_hash),
       v.first_seen, v.last_seen, v.next_seen, h.occurrences,
       (SELECT max(version) FROM versions a
        WHERE a.site = v.site AND a.target_url = v.target_url) AS versions
FROM versions v JOIN hits h USING (text_hash)
{where}
ORDER BY v.site, v.target_url, v.version
"""


@dataclass(frozen=True, slots=True)
class Pattern:
    regex: str  # RE2, matched without regard to case
    # a word every match contains, found first with a plain substring scan (several times
    # faster than the regular expression on long texts); None for --regex or a non-ASCII word
    must_contain: str | None


def pattern_for(phrase: str, *, regex: bool = False, whole_words: bool = False) -> Pattern:
    """The regular expression a search runs: the phrase literally (its spaces matching any run
    of white space, as texts wrap lines), or as given with --regex."""
    if not phrase.strip():
        raise BadInputError("the phrase to search for is empty")
    # a --regex is checked by DuckDB when the search runs: RE2, not Python's syntax
    pattern = phrase if regex else r"\s+".join(re.escape(word) for word in phrase.split())
    longest = max(phrase.split(), key=len).lower()
    # only an ASCII word: beyond ASCII, Python's lower(), DuckDB's lower() and RE2's case
    # folding disagree (a final Σ, İ), and the scan would drop texts the pattern matches
    hint = None if regex or not longest.isascii() else longest
    return Pattern(rf"\b(?:{pattern})\b" if whole_words else pattern, hint)


def search(
    connection: duckdb.DuckDBPyConnection, pattern: Pattern, sites: list[str] | None = None
) -> list[TargetMatches]:
    """Every target whose versions hold `pattern`, with the versions that do."""
    where, prefilter = "", ""
    parameters: dict[str, object] = {"pattern": pattern.regex}
    if sites:
        where = "WHERE v.site IN (SELECT unnest($sites))"
        parameters["sites"] = sites
    if pattern.must_contain:
        prefilter = "contains(lower(text), $hint) AND"
        parameters["hint"] = pattern.must_contain
    sql = _SEARCH.format(where=where, prefilter=prefilter)
    try:
        rows = connection.execute(sql, parameters).fetchall()
    except duckdb.InvalidInputException as error:
        problem = str(error).removeprefix("Invalid Input Error: ")
        raise BadInputError(f"not a regular expression ({problem}): {pattern.regex!r}") from None
    found: list[TargetMatches] = []
    group: list[Match] = []
    for position, row in enumerate(rows):
        *fields, count = row
        group.append(Match(*fields))
        following = rows[position + 1] if position + 1 < len(rows) else None
        if following is None or following[:2] != row[:2]:
            found.append(
                TargetMatches(row[0], row[1], count, tuple(group), group[-1].version == count)
            )
            group = []
    return found
