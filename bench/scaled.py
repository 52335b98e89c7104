"""Run the policytrail CLI with every politeness rate multiplied by one factor (benchmarks only).

    python -m bench.scaled 4 crawl targets.csv --db out.duckdb --archive URL

A benchmark serves its archive with IA's limits over a window `factor` times shorter than IA's
minute (`archive serve --window-seconds`), so the crawler's rates and pauses are scaled by the
same factor: the proportions of a run are IA's, in a fraction of the time. Nothing else of the
crawl changes.
"""

from __future__ import annotations

import sys

import crawler.settings as settings

# Rates, multiplied by the factor; delays and pauses, divided by it.
RATES = ("WAYBACK_CDX_RATE_PER_MINUTE", "WAYBACK_REPLAY_RATE_PER_MINUTE")
SPANS = (
    "WAYBACK_429_PAUSE",
    "WAYBACK_429_PAUSE_MAX",
    "WAYBACK_BLOCK_WINDOW",
    "WAYBACK_BLOCK_PAUSE",
    "WAYBACK_RETRY_BACKOFF",
    "WAYBACK_RETRY_BACKOFF_MAX",
)


def scale(factor: float) -> None:
    """Scale crawler.settings in place, before any crawl reads it."""
    for name in RATES:
        setattr(settings, name, getattr(settings, name) * factor)
    for name in SPANS:
        setattr(settings, name, getattr(settings, name) / factor)
    settings.DOWNLOAD_SLOTS = {
        slot: {**values, "delay": values["delay"] / factor}
        for slot, values in settings.DOWNLOAD_SLOTS.items()
    }


def main() -> None:
    factor = float(sys.argv[1])
    scale(factor)
    from crawler.cli import main as cli

    sys.argv = ["policytrail", *sys.argv[2:]]
    cli()


if __name__ == "__main__":
    main()
