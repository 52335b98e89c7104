"""`policytrail archive serve|build`: the local Wayback-compatible archive and its builder."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import click

from crawler import settings
from crawler.archive.faults import ENDPOINTS, FaultConfig
from crawler.exceptions import BadInputError


@click.group()
def archive() -> None:
    """A local Wayback-compatible archive served from WARC files.

    \b
    Examples:
      policytrail archive serve data/sample
      policytrail archive serve my-warcs/ --port 8765 --rate-limits --error-rate 0.1
      policytrail archive build captures.json captures.warc.gz
    """


@archive.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, show_default=True, help="Port to listen on (0: any free port).")
@click.option(
    "--index",
    "index_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Index file to build or reuse, for these PATHS only (default: one per collection in"
    " the cache folder).",
)
@click.option(
    "--base-url",
    default=None,
    help="Address written into Link and Location headers (default: the address the client used).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="URL_OR_SURT",
    help="Refuse a URL (or SURT prefix; a trailing * for all below) as IA does for "
    "excluded sites: CDX 403, replay page without Memento-Datetime. Repeatable.",
)
@click.option(
    "--resume-keys",
    type=click.Choice(["compressed", "legacy"]),
    default="compressed",
    show_default=True,
    help="Resume key style: IA's current base64-zlib keys, or the "
    "'urlkey timestamp+1' keys it printed until about 2023.",
)
@click.option(
    "--max-rows",
    default=150_000,
    show_default=True,
    help="Most rows one CDX answer holds (IA's cap).",
)
@click.option(
    "--rate-limits/--no-rate-limits",
    default=False,
    show_default=True,
    help="Enforce IA's per-client limits, answering 429 beyond them.",
)
@click.option(
    "--cdx-per-minute",
    default=settings.WAYBACK_IA_CDX_LIMIT_PER_MINUTE,
    show_default=True,
    help="CDX requests a client may make per minute.",
)
@click.option(
    "--replay-per-minute",
    default=settings.WAYBACK_IA_REPLAY_LIMIT_PER_MINUTE,
    show_default=True,
    help="Replay requests a client may make per minute.",
)
@click.option(
    "--window-seconds",
    default=60.0,
    show_default=True,
    help="Length of the sliding window the limits count in (IA's minute).",
)
@click.option(
    "--retry-after",
    type=int,
    default=None,
    help="Send Retry-After: SECONDS with 429s (IA sends none).",
)
@click.option(
    "--block-after",
    default=settings.WAYBACK_IA_BLOCK_AFTER_429S,
    show_default=True,
    help="429s in a minute after which the client's connections are dropped, as IA's "
    "firewall does (0: never).",
)
@click.option(
    "--block-seconds",
    default=settings.WAYBACK_IA_BLOCK_SECONDS,
    show_default=True,
    help="How long a blocked client stays blocked.",
)
@click.option(
    "--error-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of requests answered 502, 503 or 504.",
)
@click.option(
    "--throttle-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of requests answered 429 at random, whatever the rate.",
)
@click.option(
    "--reset-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of connections reset before any answer.",
)
@click.option(
    "--truncate-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of answers cut off halfway through the body.",
)
@click.option(
    "--cut-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of answers cut off halfway with no Content-Length (only a digest tells).",
)
@click.option(
    "--malformed-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of CDX answers with broken rows among the good ones.",
)
@click.option(
    "--slow-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of answers whose body trickles out over --slow-seconds.",
)
@click.option(
    "--slow-seconds", default=2.0, show_default=True, help="How long a slow body takes to arrive."
)
@click.option(
    "--latency", default=0.0, show_default=True, help="Seconds added before every answer."
)
@click.option(
    "--fault-endpoints",
    default=",".join(ENDPOINTS),
    show_default=True,
    help="Endpoints the random faults and latency apply to.",
)
@click.option(
    "--seed", type=int, default=None, help="Seed for the random faults (repeatable runs)."
)
@click.option(
    "--access-log",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Append a line per request to this file (Unix time, local time, client, request, status,"
    " bytes, seconds).",
)
def serve(
    paths,
    host,
    port,
    index_path,
    base_url,
    exclude,
    resume_keys,
    max_rows,
    rate_limits,
    cdx_per_minute,
    replay_per_minute,
    window_seconds,
    retry_after,
    block_after,
    block_seconds,
    error_rate,
    throttle_rate,
    reset_rate,
    truncate_rate,
    cut_rate,
    malformed_rate,
    slow_rate,
    slow_seconds,
    latency,
    fault_endpoints,
    seed,
    access_log,
) -> None:
    """Serve WARC files (files or folders) with the Wayback Machine's CDX and replay API.

    Prints the base URL on standard output once it listens; runs until interrupted, then
    prints its request and fault counts on standard error.

    \b
    Endpoints:
      /cdx/search/cdx?url=...        CDX search (IA's parameters, text or json)
      /web/<timestamp>id_/<url>      raw replay of a capture, with memento headers
      /wayback/available?url=...     availability API
      /web/timemap/link/<url>        link-format timemap

    \b
    Examples:
      policytrail archive serve data/sample --port 8765
      policytrail archive serve warcs/ --rate-limits --retry-after 60
      policytrail archive serve warcs/ --error-rate 0.1 --reset-rate 0.1 --seed 7
    """
    from crawler.archive.server import ArchiveApp, ArchiveOptions, open_index, serve_until_stopped

    try:
        faults = FaultConfig(
            rate_limits=rate_limits,
            cdx_per_minute=cdx_per_minute,
            replay_per_minute=replay_per_minute,
            window_seconds=window_seconds,
            retry_after=retry_after,
            block_after=block_after,
            block_seconds=block_seconds,
            error_rate=error_rate,
            throttle_rate=throttle_rate,
            reset_rate=reset_rate,
            truncate_rate=truncate_rate,
            cut_rate=cut_rate,
            malformed_rate=malformed_rate,
            slow_rate=slow_rate,
            slow_seconds=slow_seconds,
            latency=latency,
            endpoints=frozenset(e.strip() for e in fault_endpoints.split(",") if e.strip()),
            seed=seed,
        )
    except ValueError as error:
        raise BadInputError(str(error)) from None

    options = ArchiveOptions(
        faults=faults,
        exclusions=tuple(exclude),
        resume_keys=resume_keys,
        base_url=base_url,
        max_rows=max_rows,
    )

    def indexing(path: Path, number: int, total: int) -> None:
        if total > 5:  # a handful of files index in a blink; larger collections say how far
            click.echo(f"indexing {number}/{total}: {path}", err=True)

    index, indexed = open_index(
        paths, index_path, indexing, cache_dir=settings.POLICYTRAIL_CACHE_DIR
    )
    click.echo(
        f"policytrail archive: {len(index)} captures ({indexed} file(s) indexed now)", err=True
    )
    app = ArchiveApp(index, options)

    def announce(url: str) -> None:
        click.echo(url)
        sys.stdout.flush()

    logger = _access_logger(access_log) if access_log else None
    try:
        asyncio.run(serve_until_stopped(app, host, port, announce, logger))
    except OSError as error:
        raise BadInputError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    except KeyboardInterrupt:
        pass
    finally:
        index.close()
        if logger is not None:
            for handler in logger.handlers:
                handler.close()
    click.echo(f"policytrail archive: {app.injector.stats.summary()}", err=True)


def _access_logger(path: Path) -> logging.Logger:
    """A logger appending one line per request to `path` (aiohttp's access log)."""
    try:
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"cannot write the access log {path}: {error.strerror}") from None
    # Each line starts with the Unix time it was written (the answer's end), to the millisecond:
    # aiohttp's own time (%t) has whole seconds, too coarse to measure a rate over a short run.
    handler.setFormatter(logging.Formatter("%(created).3f %(message)s"))
    logger = logging.getLogger(f"policytrail.archive.access.{path}")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


@archive.command()
@click.argument("spec", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
def build(spec: Path, out: Path) -> None:
    """Write a WARC file from a JSON or CSV spec of captures.

    \b
    JSON: a list of objects (or {"captures": [...]}) with
      url, timestamp (1-14 digits), status (200), headers ({name: value} or [[name, value]]),
      one of body / body_base64 / body_file (relative to the spec),
      kind ("response" or "revisit"), refers_to_timestamp and refers_to_url (revisits),
      digest (override the payload digest).
    CSV: a header row with url,timestamp and any of
      status,content_type,location,body,body_file,kind,refers_to_timestamp,refers_to_url.

    \b
    Example:
      policytrail archive build captures.json captures.warc.gz
    """
    if not out.name.endswith((".warc", ".warc.gz")):
        raise BadInputError(f"{out}: the output name must end in .warc.gz or .warc")
    from crawler.archive.builder import build_from_spec

    summary = build_from_spec(spec, out)
    click.echo(
        f"{summary.path}: {summary.responses} response(s), {summary.revisits} revisit(s), "
        f"{len(summary.urls)} URL(s)"
    )
