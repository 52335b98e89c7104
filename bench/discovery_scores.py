"""Scores of `policytrail discover`: the policy URL found per home page, and per domain and period.

    .venv/bin/python bench/discovery_scores.py                          # tests/heldout/homepages
    .venv/bin/python bench/discovery_scores.py path/to/folder --verbose  # any folder of that shape
    .venv/bin/python bench/discovery_scores.py --sample                 # and the whole path

Held-out home pages (no archive behind them: the link finder alone): a page's answer is its best
candidate scoring at least MIN_LINK_SCORE, or none. Precision: of the answers, those equal to the
truth (both as `clean_url` writes them); recall: of the pages with a policy link, those answered
right. A page without one is right when nothing is answered. "Among the tried" counts the pages
whose truth is one of the candidates discovery would fetch (DISCOVER_MAX_CANDIDATES): what the
classifier's check can reach.

`--sample` runs the real discovery (`policytrail discover`) on the bundled sample archive's three
sites, 2004-2023, served on 127.0.0.1, and scores the URL found per (domain, period) against
data/sample/EXPECTED.json; it prints the requests spent, and their time at IA's 80% rates.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.settings import (  # noqa: E402
    DISCOVER_MAX_CANDIDATES,
    WAYBACK_CDX_RATE_PER_MINUTE,
    WAYBACK_REPLAY_RATE_PER_MINUTE,
)
from crawler.wayback import surt_key  # noqa: E402
from pipelines.decode import decode_html  # noqa: E402
from pipelines.discover.links import best_policy_links, clean_url, policy_links  # noqa: E402

PAGES = ROOT / "tests" / "heldout" / "homepages"


@dataclass(frozen=True)
class Outcome:
    name: str
    truth: str | None
    answer: str | None
    where: str
    tried: tuple[str, ...] = ()  # the candidates discovery would fetch, best first

    @property
    def right(self) -> bool:
        return self.truth == self.answer


def score_page(page: Path) -> Outcome:
    truth = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    html = decode_html(page.read_bytes(), None).text
    found = best_policy_links(html, truth["url"])
    expected = clean_url(truth["policy_url"]) if truth["policy_url"] else None
    answer = found[0].url if found else None
    tried = tuple(link.url for link in found[:DISCOVER_MAX_CANDIDATES])
    return Outcome(page.stem, expected, answer, truth.get("where") or "", tried)


def summary(outcomes: list[Outcome]) -> dict[str, float | int]:
    answered = [o for o in outcomes if o.answer is not None]
    with_policy = [o for o in outcomes if o.truth is not None]
    right = sum(1 for o in answered if o.right)
    return {
        "pages": len(outcomes),
        "precision": right / len(answered) if answered else 1.0,
        "recall": right / len(with_policy) if with_policy else 1.0,
        "answered": len(answered),
        "right": right,
        "with_policy": len(with_policy),
        "none_right": sum(1 for o in outcomes if o.truth is None and o.answer is None),
        "none_pages": len(outcomes) - len(with_policy),
        "among_tried": sum(1 for o in with_policy if o.truth in o.tried),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=PAGES)
    parser.add_argument("--verbose", action="store_true", help="every candidate of wrong pages")
    parser.add_argument("--sample", action="store_true", help="also discover the sample archive")
    args = parser.parse_args()
    if not args.folder.is_dir():
        sys.exit(f"{args.folder}: no such folder")
    outcomes = []
    for page in sorted(args.folder.glob("*.html")):
        outcome = score_page(page)
        outcomes.append(outcome)
        mark = "ok  " if outcome.right else "MISS"
        print(f"{mark} {outcome.name:45s} {outcome.where:9s} {outcome.answer or '-'}")
        if not outcome.right:
            print(f"     {'':45s} {'truth':9s} {outcome.truth or '-'}")
            if args.verbose:
                truth = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
                html = decode_html(page.read_bytes(), None).text
                for link in policy_links(html, truth["url"])[:5]:
                    print(f"       {link.score:6.2f} {link.url} {link.reasons}")
    figures = summary(outcomes)
    print(
        f"precision {figures['precision']:.3f} ({figures['right']}/{figures['answered']}),"
        f" recall {figures['recall']:.3f} ({figures['right']}/{figures['with_policy']}),"
        f" pages without a policy link left unanswered {figures['none_right']}/"
        f"{figures['none_pages']}, {figures['pages']} pages; the truth among the "
        f"{DISCOVER_MAX_CANDIDATES} tried {figures['among_tried']}/{figures['with_policy']}"
    )
    if args.sample:
        sample_run()


def sample_run() -> None:
    """`policytrail discover` on the sample archive, scored per (domain, period)."""
    import subprocess
    import tempfile
    import time

    import duckdb

    from crawler.archive.server import ArchiveServer

    expected = json.loads((ROOT / "data" / "sample" / "EXPECTED.json").read_text("utf-8"))
    with tempfile.TemporaryDirectory(prefix="bench-discover-") as folder:
        db = Path(folder) / "bench.duckdb"
        with ArchiveServer([ROOT / "data" / "sample"], index_path=Path(folder) / "i") as archive:
            command = [sys.executable, "-m", "crawler", "discover"]
            command += [str(ROOT / "data" / "domains.sample.txt"), "--db", str(db)]
            command += ["--archive", archive.base_url, "--local", "--from", "2004", "--to", "2023"]
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, cwd=folder)
            seconds = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"discover failed ({result.returncode}): {result.stderr[-2000:]}")
        connection = duckdb.connect(str(db), read_only=True)
        found = {
            (domain, str(start)): url
            for domain, start, url in connection.execute(
                "SELECT domain, period_start, policy_url FROM discovered_policies"
            ).fetchall()
        }
        cdx, replays = connection.execute(
            "SELECT cdx_requests, replay_requests FROM crawl_runs"
        ).fetchone()
        connection.close()
    right = answered = with_policy = 0
    for period in expected["home_pages"]:
        start = f"{period['period'][:4]}-{'01' if period['period'][5] == '1' else '07'}-01"
        answer, truth = found.get((period["domain"], start)), period["policy_url"]
        answered += answer is not None
        with_policy += truth is not None
        ok = answer is not None and truth is not None and surt_key(answer) == surt_key(truth)
        right += ok
        if (answer or truth) and not ok:
            print(f"MISS {period['domain']} {period['period']}: {answer or '-'} (truth {truth})")
    periods = len(expected["home_pages"])
    at_ia = cdx * 60 / WAYBACK_CDX_RATE_PER_MINUTE + replays * 60 / WAYBACK_REPLAY_RATE_PER_MINUTE
    print(
        f"sample archive, {periods} (domain, period) pairs: precision {right / answered:.3f} "
        f"({right}/{answered}), recall {right / with_policy:.3f} ({right}/{with_policy}); "
        f"{cdx} CDX searches ({cdx / 3:.0f} per domain), {replays} replays "
        f"({replays / periods:.2f} per period, redirects included); {seconds:.1f} s here, "
        f"about {at_ia / 60:.1f} min at IA's 80% rates"
    )


if __name__ == "__main__":
    main()
