"""Month names in any language, from the Unicode CLDR through Babel, instead of hand-kept lists."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale, UnknownLocaleError, localedata
from babel.dates import get_month_names

from pipelines.dates.labels import MONTH_NAMES_BEYOND_CLDR

# Babel knows Norwegian Bokmål as "nb"; pages and detectors often say "no".
_LOCALE_ALIASES = {"no": "nb", "iw": "he", "in": "id", "jw": "jv"}
# Names this short are other words too often ("mar" is "sea" in Spanish, "set" is English).
MIN_NAME_CHARS = 3


def _folded(name: str) -> str:
    """`name` without accents: "fevrier" as pages typed without them write "février"."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _regional_locales(language: str) -> list[str]:
    """The CLDR locales of `language` in its own script: "de", "de_AT" ("Jänner"), "de_CH"...;
    not "en_Shaw" or "sr_Latn", written in another script."""
    return [
        identifier
        for identifier in localedata.locale_identifiers()
        if identifier == language
        or (identifier.startswith(f"{language}_") and len(identifier.split("_")[1]) != 4)
    ]


@cache
def month_names(language: str) -> dict[str, int]:
    """Lower-case month names (wide and abbreviated, as written in a date and standing alone,
    in every region of the language) and their numbers; empty for a language CLDR lacks."""
    names: dict[str, int] = {}
    for identifier in _regional_locales(_LOCALE_ALIASES.get(language, language)):
        try:
            locale = Locale.parse(identifier)
        except (UnknownLocaleError, ValueError):
            continue
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    name = name.lower().rstrip(".")
                    if len(name) < MIN_NAME_CHARS or any(char.isdigit() for char in name):
                        continue  # "1月" is a number and a sign: the numeric patterns read it
                    for form in {name, _folded(name)}:
                        names.setdefault(form, number)
    for name, number in MONTH_NAMES_BEYOND_CLDR.get(language, {}).items():
        names.setdefault(name, number)
    return names


@cache
def months_for(languages: frozenset[str]) -> dict[str, int]:
    """The month names of several languages; a name two languages give different months (none
    in practice among European languages) keeps the first language's, in sorted order."""
    names: dict[str, int] = {}
    for language in sorted(languages):
        for name, number in month_names(language).items():
            names.setdefault(name, number)
    return names
