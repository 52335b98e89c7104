"""How fast `policytrail search` and `timeline` answer on a large corpus.

Builds (once, in SQL) a database of SITES sites with VERSIONS_PER_SITE versions each, every
version a distinct text of about WORDS words, some holding the phrase searched for from a
known version on; then times searches as the CLI runs them and checks their answers.

    .venv/bin/python -m bench.search_bench [--sites 5000] [--versions-per-site 20] [--words 2000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

from pipelines.history import timeline
from pipelines.reading import TargetRef, open_reader
from pipelines.search import pattern_for, search
from pipelines.store.database import connect

PHRASES = (
    "We collect the information you give us when you create an account or contact us.",
    "We use it to provide and improve the service and to keep it secure.",
    "We share it with companies that process it for us under contract.",
    "You can ask us for a copy of your data or ask us to delete it.",
    "We keep your data for as long as your account is open.",
    "Cookies help us remember your settings and measure how the site is used.",
)
SOLD = "We do not sell your personal information."


def build(db: Path, sites: int, per_site: int, words: int) -> None:
    """Targets, documents and versions for `sites` sites; site s says SOLD from version
    (s % per_site) + 1 on when s is even."""
    connection = connect(db)
    sentences = max(1, words // 14)
    phrases = "[" + ", ".join(f"'{p}'" for p in PHRASES) + "]"
    connection.execute("BEGIN TRANSACTION")
    connection.execute(
        f"""
        CREATE TEMP TABLE plan AS
        SELECT s, v, 'site' || s || '.example' AS site,
               'https://site' || s || '.example/privacy' AS url,
               TIMESTAMP '2000-01-01' + to_days(CAST(s % 97 + v * 180 AS INTEGER)) AS seen,
               s % 2 = 0 AND v > s % {per_site} AS says_sold
        FROM range({sites}) r(s), range(1, {per_site} + 1) q(v)
        """
    )
    connection.execute(
        f"""
        CREATE TEMP TABLE texts AS
        SELECT s, v, sha256(site || v) AS text_hash,
               'Privacy policy of ' || site || ', version ' || v || chr(10) ||
               (SELECT string_agg({phrases}[1 + (i * 7 + s + v) % {len(PHRASES)}], ' ')
                FROM range({sentences}) t(i))
               || CASE WHEN says_sold THEN chr(10) || '{SOLD}' ELSE '' END AS text
        FROM plan
        """
    )
    connection.execute(
        "INSERT INTO targets SELECT DISTINCT site, url, [], NULL, NULL, 'bench', 0 FROM plan"
    )
    connection.execute(
        """
        INSERT INTO documents (text_hash, text, is_policy, policy_score, extractor,
                               extractor_version, extractor_settings, strategy, n_words)
        SELECT text_hash, text, true, 1.0, 'bench', '0', '{}', 'bench',
               len(string_split_regex(text, '\\s+'))
        FROM texts
        """
    )
    connection.execute(
        """
        INSERT INTO versions
        SELECT p.site, p.url, p.v, t.text_hash, p.seen, p.seen + INTERVAL 30 DAY,
               lead(p.seen) OVER (PARTITION BY p.site ORDER BY p.v), 2, NULL
        FROM plan p JOIN texts t USING (s, v)
        """
    )
    connection.execute("COMMIT")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--versions-per-site", type=int, default=20)
    parser.add_argument("--words", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "search.duckdb"
        started = time.perf_counter()
        # built in a child process, so the peak memory below is the searches' own
        child = multiprocessing.Process(
            target=build, args=(db, args.sites, args.versions_per_site, args.words)
        )
        child.start()
        child.join()
        versions = args.sites * args.versions_per_site
        print(
            f"built {versions:,} versions of ~{args.words:,} words "
            f"({db.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s"
        )
        connection = open_reader(db)
        for label, phrase, words in (
            ("phrase", "do not sell your personal information", False),
            ("whole word", "sell", True),
            ("rare", "site77.example, version 3", False),
        ):
            started = time.perf_counter()
            found = search(connection, pattern_for(phrase, whole_words=words))
            elapsed = time.perf_counter() - started
            matching = sum(len(t.matching) for t in found)
            print(f"search {label!r}: {matching:,} versions of {len(found):,} targets,", end=" ")
            print(f"{elapsed:.2f} s")
        expected = sum(
            args.versions_per_site - (s % args.versions_per_site) for s in range(0, args.sites, 2)
        )
        found = search(connection, pattern_for("do not sell your personal information"))
        assert sum(len(t.matching) for t in found) == expected, "search missed versions"
        started = time.perf_counter()
        rows = list(
            timeline(connection, TargetRef("site42.example", "https://site42.example/privacy"))
        )
        print(f"timeline of {len(rows)} versions: {time.perf_counter() - started:.2f} s")
        connection.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
