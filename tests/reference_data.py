"""The one reader of the real reference data in ../shared/data, for quality tests and benchmarks.

Pages are read through `pipelines.extract.extract_policy` and reference texts through
`pipelines.evaluation.reference_text`, so every test and benchmark measures the same texts.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote

from pipelines.evaluation import reference_text
from pipelines.extract import extract_policy

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# The page's declared language, as the crawl would know it from the captured HTML.
HTML_LANG = re.compile(
    rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", re.I
)
HTML_HEAD_BYTES = 20_000
# The first lines of a Princeton-Leuven capture name its Wayback URL, the original in it
# percent-encoded: ".../<14 digits>id_/http%3A//...".
WAYBACK_URL = re.compile(r"https?://web\.archive\.org/web/\d{14}id_/(\S+?)\)?\s")


@dataclass(frozen=True, slots=True)
class PageText:
    """What the pipeline gets from a page; "" and strategy "-" when it finds nothing."""

    text: str
    title: str | None
    language: str | None
    strategy: str


# Cached: the quality tests of one session extract the same pages, each once is enough.
@lru_cache(maxsize=512)
def extract_text(path: Path, url: str, content_type: str | None = None) -> PageText:
    """The text, title, language and strategy of the page stored at `path`."""
    extracted = extract_policy(path.read_bytes(), url, content_type)
    if extracted is None:
        return PageText("", None, None, "-")
    return PageText(extracted.text, extracted.title, extracted.language, extracted.strategy)


def declared_language(html: Path) -> str | None:
    with html.open("rb") as page:
        match = HTML_LANG.search(page.read(HTML_HEAD_BYTES))
    return match[1].decode("ascii") if match else None


# ---- Open Terms Archive ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SameTextSnapshot:
    """A later page whose HTML differs from its version's snapshot but whose text did not."""

    html: Path
    captured_at: datetime


@dataclass(frozen=True, slots=True)
class OtaVersion:
    """One exported version: its snapshot, the later same-text pages, the expected text."""

    collection: ClassVar[str] = "ota"
    service: str  # "dating/LEX"
    key: str  # the folder under ota/: "dating/LEX/Privacy Policy/004_20230419T003251"
    url: str
    html: Path  # the snapshot.html
    captured_at: datetime
    same_text: tuple[SameTextSnapshot, ...]
    version_md: Path
    declared_language: str | None

    @property
    def name(self) -> str:
        return self.html.parent.name

    @property
    def label(self) -> str:
        return f"{self.service} {self.name[:3]}"

    def reference_text(self) -> str:
        return reference_text(self.version_md.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def ota_series(data: Path = SHARED_DATA) -> dict[str, tuple[OtaVersion, ...]]:
    """Each OTA service's exported versions in history order, keyed "collection/service"."""
    root = data / "ota"
    # REPLAY_MAP.csv has each page's capture time and URL; index.json the order and grouping.
    captures: dict[str, tuple[datetime, str]] = {}
    with (root / "REPLAY_MAP.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.fromisoformat(row["capture_datetime_utc"])
            captures[row["file"]] = (moment, row["original_url"])
    series: dict[str, list[OtaVersion]] = {}
    for index in sorted(root.glob("*/*/Privacy Policy/index.json")):
        for entry in json.loads(index.read_text(encoding="utf-8"))["exported"]:
            key = entry["dir"]
            folder = root / key
            moment, url = captures[f"{key}/snapshot.html"]
            same_text = tuple(
                SameTextSnapshot(folder / variant["file"], captures[f"{key}/{variant['file']}"][0])
                for variant in entry["same_text_snapshots"]
            )
            service = "/".join(key.split("/")[:2])
            series.setdefault(service, []).append(
                OtaVersion(
                    service,
                    key,
                    url,
                    folder / "snapshot.html",
                    moment,
                    same_text,
                    folder / "version.md",
                    declared_language(folder / "snapshot.html"),
                )
            )
    return {service: tuple(versions) for service, versions in series.items()}


def ota_versions(data: Path = SHARED_DATA) -> tuple[OtaVersion, ...]:
    """Every exported version, service by service, each service's in history order."""
    return tuple(version for versions in ota_series(data).values() for version in versions)


# ---- Princeton-Leuven --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeuvenPage:
    """One Wayback capture of a policy and the corpus's own Markdown of it."""

    collection: ClassVar[str] = "princeton-leuven"
    domain: str
    url: str
    html: Path
    markdown: Path
    captured_at: datetime  # when the Markdown's capture was made
    declared_language: str | None

    @property
    def key(self) -> str:
        return self.domain

    def reference_text(self) -> str:
        """The Markdown as text, without its provenance header."""
        return reference_text(self.markdown.read_text(encoding="utf-8"))


def named_url(html: Path, fallback: str) -> str:
    """The original URL the capture's opening comment names, else `fallback`."""
    with html.open(encoding="utf-8", errors="replace") as page:
        named = WAYBACK_URL.search(page.readline() + page.readline())
    return unquote(named[1]) if named else fallback


@lru_cache(maxsize=1)
def leuven_pages(data: Path = SHARED_DATA) -> tuple[LeuvenPage, ...]:
    """Every page in INDEX.csv, in its order."""
    root = data / "princeton-leuven"
    with (root / "INDEX.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(
        LeuvenPage(
            row["domain"],
            named_url(root / row["html_path"], row["original_url"]),
            root / row["html_path"],
            root / row["md_path"],
            datetime.strptime(row["wayback_ts_md"], "%Y%m%d%H%M%S").replace(tzinfo=UTC),
            declared_language(root / row["html_path"]),
        )
        for row in rows
    )


# A page with its reference text, from either set; the sets by the names the baselines use.
Document = OtaVersion | LeuvenPage
COLLECTIONS: dict[str, Callable[..., Sequence[Document]]] = {
    "ota": ota_versions,
    "princeton-leuven": leuven_pages,
}


# ---- Other legal documents of the same services (ota-other) --------------------------------

# The URL a page names for itself: OTA's other documents come without their fetch URL.
CANONICAL_URL = re.compile(
    rb"<link\b[^>]*?rel=[\"']canonical[\"'][^>]*?href=[\"']([^\"']+)"
    rb"|<link\b[^>]*?href=[\"']([^\"']+)[\"'][^>]*?rel=[\"']canonical"
    rb"|<meta\b[^>]*?property=[\"']og:url[\"'][^>]*?content=[\"']([^\"']+)",
    re.I,
)


@dataclass(frozen=True, slots=True)
class OtherDocument:
    """The latest snapshot of a document of an OTA service that OTA does not file as privacy."""

    collection: ClassVar[str] = "ota-other"
    service: str  # "dating/Match"
    document_type: str  # OTA's name for it: "Terms of Service", "Trackers Policy"...
    path: Path  # the .html, or the .pdf
    url: str | None  # the canonical URL the page names, when it names an absolute one

    @property
    def content_type(self) -> str:
        return "application/pdf" if self.path.suffix == ".pdf" else "text/html"

    @property
    def label(self) -> str:
        return f"{self.service} {self.document_type}{self.path.suffix}"


def canonical_url(page: Path) -> str | None:
    match = CANONICAL_URL.search(page.read_bytes())
    found = next((group for group in match.groups() if group), None) if match else None
    url = found.decode("utf-8", "replace") if found else None
    return url if url and url.startswith(("http://", "https://")) else None


@lru_cache(maxsize=1)
def ota_other_documents(data: Path = SHARED_DATA) -> tuple[OtherDocument, ...]:
    """Every document under ota-other/, by service and document type."""
    root = data / "ota-other"
    return tuple(
        OtherDocument(
            f"{path.parent.parent.name}/{path.parent.name}",
            path.stem,
            path,
            canonical_url(path) if path.suffix == ".html" else None,
        )
        for path in sorted(root.glob("*/*/*"))
        if path.suffix in (".html", ".pdf")
    )


# ---- Real Wayback responses (edgi) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedPage:
    uri: str
    status: int
    content_type: str | None
    body: Path

    @property
    def label(self) -> str:
        return f"{self.status} {self.uri.split('/web/', 1)[-1][:80]}"


@lru_cache(maxsize=1)
def recorded_pages(data: Path = SHARED_DATA) -> tuple[RecordedPage, ...]:
    """The HTML pages among the recorded responses, once per body (CDX text left out)."""
    root = data / "real-wayback" / "edgi"
    pages: dict[str, RecordedPage] = {}
    for line in (root / "index.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        body_file = record.get("body_file")
        if not body_file or not body_file.endswith(".html") or body_file in pages:
            continue
        headers = {name.lower(): values for name, values in record["headers"].items()}
        content_type = headers.get("content-type", [None])[0]
        pages[body_file] = RecordedPage(
            record["uri"], record["status"], content_type, root / body_file
        )
    return tuple(pages.values())


# ---- Pairs for the near-duplicate threshold ------------------------------------------------


@dataclass(frozen=True, slots=True)
class WordChange:
    """How much of a text changed between two versions, by words (case and markup ignored)."""

    changed: int  # words replaced, inserted or deleted (the larger side of each edit)
    total: int  # words in the earlier text

    @property
    def fraction(self) -> float:
        return self.changed / max(self.total, 1)


def word_change(before: str, after: str) -> WordChange:
    old = re.findall(r"\w+", before.lower())
    new = re.findall(r"\w+", after.lower())
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    changed = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    return WordChange(changed, len(old))


def consecutive_versions(data: Path = SHARED_DATA) -> list[tuple[OtaVersion, OtaVersion]]:
    """Each pair of consecutive exported versions of one service, in history order."""
    return [
        (earlier, later)
        for versions in ota_series(data).values()
        for earlier, later in zip(versions, versions[1:], strict=False)
    ]
