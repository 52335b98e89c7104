"""Benchmark: the local archive's index build and request rates (run by hand, prints figures).

    .venv/bin/python bench/archive_bench.py --sites 2000 --captures 50

Writes a synthetic collection, times the index build cold and warm, then measures CDX searches
and raw replays per second from several client threads over keep-alive connections, and the
server process's peak memory.
"""

from __future__ import annotations

import argparse
import http.client
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import build  # noqa: E402
from crawler.archive.server import ArchiveServer  # noqa: E402
from crawler.wayback import parse_cdx_json  # noqa: E402


def hammer(base: str, paths: list[str], threads: int) -> float:
    """Requests per second for `paths`, spread over `threads` keep-alive clients."""
    host = urlsplit(base).netloc
    chunks = [paths[n::threads] for n in range(threads)]
    errors: list[str] = []

    def client(chunk: list[str]) -> None:
        connection = http.client.HTTPConnection(host, timeout=30)
        for path in chunk:
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            if answer.status >= 400:
                errors.append(f"{answer.status} {path}")
        connection.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        sys.exit(f"{len(errors)} errors, first: {errors[0]}")
    return len(paths) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--captures", type=int, default=50, help="captures per site")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        started = time.perf_counter()
        _, total = build(root / "warcs", args.sites, args.captures)
        print(f"synthetic collection: {total} captures, {time.perf_counter() - started:.1f} s")
        for attempt in ("cold", "warm"):
            started = time.perf_counter()
            server = ArchiveServer([root / "warcs"], index_path=root / "index.sqlite3")
            took = time.perf_counter() - started
            print(f"index {attempt}: {took:.2f} s ({total / took:,.0f} captures/s)")
            if attempt == "cold":
                server.index.close()
        rng = random.Random(5)
        urls = [f"http://www.site{n:05d}.example/privacy" for n in range(args.sites)]
        with server.start():
            base = server.base_url
            cdx = [
                f"/cdx/search/cdx?url={quote(rng.choice(urls))}&output=json"
                for _ in range(args.requests)
            ]
            print(
                f"CDX searches: {hammer(base, cdx, args.threads):,.0f}/s"
                f" ({args.captures} rows each)"
            )
            host = urlsplit(base).netloc
            connection = http.client.HTTPConnection(host)
            mementos = []
            for url in rng.sample(urls, min(len(urls), 200)):
                connection.request("GET", f"/cdx/search/cdx?url={quote(url)}&output=json")
                rows, _ = parse_cdx_json(connection.getresponse().read().decode())
                mementos += [f"/web/{r.timestamp}id_/{r.original}" for r in rows]
            connection.close()
            sample = [rng.choice(mementos) for _ in range(args.requests)]
            print(f"raw replays: {hammer(base, sample, args.threads):,.0f}/s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory (benchmark and server process): {peak:.0f} MB")


if __name__ == "__main__":
    main()
