"""Reading a study's list of domains (for `policytrail discover`) into `Domain`s.

Three shapes, told apart by the first line: one domain or URL a line; a CSV with a `domain`
column (others ignored); a ranked list without a header (`1,google.com`, Tranco's and Alexa's).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from crawler.exceptions import BadInputError
from crawler.targets import read_list

# A host name: labels of letters, digits and hyphens (IDNA-encoded), at least two of them.
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_RANKED = re.compile(r"^\s*\d+\s*,")


@dataclass(frozen=True, slots=True)
class Domain:
    """A site to discover the policy of: its domain without `www.`, and where it was listed."""

    name: str
    rank: int | None = None  # its rank in a ranked list
    source: str = ""  # "file:line"

    @property
    def home_page(self) -> str:
        """The home page's URL as CDX queries it (SURT keys drop the scheme and `www.`)."""
        return f"http://{self.name}/"


def load_domains(path: str | Path) -> list[Domain]:
    """Parse a domains file; any bad row raises BadInputError naming file and line."""
    source = Path(path)
    lines = read_list(source, "domains").splitlines()
    # (line number, line) of the lines that are neither blank nor comments
    kept = [
        (number, line)
        for number, line in enumerate(lines, 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    first = kept[0][1].strip().lower() if kept else ""
    try:
        if _RANKED.match(first):
            rows = _ranked_rows(source, kept)
        elif "," in first or first == "domain":
            rows = _csv_rows(source, kept)
        else:
            rows = _text_rows(source, kept)
        domains = _unique(rows)
    except csv.Error as error:
        raise BadInputError(f"{source}: not a readable CSV file ({error})") from None
    if not domains:
        raise BadInputError(f"{source}: no domains in the file")
    return domains


def domain_name(value: str, where: str) -> str:
    """The domain of a line (`example.com`, `www.example.com`, `https://example.com/x`)."""
    text = value.strip()
    try:
        host = urlsplit(text if "//" in text else f"//{text}").hostname if text else None
        name = (host or "").encode("idna").decode("ascii").lower().rstrip(".")
    except (ValueError, UnicodeError):  # "http://[::1", a label over 63 characters
        name = ""
    if name.startswith("www."):
        name = name[4:]
    labels = name.split(".")
    valid = len(labels) >= 2 and all(_LABEL.fullmatch(label) for label in labels)
    # an address ("127.0.0.1") is no domain: top-level domains are never numbers
    if not valid or labels[-1].isdigit():
        raise BadInputError(f"{where}: not a domain: {value.strip()!r}")
    return name


def _text_rows(source: Path, lines: list[tuple[int, str]]) -> Iterable[Domain]:
    for number, line in lines:
        where = f"{source}:{number}"
        yield Domain(domain_name(line, where), source=where)


def _ranked_rows(source: Path, lines: list[tuple[int, str]]) -> Iterable[Domain]:
    for number, line in lines:
        values = next(csv.reader([line]))
        where = f"{source}:{number}"
        if len(values) < 2 or not values[0].strip().isdigit():
            raise BadInputError(f"{where}: expected rank,domain")
        yield Domain(domain_name(values[1], where), int(values[0]), where)


def _csv_rows(source: Path, lines: list[tuple[int, str]]) -> Iterable[Domain]:
    header_line, header_text = lines[0]
    header = [name.strip().lower() for name in next(csv.reader([header_text]))]
    if "domain" not in header:
        raise BadInputError(f"{source}:{header_line}: no domain column (a CSV needs one)")
    column = header.index("domain")
    rank = header.index("rank") if "rank" in header else None
    for number, line in lines[1:]:
        values = next(csv.reader([line]))
        where = f"{source}:{number}"
        if len(values) != len(header):
            raise BadInputError(f"{where}: {len(values)} fields, the header has {len(header)}")
        ranked = values[rank].strip() if rank is not None else ""
        if ranked and not ranked.isdigit():
            raise BadInputError(f"{where}: rank is not a number: {ranked!r}")
        yield Domain(domain_name(values[column], where), int(ranked) if ranked else None, where)


def _unique(rows: Iterable[Domain]) -> list[Domain]:
    """Each domain once, where it was first listed."""
    found: dict[str, Domain] = {}
    for row in rows:
        found.setdefault(row.name, row)
    return list(found.values())
