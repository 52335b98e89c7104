"""A synthetic policytrail database of known shape, built in bulk: most sites change in May 2018.

Tests of the report (and benchmarks of readers) need corpora far larger than a crawl makes in a
test, with a shape they can check against: which months changes fall in, how long policies are,
which captures were fetched. `build_corpus` writes every table a crawl writes, consistently
(versions from their captures, documents from their texts), and returns what it wrote.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from pipelines.store.database import connect

GDPR_MONTH = date(2018, 5, 1)  # as the GDPR made real corpora change
CCPA_MONTH = date(2020, 1, 1)  # the CCPA took effect on 1 January 2020
SELL_PHRASE = "sell your personal information"  # from the CCPA change on, in CCPA targets
BASES_PHRASE = "legitimate interests"  # from the GDPR change on, in GDPR targets
_SPECIAL_MONTHS = frozenset({(2018, 5), (2020, 1)})  # no random change falls in these
_OBSERVED = (datetime(2005, 1, 1), datetime(2024, 12, 31))
_MIN_GAP = 20 * 86400  # seconds between two changes of a target: room for its captures
_DAY = 86400

_OPENINGS = (
    "We",
    "Our partners",
    "Our support staff",
    "{company} and its affiliates",
    "Our payment processors",
    "Our analytics providers",
)
_VERBS = (
    "collect",
    "store",
    "process",
    "retain",
    "share with processors",
    "protect",
    "encrypt",
    "review",
)
_DATA = (
    "your name and email address",
    "the pages you visit",
    "your device identifiers",
    "your purchase history",
    "approximate location data",
    "information from cookies",
    "the messages you send us",
    "your account preferences",
    "payment card details",
    "records of your consent",
)
_PURPOSES = (
    "to provide the service you asked for.",
    "to keep your account secure.",
    "to measure how our pages are used.",
    "to send you the newsletters you chose.",
    "to meet our legal obligations.",
    "to improve our products over time.",
    "for as long as your account is open.",
    "to answer your questions about an order.",
)
_EXTRAS = {
    SELL_PHRASE: "We do not sell your personal information to data brokers or advertisers.",
    BASES_PHRASE: "We rely on consent and our legitimate interests as the legal bases for this.",
}
# Every sentence a text is drawn from, none holding a phrase in _EXTRAS: 6 * 8 * 10 * 8 = 3,840.
_POOL = tuple(
    f"{opening} {verb} {data} {purpose}"
    for opening in _OPENINGS
    for verb in _VERBS
    for data in _DATA
    for purpose in _PURPOSES
)
# The pool shuffled once (the same in every build) and repeated, with the words before each
# sentence: a text is a run of it, found by bisection.
_RUN = random.Random(0).sample(_POOL, len(_POOL)) * 2
_RUN_WORDS = tuple(itertools.accumulate((len(s.split()) for s in _RUN), initial=0))


@dataclass(frozen=True, slots=True)
class BuiltVersion:
    site: str
    target_url: str
    version: int
    first_seen: datetime
    last_seen: datetime
    next_seen: datetime | None
    n_captures: int
    n_words: int
    effective_date: date | None


@dataclass(frozen=True)
class CorpusShape:
    """What build_corpus wrote: every version, and the counts the tests check against."""

    sites: tuple[str, ...]
    targets: tuple[tuple[str, str], ...]  # (site, target_url)
    versions: tuple[BuiltVersion, ...]
    captures: Mapping[tuple[str, str], int]  # (site, fetch_status) -> rows
    gdpr_targets: frozenset[tuple[str, str]]  # changed in May 2018: the only changes that month
    ccpa_targets: frozenset[tuple[str, str]]  # changed in January 2020: the only ones then
    phrases: Mapping[str, Mapping[tuple[str, str], int]]  # phrase -> target -> first version


def build_corpus(
    db: Path,
    sites: int = 60,
    seed: int = 7,
    *,
    versions_per_site: int = 8,
    captures_per_version: int = 3,
    mean_words: int = 500,
) -> CorpusShape:
    """Write a policytrail database at `db` (created, must not exist) of `sites` sites.

    Each site's privacy policy has about `versions_per_site` versions (every 15th site also has
    a cookie policy with half as many), each seen in about `captures_per_version` captures
    (fetched, or skipped as duplicates), with some captures skipped as 404s or failed between
    them. Four targets in five whose observation spans it change in May 2018; one in three in
    January 2020. Texts run about `mean_words` words, grow over the years and after the GDPR.
    """
    rng = random.Random(seed)
    writer = _Writer()
    for number in range(sites):
        site = f"{_name(number)}.example"
        writer.site(site, number, rng, versions_per_site, captures_per_version, mean_words)
    writer.write(Path(db))
    return writer.shape()


def _name(number: int) -> str:
    first = ("kestrel", "lumen", "north", "harbor", "quill", "amber", "cobalt", "willow")
    second = ("works", "bank", "health", "shop", "media", "travel", "labs", "foods")
    return f"{first[number % 8]}{second[number // 8 % 8]}-{number:05d}"


class _Writer:
    """Rows of every table, gathered column by column, then written in one go each."""

    def __init__(self) -> None:
        self.targets: list[tuple[str, str]] = []
        self.captures: dict[str, list] = {
            k: [] for k in ("site", "url", "seconds", "digest", "status", "reason", "hash")
        }
        self.documents: dict[str, list] = {k: [] for k in ("hash", "text", "words", "effective")}
        self.versions: list[BuiltVersion] = []
        self.version_hashes: list[str] = []
        self.gdpr: set[tuple[str, str]] = set()
        self.ccpa: set[tuple[str, str]] = set()
        self.phrases: dict[str, dict[tuple[str, str], int]] = {p: {} for p in _EXTRAS}

    def site(
        self, site: str, number: int, rng: random.Random, versions: int, captures: int, words: int
    ) -> None:
        policies = [(f"https://www.{site}/privacy", versions, True)]
        if number % 15 == 14:
            policies.append((f"https://www.{site}/cookies", max(2, versions // 2), False))
        for target_url, count, special in policies:
            self.targets.append((site, target_url))
            self.target(site, target_url, rng, count, special, captures, words)

    def target(
        self,
        site: str,
        url: str,
        rng: random.Random,
        count: int,
        special: bool,
        captures: int,
        words: int,
    ) -> None:
        start = _seconds(_OBSERVED[0]) + rng.randrange(8 * 365 * _DAY)
        end = _seconds(_OBSERVED[1])
        if rng.random() < 0.1:  # archived no more after some year
            end = _seconds(datetime(2015, 1, 1)) + rng.randrange(9 * 365 * _DAY)
        changes = [start]
        key = (site, url)
        if special and end > _seconds(datetime(2018, 7, 1)) and rng.random() < 0.8:
            changes.append(_seconds(datetime(2018, 5, 1)) + rng.randrange(30 * _DAY))
            self.gdpr.add(key)
        if special and end > _seconds(datetime(2020, 3, 1)) and rng.random() < 1 / 3:
            changes.append(_seconds(datetime(2020, 1, 1)) + rng.randrange(30 * _DAY))
            self.ccpa.add(key)
        wanted = rng.randint(max(2, count - 3), count + 3)
        for _ in range(wanted * 4):  # random changes, kept apart and out of the special months
            if len(changes) >= wanted:
                break
            moment = rng.randrange(start + _MIN_GAP, end - _MIN_GAP)
            when = _date(moment)
            if (when.year, when.month) in _SPECIAL_MONTHS:
                continue
            if all(abs(moment - other) >= _MIN_GAP for other in changes):
                changes.append(moment)
        changes.sort()
        base = rng.uniform(0.4, 1.6) * words
        offset = rng.randrange(len(_POOL))  # where the target's texts start in the pool
        for index, first in enumerate(changes):
            following = changes[index + 1] if index + 1 < len(changes) else None
            self.version(key, index + 1, first, following, end, (base, offset), rng, captures)

    def version(
        self,
        key: tuple[str, str],
        number: int,
        first: int,
        following: int | None,
        end: int,
        length: tuple[float, int],
        rng: random.Random,
        captures: int,
    ) -> None:
        site, url = key
        base, offset = length
        when = _date(first)
        extras = []
        laws = ((BASES_PHRASE, self.gdpr, GDPR_MONTH), (SELL_PHRASE, self.ccpa, CCPA_MONTH))
        for phrase, targets, since in laws:
            if key in targets and when >= since:
                self.phrases[phrase].setdefault(key, number)
                extras.append(_EXTRAS[phrase])
        effective = when - timedelta(days=rng.randrange(45)) if rng.random() < 0.75 else None
        grown = base * (1 + 0.04 * (when.year - 2005)) * (1.25 if when >= GDPR_MONTH else 1)
        text, n_words = _text(site, number, effective, extras, round(grown), offset + 3 * number)
        text_hash = hashlib.sha256(text.encode()).hexdigest()
        documents = self.documents
        documents["hash"].append(text_hash)
        documents["text"].append(text)
        documents["words"].append(n_words)
        documents["effective"].append(effective)
        # captures with this text: the first at the change, the rest before the next change
        until = (following if following is not None else end) - _DAY
        others = (rng.randrange(first + 1, until) for _ in range(rng.randint(0, 2 * captures - 2)))
        moments = sorted({first, *others})
        digest = _digest(rng)  # the first capture's: later captures of the same bytes share it
        for moment in moments:
            again = moment != first and rng.random() < 0.7
            fetched = digest if moment == first else _digest(rng)
            self.capture(site, url, moment, digest if again else fetched, text_hash, again)
        for _ in range(2):  # captures without text among them: a 404, a failed fetch
            if rng.random() < 0.15:
                self.capture(site, url, rng.randrange(first + 1, until), _digest(rng), None, False)
        self.versions.append(
            BuiltVersion(
                site,
                url,
                number,
                _datetime(first),
                _datetime(moments[-1]),
                _datetime(following) if following is not None else None,
                len(moments),
                n_words,
                effective,
            )
        )
        self.version_hashes.append(text_hash)

    def capture(
        self, site: str, url: str, moment: int, digest: str, text: str | None, again: bool
    ) -> None:
        captures = self.captures
        if text is not None:
            status, reason = ("skipped", "duplicate") if again else ("fetched", None)
        else:
            status, reason = ("skipped", "status") if moment % 2 else ("failed", "http_error")
        captures["site"].append(site)
        captures["url"].append(url)
        captures["seconds"].append(moment)
        captures["digest"].append(digest)
        captures["status"].append(status)
        captures["reason"].append(reason)
        captures["hash"].append(text)

    def write(self, db: Path) -> None:
        if db.exists():
            raise FileExistsError(db)
        connection = connect(db)
        try:
            connection.execute("SET enable_progress_bar = false")
            connection.execute("BEGIN TRANSACTION")
            self._insert(connection)
            connection.execute("COMMIT")
        finally:
            connection.close()

    def _insert(self, connection) -> None:
        statuses = Counter(self.captures["status"])
        connection.execute(
            "INSERT INTO crawl_runs (run_id, started_at, finished_at, status, archive,"
            " captures_listed, fetched, skipped, failed, software, versions_built)"
            " VALUES (1, TIMESTAMP '2025-01-01', TIMESTAMP '2025-01-02', 'finished',"
            " 'https://web.archive.org', ?, ?, ?, ?, 'synthetic corpus', true)",
            [sum(statuses.values()), statuses["fetched"], statuses["skipped"], statuses["failed"]],
        )
        sites, urls = zip(*self.targets, strict=True)
        targets = pa.table({"site": sites, "policy_url": urls})
        connection.register("synthetic_targets", targets)
        connection.execute(
            "INSERT INTO targets SELECT site, policy_url, [], NULL, NULL,"
            " 'synthetic:' || row_number() OVER (), 1 FROM synthetic_targets"
        )
        connection.execute(
            "INSERT INTO target_urls (site, policy_url, url, urlkey, via, run_id, listing_status)"
            f" SELECT site, policy_url, policy_url, {_urlkey('policy_url')}, 'listed', 1,"
            " 'listed' FROM synthetic_targets"
        )
        connection.register("synthetic_captures", pa.table(self.captures))
        connection.execute(
            "INSERT INTO captures (site, url, timestamp, digest, urlkey, mimetype, statuscode,"
            " fetch_status, reason, reason_code, target_url, run_id, text_hash)"
            " SELECT site, url, make_timestamp(seconds * 1000000), digest,"
            f" {_urlkey('url')}, 'text/html',"
            " CASE reason WHEN 'status' THEN 404 ELSE 200 END, status,"
            " CASE reason WHEN 'duplicate' THEN 'digest already fetched'"
            " WHEN 'status' THEN 'status 404' WHEN 'http_error' THEN 'HTTP 503' END,"
            " reason, url, 1, hash FROM synthetic_captures"
        )
        connection.register("synthetic_documents", pa.table(self.documents))
        connection.execute(
            "INSERT INTO documents (text_hash, text, language, title, effective_date,"
            " effective_date_precision, effective_date_text, is_policy, policy_score, extractor,"
            " extractor_version, extractor_settings, strategy, n_words)"
            " SELECT hash, text, 'en', 'Privacy policy', effective,"
            " CASE WHEN effective IS NOT NULL THEN 'day' END,"
            " CASE WHEN effective IS NOT NULL"
            "      THEN 'Last updated: ' || strftime(effective, '%-d %B %Y') END,"
            " true, 1.0, 'synthetic', '1', '{}', 'synthetic', words FROM synthetic_documents"
        )
        versions = self.versions
        columns = {
            "site": [v.site for v in versions],
            "target_url": [v.target_url for v in versions],
            "version": [v.version for v in versions],
            "text_hash": self.version_hashes,
            "first_seen": [v.first_seen for v in versions],
            "last_seen": [v.last_seen for v in versions],
            "next_seen": [v.next_seen for v in versions],
            "n_captures": [v.n_captures for v in versions],
            "effective_date": [v.effective_date for v in versions],
        }
        connection.register("synthetic_versions", pa.table(columns))
        connection.execute("INSERT INTO versions BY NAME SELECT * FROM synthetic_versions")
        for name in ("targets", "captures", "documents", "versions"):
            connection.unregister(f"synthetic_{name}")

    def shape(self) -> CorpusShape:
        counts = Counter(zip(self.captures["site"], self.captures["status"], strict=True))
        return CorpusShape(
            sites=tuple(dict.fromkeys(site for site, _ in self.targets)),
            targets=tuple(self.targets),
            versions=tuple(self.versions),
            captures=dict(counts),
            gdpr_targets=frozenset(self.gdpr),
            ccpa_targets=frozenset(self.ccpa),
            phrases=self.phrases,
        )


def _urlkey(column: str) -> str:
    """SQL for a SURT-like key of https://www.SITE/PATH ('SITE)/PATH': enough for readers)."""
    return f"regexp_replace({column}, '^https://www\\.([^/]+)', '\\1)')"


def _text(
    site: str, number: int, effective: date | None, extras: list[str], words: int, start: int
) -> tuple[str, int]:
    """A policy text of about `words` words and its exact word count (as `str.split` counts):
    the run of sentences from `start` on, so versions a few sentences apart share most text."""
    company = site.split(".")[0].replace("-", "").capitalize()
    updated = f"Last updated: {effective.day} {effective:%B %Y}." if effective else ""
    heading = f"Privacy policy of {company}, revision {number}. {updated}".strip()
    fixed = len(heading.split()) + sum(len(extra.split()) for extra in extras)
    start %= len(_POOL)
    end = bisect.bisect_left(_RUN_WORDS, _RUN_WORDS[start] + words - fixed, lo=start)
    if end >= len(_RUN):
        raise ValueError(f"{words} words: more than the sentence pool holds")
    chosen = list(_RUN[start : max(end, start + 1)])
    if extras:
        chosen[len(chosen) // 3 : len(chosen) // 3] = extras
    body = " ".join(chosen).replace("{company}", company)
    return f"{heading} {body}", fixed + _RUN_WORDS[max(end, start + 1)] - _RUN_WORDS[start]


def _digest(rng: random.Random) -> str:
    """32 characters, as long as the CDX's base32 SHA-1 (its letters do not matter here)."""
    return format(rng.getrandbits(128), "032X")


def _seconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def _datetime(seconds: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(seconds=seconds)


def _date(seconds: int) -> date:
    return _datetime(seconds).date()
