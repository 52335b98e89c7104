"""A synthetic archive for the benchmarks: many sites, each a policy URL captured many times."""

from __future__ import annotations

import random
from pathlib import Path

from crawler.archive.builder import CaptureSpec, write_warc

HTML = (("Content-Type", "text/html; charset=utf-8"),)
PARAGRAPH = (
    "We collect the information you give us when you create an account, place an order or "
    "contact us, and information about how you use the service. We use it to provide and "
    "improve the service, to keep it secure and to tell you about changes. "
)


def policy(site: int, version: int, noise: int) -> bytes:
    text = "".join(
        f"<p>{PARAGRAPH} Section {n} of version {version} for site {site}.</p>" for n in range(12)
    )
    return (
        f"<html><head><title>Privacy policy</title><script>var n={noise};</script></head>"
        f"<body><h1>Privacy policy</h1><p>Last updated: January {version + 1}, 2015</p>{text}"
        f"<footer>Copyright {2000 + noise % 20}</footer></body></html>"
    ).encode()


def build(
    folder: Path, sites: int, captures_per_site: int, versions: int = 5, seed: int = 1
) -> tuple[Path, int]:
    """WARCs (one per 100 sites) and a targets CSV; returns (targets path, capture count)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["site,policy_url"]
    batch: list[CaptureSpec] = []
    total = 0
    for site in range(sites):
        url = f"http://www.site{site:05d}.example/privacy"
        lines.append(f"site{site:05d}.example,{url}")
        moments = sorted(rng.sample(range(1_000_000_000, 1_600_000_000), captures_per_site))
        for number, moment in enumerate(moments):
            from datetime import UTC, datetime

            timestamp = datetime.fromtimestamp(moment, UTC).strftime("%Y%m%d%H%M%S")
            version = number * versions // captures_per_site
            # a third of the captures repeat the previous payload exactly (the same digest)
            noise = number - number % 3
            batch.append(
                CaptureSpec(
                    url,
                    timestamp,
                    headers=HTML,
                    body=policy(site, version, noise),
                    with_request=False,
                )
            )
            total += 1
        if (site + 1) % 100 == 0 or site == sites - 1:
            write_warc(batch, folder / f"part-{site // 100:05d}.warc.gz")
            batch = []
    targets = folder.parent / "targets.csv"
    targets.write_text("\n".join(lines) + "\n")
    return targets, total
