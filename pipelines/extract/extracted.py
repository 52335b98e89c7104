"""What an extraction yields (`Extracted`), and the word counts and language it is judged by."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import py3langid

# Language detection is unreliable on a few words; below this the page's own lang= is used.
# Swept by bench/fit_extraction_thresholds.py (see blocks.py), by the languages it gets right
# (76 of the 81 tuning pages whose language is known): the same over [0, 80]; at 160 held-out
# xx-neg-parked-en, a parked domain's few lines, loses its language. No tuning page is short
# enough to decide it.
MIN_WORDS_FOR_DETECTION = 20
# Detection reads the text's start: 76 of 81 languages right at every length from 500 to
# 200,000 characters (the sweep). The bound is on time: py3langid walks the text byte by byte in
# Python, 3.6 ms on 20,000 characters of the tuning pages' texts, 22 ms on 50,000, 81 ms on
# 200,000 (the longest text is 73,000). At 20,000 it was 5% of a page's analysis; 5,000 and
# 2,000 gave every one of 744 pages (the benchmark's real and synthetic pages, the tests' and
# ../shared's) the language 20,000 gave. 5,000 keeps room for a page that opens in another
# language (a notice, a menu left in the text).
DETECTION_CHARS = 5_000
WORDS = re.compile(r"\w+")
LANG_TAG = re.compile(r"^([a-z]{2})(?:[-_]|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Extracted:
    """A capture's policy text, and how it was obtained."""

    text: str
    markdown: str
    title: str | None
    language: str | None  # ISO 639-1
    extractor: str  # the library that produced the text: "trafilatura", "pypdf", "policytrail"
    extractor_version: str
    settings: str  # compact JSON of the options used
    # The steps that produced the text, joined by "+": "trafilatura-recall" (the whole page),
    # "trafilatura-container" (its main container), "fallback-blocks", "pdf", "plain-text",
    # after "fallback-fragment" (a bare fragment, wrapped into a page), "layout-tables" (tables
    # used for layout read as blocks), "privacy-documents" (a page of several legal documents,
    # cut to its privacy ones) and "date-line" (the policy's date line put back in front) when
    # those were needed; "flat-text" alone, after "deep-tree" or "large-tree", for a page past
    # the tree bounds (MAX_TREE_DEPTH, MAX_TREE_ELEMENTS), read as a run of text blocks.
    strategy: str
    declared_language: str | None = None  # the page's own `lang`, as written ("en-GB")


@dataclass(frozen=True, slots=True)
class Reading:
    """A capture's policy text as read; `finish()` adds what costs more: its Markdown, language.

    A crawl reads many captures whose text it already has (the same policy under another page
    layout): those need no more than their text.
    """

    text: str
    finish: Callable[[], Extracted]

    @classmethod
    def done(cls, extracted: Extracted) -> Reading:
        """A reading with nothing left to do."""
        return cls(extracted.text, lambda: extracted)


@lru_cache(maxsize=32)
def word_count(text: str | None) -> int:
    # Cached: a page's candidate texts are counted again at each judgement of them.
    return len(WORDS.findall(text or ""))


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of `text`, or of the page's declared language when there is too little."""
    if word_count(text) >= MIN_WORDS_FOR_DETECTION:
        language, _ = py3langid.classify(text[:DETECTION_CHARS])
        return language
    match = LANG_TAG.match(declared or "")
    return match[1].lower() if match else None
