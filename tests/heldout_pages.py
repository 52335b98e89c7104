"""The held-out pages in tests/heldout/: written without reading the extractor (README.md there).

Each page is three files with one stem: the page as served (`.html`), the document's text a
careful reader would copy from it (`.txt`, empty for a page that is no legal document) and what
is known of it (`.json`: url, captured_at, effective_date, effective_date_phrase, language,
is_policy, notes; from round 3 also kind, stated_dates, date_position and date_evidence).
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
ROUND_3 = Path(__file__).resolve().parent / "heldout" / "round3"
ROUND_4 = Path(__file__).resolve().parent / "heldout" / "round4"
KINDS = ("privacy", "cookies", "terms", "other legal", "not legal")


@dataclass(frozen=True, slots=True)
class StatedDate:
    label: str  # effective, updated, revised, modified, posted, dated, version, other
    date: str  # "YYYY-MM-DD", "YYYY-MM" or "YYYY"
    phrase: str


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
    kind: str = "privacy"  # one of KINDS; rounds 1 and 2 knew only policy or not
    stated_dates: tuple[StatedDate, ...] = ()  # every date the document states for itself
    date_position: str = ""  # title block, top of text, end of text, elsewhere, none
    date_evidence: str = ""  # what settles a numeric date's order


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

    @property
    def kind(self) -> str:
        """The kind found; before documents had kinds, "privacy" or "not privacy"."""
        if self.document is None:
            return "not legal"
        kind = getattr(self.document, "kind", None)
        return kind or ("privacy" if self.document.is_policy else "not privacy")


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
                kind=known.get("kind", "privacy" if known["is_policy"] else "not legal"),
                stated_dates=tuple(
                    StatedDate(**stated) for stated in known.get("stated_dates", ())
                ),
                date_position=known.get("date_position", ""),
                date_evidence=known.get("date_evidence", ""),
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
    lines = [f"{'F1':>6} {'P':>6} {'R':>6}  {'date':10} {'found':10} {'kind':25} page"]
    for found in outcomes:
        page, value = found.page, found.score
        scores = f"{value.f1:6.3f} {value.precision:6.3f} {value.recall:6.3f}"
        verdict = f"{page.kind} -> {found.kind}"
        lines.append(
            f"{scores if page.is_policy else ' ' * 20}  {page.effective_date or '-':10} "
            f"{found.effective_date or '-':10} {verdict:25} {page.stem}"
        )
    policies = [found.score for found in outcomes if found.page.is_policy]
    if policies:
        mean = [
            sum(getattr(value, name) for value in policies) / len(policies)
            for name in ("f1", "precision", "recall")
        ]
        lines.append(f"{mean[0]:6.3f} {mean[1]:6.3f} {mean[2]:6.3f}  mean of {len(policies)}")
    return "\n".join(lines)


def summary(outcomes: list[Outcome]) -> str:
    """Counts of agreement: dates (by where the date line sits), kinds, privacy P/R."""
    stating = [found for found in outcomes if found.page.effective_date]
    silent = [found for found in outcomes if not found.page.effective_date]
    lines = [
        f"dates: {sum(f.effective_date == f.page.effective_date for f in stating)}/{len(stating)}"
        f" exact, {sum(f.effective_date is not None for f in silent)} invented on {len(silent)}"
        f" pages stating none"
    ]
    groups = {
        "numeric": [f for f in stating if f.page.date_evidence],
        "title block": [f for f in stating if f.page.date_position == "title block"],
        "two or more dates": [f for f in stating if len(f.page.stated_dates) > 1],
    }
    for name, group in groups.items():
        if group:
            right = sum(f.effective_date == f.page.effective_date for f in group)
            lines.append(f"  {name}: {right}/{len(group)} exact")
    listed = [f for f in outcomes if f.page.stated_dates]
    if listed and any(hasattr(f.document, "effective_dates") for f in listed):
        wanted = sum(len(f.page.stated_dates) for f in listed)
        got = sum(
            len(
                {stated.date for stated in f.page.stated_dates}
                & {stated.value for stated in getattr(f.document, "effective_dates", ())}
            )
            for f in listed
        )
        lines.append(f"  stated dates listed: {got}/{wanted}")
    right = sum(f.kind == f.page.kind for f in outcomes)
    policy_right = sum(f.is_policy == f.page.is_policy for f in outcomes)
    lines.append(
        f"kinds: {right}/{len(outcomes)} exact; privacy or not: {policy_right}/{len(outcomes)}"
    )
    said = [f for f in outcomes if f.is_policy]
    truly = [f for f in outcomes if f.page.is_policy]
    both = sum(f.page.is_policy for f in said)
    if said and truly:
        lines.append(
            f"privacy: precision {both / len(said):.3f} ({both}/{len(said)}),"
            f" recall {both / len(truly):.3f} ({both}/{len(truly)})"
        )
    return "\n".join(lines)
