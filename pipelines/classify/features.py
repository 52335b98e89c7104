"""What the kind classifier reads of a document: words and word pairs, URL and length, as terms.

The same function feeds scikit-learn when the model is fitted (bench/fit_kinds.py) and the
pure-Python inference at run time, so both see the same terms by construction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

# scikit-learn's default token pattern, \b\w\w+\b: words of two characters or more.
WORD = re.compile(r"\w\w+")
_DIGIT = re.compile(r"\d")
# Web and e-mail addresses, and host names ("privacy@example.org", "www.example.com",
# "example.co.uk"), in lower case: "policy.We" is two words that lost their space.
_ADDRESS = re.compile(
    r"\S+@\S+|\b(?:https?://|www\.)\S+|\b(?:[a-z0-9-]+\.)+"
    r"(?:com|org|net|edu|gov|info|biz|io|app|co|uk|de|fr|es|it|nl|pt|br|pl|dk|se|cz|jp|tr|au"
    r"|ie|in|za|nz|ca|us|eu|ch|at|be|example)\b"
)
# URL words: runs of letters, so "privacy-policy.html?lang=de" gives privacy, policy, lang, de.
_URL_WORD = re.compile(r"[^\W\d_]{2,}")
# A file's type says nothing of what it holds.
_URL_NOISE = frozenset(("html", "htm", "shtml", "php", "asp", "aspx", "jsp", "cfm", "do", "pdf"))
URL_PREFIX = "url:"
TITLE_PREFIX = "title:"
LENGTH_PREFIX = "chars:"


@dataclass(frozen=True, slots=True)
class Reading:
    """How much of a document is read, and which pseudo-words join its words."""

    read_chars: int  # the title and this many characters of the text (bench/fit_kinds.py)
    length_edges: tuple[int, ...]  # lengths where the length pseudo-word changes
    title_words: bool  # the title's words also as "title:" pseudo-words

    def as_json(self) -> dict[str, Any]:
        return {
            "read_chars": self.read_chars,
            "length_edges": list(self.length_edges),
            "title_words": self.title_words,
        }

    @classmethod
    def from_json(cls, settings: dict[str, Any]) -> Reading:
        return cls(
            int(settings["read_chars"]),
            tuple(int(edge) for edge in settings["length_edges"]),
            bool(settings["title_words"]),
        )


def words(text: str) -> list[str]:
    """The text's words, lower-case, without numbers or web and e-mail addresses.

    Numbers (years, prices, phone numbers) and addresses (the site's own, its partners') name
    the page's site and time, not its kind; a word with a digit in it keeps it as 0 ("v0").
    """
    text = _ADDRESS.sub(" ", unicodedata.normalize("NFKC", text)).lower()
    return [_DIGIT.sub("0", word) for word in WORD.findall(text) if not word.isdigit()]


def url_terms(url: str | None) -> list[str]:
    """The words of the URL's path and query, as "url:privacy" (the host names the site only)."""
    if not url:
        return []
    parts = urlsplit(url.strip())
    # A saved file's folders say where someone kept it, its name what it is.
    path = parts.path.rsplit("/", 1)[-1] if parts.scheme == "file" else parts.path
    where = unquote(f"{path} {parts.query}").lower()
    return [URL_PREFIX + word for word in _URL_WORD.findall(where) if word not in _URL_NOISE]


def length_term(text: str, edges: tuple[int, ...]) -> str:
    """The text's length in characters as one of a few bands: "chars:1000-2999", "chars:30000+".

    Characters, not words: Japanese or Chinese text has no spaces to count words by.
    """
    count = len(text)
    low = 0
    for edge in edges:
        if count < edge:
            return f"{LENGTH_PREFIX}{low}-{edge - 1}"
        low = edge
    return f"{LENGTH_PREFIX}{low}+"


def terms(text: str, title: str | None, url: str | None, reading: Reading) -> list[str]:
    """Every term of the document, repeated as often as it occurs: words, word pairs, the
    pseudo-words of its URL, title and length."""
    found = words(f"{title or ''}\n{text[: reading.read_chars]}")
    pairs = [f"{first} {second}" for first, second in zip(found, found[1:], strict=False)]
    pseudo = url_terms(url) + [length_term(text, reading.length_edges)]
    if reading.title_words and title:
        pseudo += [TITLE_PREFIX + word for word in words(title)]
    return found + pairs + pseudo
