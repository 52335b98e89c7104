"""The labelled pages the document-kind classifier is fitted and measured on (bench/fit_kinds.py).

Every page is read as the crawl reads it (`pipelines.extract.extract_policy`), and belongs to a
group, its service or site: a grouped split keeps each group on one side. The sources: OTA's
privacy policies and its other documents (`ota`, `ota-other`), Princeton-Leuven, the recorded
Wayback pages, the labelled pages in tests/kinds, held-out rounds 1 and 2 (already tuned on),
and the hand-written negatives. Held-out rounds 3 and 4 are never read here: they are the measure.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from heldout_pages import PAGES, ROUND_2, held_out_pages
from reference_data import (
    SHARED_DATA,
    PageText,
    extract_text,
    leuven_pages,
    ota_other_documents,
    ota_versions,
    recorded_pages,
)

TESTS = Path(__file__).resolve().parent
KINDS_FOLDER = TESTS / "kinds"
NEGATIVES = TESTS / "fixtures" / "negatives"
# Where the hand-written negatives stand in tests/test_classify_quality.py: a policy's URL.
NEGATIVE_URL = "https://www.example.org/privacy-policy"
KINDS = ("privacy", "cookies", "terms", "other legal", "not legal")
_ORIGINAL = re.compile(r"/web/\d+(?:id_)?/(.*)")

# OTA's document types in ota-other, as kinds.
OTA_TYPES = {
    "Terms of Service": "terms",
    "Developer Terms": "terms",
    "Commercial Terms": "terms",
    "Trackers Policy": "cookies",
    "Community Guidelines": "other legal",
    "Copyright Claims Policy": "other legal",
    "Imprint": "other legal",
    "Accessibility Statement": "other legal",
    "Brand Guidelines": "other legal",
}
# Snapshots whose page is not what OTA files it as, read from the text extraction gives (the
# crawl would see the same text at that URL).
OTA_OTHER_READ_AS = {
    # the privacy policy, its cookie notice a section at the end
    "dating/ChristianMingle Trackers Policy": "privacy",
    "dating/Jdate Trackers Policy": "privacy",
    # "Politique de protection des données", the privacy policy
    "dating/Parship Trackers Policy": "privacy",
    # "The purpose of this Privacy Policy is to inform you..."
    "dating/Inshallah Trackers Policy": "privacy",
    # a page of terms, privacy and copyright, which extraction cuts to its privacy policy
    "dating/Coffee Meets Bagel Copyright Claims Policy": "privacy",
    # the one legal page of Buffer, which extraction cuts to its privacy policy
    "demo/Buffer Copyright Claims Policy": "privacy",
    "demo/Buffer Developer Terms": "privacy",
    "demo/Buffer Terms of Service": "privacy",
    # the app's home page, not its terms
    "dating/LOVOO Terms of Service": "not legal",
    # a price list ("Aperçu des prix et prestations")
    "dating/Parship Commercial Terms": "not legal",
    # a "You should be redirected" stub
    "demo/Open Terms Archive Accessibility Statement": "not legal",
}


@dataclass(frozen=True, slots=True)
class LabelledPage:
    source: str  # "ota", "princeton-leuven", "ota-other", "real-wayback", "kinds", ...
    group: str  # the service or site
    kind: str  # one of KINDS
    label: str  # for listings
    path: Path
    url: str | None  # None when the page's URL is not known
    content_type: str | None = None

    def read(self) -> PageText:
        # The extractor needs a URL; an unknown one is given as a bare site root.
        return extract_text(self.path, self.url or "https://www.example.org/", self.content_type)


def host(url: str) -> str:
    return urlsplit(url).netloc.lower().removeprefix("www.")


def _ota() -> list[LabelledPage]:
    return [
        LabelledPage("ota", version.service.split("/")[1], "privacy", version.label, version.html,
                     version.url)
        for version in ota_versions()
    ]  # fmt: skip


def _ota_other() -> list[LabelledPage]:
    return [
        LabelledPage(
            "ota-other",
            document.service.split("/")[1],
            OTA_OTHER_READ_AS.get(
                f"{document.service} {document.document_type}", OTA_TYPES[document.document_type]
            ),
            document.label,
            document.path,
            document.url,
            document.content_type,
        )
        for document in ota_other_documents()
    ]


def _leuven() -> list[LabelledPage]:
    # Several domains of the corpus show one page (a registrar's parked-domain policy): grouped
    # by the host that served it.
    return [
        LabelledPage(
            "princeton-leuven", host(page.url), "privacy", page.domain, page.html, page.url
        )
        for page in leuven_pages()
    ]


def _recorded() -> list[LabelledPage]:
    pages = []
    for recorded in recorded_pages():
        match = _ORIGINAL.search(recorded.uri)
        url = match.group(1) if match else recorded.uri
        pages.append(
            LabelledPage(
                "real-wayback",
                host(url),
                "not legal",
                recorded.label,
                recorded.body,
                url,
                recorded.content_type,
            )
        )
    return pages


def _kinds_folder() -> list[LabelledPage]:
    pages = []
    for described in sorted(KINDS_FOLDER.glob("*/*.json")):
        known = json.loads(described.read_text(encoding="utf-8"))
        pages.append(
            LabelledPage(
                "kinds",
                known["service"],
                known["kind"],
                described.stem,
                described.with_suffix(".html"),
                known["url"],
                "text/html; charset=utf-8",
            )
        )
    return pages


def _held_out() -> list[LabelledPage]:
    return [
        LabelledPage(
            f"held-out {name}",
            host(page.url),
            page.kind,
            page.stem,
            page.html,
            page.url,
            "text/html; charset=utf-8",
        )
        for name, folder in (("round 1", PAGES), ("round 2", ROUND_2))
        for page in held_out_pages(folder)
    ]


def _negatives() -> list[LabelledPage]:
    # soft404_en, soft404_de, soft404_fr are one page in three languages: one group.
    return [
        LabelledPage(
            "negatives",
            f"negatives {path.stem.rsplit('_', 1)[0]}",
            "not legal",
            path.stem,
            path,
            NEGATIVE_URL,
        )
        for path in sorted(NEGATIVES.glob("*.html"))
    ]


def shared_data_present() -> bool:
    return all(
        (SHARED_DATA / part).exists()
        for part in ("ota", "ota-other", "princeton-leuven", "real-wayback")
    )


@dataclass(frozen=True, slots=True)
class Example:
    """A labelled page as the classifier sees it, with the weight it is fitted with."""

    page: LabelledPage
    text: str
    title: str | None
    weight: float


@cache
def examples() -> tuple[Example, ...]:
    """Every labelled page with text, once per text within its group and kind.

    Pages extraction finds nothing in are left out: the crawl never classifies those. Each
    group's pages of one kind weigh 1 together, so a service with twelve versions of its policy
    counts as much as a site with one.
    """
    pages = (
        _ota()
        + _ota_other()
        + _leuven()
        + _recorded()
        + _kinds_folder()
        + _held_out()
        + _negatives()
    )
    read: list[tuple[LabelledPage, PageText]] = []
    seen: set[tuple[str, str, str]] = set()
    for page in pages:
        text = page.read()
        if not text.text.strip():
            continue
        key = (page.group, page.kind, hashlib.sha256(text.text.encode()).hexdigest())
        if key not in seen:
            seen.add(key)
            read.append((page, text))
    sizes = Counter((page.group, page.kind) for page, _ in read)
    return tuple(
        Example(page, text.text, text.title, 1 / sizes[page.group, page.kind])
        for page, text in read
    )
