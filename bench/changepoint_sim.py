"""Requests per text version of each fetching strategy, simulated on a collection's truth.

    .venv/bin/python bench/churn.py --sites 40 --out /tmp/churn40
    .venv/bin/python bench/changepoint_sim.py /tmp/churn40/truth.json

No crawl and no archive: the planner (crawler/changepoint.py) is told each fetched payload's text
version from truth.json, as a crawl would learn it from the analysis, so the figures are its
requests and the versions it misses, for (a) every capture, (b) every distinct digest, (c)
change-point at exact boundaries, at 30 days, and with probes inside settled ranges, (d) the
lower bound of one fetch per version. A version is a run of captures showing one text.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.changepoint import UNKNOWN, ChangePoints, slots  # noqa: E402

STRATEGIES = {
    "change-point, exact": {},
    "change-point, 30 days": {"precision": timedelta(days=30)},
    "change-point, exact, a probe a year": {"sample_every": timedelta(days=365)},
    "change-point, exact, a probe each 6 months": {"sample_every": timedelta(days=182)},
}


def simulate(url: dict, **options: timedelta) -> tuple[int, int]:
    """Replays the planner asks for on one URL, and the versions it finds."""
    text_of = {capture["digest"]: capture["text"] for capture in url["captures"]}
    found = ChangePoints(
        slots([(capture["timestamp"], capture["digest"]) for capture in url["captures"]]),
        **options,
    )
    fetched: set[str] = set()
    while not found.done:
        wanted = found.wanted()
        found.ask(wanted)
        for index in wanted:
            digest = found.slots[index].digest
            fetched.add(digest)
            found.learn(index, text_of[digest])
    seen = [found.known(index) for index in range(len(found.slots))]
    texts = [text for text in seen if text is not UNKNOWN and text is not None]
    versions = sum(
        1 for number, text in enumerate(texts) if not number or text != texts[number - 1]
    )
    return len(fetched), versions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth", type=Path)
    args = parser.parse_args()
    urls = json.loads(args.truth.read_text())
    versions = sum(len(url["runs"]) for url in urls)
    captures = sum(len(url["captures"]) for url in urls)
    digests = sum(len({capture["digest"] for capture in url["captures"]}) for url in urls)
    print(f"{len(urls)} URLs, {captures:,} captures, {versions} text versions")
    print(f"  {'strategy':<44}{'requests a version':>20}{'versions missed':>17}")
    print(f"  {'(a) every capture':<44}{captures / versions:>20.2f}{0:>17}")
    print(f"  {'(b) every distinct digest':<44}{digests / versions:>20.2f}{0:>17}")
    for name, options in STRATEGIES.items():
        requests = missed = 0
        for url in urls:
            asked, found = simulate(url, **options)
            requests += asked
            missed += max(0, len(url["runs"]) - found)
        print(f"  {'(c) ' + name:<44}{requests / versions:>20.2f}{missed:>17}")
    print(f"  {'(d) lower bound: one per version':<44}{1:>20.2f}{0:>17}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
