"""Scrapy settings for policytrail: every number the crawler and the local archive are tuned by."""

from __future__ import annotations

import os
from pathlib import Path

BOT_NAME = "policytrail"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# ---- The Internet Archive's published limits ------------------------------------------------
# In crawler/ia_limits.py with their sources, so the local archive reads them without Scrapy;
# imported here so they are settings too (WAYBACK_IA_*).
from crawler.ia_limits import (  # noqa: E402, F401
    WAYBACK_IA_BLOCK_AFTER_429S,
    WAYBACK_IA_BLOCK_SECONDS,
    WAYBACK_IA_CDX_LIMIT_PER_MINUTE,
    WAYBACK_IA_REPLAY_LIMIT_PER_MINUTE,
)

# ---- Where policytrail keeps caches -------------------------------------------------------
# The local archive's capture index lives here unless `--index` names a file.
POLICYTRAIL_CACHE_DIR = Path(
    os.environ.get("POLICYTRAIL_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policytrail"
)

# ---- Where to crawl and what to keep ----------------------------------------------------------
# Any Wayback-compatible archive works: IA by default, or a local `policytrail archive serve`.
WAYBACK_ARCHIVE_URL = os.environ.get("POLICYTRAIL_ARCHIVE") or "https://web.archive.org"
POLICYTRAIL_DB = os.environ.get("POLICYTRAIL_DB") or "data/policytrail.duckdb"
# Fetched mementos are kept as WARC files here (default: `warcs/` beside the database).
POLICYTRAIL_WARC_DIR = os.environ.get("POLICYTRAIL_WARC_DIR") or None
# WARC files rotate at this size, the customary 1 GB of web-archive practice.
POLICYTRAIL_WARC_MAX_BYTES = 1_000_000_000
# The crawl_runs row a crawl writes to: `policytrail crawl` opens the run (and loads the targets)
# before the reactor starts and sets this; left unset, the store pipeline opens one itself.
POLICYTRAIL_RUN_ID = None
# Processes that read the fetched pages (decode, extract, classify, date, hash: the crawl's CPU
# cost, several times trafilatura's own) off the reactor's thread (pipelines/pool.py), one per
# core up to POLICYTRAIL_MAX_ANALYSIS_WORKERS; 0 reads them in the crawl's own process. Two
# workers crawl 187 real pages from the local archive 1.5 times as fast on 2 cores (7.4 -> 10.9
# pages/s), and the reactor, left free, keeps IA's budgets. A worker holds some 265 MB (the
# analysis's libraries and models); four read about 40 real pages a second, five times IA's
# replay budget, so more would only cost memory. The kill and signal tests passed with the pool
# on in every run (three runs of tests/reliability, two full suites).
# The cores this process may run on (a taskset's or cpuset's share), not the machine's: the
# analysis pool, `extract` and `reprocess` default to them.
POLICYTRAIL_CORES = (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
)
POLICYTRAIL_MAX_ANALYSIS_WORKERS = 4
POLICYTRAIL_ANALYSIS_WORKERS = int(
    os.environ.get("POLICYTRAIL_ANALYSIS_WORKERS")
    or min(POLICYTRAIL_CORES, POLICYTRAIL_MAX_ANALYSIS_WORKERS)
)
# Rows written per DuckDB transaction: few enough to lose little on a crash, many enough to be fast.
POLICYTRAIL_STORE_BATCH = 500
# Pages larger than this are kept in the WARCs but not analysed (no text, a recorded reason).
# The largest policy pages in the reference corpora are under 1 MB (800 KB, most of it inline
# script) and real ones reach a few MB; analysis costs about a second per MB of text, but a
# 30 MB page of one table took 164 s and 5.6 GB in the crawl's process. 5 MB keeps every real
# policy and bounds the worst page under the cap to a few seconds and a few hundred MB.
POLICYTRAIL_MAX_ANALYSIS_BYTES = 5_000_000
# Analysed texts each analysing process keeps, so that a capture whose text it has already seen
# (the same policy in another page layout: a median of about 45 distinct pages per text
# version in OTA's genai-eu series, issue 12) is not analysed again. A policy's text and
# Markdown come to some 30-150 KB: 64 MB hold a few hundred to a few thousand of them, the
# versions of a crawl's sites that are still being captured.
POLICYTRAIL_TEXT_MEMO_BYTES = 64_000_000

# ---- CDX enumeration --------------------------------------------------------------------------
# Rows per CDX page: a site with thousands of captures takes a few of the 24 CDX requests a
# minute, while each answer stays small enough for IA to serve well within its time limits.
WAYBACK_CDX_PAGE_SIZE = 5000
# collapse=digest drops repeats of adjacent identical captures; it saves rows on huge URLs, but
# hides the last capture of every run, which dates a version's last_seen. Off by default.
WAYBACK_CDX_COLLAPSE_DIGEST = False
# The next CDX page of a URL waits while this many fetches are pending (about 2 KB of memory
# each): listing outruns the replay budget some 250 times over.
WAYBACK_MAX_PENDING_FETCHES = 20_000
# Incremental listing: a URL listed completely before is asked only for captures from its last
# listed capture on, less this overlap, since IA's CDX index lags behind its captures by hours to
# a few days (captures appear in it late, under their own timestamps).
WAYBACK_CDX_OVERLAP_DAYS = 3
# IA also indexes some late captures under old timestamps, which an incremental listing never
# sees: a URL is listed from its first capture again when its last full listing is older than
# this (or with `policytrail crawl --full`).
WAYBACK_CDX_FULL_EVERY_DAYS = 7
WAYBACK_CDX_FULL = False
# Redirect hops followed inside the archive for one capture (IA's timegate plus captured ones).
WAYBACK_MAX_REDIRECTS = 5

# ---- Which captures to replay -----------------------------------------------------------------
# "every-digest": one replay per distinct payload of each URL, what every tool does.
# "change-point" (crawler/changepoint.py): the ends of each URL's history first, and a range's
# inside only while the texts at its ends differ; on histories whose HTML churns without the
# text changing it needs some 5 replays per text version against 130 (bench/changepoint_sim.py),
# but a text that changes and changes back between two captures of one text is not seen.
WAYBACK_FETCH_STRATEGY = "every-digest"
FETCH_STRATEGIES = ("every-digest", "change-point")
# Change-point only: stop halving a changed range once it spans no more than this many days
# (0: down to neighbouring payloads, each change dated as fetching every digest would date it).
WAYBACK_BOUNDARY_PRECISION_DAYS = 0.0
# Change-point only: one probe replay per this many days inside a long unchanged range, to catch
# a text that changed and came back (0: none).
WAYBACK_PROBE_EVERY_DAYS = 0.0

# ---- Discovery (`policytrail discover`) -------------------------------------------------------
# Periods as the Princeton-Leuven study sampled home pages: half-years, each stood for by the
# home-page capture nearest its middle (1 April, 1 October).
DISCOVER_SAMPLE_EVERY = "6M"
# Where periods begin without --from: the Wayback Machine's collection begins in 1996. Every
# period from there gets a row (most often "no home page" before a site's first capture), so
# what a later run must still do is known without listing again.
DISCOVER_FROM = "1996"
# Candidate links fetched per period before it is given up: the issue asks for "at most a few".
# On the held-out and sample home pages the first candidate was the policy on every page; the
# next two are for links that mislead (a policy's title on another page, a dead address).
DISCOVER_MAX_CANDIDATES = 3
# Candidate links recorded per period, tried or not (a page rarely has more than five).
DISCOVER_CANDIDATES_RECORDED = 20
# A linked page counts only if captured within this many days of the home page: the archive's
# closest capture may lie years away, when the address held another page (the sample archive's
# generator holds its links to the same year).
DISCOVER_POLICY_WINDOW_DAYS = 365
# A page whose capture is no page (an error, a redirect to itself under another scheme or host,
# a revisit of one) is tried at most this many more times, at the captures just before and
# after it as the archive's Link header names them, within the window: a page's captures are
# often days apart, one can be the server's bad day, and IA holds redirect chains (http:// to
# http://www. to https://www.) whose page comes a second or two after the first redirect.
DISCOVER_NEIGHBOURS = 3
# How far from a home-page redirect the page it leads to may have been captured: the same or a
# neighbouring half-year.
DISCOVER_FOLLOW_DAYS = 200
# Domains worked on at once. A domain is stored whole as soon as all its periods are done (a
# run stopped meanwhile does it again), so this bounds both memory and the work a stop loses;
# the archive's budget, not this, sets the pace.
DISCOVER_DOMAINS_AT_ONCE = 8

# ---- Politeness: budgets per endpoint ---------------------------------------------------------
# 80% of IA's hard limits, as IA asks (EDGI's `wayback` library uses the same figures).
WAYBACK_CDX_RATE_PER_MINUTE = 0.8 * WAYBACK_IA_CDX_LIMIT_PER_MINUTE  # 24 searches a minute
WAYBACK_REPLAY_RATE_PER_MINUTE = 0.8 * WAYBACK_IA_REPLAY_LIMIT_PER_MINUTE  # 480 replays a minute
# One CDX search in flight at a time: IA's CDX server is the scarcer resource.
WAYBACK_CDX_CONCURRENCY = 1
# A few replays in flight, so one slow memento does not stall the budget (the delay still caps
# the rate).
WAYBACK_REPLAY_CONCURRENCY = 4
DOWNLOAD_SLOTS = {
    "cdx": {
        "concurrency": WAYBACK_CDX_CONCURRENCY,
        "delay": 60.0 / WAYBACK_CDX_RATE_PER_MINUTE,
        "jitter": 0,
    },
    "replay": {
        "concurrency": WAYBACK_REPLAY_CONCURRENCY,
        "delay": 60.0 / WAYBACK_REPLAY_RATE_PER_MINUTE,
        "jitter": 0,
    },
}
# Lateness made up (crawler/pacing.py): a request the reactor sent late lets the next go up to
# this many delays sooner, so the endpoint keeps its rate (Scrapy's own delay lost 7% of the
# replay budget to the reactor's lateness: bench, issue 12). Over any span an endpoint gets at
# most this many requests more than its rate: 1 of the 480 replays a minute, still 20% under
# IA's limit. 0: Scrapy's own delay.
WAYBACK_CATCH_UP_INTERVALS = 1.0
DOWNLOADER = "crawler.pacing.PacedDownloader"
# CDX searches handed to Scrapy at once: those in flight and one waiting out the CDX slot's
# delay. Scrapy counts a request waiting in a slot against CONCURRENT_REQUESTS, so searches
# queued there would hold the places replays need and the two budgets would not overlap.
WAYBACK_CDX_AHEAD = WAYBACK_CDX_CONCURRENCY + 1
CONCURRENT_REQUESTS = WAYBACK_CDX_AHEAD + WAYBACK_REPLAY_CONCURRENCY
# Sites take turns at the replay budget, this many replays a turn: each site's replays rank
# by how many it has had (Scrapy's priorities), so none waits for another's whole history.
# Turns of 50 keep the distinct priorities queued at once (one Scrapy queue each, a folder
# each in a JOBDIR) to WAYBACK_MAX_PENDING_FETCHES / 50 at most.
WAYBACK_REPLAYS_PER_TURN = 50
# Within a turn, first come first served (Scrapy's default is last in, first out, which left
# the first sites' replays behind every later site's, for the end of the crawl).
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
# The politeness middleware (429 pauses, firewall-block detection) has its own switch, apart
# from RETRY_ENABLED: turning retries off must never make the crawler ignore IA's 429s.
WAYBACK_POLITENESS_ENABLED = True
# On a 429, pause that endpoint at least a minute (IA's guidance after a rate-limit answer),
# doubling on repeats up to an hour, and never less than Retry-After.
WAYBACK_429_PAUSE = 60.0
WAYBACK_429_PAUSE_MAX = 3600.0
# A request rate-limited this many times in a row is recorded as failed (next run retries it).
WAYBACK_429_RETRIES = 8
# Connections refused within this window after a 429 (or this many in a row dropped before any
# answer) mean IA's firewall blocked us; it blocks for an hour, so pause everything that long
# rather than hammer a closed door. A body cut short is an answer, never counted here.
WAYBACK_BLOCK_WINDOW = 300.0
WAYBACK_BLOCK_DROPS = 3
WAYBACK_BLOCK_PAUSE = 3600.0
# The longest pause a crawl waits out (429 backoff, a block); a longer one stops the crawl as
# interrupted (exit 3), for a scheduled job that would rather run again later. 0: wait it out.
WAYBACK_MAX_PAUSE = 0.0
# Retries on 5xx, timeouts, resets and cut bodies, waiting WAYBACK_RETRY_BACKOFF * 2**n seconds
# (capped), by the retry middleware; RETRY_EXCEPTIONS stays Scrapy's list.
RETRY_ENABLED = True
RETRY_TIMES = 5
RETRY_HTTP_CODES = [500, 502, 503, 504, 520, 522, 524, 408]
WAYBACK_RETRY_BACKOFF = 5.0
WAYBACK_RETRY_BACKOFF_MAX = 300.0
# IA answers large mementos slowly but seldom needs three minutes; past this, retry.
DOWNLOAD_TIMEOUT = 90
# The largest real policy pages in the reference data are under 1 MB (800 KB with inline
# scripts); a capture of 32 MB is a data dump or a broken record, not a policy. Larger ones
# (by their CDX length, or as they arrive, or as they inflate) are recorded as skipped
# `too_large`, and a gzip body stops inflating here too.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
# A capture's payload must have the SHA-1 its CDX row names: a body cut short without a
# Content-Length looks whole otherwise. A mismatch is retried, then recorded as failed.
WAYBACK_VERIFY_DIGEST = True
# Say who we are: IA asks bulk users for a descriptive User-Agent with a way to reach them.
POLICYTRAIL_CONTACT = os.environ.get("POLICYTRAIL_CONTACT") or "unknown contact"
POLICYTRAIL_USER_AGENT = "policytrail/0.1 (privacy-policy research crawler; contact: {contact})"
USER_AGENT = POLICYTRAIL_USER_AGENT.format(contact=POLICYTRAIL_CONTACT)
ROBOTSTXT_OBEY = False  # the archive is an API, not a site; its robots.txt does not cover it
COOKIES_ENABLED = False
# No way into a running crawl from outside: Scrapy's telnet console, and the HTTP server Scrapy
# 2.19 opens by default that runs Python code sent to it (a token in the user's profile guards
# it). A crawl of a week on a shared machine needs neither; the remote control also cost 0.1 s
# of start-up (aiohttp's server) and a wait at closing.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Against a local archive (tests, the demo, benchmarks) the limits are lifted with one flag,
# `--local`: these values replace the ones above.
LOCAL_ARCHIVE_OVERRIDES = {
    "DOWNLOAD_SLOTS": {
        "cdx": {"concurrency": 2, "delay": 0, "jitter": 0},
        "replay": {"concurrency": 16, "delay": 0, "jitter": 0},
    },
    "WAYBACK_CDX_AHEAD": 3,
    "CONCURRENT_REQUESTS": 19,
    "WAYBACK_429_PAUSE": 0.5,
    "WAYBACK_429_PAUSE_MAX": 2.0,
    "WAYBACK_BLOCK_PAUSE": 1.0,
    "WAYBACK_BLOCK_WINDOW": 1.0,
    "WAYBACK_RETRY_BACKOFF": 0.05,
    "WAYBACK_RETRY_BACKOFF_MAX": 0.5,
    "RETRY_TIMES": 8,
    "DOWNLOAD_TIMEOUT": 20,
}

# `policytrail crawl --dry-run`: list (CDX only) and count what a run would fetch; nothing is
# fetched or written.
POLICYTRAIL_DRY_RUN = False

# ---- Tests only ----------------------------------------------------------------------------
# NAME:N kills the crawl (SIGKILL) the Nth time it passes the named point (crawler/killpoints.py):
# how the reliability tests prove that a crawl killed anywhere loses nothing.
POLICYTRAIL_KILL_AT = os.environ.get("POLICYTRAIL_KILL_AT") or None

# ---- Components ---------------------------------------------------------------------------
# Scrapy's retries follow at once; ours wait (same rules, same slot). Politeness sits nearer
# the downloader, so it sees 429s and lost connections before the retry middleware does.
DOWNLOADER_MIDDLEWARES = {
    # first: a request queued in a JOBDIR by an earlier process goes out only if still needed
    # (one made for another archive address never is)
    "crawler.middlewares.resume.ResumeFilterMiddleware": 10,
    # then: nothing but the archive is ever asked
    "crawler.middlewares.confine.ArchiveOnlyMiddleware": 20,
    # redirects are the spider's to follow, inside the archive only; never a meta refresh
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    "crawler.middlewares.politeness.PolitenessMiddleware": 560,
    # before HttpCompressionMiddleware (590), so it sees the bytes as the archive sent them
    "crawler.middlewares.integrity.PayloadIntegrityMiddleware": 595,
    # next to the downloader: every request sent, retries included, and the bytes received
    "crawler.middlewares.accounting.RequestAccountingMiddleware": 950,
}
ITEM_PIPELINES = {
    # decode, extract, classify, date and hash (pipelines/pool.py), in worker processes
    "pipelines.pool.AnalysisPipeline": 100,
    # after the analysis, so nothing is awaited between a capture's WARC record and its row: a
    # crawl stopped meanwhile leaves neither (a record nobody refers to, otherwise)
    "pipelines.warcs.WarcPipeline": 800,
    "pipelines.store.pipeline.StorePipeline": 900,
}
EXTENSIONS = {
    # `scrapy crawl wayback` only: `policytrail crawl` hands the spider the ledger itself
    "pipelines.store.ledger.EarlierRuns": 100,
    "crawler.progress.ProgressReport": 500,
}
LOG_LEVEL = "INFO"
# A progress line per site this often, in seconds.
POLICYTRAIL_PROGRESS_INTERVAL = 10.0
# `policytrail export` writing to a file or pipe (no terminal for a progress bar): a line on
# stderr this often, in seconds.
POLICYTRAIL_EXPORT_PROGRESS_INTERVAL = 5.0
