"""The decode stage: archived HTML to text by HTTP charset, then meta charset, then detection."""

from __future__ import annotations

from dataclasses import dataclass

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding

from crawler.items import FETCHED, CaptureItem
from pipelines.stage import Stage

# Old pages that declare nothing are most often windows-1252 (what browsers assume for them).
FALLBACK_ENCODING = "cp1252"
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # Python codec name, e.g. "utf-8", "cp1252"
    source: str  # where the encoding came from: "bom", "http", "meta", "detected", "fallback"


def _detect(body: bytes) -> str | None:
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    return best.encoding if best else None


def decode_html(body: bytes, content_type: str | None) -> Decoded:
    """Text of an HTML payload. Latin-1 labels are read as windows-1252, as browsers do."""
    detected: list[str] = []

    def detect(data: bytes) -> str | None:
        found = _detect(data)
        if found:
            detected.append(found)
        return found

    encoding, text = html_to_unicode(
        content_type, body, default_encoding=FALLBACK_ENCODING, auto_detect_fun=detect
    )
    if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        source = "bom"
    elif content_type and http_content_type_encoding(content_type):
        source = "http"
    elif html_body_declared_encoding(body):
        source = "meta"
    elif detected:
        source = "detected"
    else:
        source = "fallback"
    declared_utf8 = source in ("http", "meta") and encoding.replace("-", "").lower() == "utf8"
    if declared_utf8 and not utf8_fits(body):
        # A 2000s server's default label on a latin-1 page: the bytes are not UTF-8
        # anywhere, so the label is wrong; read them as what they are.
        encoding = _detect(body) or FALLBACK_ENCODING
        if encoding.replace("-", "").lower() == "utf8":
            encoding = FALLBACK_ENCODING
        text = body.decode(encoding, errors="replace")
        source = f"detected, not the declared utf-8 ({source})"
    return Decoded(text, encoding, source)


def utf8_fits(body: bytes) -> bool:
    """Whether bytes labelled UTF-8 are UTF-8. A few stray bytes in a UTF-8 page do not make
    it another encoding: only bytes with more invalid sequences than valid non-ASCII ones do."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace")
        invalid = text.count("\ufffd")
        valid = sum(1 for char in text if ord(char) > 127) - invalid
        return valid >= invalid
    return True


def looks_binary(body: bytes) -> bool:
    """Binary data (an image, an archive) under a text label: NUL bytes, or mostly control
    characters, in its first 4 KB. Text in any single- or multi-byte encoding has neither
    (UTF-16 is told by its byte-order mark)."""
    head = body[:4096]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text, with its byte-order mark, is full of NUL bytes
    if b"\0" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls > len(head) // 10


class DecodePipeline(Stage):
    """Decodes each fetched HTML capture once, for the stages after it, and records the
    encoding its text is read with and why."""

    def process_item(self, item):
        if isinstance(item, CaptureItem) and item.fetch_status == FETCHED and item.memento:
            content_type = item.memento.content_type or ""
            if content_type.split(";")[0].strip().lower() in HTML_TYPES and item.memento.body:
                decoded = decode_html(item.memento.body, content_type)
                item.html_text = decoded.text
                item.encoding = f"{decoded.encoding} ({decoded.source})"
                self.crawler.stats.inc_value(f"policytrail/encoding/{decoded.source}")
        return item
