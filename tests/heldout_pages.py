"""The held-out pages in tests/heldout/pages: written without reading the extractor, never tuned on.

Each page is three files with one stem: the page as served (`.html`), the policy text a careful
reader would copy from it (`.txt`, empty for a page that is no policy) and what is known of it
(`.json`: url, captured_at, effective_date, effective_date_phrase, language, is_policy, notes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from crawler.items import Document
from pipelines.analysis import analyse
from pipelines.evaluation import Score, score

PAGES = Path(__file__).resolve().parent / "heldout" / "pages"
ROUND_2 = Path(__file__).resolve().parent / "heldout" / "round2"


@dataclass(frozen=True, slots=True)
class HeldOutPage:
    stem: str
    html: Path
    reference: str  # the policy's text; "" for a page that is no policy
    url: str
    captured_at: datetime
    effective_date: str | None  # "YYYY-MM-DD", "YYYY-MM" or None when the page states none
    language: str
    is_policy: bool
    notes: str


@dataclass(frozen=True, slots=True)
class Outcome:
    page: HeldOutPage
    document: Document | None  # None when nothing was extracted

    @property
    def score(self) -> Score:
        return score(self.document.text if self.document else "", self.page.reference)

    @property
    def effective_date(self) -> str | None:
        return self.document.effective_date if self.document else None

    @property
    def is_policy(self) -> bool:
        return bool(self.document and self.document.is_policy)


@cache
def held_out_pages(folder: Path = PAGES) -> tuple[HeldOutPage, ...]:
    pages = []
    for described in sorted(folder.glob("*.json")):
        known = json.loads(described.read_text(encoding="utf-8"))
        stem = described.stem
        pages.append(
            HeldOutPage(
                stem=stem,
                html=folder / f"{stem}.html",
                reference=(folder / f"{stem}.txt").read_text(encoding="utf-8"),
                url=known["url"],
                captured_at=datetime.fromisoformat(known["captured_at"].replace("Z", "+00:00")),
                effective_date=known["effective_date"],
                language=known["language"],
                is_policy=known["is_policy"],
                notes=known.get("notes", ""),
            )
        )
    return tuple(pages)


@cache
def outcome(page: HeldOutPage) -> Outcome:
    """The page through all four analysis steps, as a crawl would see it."""
    body = page.html.read_bytes()
    return Outcome(page, analyse(body, page.url, "text/html; charset=utf-8", page.captured_at))


def table(outcomes: list[Outcome]) -> str:
    """One line per page: token F1/P/R (policies), the date expected and found, the verdict."""
    lines = [f"{'F1':>6} {'P':>6} {'R':>6}  {'date':10} {'found':10} {'policy':13} page"]
    for found in outcomes:
        page, value = found.page, found.score
        scores = f"{value.f1:6.3f} {value.precision:6.3f} {value.recall:6.3f}"
        verdict = f"{page.is_policy!s:>5} {found.is_policy!s:>5}"
        lines.append(
            f"{scores if page.is_policy else ' ' * 20}  {page.effective_date or '-':10} "
            f"{found.effective_date or '-':10} {verdict:13} {page.stem}"
        )
    policies = [found.score for found in outcomes if found.page.is_policy]
    if policies:
        mean = [
            sum(getattr(value, name) for value in policies) / len(policies)
            for name in ("f1", "precision", "recall")
        ]
        lines.append(f"{mean[0]:6.3f} {mean[1]:6.3f} {mean[2]:6.3f}  mean of {len(policies)}")
    return "\n".join(lines)
