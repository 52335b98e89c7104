"""The typed records each plot of `policytrail report` is drawn from (pipelines/report/data.py
reads them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class CorpusSummary:
    sites: int
    targets: int
    captures: int
    versions: int
    documents: int
    first_capture: datetime | None
    last_capture: datetime | None


@dataclass(frozen=True, slots=True)
class VersionsPerYear:
    """Versions by the year of their first capture, every year from the first to the last."""

    years: tuple[int, ...]
    first_versions: tuple[int, ...]  # a target's version 1: where its observation starts
    changes: tuple[int, ...]  # the versions after a target's first


@dataclass(frozen=True, slots=True)
class ChangesByMonth:
    """Changes (versions after a target's first) by the month of their first capture, every
    month of the observed period."""

    months: tuple[date, ...]  # the first day of each month
    changes: tuple[int, ...]
    # between the last capture of the version before and the change's first capture: how
    # much earlier than its month a change may have happened
    median_gap_days: float | None

    @property
    def peak(self) -> tuple[date, int] | None:
        """The month with most changes, if it stands out: more than one, and no other month
        with as many."""
        if not self.changes:
            return None
        most = max(self.changes)
        if most < 2 or self.changes.count(most) > 1:
            return None
        return self.months[self.changes.index(most)], most


@dataclass(frozen=True, slots=True)
class LengthSeries:
    """One target's policy length (words) at mid-year, in the years it was in force then."""

    site: str
    target_url: str
    years: tuple[int, ...]
    n_words: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PolicyLengths:
    """The length of the version in force on 1 July of each year, by target, and its median
    and quartiles across targets (interpolated, as numpy's defaults)."""

    years: tuple[int, ...]
    median_words: tuple[float, ...]  # across the targets with a version in force that day
    lower_quartile: tuple[float, ...]  # a quarter of those targets are shorter
    upper_quartile: tuple[float, ...]  # a quarter are longer
    targets: tuple[int, ...]  # how many targets that is
    series: tuple[LengthSeries, ...]


@dataclass(frozen=True, slots=True)
class VersionSpan:
    version: int
    start: datetime  # first capture
    end: datetime  # the next version's first capture, or (the latest) its own last capture
    effective_date: date | None  # the date the text states for itself


@dataclass(frozen=True, slots=True)
class TargetTimeline:
    site: str
    target_url: str
    versions: tuple[VersionSpan, ...]
    text_days: tuple[date, ...]  # days with a capture that has text (fetched, or a duplicate)
    # days with a capture without text: a redirect, skipped (an error page...) or failed
    other_days: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class Timelines:
    """The timelines of the targets of the sites with most versions (ties: by name)."""

    targets: tuple[TargetTimeline, ...]  # by site, then target
    sites_shown: int
    sites_total: int  # sites with at least one version


@dataclass(frozen=True, slots=True)
class SiteCoverage:
    site: str
    fetched: int
    skipped: int
    failed: int

    @property
    def captures(self) -> int:
        return self.fetched + self.skipped + self.failed


@dataclass(frozen=True, slots=True)
class Coverage:
    """What became of the captures the archive listed: per site, and over all sites."""

    sites: tuple[SiteCoverage, ...]  # the sites with most captures, most first
    sites_total: int
    total: SiteCoverage  # over every site in scope (site: '')
    reasons: tuple[tuple[str, str, int], ...]  # (fetch_status, reason_code, captures), most first


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report shows, read in one pass."""

    summary: CorpusSummary
    per_year: VersionsPerYear
    by_month: ChangesByMonth
    lengths: PolicyLengths
    timelines: Timelines
    coverage: Coverage
