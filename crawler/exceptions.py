"""Every error policytrail raises on purpose, under one base class."""

from __future__ import annotations

# Exit codes of every command (README, "Exit codes"): what a scheduled job can act on.
EXIT_DONE = 0
EXIT_FAILURES = 1  # finished, but some captures or CDX searches failed: the next run retries
EXIT_REFUSED = 2  # could not start or refused: bad input, unusable or locked database
EXIT_INTERRUPTED = 3  # stopped by a signal, or paused longer than allowed: run it again


class PolicytrailError(Exception):
    """Base class: the CLI prints these as one line and exits with `exit_code`."""

    exit_code = EXIT_FAILURES


class BadInputError(PolicytrailError):
    """Input given by the user (a file, an option, a spec) cannot be used as it is."""

    exit_code = EXIT_REFUSED


class SpecError(BadInputError):
    """A fixture spec (JSON or CSV) names something impossible; says file and entry."""

    def __init__(self, source: str, entry: int | str, message: str) -> None:
        super().__init__(f"{source}: entry {entry}: {message}")
        self.source = source
        self.entry = entry


class WarcError(PolicytrailError):
    """A WARC file cannot be read or indexed."""


class CdxQueryError(PolicytrailError):
    """A CDX query parameter is invalid (the archive answers 400)."""

    exit_code = EXIT_REFUSED


class DatabaseError(PolicytrailError):
    """The DuckDB database cannot be used (newer schema, unreadable file)."""

    exit_code = EXIT_REFUSED


class DatabaseLockedError(DatabaseError):
    """Another process holds the database (a crawl is writing to it)."""


class CrawlIncomplete(PolicytrailError):
    """A crawl finished, but some captures or CDX searches failed: the next run retries them."""

    exit_code = EXIT_FAILURES


class CrawlInterrupted(PolicytrailError):
    """A crawl was stopped before it finished: running it again picks up the rest."""

    exit_code = EXIT_INTERRUPTED


class PageTooLargeError(PolicytrailError):
    """A capture is larger than analysis takes (POLICYTRAIL_MAX_ANALYSIS_BYTES): kept, not read."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"not analysed: page of {size:,} bytes is over the analysis limit of {limit:,} bytes"
        )
        self.size = size
        self.limit = limit
        # What a capture's `reason` says: the same for every page over the limit, so the
        # coverage view counts them together.
        self.reason = f"too large to analyse (over {limit:,} bytes)"


class ExportError(PolicytrailError):
    """An export cannot be written as asked (git failed, a file would land outside its folder)."""
