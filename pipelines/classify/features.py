"""What the kind classifier reads of a document: words and word pairs, URL and length, as terms.

The same function feeds scikit-learn when the model is fitted (bench/fit_kinds.py) and the
pure-Python inference at run time, so both see the same terms by construction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

import justext

from pipelines.classify.titles import TITLES

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
NAMES_PREFIX = "names:"
# jusText's stop lists, by language code: the words most frequent in each language's Wikipedia,
# function words and some common content words with them ("use", "service", "site").
_STOP_LISTS = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "nl": "Dutch", "pt": "Portuguese", "da": "Danish", "sv": "Swedish", "no": "Norwegian_Bokmal",
    "pl": "Polish", "cs": "Czech", "fi": "Finnish", "tr": "Turkish",
}  # fmt: skip
# Apostrophes and dashes as typed and as typeset; Turkish dotted and dotless i as one letter
# ("POLİTİKASI" and "politikası" fold alike), the combining dot casefold leaves gone.
_FOLD = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u2010": "-", "\u2011": "-", "\u0131": "i", "\u0307": None}
)


@dataclass(frozen=True, slots=True)
class Reading:
    """How much of a document is read, and which pseudo-words join its words."""

    read_chars: int  # the title and this many characters of the text (bench/fit_kinds.py)
    length_edges: tuple[int, ...]  # lengths where the length pseudo-word changes
    title_words: bool  # the title's words also as "title:" pseudo-words
    # The kinds the title and the text's first this many characters name ("names:terms"); 0: none.
    heading_chars: int = 0
    # Languages whose function words ("los", "och", "der") are not read: which language a page is
    # in says nothing of its kind, though more of the pages fitted on in it may be of one kind.
    function_words_of: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "read_chars": self.read_chars,
            "length_edges": list(self.length_edges),
            "title_words": self.title_words,
            "heading_chars": self.heading_chars,
            "function_words_of": list(self.function_words_of),
        }

    @classmethod
    def from_json(cls, settings: dict[str, Any]) -> Reading:
        return cls(
            int(settings["read_chars"]),
            tuple(int(edge) for edge in settings["length_edges"]),
            bool(settings["title_words"]),
            int(settings["heading_chars"]),
            tuple(settings["function_words_of"]),
        )


def words(text: str) -> list[str]:
    """The text's words, lower-case, without numbers or web and e-mail addresses.

    Numbers (years, prices, phone numbers) and addresses (the site's own, its partners') name
    the page's site and time, not its kind; a word with a digit in it keeps it as 0 ("v0").
    """
    text = _ADDRESS.sub(" ", unicodedata.normalize("NFKC", text)).lower()
    return [_DIGIT.sub("0", word) for word in WORD.findall(text) if not word.isdigit()]


@cache
def function_words(languages: tuple[str, ...]) -> frozenset[str]:
    """The function words of `languages` (codes of _STOP_LISTS), as jusText lists them."""
    unknown = set(languages) - set(_STOP_LISTS)
    if unknown:
        raise ValueError(f"no list of function words for {sorted(unknown)}")
    return frozenset().union(*(justext.get_stoplist(_STOP_LISTS[code]) for code in languages))


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


@cache
def _title_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One pattern per kind: its titles, longest first, whole words where words have spaces."""
    patterns = []
    for kind, phrases in TITLES.items():
        ordered = sorted({_fold(phrase) for phrase in phrases}, key=len, reverse=True)
        spaced = "|".join(re.escape(phrase) for phrase in ordered if _spaced(phrase))
        unspaced = "|".join(re.escape(phrase) for phrase in ordered if not _spaced(phrase))
        alternatives = [rf"(?<!\w)(?:{spaced})(?!\w)"] if spaced else []
        alternatives += [unspaced] if unspaced else []
        patterns.append((kind, re.compile("|".join(alternatives))))
    return tuple(patterns)


def _spaced(phrase: str) -> bool:
    """Whether the phrase is of a script that puts spaces between words (not kana or Han)."""
    return not any("\u3040" <= char <= "\u9fff" for char in phrase)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().translate(_FOLD).split())


def named_kinds(heading: str) -> list[str]:
    """The kinds whose titles (titles.TITLES) `heading` holds, as "names:" terms: a page's
    title and first line name what it is in any language ("Aviso legal" -> names:other legal)."""
    folded = _fold(heading)
    return [NAMES_PREFIX + kind for kind, pattern in _title_patterns() if pattern.search(folded)]


def terms(text: str, title: str | None, url: str | None, reading: Reading) -> list[str]:
    """Every term of the document, repeated as often as it occurs: words, word pairs, the
    pseudo-words of its URL, title and length."""
    found = words(f"{title or ''}\n{text[: reading.read_chars]}")
    skipped = function_words(reading.function_words_of)
    if skipped:
        found = [word for word in found if word not in skipped]
    pairs = [f"{first} {second}" for first, second in zip(found, found[1:], strict=False)]
    pseudo = url_terms(url) + [length_term(text, reading.length_edges)]
    if reading.title_words and title:
        pseudo += [TITLE_PREFIX + word for word in words(title) if word not in skipped]
    if reading.heading_chars:
        named = named_kinds(title or "") + named_kinds(text[: reading.heading_chars])
        pseudo += list(dict.fromkeys(named))
    return found + pairs + pseudo
