"""Which capture of a site's home page stands for each period (`policytrail discover`).

Pure: a home page's CDX rows in, one choice per period out. As the Princeton-Leuven study did,
each period is searched for the capture closest to its middle (6M: 1 April and 1 October); a
page (2xx HTML) is preferred, a redirect (3xx) is taken where the period has no page, to be
followed inside the archive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.periods import SamplingPeriod
from crawler.selection import UNKNOWN_MIMETYPES
from crawler.wayback import CdxRecord, parse_timestamp

HTML_MIMETYPES = frozenset({"text/html", "application/xhtml+xml"})

PAGE = "page"
REDIRECT = "redirect"
NONE = "none"
CLOSEST_PAGE = "the page captured closest to the period's middle"
ONLY_REDIRECTS = "only redirects captured in the period: the closest, to follow"
NO_CAPTURE = "no capture in the period"


@dataclass(frozen=True, slots=True)
class HomePageChoice:
    """A period's home-page capture, or why there is none."""

    period: int  # the period's number (SamplingPeriod.period_of)
    instant: datetime  # its middle, 00:00 UTC
    capture: CdxRecord | None
    kind: str  # PAGE, REDIRECT or NONE
    reason: str


def choose_home_pages(
    rows: Iterable[CdxRecord],
    every: SamplingPeriod,
    first: int | None = None,
    last: int | None = None,
) -> list[HomePageChoice]:
    """One choice per period from `first` to `last` (default: the captures' own span)."""
    pages: dict[int, list[tuple[datetime, CdxRecord]]] = defaultdict(list)
    redirects: dict[int, list[tuple[datetime, CdxRecord]]] = defaultdict(list)
    for row in rows:
        try:
            moment = parse_timestamp(row.timestamp)
        except ValueError:
            continue
        period = every.period_of(moment)
        if _is_page(row):
            pages[period].append((moment, row))
        elif row.statuscode.startswith("3"):
            redirects[period].append((moment, row))
    known = sorted({*pages, *redirects})
    if not known and (first is None or last is None):
        return []
    start = first if first is not None else known[0]
    end = last if last is not None else known[-1]
    choices = []
    for period in range(start, end + 1):
        instant = every.instant(period).replace(tzinfo=UTC)
        if pages[period]:
            capture, kind, reason = _closest(pages[period], instant), PAGE, CLOSEST_PAGE
        elif redirects[period]:
            capture, kind, reason = _closest(redirects[period], instant), REDIRECT, ONLY_REDIRECTS
        else:
            capture, kind, reason = None, NONE, NO_CAPTURE
        choices.append(HomePageChoice(period, instant, capture, kind, reason))
    return choices


def followed_page(
    redirect: CdxRecord, rows: Iterable[CdxRecord], within: timedelta
) -> CdxRecord | None:
    """The page a home-page redirect leads to: the home page's page capture nearest it, within
    `within`. Home pages redirect to themselves under another scheme or host (`http://x/` to
    `https://www.x/`), one URL key, so the listing holds where they lead; an archive that skips
    such redirects (pywb does) would show that page too. Replaying the redirect instead may
    loop, back to the capture asked for."""
    moment = parse_timestamp(redirect.timestamp)
    pages = []
    for row in rows:
        if _is_page(row):
            try:
                pages.append((parse_timestamp(row.timestamp), row))
            except ValueError:
                continue
    if not pages:
        return None
    when, page = min(pages, key=lambda pair: (abs(pair[0] - moment), pair[0]))
    return page if abs(when - moment) <= within else None


def _is_page(row: CdxRecord) -> bool:
    """A 2xx HTML capture, or a revisit (status "-"), which repeats an earlier capture's payload:
    what it is shows on replay, as for the crawl's own revisits."""
    mimetype = row.mimetype.lower()
    if mimetype in UNKNOWN_MIMETYPES:
        return row.statuscode in ("-", "") or row.statuscode.startswith("2")
    return mimetype in HTML_MIMETYPES and row.statuscode.startswith("2")


def _closest(found: list[tuple[datetime, CdxRecord]], instant: datetime) -> CdxRecord:
    """The capture nearest `instant`; of two as near, the earlier."""
    return min(found, key=lambda pair: (abs(pair[0] - instant), pair[0]))[1]
