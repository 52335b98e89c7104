"""The archive's capture index: one SQLite file, built from WARCs at start and kept between runs."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from crawler.archive.records import index_file
from crawler.exceptions import BadInputError
from crawler.wayback import surt_key

# Bumped when the index layout or what goes into it changes: old index files are then rebuilt.
INDEX_FORMAT = 3
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
INSERT_BATCH = 5_000

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    file_id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS captures (
    sortkey TEXT NOT NULL,
    urlkey TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    original TEXT NOT NULL,
    mimetype TEXT NOT NULL,
    statuscode TEXT NOT NULL,
    digest TEXT NOT NULL,
    length INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(file_id),
    offset INTEGER NOT NULL,
    kind TEXT NOT NULL,
    refers_to_url TEXT,
    refers_to_date TEXT
);
CREATE INDEX IF NOT EXISTS captures_by_sortkey ON captures (sortkey, file_id, offset);
CREATE INDEX IF NOT EXISTS captures_by_digest ON captures (digest);
"""

# Called before each file is read: (path, its number, how many files are to be read).
Progress = Callable[[Path, int, int], None]

_COLUMNS = (
    "sortkey, urlkey, timestamp, original, mimetype, statuscode, digest, length,"
    " file_id, offset, kind, refers_to_url, refers_to_date"
)


@dataclass(frozen=True, slots=True)
class IndexedCapture:
    """A row of the index: the CDX fields plus where the record lives."""

    urlkey: str
    timestamp: str
    original: str
    mimetype: str
    statuscode: str
    digest: str
    length: int
    path: str
    offset: int
    kind: str
    refers_to_url: str | None
    refers_to_date: str | None

    @property
    def sortkey(self) -> str:
        return f"{self.urlkey} {self.timestamp}"

    @property
    def is_revisit(self) -> bool:
        return self.kind == "revisit"

    def cdx_values(self) -> dict[str, str]:
        return {
            "urlkey": self.urlkey,
            "timestamp": self.timestamp,
            "original": self.original,
            "mimetype": self.mimetype,
            "statuscode": self.statuscode,
            "digest": self.digest,
            "length": str(self.length),
        }


def find_warcs(paths: Iterable[str | Path]) -> list[Path]:
    """Every WARC/ARC file named, or found under the folders named, sorted for a stable order."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            root = path.resolve()
            for candidate in sorted(path.rglob("*")):
                if not candidate.name.endswith(WARC_SUFFIXES):
                    continue
                # a symlink out of the folder would serve files outside the collection
                if not candidate.resolve().is_relative_to(root):
                    logger.warning("%s: leads outside %s; not served", candidate, root)
                    continue
                found.append(candidate)
        elif path.is_file():
            found.append(path)
        else:
            raise BadInputError(f"{path}: no such file or folder")
    return sorted({p.resolve() for p in found})


def default_index_path(cache_dir: Path, warcs: Sequence[Path]) -> Path:
    """One index per collection (the set of WARC paths), so collections never mix."""
    name = hashlib.sha1("\n".join(str(p) for p in warcs).encode()).hexdigest()[:16]
    return cache_dir / "archive-index" / f"{name}.sqlite3"


class ArchiveIndex:
    """Captures of a set of WARC files, sorted as IA's CDX is (by SURT key, then timestamp)."""

    def __init__(self, connection: sqlite3.Connection, roots: Sequence[Path]) -> None:
        self._db = connection
        self.roots = list(roots)
        self._paths = {
            fid: path for fid, path in self._db.execute("SELECT file_id, path FROM files")
        }

    @classmethod
    def open(
        cls,
        warcs: Sequence[Path],
        index_path: Path,
        progress: Progress | None = None,
        *,
        roots: Sequence[str | Path] | None = None,
    ) -> tuple[ArchiveIndex, int]:
        """Open (creating or refreshing) the index of `warcs`; returns it and the files read.

        `roots` are the files and folders the collection was given as (by default the WARCs'
        folders). An index serves one collection: opened for other roots it refuses while any
        of its own still exists, since refreshing it would swap the captures under a server
        still reading it.
        Each file is committed once read, so an interrupted build resumes where it stopped.
        """
        index_path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(index_path, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        if _meta(connection, "format") != str(INDEX_FORMAT):
            connection.executescript(
                "DROP TABLE IF EXISTS captures; DROP TABLE IF EXISTS files;"
                " DROP TABLE IF EXISTS meta;"
            )
        connection.executescript(_SCHEMA)
        folders = _folders(roots if roots is not None else [w.parent for w in warcs])
        owner = _meta(connection, "roots")
        # An index whose folders are all gone (a moved checkout, a deleted copy) serves no one
        # any more: it is taken over, and the refresh below drops what it held.
        if owner is not None and owner != folders and _any_exists(json.loads(owner)):
            connection.close()
            theirs, ours = ", ".join(json.loads(owner)), ", ".join(json.loads(folders))
            raise BadInputError(
                f"{index_path} is the index of {theirs}, not of {ours}:"
                " give another index file, or delete this one to rebuild it"
            )
        connection.execute(
            "INSERT OR REPLACE INTO meta VALUES ('format', ?), ('roots', ?)",
            (str(INDEX_FORMAT), folders),
        )
        connection.commit()  # the owner is on record before a long build, for others to see
        try:
            indexed = _refresh(connection, warcs, progress)
        except BaseException:
            # Rolls the refresh back; left open, it would hold the write lock for this process.
            connection.close()
            raise
        connection.commit()
        return cls(connection, [w.parent for w in warcs]), indexed

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM captures").fetchone()[0]

    def scan(
        self,
        low: str,
        high: str,
        *,
        after: str | None = None,
        inclusive_after: bool = False,
        from_ts: str | None = None,
        to_ts: str | None = None,
    ) -> Iterator[IndexedCapture]:
        """Captures with `low <= sortkey < high`, in CDX order, past a resume point, in a window."""
        clauses = ["sortkey >= ?", "sortkey < ?"]
        values: list[object] = [low, high]
        if after is not None:
            clauses.append("sortkey >= ?" if inclusive_after else "sortkey > ?")
            values.append(after)
        if from_ts is not None:
            clauses.append("timestamp >= ?")
            values.append(from_ts)
        if to_ts is not None:
            clauses.append("timestamp <= ?")
            values.append(to_ts)
        sql = (
            f"SELECT {_COLUMNS} FROM captures WHERE {' AND '.join(clauses)}"
            " ORDER BY sortkey, file_id, offset"
        )
        for row in self._db.execute(sql, values):
            yield self._capture(row)

    def captures_of(self, urlkey: str) -> list[IndexedCapture]:
        """Every capture of one SURT key (all its http/https/www variants), oldest first."""
        return list(self.scan(f"{urlkey} ", f"{urlkey}!"))

    def original_of(self, revisit: IndexedCapture) -> IndexedCapture | None:
        """The response record a revisit repeats: by its WARC-Refers-To, else by payload digest."""
        if revisit.refers_to_url and revisit.refers_to_date:
            key = surt_key(revisit.refers_to_url)
            for row in self._db.execute(
                f"SELECT {_COLUMNS} FROM captures WHERE sortkey = ? AND kind = 'response'"
                " ORDER BY file_id, offset",
                (f"{key} {revisit.refers_to_date}",),
            ):
                return self._capture(row)
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM captures WHERE digest = ? AND kind = 'response'"
            " ORDER BY urlkey = ? DESC, sortkey, file_id, offset LIMIT 1",
            (revisit.digest, revisit.urlkey),
        ).fetchone()
        return self._capture(row) if row else None

    def _capture(self, row: Sequence) -> IndexedCapture:
        # row: sortkey, the seven CDX values, file_id, offset, kind, refers_to url and date
        values = list(row[1:])
        values[7] = self._paths[values[7]]
        return IndexedCapture(*values)


def _meta(connection: sqlite3.Connection, key: str) -> str | None:
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:
        return None  # no meta table: a new file, or not one of our indexes
    return row[0] if row else None


def _any_exists(paths: Iterable[str]) -> bool:
    return any(Path(path).exists() for path in paths)


def _folders(roots: Iterable[str | Path]) -> str:
    """The roots as recorded: absolute, sorted, without repeats, as a JSON list."""
    return json.dumps(sorted({str(Path(root).resolve()) for root in roots}))


def _refresh(
    connection: sqlite3.Connection, warcs: Sequence[Path], progress: Progress | None
) -> int:
    """Index new or changed files, forget removed ones; unchanged files are not read again."""
    known = {
        path: (fid, size, mtime)
        for fid, path, size, mtime in connection.execute(
            "SELECT file_id, path, size, mtime_ns FROM files"
        )
    }
    wanted = {str(p): p for p in warcs}
    for path, (fid, _, _) in known.items():
        if path not in wanted:
            connection.execute("DELETE FROM captures WHERE file_id = ?", (fid,))
            connection.execute("DELETE FROM files WHERE file_id = ?", (fid,))
    connection.commit()
    stale = []
    for name, path in wanted.items():
        stat = path.stat()
        previous = known.get(name)
        if not (previous and previous[1:] == (stat.st_size, stat.st_mtime_ns)):
            stale.append((name, path, stat, previous))
    indexed = 0
    for name, path, stat, previous in stale:
        if progress is not None:
            progress(path, indexed + 1, len(stale))
        if previous:
            connection.execute("DELETE FROM captures WHERE file_id = ?", (previous[0],))
            connection.execute("DELETE FROM files WHERE file_id = ?", (previous[0],))
        file_id = connection.execute(
            "INSERT INTO files (path, size, mtime_ns) VALUES (?, ?, ?)",
            (name, stat.st_size, stat.st_mtime_ns),
        ).lastrowid
        batch: list[tuple] = []
        for values in index_file(path):
            batch.append((*values[:8], file_id, *values[8:]))
            if len(batch) >= INSERT_BATCH:
                connection.executemany(
                    f"INSERT INTO captures ({_COLUMNS}) VALUES ({_marks()})", batch
                )
                batch.clear()
        if batch:
            connection.executemany(f"INSERT INTO captures ({_COLUMNS}) VALUES ({_marks()})", batch)
        connection.commit()
        indexed += 1
    return indexed


def _marks() -> str:
    return ", ".join("?" * 13)
