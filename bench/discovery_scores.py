"""Scores: the policy link found on each held-out home page against the one a reader would follow.

    .venv/bin/python bench/discovery_scores.py                          # tests/heldout/homepages
    .venv/bin/python bench/discovery_scores.py path/to/folder --verbose  # any folder of that shape

A page's answer is its best candidate scoring at least MIN_LINK_SCORE, or none. Precision: of the
answers, those equal to the truth (both as `clean_url` writes them); recall: of the pages with a
policy link, those answered right. A page without one is right when nothing is answered.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.decode import decode_html  # noqa: E402
from pipelines.discover.links import best_policy_links, clean_url, policy_links  # noqa: E402

PAGES = ROOT / "tests" / "heldout" / "homepages"


@dataclass(frozen=True)
class Outcome:
    name: str
    truth: str | None
    answer: str | None
    where: str

    @property
    def right(self) -> bool:
        return self.truth == self.answer


def score_page(page: Path) -> Outcome:
    truth = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    html = decode_html(page.read_bytes(), None).text
    found = best_policy_links(html, truth["url"])
    expected = clean_url(truth["policy_url"]) if truth["policy_url"] else None
    answer = found[0].url if found else None
    return Outcome(page.stem, expected, answer, truth.get("where") or "")


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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=PAGES)
    parser.add_argument("--verbose", action="store_true", help="every candidate of wrong pages")
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
        f"{figures['none_pages']}, {figures['pages']} pages"
    )


if __name__ == "__main__":
    main()
