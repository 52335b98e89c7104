"""Site names made safe to use as file and folder names in an export."""

from __future__ import annotations

import hashlib
import unicodedata

# Bytes of a name in UTF-8: file systems allow 255 per component; this leaves room for a
# suffix (".md", ".warc.gz") and for the hash added to names that had to be changed.
MAX_NAME_BYTES = 120
# Hex digits of the SHA-256 of the original name appended to a changed name, so two sites
# never share a name once made safe ("a/b" and "a_b" stay apart).
HASH_DIGITS = 8
# Names Windows refuses for a file whatever its extension: an export may be copied there.
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)]
)
_KEPT_PUNCTUATION = frozenset("._-+@")


def safe_name(site: str) -> str:
    """`site` as one path component: no `/` or `\\`, no `..`, no leading dot, no control or
    NUL characters, no Windows device name, at most MAX_NAME_BYTES bytes in UTF-8.

    A name that is already safe is returned as it is (`kettleworks.example`); any other is
    cleaned (each unsafe character becomes `_`) and given the first HASH_DIGITS hex digits of
    its original's SHA-256 after a `-`, so different sites keep different names.
    """
    cleaned = "".join(_kept(character) for character in unicodedata.normalize("NFC", site))
    while ".." in cleaned:
        cleaned = cleaned.replace("..", "._")
    if cleaned.startswith("."):
        cleaned = "_" + cleaned[1:]
    if cleaned.endswith("."):  # Windows drops a trailing dot: "a." would become "a"
        cleaned = cleaned[:-1] + "_"
    if _reserved(cleaned):
        cleaned = "_" + cleaned
    if cleaned == site and cleaned and _fits(cleaned):
        return site
    digest = hashlib.sha256(site.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_DIGITS]
    room = MAX_NAME_BYTES - HASH_DIGITS - 1
    stem = cleaned.encode("utf-8")[:room].decode("utf-8", "ignore") or "_"
    return f"{stem}-{digest}"


def _kept(character: str) -> str:
    if character.isalnum() or character in _KEPT_PUNCTUATION:
        return character
    return "_"


def _fits(name: str) -> bool:
    return len(name.encode("utf-8")) <= MAX_NAME_BYTES


def _reserved(name: str) -> bool:
    return name.split(".", 1)[0].lower() in _RESERVED
