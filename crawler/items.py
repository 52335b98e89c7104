"""The items the spiders yield: the wayback spider one `CaptureItem` per CDX row it considers,
the discover spider a `DiscoveryCapture` per page it reads and a `DomainDiscovery` per domain,
and the `Document` the pipelines fill in for each page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

from crawler.outcomes import Outcome
from crawler.wayback import CdxRecord

FETCHED = "fetched"
SKIPPED = "skipped"
FAILED = "failed"
FETCH_STATUSES = (FETCHED, SKIPPED, FAILED)


def first_day(value: str) -> date:
    """A "YYYY-MM-DD" or "YYYY-MM" date as a DATE (a month on its first day)."""
    year, month, *day = (int(part) for part in value.split("-"))
    return date(year, month, day[0] if day else 1)


def precision(value: str) -> str:
    """ "day" for "YYYY-MM-DD", "month" for "YYYY-MM"."""
    return "day" if value.count("-") == 2 else "month"


@dataclass(frozen=True, slots=True)
class StatedDate:
    """A date a document states for itself, with what its label says it is."""

    label: str  # effective, updated, revised, modified, posted, version or dated
    value: str  # "YYYY-MM-DD", or "YYYY-MM" when only a month is stated
    phrase: str  # the words it was read from ("Last updated: March 3, 2020")


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
    declared_language: str | None = None  # the page's own `lang`, as written ("en-GB")
    is_policy: bool | None = None  # kind == "privacy"
    policy_score: float | None = None
    policy_reasons: tuple[str, ...] = ()
    kind: str | None = None  # privacy, cookies, terms, other legal, not legal
    kind_score: float | None = None  # the classifier's probability of that kind
    kind_reasons: tuple[str, ...] = ()  # the features that weighed most for it
    effective_date: str | None = None  # "YYYY-MM-DD", or "YYYY-MM" when only a month is stated
    effective_date_text: str | None = None
    effective_date_confidence: float | None = None
    effective_date_ambiguous: bool = False
    effective_date_after_capture: bool = False
    effective_date_evidence: str | None = None  # what decided a numeric date's day/month order
    effective_dates: tuple[StatedDate, ...] = ()  # every date it states for itself, in order
    text_hash: str = ""
    sketch: bytes = field(default=b"", repr=False)

    @property
    def analysed(self) -> bool:
        """Whether every analysis step has run on it: hashing, the last one, sets `text_hash`.

        A capture whose text an earlier capture had takes that capture's analysed Document
        (`pipelines/memo.py`), and the later steps leave it as it is.
        """
        return bool(self.text_hash)

    @property
    def effective_day(self) -> date | None:
        """The effective date as a DATE (a month-only date on its first day)."""
        return first_day(self.effective_date) if self.effective_date else None

    @property
    def effective_date_precision(self) -> str | None:
        return precision(self.effective_date) if self.effective_date else None


@dataclass(slots=True)
class Memento:
    """What the archive answered for one capture, after following its own redirects."""

    memento_url: str  # the first replay URL asked for
    final_url: str  # where the redirects ended
    memento_datetime: datetime
    http_status: int  # the archived status (an archived 404 is content, not an error)
    headers: list[tuple[str, str]]  # the original response headers (X-Archive-Orig-* unprefixed)
    body: bytes = field(repr=False)  # never in a log line
    redirect_chain: list[str] = field(default_factory=list)  # archive URLs before final_url
    location: str | None = None  # a captured redirect's target, as an original URL
    fetched_at: datetime | None = None

    @property
    def content_type(self) -> str | None:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return None


@dataclass(slots=True)
class CaptureItem:
    """A CDX row of a target's URL, and what became of it: fetched, skipped or failed, and why."""

    site: str
    target_url: str  # the policy URL of the target this capture counts for
    url: str  # the CDX `original`
    urlkey: str
    timestamp: str  # 14 digits, UTC
    digest: str
    mimetype: str
    statuscode: str  # as the CDX gives it; "-" for revisits
    length: int | None
    fetch_status: str
    reason: str | None = None  # why skipped or failed, for people ("status 404")
    reason_code: Outcome | None = None  # the same, for programs (crawler/outcomes.py)
    via: str | None = None  # how the URL joined the target: None (listed), "alias", "redirect ..."
    # not fetched, inside an unchanged range: the digest of the fetched page whose text it has
    text_from: str | None = None
    # captures of the same payload that waited for this fetch, skipped as duplicates: stored
    # with it, never before it (a crash between would leave them pointing at no copy)
    duplicates: list[CaptureItem] = field(default_factory=list, repr=False)
    memento: Memento | None = None
    encoding: str | None = None  # filled by the decode pipeline: "cp1252 (meta)"
    html_text: str | None = None  # filled by the decode pipeline: the HTML body as text
    document: Document | None = None  # filled by the extract, classify, dates, dedupe pipelines
    # filled by the WARC pipeline once the memento is written
    warc_path: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None

    @property
    def record(self) -> CdxRecord:
        """The CDX row this capture came from."""
        length = "" if self.length is None else str(self.length)
        return CdxRecord(
            self.urlkey,
            self.timestamp,
            self.url,
            self.mimetype,
            self.statuscode,
            self.digest,
            length,
        )

    def __post_init__(self) -> None:
        if self.fetch_status not in FETCH_STATUSES:
            raise ValueError(f"fetch_status must be one of {FETCH_STATUSES}: {self.fetch_status!r}")


@dataclass(slots=True)
class AliasItem:
    """A URL that became one of a target's policy URLs (through a captured redirect)."""

    site: str
    target_url: str
    url: str
    via: str  # "redirect from <url> at <timestamp>"
    found_at: str | None = None  # timestamp of that redirect capture


# How a URL's CDX listing ended.
LISTED = "listed"  # every page was read
EXCLUDED = "excluded"  # the archive refuses to show the URL (IA's "Blocked Site Error")
LISTING_FAILED = "failed"  # an error: the URL is listed again next run


@dataclass(slots=True)
class ListingItem:
    """The end of one URL's CDX listing: done, excluded by the archive, or failed."""

    site: str
    target_url: str
    url: str
    status: str  # LISTED, EXCLUDED or LISTING_FAILED
    message: str | None = None  # the archive's own words when it refused or failed
    until: str | None = None  # LISTED: the latest capture time the listing covered
    full: bool = False  # LISTED: listed from the first capture, not incrementally


# ---- Discovery (`policytrail discover`) ---------------------------------------------------------

HOME_PAGE = "home page"
CANDIDATE = "candidate"


@dataclass(frozen=True, slots=True)
class PolicyLink:
    """A home page's link that may lead to its privacy policy (pipelines/discover/links.py)."""

    url: str  # absolute, without fragment, tracking parameters or session id
    text: str  # what the link says: its text, image alt, aria-label or JSON label
    where: str  # head, footer, header, nav, body, dialog, noscript, noframes or script
    position: int  # the link's order on the page
    score: float
    reasons: tuple[str, ...]
    off_site: bool  # on another registrable domain than the page's


@dataclass(slots=True)
class DiscoveryCapture(CaptureItem):
    """A page `policytrail discover` fetched: a home page, or a page one links as its policy.

    Analysed and kept in WARC like any capture; recorded in `discoveries`, and in `captures`
    only when it is the policy found (then as a plain `CaptureItem` of the domain's target).
    """

    role: str = HOME_PAGE  # HOME_PAGE or CANDIDATE
    # a home page's candidate links, best first, and whether it is a parked domain's (set by
    # the links stage, pipelines/discover/pipeline.py: the spider reads no HTML itself)
    links: tuple[PolicyLink, ...] = ()
    links_worth_trying: int = 0  # how many of the first `links` score enough to be fetched
    parked: bool = False
    # what the analysis sets beyond a CaptureItem's fields (pipelines/pool.py sends it back)
    RESULT_FIELDS: ClassVar[tuple[str, ...]] = ("links", "links_worth_trying", "parked")


# How a period's discovery ended (discoveries.status).
FOUND = "found"  # a link's page is a privacy policy
INLINE = "inline"  # no link led to one, but the home page itself is the policy
NOT_FOUND = "not found"  # links tried, none led to a policy; or no candidate link at all
PARKED_DOMAIN = "parked"  # the home page is a parked domain's
NO_HOME_PAGE = "no home page"  # nothing captured in the period (or only a redirect to nowhere)
EXCLUDED_DOMAIN = "excluded"  # the archive refuses to show the domain
DISCOVERY_FAILED = "failed"  # a fetch failed: discovered again next run


@dataclass(slots=True)
class CandidateOutcome:
    """One candidate link of a period's home page, and what fetching it showed."""

    link: PolicyLink
    tried: bool = False
    page_url: str | None = None  # the page it led to (after captured redirects)
    timestamp: str | None = None  # that page's capture time
    kind: str | None = None  # what the classifier says the page is
    kind_score: float | None = None
    accepted: bool = False
    reason: str = "not tried"
    capture: DiscoveryCapture | None = field(default=None, repr=False)  # its WARC record


@dataclass(slots=True)
class PeriodDiscovery:
    """One period of one domain: the home page that stands for it, its links, what was found."""

    period_start: date
    period_end: date  # the next period's first day
    sampled_at: date  # the period's middle, which the home page is the capture nearest to
    status: str = DISCOVERY_FAILED
    reason: str = ""
    home_kind: str | None = None  # how its home page was chosen: page, or redirect (followed)
    home: DiscoveryCapture | None = field(default=None, repr=False)  # its WARC record
    home_page_kind: str | None = None  # what the classifier says the home page is
    candidates: list[CandidateOutcome] = field(default_factory=list)
    policy_url: str | None = None  # FOUND: the accepted link's URL; INLINE: the home page's


@dataclass(slots=True)
class DomainDiscovery:
    """Every period of one domain this run discovered, stored together once all are done."""

    domain: str
    sample_every: str  # "6M"
    periods: list[PeriodDiscovery]
