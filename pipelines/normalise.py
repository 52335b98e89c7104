"""The text as compared: one rendering of what a page says, whatever its markup or extractor."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2039": "'",
        "\u203a": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space, joiners and the BOM carry no text
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
# Most texts hold none of those characters: finding them first is ten times faster than
# `str.translate` over every character.
_QUOTE_CHARS = re.compile("[" + re.escape("".join(chr(code) for code in _QUOTES)) + "]")
_SPACES = re.compile(r"[^\S\n]+")
_LINE_EDGES = re.compile(r" ?\n ?")  # once runs of spaces are one space: a line's own ends
_BLANK_LINES = re.compile(r"\n{3,}")
# List markers differ between extractors and redesigns (•, ·, *, -): one marker for all.
_BULLET = re.compile(r"^[\u2022\u2023\u25aa\u25e6\u00b7\u2043*-]\s+", re.MULTILINE)


def normalise_text(text: str) -> str:
    """The text as compared: NFKC, one kind of quote, dash, space and list marker, no blank runs.

    Case is kept: the hash identifies the text as it reads, and a change of case can matter
    ("we do NOT sell"). The similarity sketch ignores case instead.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _QUOTE_CHARS.sub(lambda found: found[0].translate(_QUOTES), text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Each line with its runs of spaces made one and its ends stripped, in one pass each.
    text = _LINE_EDGES.sub("\n", _SPACES.sub(" ", text)).strip(" ")
    text = _BULLET.sub("- ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def text_hash(text: str) -> str:
    """sha256 hex digest of the normalised text: equal for texts that differ only in rendering."""
    return normalised_hash(normalise_text(text))


def normalised_hash(normalised: str) -> str:
    """`text_hash` of a text `normalise_text` has already normalised."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()
