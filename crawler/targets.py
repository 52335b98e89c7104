"""Reading the researcher's list of sites and policy URLs (CSV or plain text) into `Target`s."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.exceptions import BadInputError
from crawler.wayback import surt_key, url_problem, window_bound

CSV_REQUIRED = ("site", "policy_url")
CSV_OPTIONAL = ("alias_urls", "from", "to")


@dataclass(slots=True)
class Target:
    """One site's privacy policy: the URL the researcher gave, its other URLs and a time window."""

    site: str
    policy_url: str
    alias_urls: list[str] = field(default_factory=list)
    from_ts: str | None = None
    to_ts: str | None = None
    source: str = ""  # "file:line" of the first row that named it

    @property
    def urls(self) -> list[str]:
        """The policy URL then its aliases, one per SURT key (variants of a URL are one query)."""
        if not self.alias_urls:
            return [self.policy_url]  # most targets: no SURT key to compute
        seen: set[str] = set()
        unique = []
        for url in [self.policy_url, *self.alias_urls]:
            key = surt_key(url)
            if key not in seen:
                seen.add(key)
                unique.append(url)
        return unique


def registered_domain(url: str) -> str:
    """A site name from a URL: its host without `www.` (a stand-in for a public-suffix list)."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def load_targets(path: str | Path) -> list[Target]:
    """Parse a targets file; any bad row raises BadInputError naming file and line."""
    source = Path(path)
    text = read_list(source, "targets")
    first = next((line for line in text.splitlines() if line.strip()), "")
    rows = (
        _csv_rows(source, text) if first.lower().startswith("site,") else _text_rows(source, text)
    )
    try:
        targets = _merge(rows)
    except csv.Error as error:
        raise BadInputError(f"{source}: not a readable CSV file ({error})") from None
    if not targets:
        raise BadInputError(f"{source}: no targets in the file")
    return targets


def read_list(source: Path, kind: str) -> str:
    """A researcher's list file (targets, domains) as text, or one line saying why not."""
    if not source.is_file():
        raise BadInputError(f"{source}: no such {kind} file")
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BadInputError(f"{source}: not UTF-8 text") from None
    if "\0" in text:
        raise BadInputError(f"{source}: not a text file (it holds NUL bytes)")
    return text


def _text_rows(source: Path, text: str) -> Iterable[Target]:
    for number, line in enumerate(text.splitlines(), 1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        where = f"{source}:{number}"
        _check_url(url, where)
        yield Target(registered_domain(url), url, source=where)


def _csv_rows(source: Path, text: str) -> Iterable[Target]:
    reader = csv.reader(text.splitlines())
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in CSV_REQUIRED if name not in header]
    unknown = [name for name in header if name not in CSV_REQUIRED + CSV_OPTIONAL]
    if missing or unknown:
        problem = (
            f"missing column {', '.join(missing)}"
            if missing
            else (f"unknown column {', '.join(unknown)}")
        )
        raise BadInputError(
            f"{source}:1: {problem} (expected site,policy_url[,alias_urls,from,to])"
        )
    for number, values in enumerate(reader, 2):
        if not any(value.strip() for value in values):
            continue
        where = f"{source}:{number}"
        if len(values) != len(header):
            raise BadInputError(f"{where}: {len(values)} fields, the header has {len(header)}")
        row = {name: value.strip() for name, value in zip(header, values, strict=True)}
        if not row["site"]:
            raise BadInputError(f"{where}: site is empty")
        _check_url(row["policy_url"], where)
        aliases = row.get("alias_urls", "").split()
        for alias in aliases:
            _check_url(alias, where)
        yield Target(
            site=row["site"].lower(),
            policy_url=row["policy_url"],
            alias_urls=aliases,
            from_ts=_timestamp(row.get("from"), where, "from", upper=False),
            to_ts=_timestamp(row.get("to"), where, "to", upper=True),
            source=where,
        )


def _check_url(url: str, where: str) -> None:
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url
    except ValueError:  # a torn IPv6 literal: "http://[::1/p"
        valid = False
    if not valid:
        raise BadInputError(f"{where}: not an http(s) URL: {url!r}")
    problem = url_problem(url)
    if problem:
        raise BadInputError(f"{where}: not a usable URL ({problem}): {url!r}")


def _timestamp(value: str | None, where: str, name: str, *, upper: bool) -> str | None:
    if not value:
        return None
    try:
        return window_bound(value, upper=upper)
    except ValueError as error:
        raise BadInputError(f"{where}: {name} {error}") from None


def _merge(rows: Iterable[Target]) -> list[Target]:
    """Rows naming the same site and policy URL (by SURT key) become one target."""
    merged: dict[tuple[str, str], Target] = {}
    for row in rows:
        key = (row.site, surt_key(row.policy_url))
        if key not in merged:
            merged[key] = row
            continue
        kept = merged[key]
        for alias in row.alias_urls:
            if alias not in kept.alias_urls:
                kept.alias_urls.append(alias)
        if kept.from_ts and (row.from_ts is None or row.from_ts < kept.from_ts):
            kept.from_ts = row.from_ts
        if kept.to_ts and (row.to_ts is None or row.to_ts > kept.to_ts):
            kept.to_ts = row.to_ts
    return list(merged.values())
