"""A synthetic collection with the churn of real policy URLs, and its truth (issue 12).

Real policy URLs have hundreds of captures and many distinct payloads per text version (session
ids, nonces, build hashes, dates in footers): fetching each distinct digest spends dozens of
replays on one text. This collection reproduces that churn so fetching strategies can be
measured against a known truth. Its parameters were fixed from measurements, cited beside
each, and committed before any strategy that uses them was written, so it is not shaped to one.

    .venv/bin/python bench/churn.py --sites 8 --out /tmp/churn   # writes WARCs, targets, truth

The truth (`truth.json`) lists, per URL, every capture in time order with its digest and the
text version it shows, and the runs of equal text (what a crawl that fetched every capture
would make versions of).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.archive.builder import CaptureSpec, write_warc  # noqa: E402

# Distinct HTML payloads per text version: Open Terms Archive's count of snapshots recorded
# between one version and the next ("snapshots_between_this_and_next_version" in
# ../shared/data/ota/*/*/Privacy Policy/index.json: 37 intervals of 8 services, median 40,
# from 0 to 723; OTA records a snapshot whenever the HTML changes, checking twice a day), plus
# the version's own snapshot. Drawn from these 37 values. The issue's own count on OTA's genai-eu
# collection (3,351 snapshots for 149 versions, a median of about 45) agrees.
SNAPSHOTS_BETWEEN_VERSIONS = (
    41, 146, 8, 723, 74, 325, 12, 330, 533, 720, 410, 36, 15, 90, 19, 0, 0, 0, 0, 38, 13, 40,
    91, 9, 9, 47, 46, 93, 22, 7, 1, 453, 41, 63, 330, 0, 10,
)  # fmt: skip
# Text versions in a URL's history: OTA's total versions per privacy policy (index.json
# "total_versions", 22 services tracked for 1 to 3 years, median 10). Drawn from these values.
VERSIONS_PER_URL = (3, 13, 81, 6, 5, 10, 24, 15, 13, 16, 6, 14, 2, 28, 2, 13, 3, 7, 22, 4, 4, 11)
# Captures that repeat the capture before them byte for byte (the same digest): 0.255 of the
# 703 200-captures of zew.de, 0.747 and 0.772 of nasa.gov's 1,000 in 1996-97 (CDX listings in
# ../shared/data/real-wayback/edgi). The middle of that range: each capture repeats the last
# with this probability.
REPEAT_SHARE = 0.5
# A text that comes back after another (A -> B -> A): 0 of 173 pairs of non-adjacent OTA
# versions have equal texts; the rule of three bounds the rate at 3/173 = 0.017 with 95%
# confidence. Each change is a revert with this probability (at the bound, to be safe).
REVERT_SHARE = 0.02
# A payload that comes back within one text (an earlier digest returning): 1, 26 and 10 per
# 1,000 captures in the same CDX listings. Each new payload repeats an earlier one of its text
# with this probability.
PAYLOAD_RETURN_SHARE = 0.01
# The span the captures spread over: the Wayback Machine's years of most policy captures.
FIRST_SECOND = int(datetime(2005, 1, 1, tzinfo=UTC).timestamp())
LAST_SECOND = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
# Sites in one WARC file.
SITES_PER_WARC = 50

HTML = (("Content-Type", "text/html; charset=utf-8"),)
CLAUSES = (
    "We collect the information you give us when you create an account or place an order.",
    "We use it to provide and improve the service and to keep it secure.",
    "We share it with service providers who process it on our behalf.",
    "You may ask us for a copy of your data, to correct it or to delete it.",
    "We keep your data for as long as your account is open and then for two years.",
    "We use cookies to remember your preferences and to measure how the site is used.",
    "We do not sell your personal information to third parties.",
    "Children under thirteen may not use the service.",
    "We will tell you by email before a change to this policy takes effect.",
    "You can contact our privacy team at the address below.",
)


@dataclass(frozen=True, slots=True)
class Capture:
    timestamp: str
    digest: str  # sha1 of the payload, base 32 as the CDX API gives it
    text: int  # the text version shown: its number in the URL's history


@dataclass(slots=True)
class UrlTruth:
    site: str
    url: str
    captures: list[Capture] = field(default_factory=list)

    def runs(self) -> list[tuple[int, str, str]]:
        """The runs of equal text in time order: (text, first timestamp, last timestamp)."""
        found: list[tuple[int, str, str]] = []
        for capture in self.captures:
            if found and found[-1][0] == capture.text:
                found[-1] = (capture.text, found[-1][1], capture.timestamp)
            else:
                found.append((capture.text, capture.timestamp, capture.timestamp))
        return found


def policy_text(site: int, text: int) -> str:
    """The policy's words in text version `text`: each version rewords one clause more."""
    rng = random.Random(site * 1_000 + text)
    clauses = list(CLAUSES)
    rng.shuffle(clauses)
    return "\n".join(
        f"<h2>Section {number + 1}</h2><p>{clause} (site {site}, text {text}, part {number}.)</p>"
        for number, clause in enumerate(clauses)
    )


def page(site: int, text: int, noise: int) -> bytes:
    """A whole page: the policy of version `text`, and churn that is not text (a nonce, a build
    hash in a script URL, a session id in a link) numbered `noise`."""
    nonce = hashlib.sha1(f"{site}-{noise}".encode()).hexdigest()
    return (
        f"<!doctype html><html><head><title>Privacy policy</title>"
        f'<script nonce="{nonce[:16]}" src="/static/app.{nonce[16:28]}.js"></script></head>'
        f"<body><nav><a href='/account?sid={nonce[28:]}'>Account</a></nav>"
        f"<main><h1>Privacy policy</h1>{policy_text(site, text)}</main>"
        f"<footer>Site {site}</footer></body></html>"
    ).encode()


def digest_of(body: bytes) -> str:
    return base64.b32encode(hashlib.sha1(body).digest()).decode()


def history(site: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """The text shown after each change (a revert shows the one before last), and how many
    distinct payloads each stretch of text has."""
    versions = rng.choice(VERSIONS_PER_URL)
    texts = [0]
    for number in range(1, versions):
        if len(texts) >= 2 and rng.random() < REVERT_SHARE:
            texts.append(texts[-2])
        else:
            texts.append(number)
    payloads = [1 + rng.choice(SNAPSHOTS_BETWEEN_VERSIONS) for _ in texts]
    return texts, payloads


def build(folder: Path, sites: int, seed: int = 1) -> tuple[Path, Path, int]:
    """WARCs, a targets CSV and truth.json in `folder`; returns (targets, truth, captures)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["site,policy_url"]
    truths: list[UrlTruth] = []
    batch: list[CaptureSpec] = []
    total = 0
    for site in range(sites):
        name = f"churn{site:04d}.example"
        url = f"https://www.{name}/legal/privacy"
        lines.append(f"{name},{url}")
        truth = UrlTruth(name, url)
        texts, payloads = history(site, rng)
        bodies: list[tuple[int, bytes]] = []  # (text, payload) of each distinct payload in order
        noise = 0
        for text, count in zip(texts, payloads, strict=True):
            own: list[bytes] = []
            for _ in range(count):
                if own and rng.random() < PAYLOAD_RETURN_SHARE:
                    body = rng.choice(own)
                else:
                    noise += 1
                    body = page(site, text, noise)
                    own.append(body)
                bodies.append((text, body))
        # Each distinct payload is captured once, then again while the coin says it repeats.
        shown: list[tuple[int, bytes]] = []
        for text, body in bodies:
            shown.append((text, body))
            while rng.random() < REPEAT_SHARE:
                shown.append((text, body))
        moments = sorted(rng.sample(range(FIRST_SECOND, LAST_SECOND), len(shown)))
        for moment, (text, body) in zip(moments, shown, strict=True):
            timestamp = datetime.fromtimestamp(moment, UTC).strftime("%Y%m%d%H%M%S")
            batch.append(CaptureSpec(url, timestamp, headers=HTML, body=body, with_request=False))
            truth.captures.append(Capture(timestamp, digest_of(body), text))
            total += 1
        truths.append(truth)
        if (site + 1) % SITES_PER_WARC == 0 or site == sites - 1:
            write_warc(batch, folder / "warcs" / f"part-{site // SITES_PER_WARC:04d}.warc.gz")
            batch = []
    targets = folder / "targets.csv"
    targets.write_text("\n".join(lines) + "\n")
    truth_path = folder / "truth.json"
    truth_path.write_text(
        json.dumps(
            [
                {"site": t.site, "url": t.url, "captures": [asdict(c) for c in t.captures],
                 "runs": t.runs()}
                for t in truths
            ],
            indent=0,
        )
    )  # fmt: skip
    return targets, truth_path, total


def summary(truth_path: Path) -> str:
    """Captures, distinct digests, text runs and reverts of a built collection."""
    urls = json.loads(truth_path.read_text())
    captures = sum(len(url["captures"]) for url in urls)
    digests = sum(len({c["digest"] for c in url["captures"]}) for url in urls)
    runs = sum(len(url["runs"]) for url in urls)
    reverts = sum(
        1
        for url in urls
        for before, after in zip(url["runs"], url["runs"][2:], strict=False)
        if before[0] == after[0]
    )
    return (
        f"{len(urls)} URLs, {captures:,} captures, {digests:,} distinct digests, {runs} text runs"
        f" ({digests / max(runs, 1):.1f} digests and {captures / max(runs, 1):.1f} captures a run),"
        f" {reverts} reverts"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    _, truth, _ = build(args.out, args.sites, args.seed)
    print(summary(truth))
    return 0


if __name__ == "__main__":
    sys.exit(main())
