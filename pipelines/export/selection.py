"""Which records an export holds: the versions of some sites, those in force during a window,
or, sampled, the version in force at the middle of each calendar period."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from crawler.exceptions import BadInputError
from crawler.periods import SamplingPeriod
from pipelines.export.records import ExportVersion
from pipelines.reading import unknown_sites

# The temporary table the selected records are kept in while an export is written; every
# writer reads from it, so the filters and the sampling are computed once.
SELECTED = "export_selection"
# The columns of `policy_versions`, in its order: what the table formats write per record.
VERSION_COLUMNS = (
    "version_id",
    "site",
    "target_url",
    "version",
    "first_seen",
    "last_seen",
    "next_seen",
    "n_captures",
    "effective_date",
    "effective_date_text",
    "effective_date_precision",
    "title",
    "language",
    "n_words",
    "text",
    "markdown",
    "original_url",
    "memento_url",
    "extractor",
    "extractor_version",
    "is_policy",
    "text_hash",
    "effective_dates",
    "kind",
)
# Written first when sampling: the instant a record stands for, and its capture's time.
SAMPLING_COLUMNS = ("sampled_at", "captured_at")
# Records read from the database at a time: a batch holds at most some MB of texts.
READ_BATCH = 200


@dataclass(frozen=True, slots=True)
class Selection:
    """What to export. Empty `sites`: every site. `from_day`/`to_day` are whole days, both
    included (UTC). `sample_every`: one record per target and period instead of per version."""

    sites: tuple[str, ...] = ()
    from_day: date | None = None
    to_day: date | None = None
    sample_every: SamplingPeriod | None = None

    def __post_init__(self) -> None:
        if self.from_day and self.to_day and self.from_day > self.to_day:
            raise BadInputError(f"--from {self.from_day} is after --to {self.to_day}")

    @property
    def window_start(self) -> datetime | None:
        return datetime.combine(self.from_day, datetime.min.time()) if self.from_day else None

    @property
    def window_end(self) -> datetime | None:
        """The first instant after the window (its last day is included)."""
        if self.to_day is None:
            return None
        return datetime.combine(self.to_day, datetime.min.time()) + timedelta(days=1)

    def describe(self) -> dict[str, object]:
        """The selection as the manifest records it."""
        return {
            "sites": list(self.sites) or None,
            "from": self.from_day.isoformat() if self.from_day else None,
            "to": self.to_day.isoformat() if self.to_day else None,
            "sample_every": self.sample_every.label if self.sample_every else None,
            "sampling_instants": self.sample_every.describe() if self.sample_every else None,
        }


@dataclass(frozen=True, slots=True)
class SelectionCounts:
    records: int  # one per version, or with sampling one per target and instant
    versions: int
    sites: int
    targets: int


def read_sites(values: Sequence[str]) -> tuple[str, ...]:
    """The sites named by `--site` values, in order, each once: a value `@FILE` stands for the
    sites listed in FILE, one a line (blank lines and lines starting with # skipped)."""
    sites: list[str] = []
    for value in values:
        if value.startswith("@"):
            path = Path(value[1:])
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as error:
                problem = getattr(error, "strerror", None) or str(error)
                raise BadInputError(f"--site {value}: cannot read {path} ({problem})") from None
            listed = [line.strip() for line in lines]
            found = [line for line in listed if line and not line.startswith("#")]
            if not found:
                raise BadInputError(f"--site {value}: {path} lists no site")
            sites.extend(found)
        elif value.strip():
            sites.append(value.strip())
        else:
            raise BadInputError("--site takes a site name or @FILE, not an empty value")
    return tuple(dict.fromkeys(sites))


def check_sites(connection: duckdb.DuckDBPyConnection, sites: Sequence[str]) -> None:
    """Refuse sites the database does not know, naming them (a typo exports nothing)."""
    unknown = unknown_sites(connection, sites)
    if unknown:
        shown = ", ".join(unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        raise BadInputError(f"no such site in the database ({len(unknown)}): {shown}")


# The versions meeting the filters, one row each, as `policy_versions` has them.
_BY_VERSION = """
SELECT pv.* EXCLUDE (text, markdown, original_url, memento_url), NULL::TIMESTAMP AS sampled_at
FROM policy_versions pv
WHERE (len($sites::VARCHAR[]) = 0 OR list_contains($sites::VARCHAR[], pv.site))
  AND ($end::TIMESTAMP IS NULL OR pv.first_seen < $end::TIMESTAMP)
  -- a target's latest version (next_seen NULL) is known to be in force until its last capture
  AND ($start::TIMESTAMP IS NULL
       OR coalesce(pv.next_seen > $start::TIMESTAMP, pv.last_seen >= $start::TIMESTAMP))
"""
# The version in force at the middle of each period, per target, from the period of its first
# version's first capture to the period of its last capture.
_BY_INSTANT = """
WITH spans AS (
    SELECT site, target_url,
           (year(min(first_seen)) * 12 + month(min(first_seen)) - 1) // $months AS first_period,
           (year(max(last_seen)) * 12 + month(max(last_seen)) - 1) // $months AS last_period
    FROM versions
    WHERE len($sites::VARCHAR[]) = 0 OR list_contains($sites::VARCHAR[], site)
    GROUP BY site, target_url
), middles AS (
    SELECT site, target_url,
           unnest(range(first_period, last_period + 1)) * $months + $months // 2 AS month_number
    FROM spans
), instants AS (
    SELECT site, target_url,
           make_timestamp(month_number // 12, month_number % 12 + 1, $day, 0, 0, 0) AS sampled_at
    FROM middles
)
SELECT pv.* EXCLUDE (text, markdown, original_url, memento_url), i.sampled_at
FROM instants i
JOIN policy_versions pv
  ON pv.site = i.site AND pv.target_url = i.target_url AND pv.first_seen <= i.sampled_at
 AND (i.sampled_at < pv.next_seen OR pv.next_seen IS NULL)
WHERE ($start::TIMESTAMP IS NULL OR i.sampled_at >= $start::TIMESTAMP)
  AND ($end::TIMESTAMP IS NULL OR i.sampled_at < $end::TIMESTAMP)
"""
# Each chosen record with the capture it stands for: of the version's captures of the same
# text, the one nearest its instant (without sampling, its first capture), with where its
# WARC record is kept. The memento URL is rebuilt as policy_versions does for captures
# skipped as duplicates (they were never replayed).
_MATERIALISE = f"""
CREATE OR REPLACE TEMP TABLE {SELECTED} AS
WITH chosen AS ({{chosen}}),
nearest AS (
    SELECT ch.*, c.timestamp AS capture_timestamp, c.url AS capture_url, c.digest,
           c.run_id AS capture_run_id, c.fetch_status AS capture_status,
           c.warc_path, c.warc_offset, c.warc_length,
           coalesce(c.memento_url,
                    rtrim(r.archive, '/') || '/web/' || strftime(c.timestamp, '%Y%m%d%H%M%S')
                    || 'id_/' || c.url) AS capture_memento_url
    FROM chosen ch
    LEFT JOIN captures c
      ON c.site = ch.site AND c.target_url = ch.target_url AND c.text_hash = ch.text_hash
     AND c.timestamp BETWEEN ch.first_seen AND ch.last_seen
     -- a capture whose bytes were read (change-point's inferred ones were never replayed)
     AND c.reason_code IS DISTINCT FROM 'unchanged_range'
    LEFT JOIN crawl_runs r ON r.run_id = c.run_id
    QUALIFY row_number() OVER (
        PARTITION BY ch.version_id, ch.sampled_at
        ORDER BY abs(epoch(c.timestamp) - epoch(coalesce(ch.sampled_at, ch.first_seen))),
                 c.timestamp, c.url, c.digest) = 1
)
SELECT row_number() OVER (
           ORDER BY site, target_url, coalesce(sampled_at, first_seen), version) AS record_no,
       * EXCLUDE (capture_timestamp, capture_url, capture_memento_url),
       coalesce(capture_timestamp, first_seen) AS captured_at,
       capture_url AS original_url, capture_memento_url AS memento_url
FROM nearest
"""


def materialise(connection: duckdb.DuckDBPyConnection, selection: Selection) -> SelectionCounts:
    """Compute the selected records into the temporary table SELECTED (replacing an earlier
    one) and count them. Works on a read-only connection: temporary tables live in memory."""
    parameters: dict[str, object] = {
        "sites": list(selection.sites),
        "start": selection.window_start,
        "end": selection.window_end,
    }
    if selection.sample_every is None:
        chosen = _BY_VERSION
    else:
        chosen = _BY_INSTANT
        parameters["months"] = selection.sample_every.months
        parameters["day"] = selection.sample_every.middle_day
    connection.execute(_MATERIALISE.format(chosen=chosen), parameters)
    counted = connection.execute(
        f"SELECT count(*), count(DISTINCT version_id), count(DISTINCT site),"
        f" count(DISTINCT (site, target_url)) FROM {SELECTED}"
    ).fetchone()
    return SelectionCounts(*(counted or (0, 0, 0, 0)))


def read_selected(connection: duckdb.DuckDBPyConnection) -> Iterator[ExportVersion]:
    """The records of SELECTED in site, target and time order, as export writers take them
    (times naive, in UTC, as the database keeps them).

        One query streams them READ_BATCH at a time: `connection` is busy until the iterator is
        exhausted, so anything else read meanwhile goes through `connection.cursor()`.
    """
    result = connection.execute(
        f"SELECT s.version_id, s.site, s.target_url, s.version, s.first_seen, s.last_seen,"
        f" s.next_seen, s.n_captures, s.effective_date, s.effective_date_text, s.title,"
        f" s.language, s.n_words, d.text, d.markdown, s.captured_at, s.original_url,"
        f" s.memento_url, s.extractor, s.extractor_version, s.text_hash, s.sampled_at"
        f" FROM {SELECTED} s JOIN documents d USING (text_hash) ORDER BY s.record_no"
    )
    while rows := result.fetchmany(READ_BATCH):
        for row in rows:
            yield ExportVersion(*row)


def select_versions(
    connection: duckdb.DuckDBPyConnection, selection: Selection
) -> Iterator[ExportVersion]:
    """The selected records, in site, target and time order (see `materialise` and
    `read_selected`). Unknown sites are refused before anything is read."""
    check_sites(connection, selection.sites)
    materialise(connection, selection)
    yield from read_selected(connection)
