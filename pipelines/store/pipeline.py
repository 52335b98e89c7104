"""The store stage: owns the crawl's only DuckDB write connection and writes in batches."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Self

import duckdb
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from crawler.items import (
    FETCHED,
    LISTED,
    AliasItem,
    CaptureItem,
    DiscoveryCapture,
    Document,
    DomainDiscovery,
    ListingItem,
)
from crawler.killpoints import kill_point
from crawler.signals import before_commit
from crawler.wayback import naive_utc, payload_digest, surt_key
from pipelines.store.database import connect, insert_rows
from pipelines.store.discoveries import write_discovery
from pipelines.store.documents import INSERT_DOCUMENT, document_row
from pipelines.store.duplicates import PAYLOAD_COLUMNS, share_by_digest
from pipelines.store.runs import begin_run, moment
from pipelines.store.versions import rebuild_versions
from pipelines.warcs import warc_folder

_CAPTURE_COLUMNS = (
    "site",
    "url",
    "timestamp",
    "digest",
    "urlkey",
    "mimetype",
    "statuscode",
    "length",
    "fetch_status",
    "reason",
    "reason_code",
    "target_url",
    "via",
    "memento_url",
    "final_url",
    "memento_datetime",
    "redirect_chain",
    "location",
    "http_status",
    "content_type",
    "payload_sha1",
    "payload_length",
    "encoding",
    "warc_path",
    "warc_offset",
    "warc_length",
    "fetched_at",
    "run_id",
    "text_hash",
    "text_from",
)
_KEY = ("site", "url", "timestamp", "digest")
_ON_CONFLICT = f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in _CAPTURE_COLUMNS if c not in _KEY
)


# Captures of a URL found through redirects name the earliest redirect, whatever came first.
_VIA_EARLIEST_REDIRECT = """
UPDATE captures SET via = t.via FROM target_urls AS t
WHERE captures.site = t.site AND captures.urlkey = t.urlkey AND t.found_at IS NOT NULL
  AND captures.via IS DISTINCT FROM t.via
"""


logger = logging.getLogger(__name__)

# Versions a run found: those whose first capture it recorded.
NEW_VERSIONS = """
SELECT count(*) FROM versions v WHERE EXISTS (
    SELECT 1 FROM captures c WHERE c.site = v.site AND c.target_url = v.target_url
    AND c.timestamp = v.first_seen AND c.text_hash = v.text_hash AND c.run_id = ?)
"""


class StorePipeline:
    """Writes targets, alias URLs, the run and every capture row to DuckDB.

    Rows are buffered and written `batch_size` at a time inside one transaction; the
    connection (and DuckDB's file lock) is held from open to close, so a second process
    opening the database while a crawl writes gets a clear error.
    """

    def __init__(
        self, db_path: Path, batch_size: int, crawler: Crawler, run_id: int | None = None
    ) -> None:
        self.db_path = db_path
        self.batch_size = batch_size
        self.crawler = crawler
        self.connection = None
        self.run_id: int | None = run_id  # given when the run was opened before the crawl
        self._captures: list[tuple] = []
        self._aliases: list[AliasItem] = []
        self._listings: list[ListingItem] = []
        self._discoveries: list[DomainDiscovery] = []
        # complete listings of this run: recorded as such only if the run finishes
        self._listed: dict[tuple[str, str], tuple[str | None, bool]] = {}
        self._documents: dict[str, Document] = {}
        self.counts = {"fetched": 0, "skipped": 0, "failed": 0}
        # the first error writing to the database (a full disk): no more writes are tried
        self.write_failed: Exception | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        db = crawler.settings.get("POLICYTRAIL_DB")
        if not db:
            raise NotConfigured("POLICYTRAIL_DB is not set")
        run_id = crawler.settings.getint("POLICYTRAIL_RUN_ID") or None
        pipeline = cls(
            Path(db), crawler.settings.getint("POLICYTRAIL_STORE_BATCH"), crawler, run_id
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        crawler.signals.connect(pipeline.spider_error, signal=signals.spider_error)
        return pipeline

    def item_error(self, item, response, spider, failure) -> None:
        """A pipeline failed on an item: it was not stored, so the run did not do all it
        should (the next run does it again), and says so in its exit code."""
        self.crawler.stats.inc_value("policytrail/item_errors")

    def spider_error(self, failure, response, spider) -> None:
        """A spider callback failed (a bug): what it was doing may be missing, likewise."""
        self.crawler.stats.inc_value("policytrail/spider_errors")

    def open_spider(self) -> None:
        self.connection = connect(self.db_path)
        if self.run_id is None:
            # `scrapy crawl wayback`: nobody opened the run before the crawl started
            spider = self.crawler.spider
            self.run_id = begin_run(
                self.connection,
                getattr(spider, "targets", []),
                archive=getattr(spider, "archive", None),
                targets_file=getattr(spider, "targets_path", None)
                or getattr(spider, "domains_path", None),
                command=getattr(spider, "run_command", "crawl"),
                software=f"policytrail {version('policytrail')}",
                warc_folder=warc_folder(self.crawler.settings),
                db_folder=self.db_path.resolve().parent,
            ).run_id
        self.crawler.stats.set_value("policytrail/run_id", self.run_id)

    def process_item(self, item):
        if isinstance(item, DiscoveryCapture):
            # a page discovery read: in WARC, and recorded with its domain's periods
            self.counts[item.fetch_status] += 1
            return item
        if isinstance(item, DomainDiscovery):
            # stored at once, in a transaction of its own: a domain stands for minutes of the
            # archive's budget, and a few milliseconds of writing
            self._discoveries.append(item)
            self.flush()
            return item
        if isinstance(item, CaptureItem):
            if item.document is not None and item.document.text_hash:
                self._documents.setdefault(item.document.text_hash, item.document)
            for capture in (item, *item.duplicates):
                self._captures.append(self._row(capture))
                self.counts[capture.fetch_status] += 1
        elif isinstance(item, AliasItem):
            self._aliases.append(item)
        elif isinstance(item, ListingItem):
            self._listings.append(item)
            if item.status == LISTED:
                self._listed[(item.site, surt_key(item.url))] = (item.until, item.full)
        if len(self._captures) + len(self._aliases) + len(self._listings) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self) -> None:
        """Write what is left; the run's row is finished in `spider_closed`, which knows why."""
        if self.connection is None:
            return
        self.flush()
        if self.write_failed is not None:
            return
        try:
            self._close_batch()
        except (OSError, duckdb.Error) as error:
            _rollback(self.connection)
            self._cannot_write(error)

    def _close_batch(self) -> None:
        """Share stored copies and rebuild the versions of what changed, as one transaction."""
        self.connection.execute("BEGIN TRANSACTION")
        share_by_digest(self.connection, PAYLOAD_COLUMNS, refresh=False)
        self.connection.execute(_VIA_EARLIEST_REDIRECT)
        # Only the targets that got captures since their versions were last built: this run's,
        # and those of runs that ended without building them (killed, or a second Ctrl-C).
        pending = "SELECT run_id FROM crawl_runs WHERE versions_built IS NOT TRUE"
        targets = self.connection.execute(
            f"SELECT DISTINCT site, target_url FROM captures WHERE run_id IN ({pending})"
            " ORDER BY ALL"
        ).fetchall()
        rebuild_versions(self.connection, targets)
        kill_point("versions")
        self.connection.execute(
            f"UPDATE crawl_runs SET versions_built = true WHERE run_id IN ({pending})"
        )
        self._commit()

    def _commit(self) -> None:
        """COMMIT, once whatever the batch refers to outside the database is on disk."""
        for _, result in self.crawler.signals.send_catch_log(signal=before_commit):
            if isinstance(result, Failure):
                raise OSError(f"WARC records not on disk: {result.getErrorMessage()}")
        self.connection.execute("COMMIT")

    def spider_closed(self, spider, reason: str) -> None:
        self.finish("finished" if reason == "finished" else "interrupted")

    def finish(self, status: str) -> None:
        """Close the run's row with its counts and `status`, and the connection."""
        if self.connection is None:
            return
        if self.write_failed is None:
            try:
                self._finish_run(status)
            except (OSError, duckdb.Error) as error:
                _rollback(self.connection)
                self._cannot_write(error)
        self.connection.close()
        self.connection = None

    def _finish_run(self, status: str) -> None:
        stats = self.crawler.stats
        errors = stats.get_value("policytrail/item_errors", 0) + stats.get_value(
            "policytrail/spider_errors", 0
        )
        # A finished run without errors has every row it listed in the database; after an
        # error some may be missing, so the next run lists those URLs in full again.
        if status == "finished" and not errors:
            self._record_listings()
        self.connection.execute(
            "UPDATE crawl_runs SET finished_at = ?, status = ?, captures_listed = ?, fetched = ?,"
            " skipped = ?, failed = ?, cdx_requests = ?, cdx_failed = ?, replay_requests = ?,"
            " bytes_fetched = ?, cdx_excluded = ?, rate_limited = ?, item_errors = ?,"
            " cdx_requests_saved = ?,"
            f" cdx_rows_saved = ?, new_versions = ({NEW_VERSIONS}) WHERE run_id = ?",
            [
                _now(),
                status,
                sum(self.counts.values()),
                self.counts["fetched"],
                self.counts["skipped"],
                self.counts["failed"],
                # HTTP requests as the archive saw them, retries and re-sends included
                stats.get_value("policytrail/requests/cdx", 0),
                stats.get_value("policytrail/cdx_failed", 0),
                stats.get_value("policytrail/requests/replay", 0),
                stats.get_value("policytrail/bytes/cdx", 0)
                + stats.get_value("policytrail/bytes/replay", 0),
                stats.get_value("policytrail/cdx_excluded", 0),
                stats.get_value("policytrail/429/cdx", 0)
                + stats.get_value("policytrail/429/replay", 0),
                errors,
                stats.get_value("policytrail/cdx_requests_saved", 0),
                stats.get_value("policytrail/cdx_rows_saved", 0),
                self.run_id,
                self.run_id,
            ],
        )

    def _record_listings(self) -> None:
        """A finished run has every row it listed in the database (fetched, skipped or failed,
        and failed rows are fetched again from there): only now may the next run list these
        URLs from where this one ended."""
        if not self._listed:
            return
        rows = [
            (site, urlkey, moment(until), full)
            for (site, urlkey), (until, full) in self._listed.items()
        ]
        self.connection.execute(
            "CREATE TEMP TABLE listed (site TEXT, urlkey TEXT, until TIMESTAMP, is_full BOOLEAN)"
        )
        insert_rows(
            self.connection,
            "listed",
            ("site", "urlkey", "until", "is_full"),
            rows,
            per_statement=500,
        )
        self.connection.execute(
            "UPDATE target_urls SET listed_until = l.until,"
            " full_listed_at = CASE WHEN l.is_full THEN ? ELSE target_urls.full_listed_at END"
            " FROM listed AS l WHERE target_urls.site = l.site AND target_urls.urlkey = l.urlkey",
            [_now()],
        )
        self.connection.execute("DROP TABLE listed")

    def abandon(self) -> None:
        """The crawl stopped without closing (a second Ctrl-C): keep what was scraped, and
        mark the run interrupted. Versions are rebuilt by the next run."""
        if self.connection is None:
            return
        self.flush()
        self.finish("interrupted")

    def flush(self) -> None:
        waiting = self._captures or self._aliases or self._listings or self._discoveries
        if self.connection is None or not waiting:
            return
        if self.write_failed is not None:
            return
        try:
            self._write_batch()
        except (OSError, duckdb.Error) as error:
            self._cannot_write(error)
            return
        self.crawler.stats.inc_value("policytrail/rows_written", len(self._captures))
        self._captures.clear()
        self._aliases.clear()
        self._listings.clear()
        self._discoveries.clear()
        self._documents.clear()

    def _cannot_write(self, error: Exception) -> None:
        """The database refuses writes (a full disk): stop the crawl, keep what is committed.
        The run stays `running` in the database, and the next run marks it killed."""
        self.write_failed = error
        self.crawler.stats.inc_value("policytrail/write_failed")
        logger.error(
            "cannot write to %s (%s): stopping the crawl; what was committed is kept",
            self.db_path,
            str(error).splitlines()[0],
        )
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and getattr(engine, "spider", None) is not None:
            deferred_from_coro(engine.close_spider_async(reason="database_write_failed"))

    def _write_batch(self) -> None:
        self.connection.execute("BEGIN TRANSACTION")
        try:
            for document in self._documents.values():
                self.connection.execute(INSERT_DOCUMENT, document_row(document))
            for alias in self._aliases:
                # The earliest redirect to a URL is where the policy moved.
                self.connection.execute(
                    "INSERT INTO target_urls (site, policy_url, url, urlkey, via, found_at, run_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE"
                    " SET url = excluded.url, via = excluded.via, found_at = excluded.found_at"
                    " WHERE target_urls.found_at IS NOT NULL"
                    " AND excluded.found_at < target_urls.found_at",
                    [
                        alias.site,
                        alias.target_url,
                        alias.url,
                        surt_key(alias.url),
                        alias.via,
                        moment(alias.found_at),
                        self.run_id,
                    ],
                )
            for listing in self._listings:
                self.connection.execute(
                    "UPDATE target_urls SET listing_status = ?, listing_message = ?,"
                    " listed_at = ? WHERE site = ? AND urlkey = ?",
                    [
                        listing.status,
                        listing.message,
                        _now(),
                        listing.site,
                        surt_key(listing.url),
                    ],
                )
            insert_rows(
                self.connection,
                "captures",
                _CAPTURE_COLUMNS,
                self._captures,
                per_statement=self.batch_size,
                suffix=_ON_CONFLICT,
            )
            for found in self._discoveries:
                write_discovery(self.connection, found, self.run_id, _now())
            kill_point("transaction")
            self._commit()
        except BaseException:
            _rollback(self.connection)
            raise

    def _row(self, item: CaptureItem) -> tuple:
        memento = item.memento
        status = int(item.statuscode) if item.statuscode.isdigit() else None
        values = {
            "site": item.site,
            "url": item.url,
            "timestamp": moment(item.timestamp),
            "digest": item.digest,
            "urlkey": item.urlkey,
            "mimetype": item.mimetype,
            "statuscode": status,
            "length": item.length,
            "fetch_status": item.fetch_status,
            "reason": item.reason,
            "reason_code": None if item.reason_code is None else str(item.reason_code),
            "target_url": item.target_url,
            "via": item.via,
            "text_from": item.text_from,
            "encoding": item.encoding,
            "text_hash": item.document.text_hash if item.document else None,
            "warc_path": item.warc_path,
            "warc_offset": item.warc_offset,
            "warc_length": item.warc_length,
            "run_id": self.run_id,
        }
        if memento is not None and item.fetch_status == FETCHED:
            values.update(
                memento_url=memento.memento_url,
                final_url=memento.final_url,
                memento_datetime=naive_utc(memento.memento_datetime),
                redirect_chain=memento.redirect_chain,
                location=memento.location,
                http_status=memento.http_status,
                content_type=memento.content_type,
                payload_sha1=payload_digest(memento.body),
                payload_length=len(memento.body),
                fetched_at=naive_utc(memento.fetched_at) if memento.fetched_at else _now(),
            )
        return tuple(values.get(column) for column in _CAPTURE_COLUMNS)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _rollback(connection) -> None:
    """Undo an open transaction, if there is one (after a failed write there may be none)."""
    with contextlib.suppress(duckdb.Error):
        connection.execute("ROLLBACK")
