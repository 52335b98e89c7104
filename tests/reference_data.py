"""Readers for the real reference data in ../shared/data, for quality tests and benchmarks.

Pages go through `extract_text`: the project's `pipelines.extract.extract_policy` once it exists,
else plain trafilatura, so every measurement re-runs unchanged on the final extractor.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True, slots=True)
class PageText:
    text: str
    title: str | None
    language: str | None
    extractor: str  # "extract_policy" or the stand-in's name


@lru_cache(maxsize=1)
def _project_extractor():
    try:
        from pipelines.extract import extract_policy
    except ImportError:
        return None
    return extract_policy


def _stand_in(body: bytes, content_type: str | None) -> PageText:
    import trafilatura

    from pipelines.decode import decode_html

    html = decode_html(body, content_type).text
    document = trafilatura.bare_extraction(html, favor_recall=True, with_metadata=True)
    if document is None and "<body" not in html[:5000].lower():
        # A bare <div> fragment (OTA's Match 007/009/010): give it the document it lacks.
        document = trafilatura.bare_extraction(
            f"<html><body>{html}</body></html>", favor_recall=True, with_metadata=True
        )
    if document is None:
        return PageText("", None, None, "trafilatura")
    return PageText(document.text or "", document.title, document.language, "trafilatura")


@lru_cache(maxsize=512)
def extract_text(path: Path, url: str, content_type: str | None = None) -> PageText:
    """The text, title and language of the page stored at `path`, as the pipeline sees them."""
    body = path.read_bytes()
    extract_policy = _project_extractor()
    if extract_policy is None:
        return _stand_in(body, content_type)
    extracted = extract_policy(body, url, content_type)
    if extracted is None:
        return PageText("", None, None, "extract_policy")
    return PageText(extracted.text, extracted.title, extracted.language, "extract_policy")


def extractor_name() -> str:
    return "extract_policy" if _project_extractor() is not None else "trafilatura (stand-in)"


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_RULE = re.compile(r"^\s*(?:[-=*_]\s*){3,}$", re.MULTILINE)
_MD_MARKS = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[*+-]\s+|\d+\.\s+)|[*_`|]+", re.MULTILINE)


def markdown_to_text(markdown: str) -> str:
    """Markdown as plain text: link and image text kept, targets and markup dropped."""
    text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub(r"\1", markdown))
    text = _MD_RULE.sub("", text)
    text = _MD_MARKS.sub(" ", text)
    return re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)


# ---- Open Terms Archive ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OtaFolder:
    """One exported version: its snapshot, the later same-text pages, the expected text."""

    service: str  # "dating/LEX"
    name: str  # "004_20230419T003251"
    url: str
    snapshot: Path
    captured_at: datetime
    same_text: tuple[tuple[Path, datetime], ...]
    version_md: Path

    @property
    def label(self) -> str:
        return f"{self.service} {self.name[:3]}"

    def expected_text(self) -> str:
        return markdown_to_text(self.version_md.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def ota_series() -> dict[str, tuple[OtaFolder, ...]]:
    """Each OTA service's exported versions in history order, keyed "collection/service"."""
    root = SHARED_DATA / "ota"
    times: dict[str, tuple[datetime, str]] = {}
    with (root / "REPLAY_MAP.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.fromisoformat(row["capture_datetime_utc"])
            times[row["file"]] = (moment, row["original_url"])
    series: dict[str, list[OtaFolder]] = {}
    for index in sorted(root.glob("*/*/Privacy Policy/index.json")):
        exported = json.loads(index.read_text(encoding="utf-8"))["exported"]
        for entry in exported:
            folder = root / entry["dir"]
            relative = entry["dir"]
            moment, url = times[f"{relative}/snapshot.html"]
            same_text = tuple(
                (folder / variant["file"], times[f"{relative}/{variant['file']}"][0])
                for variant in entry["same_text_snapshots"]
            )
            service = "/".join(relative.split("/")[:2])
            series.setdefault(service, []).append(
                OtaFolder(
                    service,
                    folder.name,
                    url,
                    folder / "snapshot.html",
                    moment,
                    same_text,
                    folder / "version.md",
                )
            )
    return {service: tuple(folders) for service, folders in series.items()}


# ---- Princeton-Leuven --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeuvenPolicy:
    domain: str
    url: str
    html: Path
    markdown: Path

    def expected_text(self) -> str:
        """The corpus's Markdown without its provenance header (the first quoted paragraph)."""
        markdown = self.markdown.read_text(encoding="utf-8")
        if markdown.startswith(">"):
            markdown = markdown.split("\n\n", 1)[1] if "\n\n" in markdown else ""
        return markdown_to_text(markdown)


@lru_cache(maxsize=1)
def leuven_policies() -> tuple[LeuvenPolicy, ...]:
    root = SHARED_DATA / "princeton-leuven"
    with (root / "INDEX.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(
            LeuvenPolicy(
                row["domain"], row["original_url"], root / row["html_path"], root / row["md_path"]
            )
            for row in csv.DictReader(handle)
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
def recorded_pages() -> tuple[RecordedPage, ...]:
    """The HTML pages among the recorded responses, once per body (CDX text left out)."""
    root = SHARED_DATA / "real-wayback" / "edgi"
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
    import difflib

    old = re.findall(r"\w+", before.lower())
    new = re.findall(r"\w+", after.lower())
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    changed = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    return WordChange(changed, len(old))


def consecutive_versions() -> list[tuple[OtaFolder, OtaFolder]]:
    """Each pair of consecutive exported versions of one service, in history order."""
    return [
        (earlier, later)
        for folders in ota_series().values()
        for earlier, later in zip(folders, folders[1:], strict=False)
    ]
