"""Where a site's files go in a file corpus, and the provenance header each file opens with.

The layout and the headers follow the Princeton-Leuven Longitudinal Corpus of Privacy Policies
(github.com/citp/privacy-policy-historical), so tools written for it read ours: a site's files
sit under the first one, two and three characters of its name (`w/we/we-/we-energies.com.md`)
and every text says which snapshot of which site it was extracted from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

# A made-safe name is at most this long: with "--", a target's slug and a suffix, a file name
# stays well under the 255 bytes most file systems allow.
SAFE_NAME_MAX = 100
TARGET_SLUG_MAX = 60
# Hex digits of SHA-256 that tell apart names made equal by making them safe.
NAME_HASH_DIGITS = 8
# Joins a site's name to the slug of a target that is not its main one.
TARGET_SEPARATOR = "--"
# The padding of names shorter than the three folder levels.
PAD = "_"

_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_DOTS = re.compile(r"\.{2,}")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")
_BLANKS = re.compile(r"\s+")
# Names Windows reserves for devices, with any extension: a clone there fails on `nul.md`.
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{digit}" for digit in range(10)}
    | {f"lpt{digit}" for digit in range(10)}
)
# The id_ address of a snapshot: the archive's part, then the original URL.
_MEMENTO = re.compile(r"^(?P<archive>[a-z][a-z0-9+.-]*://[^/]+/web/\d{1,14}[a-z_]*/)(?P<url>.*)$")
# Markdown that would end the italic header or start a link, a tag or code inside it.
_MARKDOWN_SPECIAL = re.compile(r"([\\*_\[\]`<>])")


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC: the database's timestamps are naive and mean UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:NAME_HASH_DIGITS]


def _ascii_domain(name: str) -> str:
    """An internationalised domain name in its ASCII (punycode) form, which is as much the
    domain's name as the Unicode one; anything else unchanged."""
    if name.isascii():
        return name
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


def safe_name(site: str) -> str:
    """The site's name as a file name: lowercase ASCII letters, digits, `.`, `-` and `_`, no
    leading or trailing dot or dash, no `..`, at most SAFE_NAME_MAX characters, never empty.

    An ordinary domain keeps its name (lowercased; an internationalised one in punycode). A name
    that had to be changed in any other way gets `-` and a short hash of the original, so that
    `a/b` and `a_b`, or two long names with one beginning, do not share files.
    """
    name = _ascii_domain(site.strip().lower())
    cleaned = _DOTS.sub(".", _UNSAFE.sub("_", name)).strip(".-")
    first_label = cleaned.split(".", 1)[0]
    if first_label in _WINDOWS_DEVICES:
        cleaned = f"{first_label}_{cleaned[len(first_label) :]}"
    if cleaned and cleaned == name and len(cleaned) <= SAFE_NAME_MAX:
        return cleaned
    room = SAFE_NAME_MAX - NAME_HASH_DIGITS - 1
    kept = cleaned[:room].rstrip(".-") or PAD
    return f"{kept}-{_short_hash(site)}"


def corpus_folder(site: str) -> PurePosixPath:
    """`<a>/<ab>/<abc>`: the folders a site's files go in, from the first one, two and three
    characters of its safe name. A name shorter than three characters is padded with `_`, and a
    `.` among them becomes `_` (a folder named `t.` loses its dot on Windows)."""
    prefix = (safe_name(site) + PAD * 3)[:3].replace(".", PAD)
    return PurePosixPath(prefix[:1], prefix[:2], prefix[:3])


def target_slug(target_url: str) -> str:
    """A short, safe, deterministic name for a target: its URL's path and query in lowercase
    letters and digits joined by `-` (at most TARGET_SLUG_MAX), then a hash of the whole URL,
    so targets differing only in host, case or punctuation get names of their own."""
    parts = urlsplit(target_url)
    where = parts.path + (f"?{parts.query}" if parts.query else "")
    slug = _SLUG_UNSAFE.sub("-", where.lower()).strip("-")[:TARGET_SLUG_MAX].rstrip("-")
    digest = _short_hash(target_url)
    return f"{slug}-{digest}" if slug else digest


def target_stem(site: str, target_url: str, main: bool) -> str:
    """The name a target's files take: `<safe name>` for the site's main target,
    `<safe name>--<target slug>` for its others."""
    name = safe_name(site)
    return name if main else f"{name}{TARGET_SEPARATOR}{target_slug(target_url)}"


def one_line(text: str) -> str:
    """Text for inside a header: control characters and runs of blanks made one space."""
    visible = "".join(" " if unicodedata.category(char).startswith("C") else char for char in text)
    return _BLANKS.sub(" ", visible).strip()


def _site_words(site: str) -> str:
    return one_line(site) or safe_name(site)


def snapshot_link(memento_url: str) -> str:
    """The snapshot's address as the reference corpus writes it, which is also safe inside a
    Markdown link and an HTML comment: the original URL after `id_/` percent-encoded except
    for `/` (`id_/http%3A//example.com/privacy%3Fa%3D1`); any other address made safe alike."""
    match = _MEMENTO.match(memento_url)
    if match:
        return match["archive"] + quote(match["url"], safe="/")
    return quote(memento_url, safe=":/?#@!$&+,;=%~")


def markdown_header(site: str, archived_on: date, memento_url: str | None) -> str:
    """The first line of a `.md` text, as the reference corpus has it: an italic blockquote
    linking to the snapshot (without a link when its address is unknown). No newline."""
    snapshot = "original snapshot on the Wayback Machine"
    where = f"[{snapshot}]({snapshot_link(memento_url)})" if memento_url else snapshot
    name = _MARKDOWN_SPECIAL.sub(r"\\\1", _site_words(site))
    return (
        f"> *The following text is extracted and transformed from the {name} privacy policy"
        f" that was archived on {archived_on.isoformat()}. Please check the {where}"
        " for the most accurate reproduction.*"
    )


def text_header(site: str, archived_on: date) -> str:
    """The first line of a `.txt` text: the Markdown header's sentence, plain. No newline."""
    return (
        f"The following text is extracted and transformed from the {_site_words(site)} privacy"
        f" policy that was archived on {archived_on.isoformat()}. Please check the original"
        " snapshot on the Wayback Machine for the most accurate reproduction."
    )


def _comment_words(site: str) -> str:
    # No `<` or `>` in a comment's text: `-->` or `<!--` would end or nest it.
    return _site_words(site).replace("<", "&lt;").replace(">", "&gt;")


def html_header(site: str, archived_on: date, memento_url: str | None) -> str:
    """The first line of an `.html` file: an HTML comment naming the snapshot the bytes after it
    were archived as. The reference corpus says the same over two lines; one line here, so the
    first line is the whole comment. No newline."""
    where = f" ({snapshot_link(memento_url)})" if memento_url else ""
    return (
        f"<!--The following is the downloaded HTML source of the {_comment_words(site)} privacy"
        f" policy that was archived on {archived_on.isoformat()}. Please check the original"
        f" snapshot on the Wayback Machine{where} for the most accurate reproduction.-->"
    )


def html_pdf_header(site: str, archived_on: date, memento_url: str | None) -> str:
    """The whole `.html` file of a version archived as a PDF: its bytes are no HTML source, and
    its text is in the `.md` file beside. No newline."""
    where = f" ({snapshot_link(memento_url)})" if memento_url else ""
    return (
        f"<!--The {_comment_words(site)} privacy policy that was archived on"
        f" {archived_on.isoformat()} is a PDF, not HTML: its text is in the .md file beside this"
        f" one. Please check the original snapshot on the Wayback Machine{where}.-->"
    )


def html_missing_header(site: str, archived_on: date, memento_url: str | None) -> str:
    """The whole `.html` file of a version whose capture is not stored. No newline."""
    where = f" ({snapshot_link(memento_url)})" if memento_url else ""
    return (
        f"<!--The downloaded HTML source of the {_comment_words(site)} privacy policy that was"
        f" archived on {archived_on.isoformat()} is not stored in this corpus. Please check the"
        f" original snapshot on the Wayback Machine{where}.-->"
    )
