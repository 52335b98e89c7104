"""The `Document`: one capture's text and what policytrail found in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(slots=True)
class Document:
    """One capture's text and what policytrail found in it. Equal texts share a `text_hash`."""

    text: str
    markdown: str
    title: str | None
    language: str | None
    extractor: str
    extractor_version: str
    extractor_settings: str
    strategy: str
    is_policy: bool | None = None
    policy_score: float | None = None
    policy_reasons: tuple[str, ...] = ()
    effective_date: str | None = None  # "YYYY-MM-DD", or "YYYY-MM" when only a month is stated
    effective_date_text: str | None = None
    effective_date_confidence: float | None = None
    effective_date_ambiguous: bool = False
    effective_date_after_capture: bool = False
    text_hash: str = ""
    sketch: bytes = field(default=b"", repr=False)

    @property
    def effective_day(self) -> date | None:
        """The effective date as a DATE (a month-only date on its first day)."""
        if not self.effective_date:
            return None
        year, month, *day = (int(part) for part in self.effective_date.split("-"))
        return date(year, month, day[0] if day else 1)

    @property
    def effective_date_precision(self) -> str | None:
        if not self.effective_date:
            return None
        return "day" if self.effective_date.count("-") == 2 else "month"
