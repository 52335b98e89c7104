"""The two library loops policytrail is measured against (benchmarks only; the `bench` extra).

    python -m bench.loops edgi|waybackpy TARGETS.csv ARCHIVE_URL FACTOR

Each lists every target URL through the CDX API and fetches each distinct payload once, raw
(`id_`), skipping digests it has fetched: what a careful researcher writes around EDGI's
`wayback` or around waybackpy and requests. Rates are IA's 80% (EDGI's own defaults), times
FACTOR (see bench/scaled.py). Prints one JSON line: CDX searches, replays, seconds.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

IA = "https://web.archive.org"
# IA's limits (30 CDX searches and 600 replays a minute) at the 80% IA asks clients to keep to.
CDX_PER_SECOND = 0.8 * 30 / 60
REPLAYS_PER_SECOND = 0.8 * 600 / 60


def target_urls(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as stream:
        return [row["policy_url"] for row in csv.DictReader(stream)]


class _ToLocal(HTTPAdapter):
    """Sends what a client addresses to web.archive.org to the local archive instead, and
    gives the answer back under the address asked (EDGI checks that mementos come from IA)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request, **kwargs):
        asked = request.url
        request.url = asked.replace(IA, self.base_url, 1)
        response = super().send(request, **kwargs)
        response.url = asked
        return response


def edgi(urls: list[str], base_url: str, factor: float) -> tuple[int, int]:
    from wayback import Mode, WaybackClient, WaybackSession

    class LocalSession(WaybackSession):
        def reset(self) -> None:
            super().reset()
            self.mount(IA, _ToLocal(base_url))

    session = LocalSession(
        search_calls_per_second=CDX_PER_SECOND * factor,
        memento_calls_per_second=REPLAYS_PER_SECOND * factor,
    )
    session.mount(IA, _ToLocal(base_url))
    client = WaybackClient(session)
    searches = replays = 0
    fetched: set[str] = set()
    for url in urls:
        searches += 1
        for record in client.search(url):
            if record.digest in fetched:
                continue
            fetched.add(record.digest)
            memento = client.get_memento(record, mode=Mode.original)
            memento.content  # noqa: B018 (read the body, as a real loop would)
            memento.close()
            replays += 1
    return searches, replays


class _Pace:
    """At most `per_second` calls a second: each waits for its turn."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self.next = 0.0

    def wait(self) -> None:
        now = time.monotonic()
        if now < self.next:
            time.sleep(self.next - now)
        self.next = max(now, self.next) + self.interval


def waybackpy_loop(urls: list[str], base_url: str, factor: float) -> tuple[int, int]:
    from waybackpy import WaybackMachineCDXServerAPI

    cdx_pace = _Pace(CDX_PER_SECOND * factor)
    replay_pace = _Pace(REPLAYS_PER_SECOND * factor)
    session = requests.Session()
    searches = replays = 0
    fetched: set[str] = set()
    for url in urls:
        cdx_pace.wait()
        api = WaybackMachineCDXServerAPI(url, user_agent="policytrail-bench")
        api.endpoint = f"{base_url}/cdx/search/cdx"
        searches += 1
        for snapshot in api.snapshots():
            if snapshot.digest in fetched:
                continue
            fetched.add(snapshot.digest)
            replay_pace.wait()
            answer = session.get(f"{base_url}/web/{snapshot.timestamp}id_/{snapshot.original}")
            answer.raise_for_status()
            replays += 1
    return searches, replays


LOOPS = {"edgi": edgi, "waybackpy": waybackpy_loop}


def main() -> None:
    name, targets, base_url, factor = sys.argv[1:5]
    started = time.perf_counter()
    searches, replays = LOOPS[name](target_urls(Path(targets)), base_url, float(factor))
    seconds = time.perf_counter() - started
    print(json.dumps({"searches": searches, "replays": replays, "seconds": round(seconds, 2)}))


if __name__ == "__main__":
    main()
