"""What every export writer receives: one version of a target's policy, as `policy_versions`
holds it, and the instant it stands for when the export samples."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class ExportVersion:
    version_id: str  # policy_versions.version_id: stable across reprocessing
    site: str
    target_url: str
    version: int
    first_seen: datetime
    last_seen: datetime
    next_seen: datetime | None
    n_captures: int
    effective_date: date | None
    effective_date_text: str | None
    title: str | None
    language: str | None
    n_words: int
    text: str
    markdown: str | None
    # the capture this record stands for: the version's first, or with --sample-every the
    # version's capture nearest the sampling instant
    captured_at: datetime
    original_url: str | None  # the URL as captured
    memento_url: str | None  # the archive's raw (id_) address of that capture
    extractor: str
    extractor_version: str
    text_hash: str
    # with --sample-every: the sampling instant (middle of a period) this version stands for
    sampled_at: datetime | None = None

    @property
    def archived_on(self) -> date:
        """The day the provenance header names: the day of the capture it stands for."""
        return self.captured_at.date()
