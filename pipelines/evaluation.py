"""Scoring extracted policy text against reference text: token precision, recall and F1."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

WORD = re.compile(r"\w+")

# The Princeton-Leuven corpus opens each Markdown file with a paragraph about where it came from.
PROVENANCE_OPENING = "The following text is extracted and transformed from"

# Markdown constructs, in the order they are undone. Link and image targets are addresses, not
# text a reader sees; an autolink's address is what the page shows, so it stays.
LINK_TARGET = r"\((?:[^()\s]|\([^()]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"
IMAGE = re.compile(r"!\[((?:\\.|[^\]\\])*)\]" + LINK_TARGET)
LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]" + LINK_TARGET)
REFERENCE_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\[[^\]]*\]")
LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+.*$", re.MULTILINE)
AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# An unescaped "1. " opening a line is a numbered-list marker the converter wrote for an <ol>;
# numbers that were the page's own text are escaped as "1\.".
ORDERED_MARKER = re.compile(r"^(\s*(?:>\s*)*)\d{1,9}[.)](?=\s)", re.MULTILINE)
BULLET_MARKER = re.compile(r"^(\s*(?:>\s*)*)[-*+](?=\s)", re.MULTILINE)
HEADING_MARKER = re.compile(r"^ {0,3}#{1,6}[ \t]+|[ \t]+#+[ \t]*$", re.MULTILINE)
SETEXT_OR_RULE = re.compile(r"^ {0,3}(?:[=\-*_|:][ \t]*){3,}$\n?", re.MULTILINE)
BLOCKQUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+", re.MULTILINE)
# Underscores count as word characters, so emphasis made of them must go; ones inside a word
# (snake_case, URLs) are text.
EMPHASIS_UNDERSCORE = re.compile(r"(?<!\w)_+|_+(?!\w)")
EMPHASIS_STAR = re.compile(r"\*+")
# Escaped punctuation is the page's own text: set aside first so no rule below takes it for markup.
BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
ESCAPE_BASE = 0xE000  # a private-use block, where no real text lives
ESCAPED = re.compile("[\ue021-\ue07e]")
SPACES = re.compile(r"[ \t\u00a0]+")
BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class Score:
    """How an extracted text's words compare with a reference's, as bags of words."""

    precision: float  # share of the extracted words that are in the reference
    recall: float  # share of the reference's words that were extracted
    f1: float
    extracted_tokens: int
    reference_tokens: int


def tokens(text: str) -> list[str]:
    """Words of `text` after Unicode NFKC normalisation and lower-casing."""
    return WORD.findall(unicodedata.normalize("NFKC", text).lower())


def score(extracted: str, reference: str) -> Score:
    """Bag-of-tokens precision, recall and F1 (tokens counted with multiplicity)."""
    found, expected = Counter(tokens(extracted)), Counter(tokens(reference))
    found_total, expected_total = sum(found.values()), sum(expected.values())
    common = sum((found & expected).values())
    precision = common / found_total if found_total else float(not expected_total)
    recall = common / expected_total if expected_total else float(not found_total)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1, found_total, expected_total)


def strip_provenance(markdown: str) -> str:
    """`markdown` without a leading Princeton-Leuven provenance paragraph, if it has one."""
    head, _, rest = markdown.lstrip().partition("\n\n")
    if head.lstrip("> *_").startswith(PROVENANCE_OPENING):
        return rest
    return markdown


def strip_markdown(markdown: str) -> str:
    """The text a reader of rendered `markdown` sees, with its line structure kept."""
    text = markdown.replace("\r\n", "\n")
    text = BACKSLASH_ESCAPE.sub(lambda match: chr(ESCAPE_BASE + ord(match[1])), text)
    text = LINK_DEFINITION.sub("", text)
    text = IMAGE.sub("", text)
    # Link text may itself hold a link (an image inside a link, a bracketed footnote number).
    for _ in range(3):
        text, count = LINK.subn(r"\1", text)
        if not count:
            break
    text = REFERENCE_LINK.sub(r"\1", text)
    text = AUTOLINK.sub(r"\1", text)
    text = HTML_TAG.sub(" ", text)
    text = SETEXT_OR_RULE.sub("", text)
    text = HEADING_MARKER.sub("", text)
    text = BLOCKQUOTE.sub("", text)
    text = ORDERED_MARKER.sub(r"\1", text)
    text = BULLET_MARKER.sub(r"\1", text)
    text = text.replace("|", " ")
    text = EMPHASIS_STAR.sub("", text)
    text = EMPHASIS_UNDERSCORE.sub("", text)
    text = ESCAPED.sub(lambda match: chr(ord(match[0]) - ESCAPE_BASE), text)
    lines = [SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def reference_text(markdown: str) -> str:
    """Reference plain text from a reference Markdown file (provenance header removed)."""
    return strip_markdown(strip_provenance(markdown))
