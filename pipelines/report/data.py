"""The data behind each plot of `policytrail report`, read with SQL from a read-only database."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.reading import check_sites
from pipelines.report.records import (
    ChangesByMonth,
    CorpusSummary,
    Coverage,
    LengthSeries,
    PolicyLengths,
    ReportData,
    SiteCoverage,
    TargetTimeline,
    Timelines,
    VersionSpan,
    VersionsPerYear,
)


@dataclass(frozen=True, slots=True)
class Scope:
    """The sites a report covers: all of them (no names), or the ones named."""

    sites: tuple[str, ...] = ()

    @staticmethod
    def where(column: str = "site") -> str:
        """The SQL condition on `column` that `params` bind."""
        return f"($all_sites OR list_contains($sites::VARCHAR[], {column}))"

    @property
    def params(self) -> dict[str, object]:
        return {"all_sites": not self.sites, "sites": list(self.sites)}


def scope_of(connection: duckdb.DuckDBPyConnection, sites: tuple[str, ...]) -> Scope:
    """The scope of the sites named, refused (BadInputError) if one is not in the database."""
    check_sites(connection, sites)
    return Scope(tuple(dict.fromkeys(sites)))


def corpus_summary(connection: duckdb.DuckDBPyConnection, scope: Scope) -> CorpusSummary:
    row = connection.execute(
        f"""SELECT (SELECT count(DISTINCT site) FROM targets WHERE {scope.where()}),
                   (SELECT count(*) FROM targets WHERE {scope.where()}),
                   count(*), min(timestamp), max(timestamp),
                   (SELECT count(*) FROM versions WHERE {scope.where()}),
                   (SELECT count(DISTINCT text_hash) FROM versions WHERE {scope.where()})
            FROM captures WHERE {scope.where()}""",
        scope.params,
    ).fetchall()[0]  # an aggregate without GROUP BY: one row, always
    sites, targets, captures, first, last, versions, documents = row
    return CorpusSummary(sites, targets, captures, versions, documents, first, last)


def versions_per_year(connection: duckdb.DuckDBPyConnection, scope: Scope) -> VersionsPerYear:
    rows = connection.execute(
        f"""WITH v AS (SELECT * FROM versions WHERE {scope.where()}),
                 years AS (SELECT unnest(range(min(year(first_seen)),
                                               max(year(last_seen)) + 1)) AS year FROM v)
            SELECT y.year, count(v.version) FILTER (WHERE v.version = 1),
                   count(v.version) FILTER (WHERE v.version > 1)
            FROM years y LEFT JOIN v ON year(v.first_seen) = y.year
            GROUP BY y.year ORDER BY y.year""",
        scope.params,
    ).fetchall()
    return VersionsPerYear(*_columns(rows, 3))


def changes_by_month(connection: duckdb.DuckDBPyConnection, scope: Scope) -> ChangesByMonth:
    rows = connection.execute(
        f"""WITH v AS (
                SELECT version, date_trunc('month', first_seen) AS month, last_seen,
                       date_diff('second', lag(last_seen) OVER (PARTITION BY site, target_url
                                                               ORDER BY version),
                                 first_seen) / 86400 AS gap
                FROM versions WHERE {scope.where()}),
            months AS (SELECT unnest(range(min(month), date_trunc('month', max(last_seen))
                                                       + INTERVAL 1 MONTH, INTERVAL 1 MONTH))
                              AS month FROM v)
            SELECT m.month::DATE, count(v.version), (SELECT median(gap) FROM v)
            FROM months m LEFT JOIN v ON v.month = m.month AND v.version > 1
            GROUP BY m.month ORDER BY m.month""",
        scope.params,
    ).fetchall()
    months, changes, gaps = _columns(rows, 3)
    return ChangesByMonth(months, changes, gaps[0] if gaps else None)


# A version is in force from its first capture until the next version's first capture, and
# the latest until its own last capture: after it nothing is known.
_IN_FORCE = f"""
WITH spans AS (
    SELECT v.site, v.target_url, v.first_seen, coalesce(v.next_seen, v.last_seen) AS until,
           v.next_seen IS NULL AS latest, d.n_words
    FROM versions v JOIN documents d USING (text_hash) WHERE {Scope.where("v.site")}),
mid_years AS (
    SELECT year, make_timestamp(year, 7, 1, 0, 0, 0) AS mid
    FROM (SELECT unnest(range(min(year(first_seen)), max(year(until)) + 1)) AS year FROM spans))
SELECT s.site, s.target_url, m.year, s.n_words
FROM spans s JOIN mid_years m ON s.first_seen <= m.mid
    AND (m.mid < s.until OR (s.latest AND m.mid = s.until))
"""


def policy_lengths(connection: duckdb.DuckDBPyConnection, scope: Scope) -> PolicyLengths:
    params = scope.params
    medians = connection.execute(
        f"""SELECT year, median(n_words), quantile_cont(n_words, 0.25),
                   quantile_cont(n_words, 0.75), count(*)
            FROM ({_IN_FORCE}) GROUP BY year ORDER BY year""",
        params,
    ).fetchall()
    series = connection.execute(
        f"""SELECT site, target_url, list(year ORDER BY year), list(n_words ORDER BY year)
            FROM ({_IN_FORCE}) GROUP BY site, target_url ORDER BY site, target_url""",
        params,
    ).fetchall()
    years, median_words, lower, upper, targets = _columns(medians, 5)
    return PolicyLengths(
        years,
        median_words,
        lower,
        upper,
        targets,
        tuple(LengthSeries(s, t, tuple(y), tuple(w)) for s, t, y, w in series),
    )


def timelines(connection: duckdb.DuckDBPyConnection, scope: Scope, max_sites: int) -> Timelines:
    ranked = connection.execute(
        f"""SELECT site FROM versions WHERE {scope.where()}
            GROUP BY site ORDER BY count(*) DESC, site""",
        scope.params,
    ).fetchall()
    if not ranked:
        return Timelines((), 0, 0)
    shown = Scope(tuple(sorted(site for (site,) in ranked[:max_sites])))
    spans = connection.execute(
        f"""SELECT site, target_url, list((version, first_seen, coalesce(next_seen, last_seen),
                                          effective_date) ORDER BY version)
            FROM versions WHERE {shown.where()} GROUP BY ALL""",
        shown.params,
    ).fetchall()
    days = connection.execute(
        f"""SELECT site, target_url,
                   list(DISTINCT timestamp::DATE ORDER BY timestamp::DATE)
                       FILTER (WHERE text_hash IS NOT NULL),
                   list(DISTINCT timestamp::DATE ORDER BY timestamp::DATE)
                       FILTER (WHERE text_hash IS NULL)
            FROM captures WHERE {shown.where()} GROUP BY ALL""",
        shown.params,
    ).fetchall()
    captured = {(site, target): (text, other) for site, target, text, other in days}
    rows = []
    for site, target, versions in sorted(spans):
        text, other = captured.get((site, target), ([], []))
        rows.append(
            TargetTimeline(
                site,
                target,
                tuple(VersionSpan(*version) for version in versions),
                tuple(text or ()),
                tuple(other or ()),
            )
        )
    return Timelines(tuple(rows), len(shown.sites), len(ranked))


def coverage(connection: duckdb.DuckDBPyConnection, scope: Scope, max_sites: int) -> Coverage:
    counts = """count(*) FILTER (WHERE fetch_status = 'fetched'),
                count(*) FILTER (WHERE fetch_status = 'skipped'),
                count(*) FILTER (WHERE fetch_status = 'failed')"""
    sites = connection.execute(
        f"""SELECT site, {counts} FROM captures WHERE {scope.where()}
            GROUP BY site ORDER BY count(*) DESC, site""",
        scope.params,
    ).fetchall()
    total = connection.execute(
        f"SELECT '', {counts} FROM captures WHERE {scope.where()}", scope.params
    ).fetchall()[0]
    reasons = connection.execute(
        f"""SELECT fetch_status, coalesce(reason_code, 'unknown'), count(*) FROM captures
            WHERE fetch_status <> 'fetched' AND {scope.where()}
            GROUP BY ALL ORDER BY 3 DESC, 1, 2""",
        scope.params,
    ).fetchall()
    return Coverage(
        tuple(SiteCoverage(*row) for row in sites[:max_sites]),
        len(sites),
        SiteCoverage(*total),
        tuple(reasons),
    )


def read_report(connection: duckdb.DuckDBPyConnection, scope: Scope, max_sites: int) -> ReportData:
    """The data of every plot; timelines and coverage show `max_sites` sites at most."""
    return ReportData(
        corpus_summary(connection, scope),
        versions_per_year(connection, scope),
        changes_by_month(connection, scope),
        policy_lengths(connection, scope),
        timelines(connection, scope, max_sites),
        coverage(connection, scope, max_sites),
    )


def _columns(rows: list[tuple], width: int) -> tuple[tuple, ...]:
    """Rows as `width` columns (empty columns for no rows)."""
    if not rows:
        return ((),) * width
    return tuple(tuple(column) for column in zip(*rows, strict=True))
