"""Reading the archive's answer to a replay: the original headers, a captured redirect's
target, the captures next to it, and whether it holds the very page a capture's digest names."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from scrapy.http import Response

from crawler.items import CaptureItem
from crawler.wayback import payload_digest, split_memento_url

ORIGINAL_PREFIX = "x-archive-orig-"
# Original headers that described the bytes on the wire; the payload we keep is decoded.
WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


def is_its_page(capture: CaptureItem, response: Response) -> bool:
    """Whether a 2xx answer holds the page the capture's digest names, so that other captures
    of that digest can point at it: the archive's own copy at that second (the payload was
    checked against the digest), or bytes with that very digest. An archive that redirects
    to a neighbouring capture serves another page."""
    if not 200 <= response.status < 300:
        return False
    replayed = split_memento_url(response.url)
    return (replayed is not None and replayed[0] == capture.timestamp) or (
        payload_digest(response.body) == capture.digest
    )


def original_headers(response: Response) -> list[tuple[str, str]]:
    """The archived response's own headers: X-Archive-Orig-* unprefixed, plus Content-Type."""
    headers: list[tuple[str, str]] = []
    for raw_name, values in response.headers.items():
        name = raw_name.decode("latin-1")
        lower = name.lower()
        if lower.startswith(ORIGINAL_PREFIX):
            original = name[len(ORIGINAL_PREFIX) :]
            if original.lower() in WIRE_HEADERS:
                continue
            headers.extend((original, value.decode("latin-1")) for value in values)
        elif lower == "content-type":
            headers.extend((name, value.decode("latin-1")) for value in values)
    return headers


def original_location(response: Response) -> str | None:
    """A captured redirect's target as an original URL (the archive rewrites it into itself)."""
    raw = response.headers.get(b"Location")
    if not raw:
        return None
    absolute = urljoin(response.url, raw.decode("latin-1"))
    parts = split_memento_url(absolute)
    return parts[2] if parts else absolute


# One entry of a Memento `Link` header: <url>; rel="..."; datetime="..."
_LINK_ENTRY = re.compile(r'<([^>]*)>\s*((?:;\s*[a-z]+\s*=\s*"[^"]*"\s*)*)', re.IGNORECASE)
_LINK_PARAM = re.compile(r';\s*([a-z]+)\s*=\s*"([^"]*)"', re.IGNORECASE)


def neighbour_mementos(link_header: str) -> list[tuple[str, str]]:
    """(timestamp, original URL) of the captures just before and after the one replayed, as
    its `Link` header names them (RFC 7089's "prev memento" and "next memento")."""
    found = []
    for url, params in _LINK_ENTRY.findall(link_header):
        values = {name.lower(): value for name, value in _LINK_PARAM.findall(params)}
        rels = values.get("rel", "").lower().split()
        if "prev" not in rels and "next" not in rels:
            continue
        parts = split_memento_url(url)
        if parts is not None and len(parts[0]) == 14 and parts[0].isdigit():
            found.append((parts[0], parts[2]))
    return found
