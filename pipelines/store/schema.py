"""The DuckDB schema: every table and view in one place, versioned, with its migrations."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

# Each entry migrates the database from the previous version; the index is the version reached.
# Never edit a released migration: append a new one.
MIGRATIONS: Sequence[str] = (
    # 1: targets, their URLs, crawl runs and one row per CDX row considered
    """
    CREATE TABLE targets (
        site         TEXT NOT NULL,
        policy_url   TEXT NOT NULL,
        alias_urls   TEXT[] NOT NULL,
        from_ts      TIMESTAMP,          -- the target's own time window, UTC
        to_ts        TIMESTAMP,
        source       TEXT,               -- file:line that listed it
        added_run_id INTEGER,
        PRIMARY KEY (site, policy_url)
    );
    CREATE TABLE target_urls (
        site        TEXT NOT NULL,
        policy_url  TEXT NOT NULL,       -- the target it belongs to
        url         TEXT NOT NULL,
        urlkey      TEXT NOT NULL,       -- SURT key: one query covers http/https/www variants
        via         TEXT NOT NULL,       -- 'listed', 'alias' or 'redirect from <url> at <ts>'
        found_at    TIMESTAMP,           -- capture time of that (earliest) redirect
        run_id      INTEGER,
        PRIMARY KEY (site, urlkey)
    );
    CREATE SEQUENCE crawl_run_ids START 1;
    CREATE TABLE crawl_runs (
        run_id          INTEGER PRIMARY KEY DEFAULT nextval('crawl_run_ids'),
        started_at      TIMESTAMP NOT NULL,
        finished_at     TIMESTAMP,
        status          TEXT NOT NULL,   -- running, finished, interrupted, failed
        archive         TEXT,
        targets_file    TEXT,
        captures_listed INTEGER NOT NULL DEFAULT 0,
        fetched         INTEGER NOT NULL DEFAULT 0,
        skipped         INTEGER NOT NULL DEFAULT 0,
        failed          INTEGER NOT NULL DEFAULT 0,
        cdx_requests    INTEGER NOT NULL DEFAULT 0,
        cdx_failed      INTEGER NOT NULL DEFAULT 0,  -- searches that failed: listed next run
        replay_requests INTEGER NOT NULL DEFAULT 0,
        bytes_fetched   BIGINT NOT NULL DEFAULT 0,
        software        TEXT
    );
    CREATE TABLE captures (
        site             TEXT NOT NULL,
        url              TEXT NOT NULL,  -- the CDX 'original'
        timestamp        TIMESTAMP NOT NULL,  -- capture time, UTC
        digest           TEXT NOT NULL,  -- as the CDX gives it (base32 SHA-1 of the payload)
        urlkey           TEXT NOT NULL,
        mimetype         TEXT,
        statuscode       INTEGER,        -- NULL where the CDX says '-' (revisits)
        length           BIGINT,
        fetch_status     TEXT NOT NULL CHECK (fetch_status IN ('fetched', 'skipped', 'failed')),
        reason           TEXT,           -- why skipped or failed
        target_url       TEXT NOT NULL,  -- the target's policy URL
        via              TEXT,           -- how this URL joined the target (NULL: listed)
        memento_url      TEXT,
        final_url        TEXT,
        memento_datetime TIMESTAMP,
        redirect_chain   TEXT[],
        location         TEXT,           -- a captured redirect's target
        http_status      INTEGER,        -- status of the replayed capture
        content_type     TEXT,
        payload_sha1     TEXT,           -- base32 SHA-1 of the bytes received
        payload_length   BIGINT,
        encoding         TEXT,           -- how the text is read, and why: 'cp1252 (meta)'
        warc_path        TEXT,           -- relative to the database's folder
        warc_offset      BIGINT,
        warc_length      BIGINT,
        fetched_at       TIMESTAMP,
        run_id           INTEGER NOT NULL,
        PRIMARY KEY (site, url, timestamp, digest)
    );
    CREATE INDEX captures_by_digest ON captures (digest);
    CREATE VIEW coverage AS
        SELECT site, fetch_status, coalesce(reason, '') AS reason, count(*) AS captures
        FROM captures GROUP BY ALL ORDER BY site, fetch_status, captures DESC;
    """,
    # 2: the texts of captures (documents, each distinct text once) and policy versions
    """
    ALTER TABLE captures ADD COLUMN text_hash TEXT;  -- its document; NULL: no text
    ALTER TABLE captures ADD COLUMN date_after_capture BOOLEAN;  -- stated date later than it
    CREATE TABLE documents (
        text_hash                 TEXT PRIMARY KEY,  -- sha256 of the normalised text
        text                      TEXT NOT NULL,
        markdown                  TEXT,
        language                  TEXT,              -- ISO 639-1
        title                     TEXT,
        effective_date            DATE,              -- the date the policy states for itself
        effective_date_precision  TEXT,              -- 'day' or 'month'
        effective_date_text       TEXT,              -- the phrase it was read from
        effective_date_confidence DOUBLE,
        effective_date_ambiguous  BOOLEAN,           -- a numeric date whose order is unsure
        is_policy                 BOOLEAN NOT NULL,
        policy_score              DOUBLE NOT NULL,
        policy_reasons            TEXT[],
        extractor                 TEXT NOT NULL,     -- library that produced the text
        extractor_version         TEXT NOT NULL,
        extractor_settings        TEXT NOT NULL,     -- JSON of the options used
        strategy                  TEXT NOT NULL,     -- the steps that produced the text
        n_words                   INTEGER NOT NULL,
        sketch                    BLOB               -- MinHash, for near-duplicate texts
    );
    CREATE INDEX captures_by_text ON captures (text_hash);
    CREATE TABLE versions (
        site           TEXT NOT NULL,
        target_url     TEXT NOT NULL,
        version        INTEGER NOT NULL,   -- 1, 2, ... in capture time
        text_hash      TEXT NOT NULL,      -- the version's first capture's document
        first_seen     TIMESTAMP NOT NULL, -- UTC
        last_seen      TIMESTAMP NOT NULL,
        next_seen      TIMESTAMP,          -- first capture of the next version: the change
                                           -- happened between last_seen and next_seen
        n_captures     INTEGER NOT NULL,
        effective_date DATE,
        PRIMARY KEY (site, target_url, version)
    );
    CREATE VIEW policy_history AS
        SELECT v.site, v.target_url, v.version, v.first_seen, v.last_seen, v.next_seen,
               v.n_captures, v.effective_date, d.effective_date_text, d.title, d.language,
               d.n_words, v.text_hash
        FROM versions v JOIN documents d USING (text_hash)
        ORDER BY v.site, v.target_url, v.version;
    """,
    # 3: typed outcomes beside the reasons, how each URL's listing ended (an archive may exclude
    # a site: a final answer, not a failure), and runs that count what they met
    """
    ALTER TABLE captures ADD COLUMN reason_code TEXT;  -- crawler/outcomes.py: stable codes
    UPDATE captures SET reason_code = CASE
        WHEN reason = 'digest already fetched' THEN 'duplicate'
        WHEN reason LIKE 'status % on replay' THEN 'replay_status'
        WHEN reason LIKE 'mimetype % on replay' THEN 'replay_mimetype'
        WHEN reason LIKE 'status %' THEN 'status'
        WHEN reason LIKE 'mimetype %' THEN 'mimetype'
        WHEN reason LIKE 'HTTP 429 %' THEN 'rate_limited'
        WHEN reason LIKE 'HTTP %' THEN 'http_error'
        WHEN reason LIKE 'redirect leaves the archive%' THEN 'redirect_outside'
        WHEN reason LIKE 'redirect loop%' THEN 'redirect_loop'
        WHEN reason LIKE 'more than % redirects' THEN 'too_many_redirects'
        WHEN fetch_status = 'failed' THEN 'network'
    END
    WHERE reason IS NOT NULL;
    ALTER TABLE target_urls ADD COLUMN listing_status TEXT;   -- listed, excluded, failed
    ALTER TABLE target_urls ADD COLUMN listing_message TEXT;  -- the archive's words, if any
    ALTER TABLE target_urls ADD COLUMN listed_at TIMESTAMP;   -- when that listing ended
    -- incremental listing: the latest capture time a complete listing covered (in a run that
    -- finished), and when the URL was last listed from its first capture
    ALTER TABLE target_urls ADD COLUMN listed_until TIMESTAMP;
    ALTER TABLE target_urls ADD COLUMN full_listed_at TIMESTAMP;
    ALTER TABLE crawl_runs ADD COLUMN cdx_excluded INTEGER DEFAULT 0;  -- URLs the archive hides
    ALTER TABLE crawl_runs ADD COLUMN rate_limited INTEGER DEFAULT 0;  -- 429 answers received
    ALTER TABLE crawl_runs ADD COLUMN new_versions INTEGER DEFAULT 0;  -- versions it found
    -- captures a pipeline failed on (not stored: the next run does them again)
    ALTER TABLE crawl_runs ADD COLUMN item_errors INTEGER DEFAULT 0;
    -- CDX pages not asked for, and rows not listed again, thanks to incremental listing
    ALTER TABLE crawl_runs ADD COLUMN cdx_requests_saved INTEGER DEFAULT 0;
    ALTER TABLE crawl_runs ADD COLUMN cdx_rows_saved BIGINT DEFAULT 0;
    -- whether the versions of what the run stored were rebuilt (not when it was killed)
    ALTER TABLE crawl_runs ADD COLUMN versions_built BOOLEAN;
    UPDATE crawl_runs SET versions_built = status <> 'running';
    CREATE OR REPLACE VIEW coverage AS
        SELECT site, fetch_status, reason_code, coalesce(reason, '') AS reason,
               count(*) AS captures
        FROM captures GROUP BY ALL ORDER BY site, fetch_status, captures DESC;
    """,
    # 4: one row per version with everything a researcher reads, for plain SQL and exports.
    # version_id hashes what names a version (site, target, first capture, text), not its
    # number, so a citation survives renumbering; the memento URL is the archive's raw (id_)
    # address of the version's first capture, rebuilt from the run's archive for captures
    # skipped as duplicates.
    """
    CREATE MACRO version_id(site, target_url, first_seen, text_hash) AS
        substr(sha256(concat_ws(chr(10), site, target_url,
                                strftime(first_seen, '%Y%m%d%H%M%S'), text_hash)), 1, 16);
    CREATE VIEW policy_versions AS
        SELECT version_id(v.site, v.target_url, v.first_seen, v.text_hash) AS version_id,
               v.site, v.target_url, v.version, v.first_seen, v.last_seen, v.next_seen,
               v.n_captures, v.effective_date, d.effective_date_text,
               d.effective_date_precision, d.title, d.language, d.n_words, d.text, d.markdown,
               f.original_url, f.memento_url, d.extractor, d.extractor_version, d.is_policy,
               v.text_hash
        FROM versions v
        JOIN documents d USING (text_hash)
        LEFT JOIN (
            SELECT c.site, c.target_url, c.timestamp, c.text_hash,
                   min(c.url) AS original_url,
                   min(coalesce(c.memento_url,
                                rtrim(r.archive, '/') || '/web/'
                                || strftime(c.timestamp, '%Y%m%d%H%M%S') || 'id_/' || c.url))
                       AS memento_url
            FROM captures c JOIN crawl_runs r USING (run_id)
            WHERE c.text_hash IS NOT NULL
            GROUP BY ALL
        ) f ON f.site = v.site AND f.target_url = v.target_url AND f.timestamp = v.first_seen
           AND f.text_hash = v.text_hash
        ORDER BY v.site, v.target_url, v.version;
    """,
    # 5: every date a document states for itself, what decided a numeric date's order, and the
    # kind of legal document it is (is_policy = kind 'privacy'); both shown in the views
    """
    ALTER TABLE documents ADD COLUMN effective_dates
        STRUCT(label TEXT, date DATE, precision TEXT, phrase TEXT)[];
    ALTER TABLE documents ADD COLUMN effective_date_evidence TEXT;
    ALTER TABLE documents ADD COLUMN kind TEXT;
    ALTER TABLE documents ADD COLUMN kind_score DOUBLE;
    ALTER TABLE documents ADD COLUMN kind_reasons TEXT[];
    CREATE OR REPLACE VIEW policy_history AS
        SELECT v.site, v.target_url, v.version, v.first_seen, v.last_seen, v.next_seen,
               v.n_captures, v.effective_date, d.effective_date_text, d.title, d.language,
               d.n_words, v.text_hash, d.effective_dates, d.kind
        FROM versions v JOIN documents d USING (text_hash)
        ORDER BY v.site, v.target_url, v.version;
    CREATE OR REPLACE VIEW policy_versions AS
        SELECT version_id(v.site, v.target_url, v.first_seen, v.text_hash) AS version_id,
               v.site, v.target_url, v.version, v.first_seen, v.last_seen, v.next_seen,
               v.n_captures, v.effective_date, d.effective_date_text,
               d.effective_date_precision, d.title, d.language, d.n_words, d.text, d.markdown,
               f.original_url, f.memento_url, d.extractor, d.extractor_version, d.is_policy,
               v.text_hash, d.effective_dates, d.kind
        FROM versions v
        JOIN documents d USING (text_hash)
        LEFT JOIN (
            SELECT c.site, c.target_url, c.timestamp, c.text_hash,
                   min(c.url) AS original_url,
                   min(coalesce(c.memento_url,
                                rtrim(r.archive, '/') || '/web/'
                                || strftime(c.timestamp, '%Y%m%d%H%M%S') || 'id_/' || c.url))
                       AS memento_url
            FROM captures c JOIN crawl_runs r USING (run_id)
            WHERE c.text_hash IS NOT NULL
            GROUP BY ALL
        ) f ON f.site = v.site AND f.target_url = v.target_url AND f.timestamp = v.first_seen
           AND f.text_hash = v.text_hash
        ORDER BY v.site, v.target_url, v.version;
    """,
    # 6: a capture change-point fetching did not replay, inside an unchanged range, names the
    # fetched page whose text it has (its text_hash follows that page's, reprocessed or not)
    """
    ALTER TABLE captures ADD COLUMN text_from TEXT;
    """,
    # 7: no secondary indexes on captures. An upsert of a capture recorded by a killed run (a
    # duplicate recorded before its copy was, fetched itself the next run) failed at COMMIT with
    # DuckDB's "Failed to delete all rows from index" while captures_by_digest existed (DuckDB
    # 1.5's ART indexes and updates); every query joins by hash, never through these indexes.
    """
    DROP INDEX IF EXISTS captures_by_digest;
    DROP INDEX IF EXISTS captures_by_text;
    """,
    # 8: `policytrail discover`: per domain and period, the home page that stood for it, each
    # candidate link on it, and what fetching them showed; runs say which command they were
    """
    CREATE TABLE discoveries (
        domain           TEXT NOT NULL,
        sample_every     TEXT NOT NULL,     -- '6M': the periods' length
        period_start     DATE NOT NULL,
        period_end       DATE NOT NULL,     -- the next period's first day
        sampled_at       DATE NOT NULL,     -- the period's middle: the home page is nearest it
        rank             INTEGER NOT NULL,  -- the candidate's rank, best first; 0: no candidate
        status           TEXT NOT NULL,     -- the period's: found, inline, not found, parked,
                                            -- no home page, excluded, failed
        reason           TEXT,              -- the period's, in words
        policy_url       TEXT,              -- found: the accepted link; inline: the home page
        home_kind        TEXT,              -- page, or redirect (followed to the nearest page)
        home_url         TEXT,
        home_timestamp   TIMESTAMP,
        home_page_kind   TEXT,              -- what the classifier says the home page is
        home_warc_path   TEXT,
        home_warc_offset BIGINT,
        home_warc_length BIGINT,
        candidate_url    TEXT,
        link_text        TEXT,
        link_where       TEXT,              -- footer, header, nav, body, head, dialog, script...
        link_position    INTEGER,           -- its order among the page's links
        score            DOUBLE,
        score_reasons    TEXT[],
        off_site         BOOLEAN,           -- on another registrable domain than the home page
        tried            BOOLEAN,
        page_url         TEXT,              -- the page the link led to (after redirects)
        page_timestamp   TIMESTAMP,
        page_kind        TEXT,              -- what the classifier says that page is
        page_kind_score  DOUBLE,
        accepted         BOOLEAN,
        candidate_reason TEXT,
        warc_path        TEXT,              -- the linked page's record
        warc_offset      BIGINT,
        warc_length      BIGINT,
        run_id           INTEGER,
        discovered_at    TIMESTAMP NOT NULL,
        PRIMARY KEY (domain, sample_every, period_start, rank)
    );
    CREATE VIEW discovered_policies AS
        SELECT domain, sample_every, period_start, sampled_at, status, policy_url,
               any_value(home_url) AS home_url, any_value(home_timestamp) AS home_timestamp,
               max(page_timestamp) FILTER (WHERE accepted) AS policy_timestamp,
               count(candidate_url) AS candidates, count(*) FILTER (WHERE tried) AS tried,
               any_value(reason) AS reason, max(run_id) AS run_id
        FROM discoveries GROUP BY domain, sample_every, period_start, sampled_at, status,
                                  policy_url
        ORDER BY domain, sample_every, period_start;
    ALTER TABLE crawl_runs ADD COLUMN command TEXT;  -- crawl, or discover
    UPDATE crawl_runs SET command = 'crawl';
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def current_version(connection: duckdb.DuckDBPyConnection) -> int:
    exists = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = connection.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(connection: duckdb.DuckDBPyConnection) -> int:
    """Bring the database to SCHEMA_VERSION, each step in a transaction of its own."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
    )
    version = current_version(connection)
    if version > SCHEMA_VERSION:
        from crawler.exceptions import DatabaseError

        raise DatabaseError(
            f"the database is at schema version {version}, newer than this policytrail "
            f"({SCHEMA_VERSION}): upgrade policytrail"
        )
    for number in range(version + 1, SCHEMA_VERSION + 1):
        connection.execute("BEGIN TRANSACTION")
        try:
            connection.execute(MIGRATIONS[number - 1])
            connection.execute(
                "INSERT INTO schema_migrations VALUES (?, now()::TIMESTAMP)", [number]
            )
            connection.execute("COMMIT")
        except Exception:
            connection.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION
