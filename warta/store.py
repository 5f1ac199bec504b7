"""The SQLite system of record: articles, compressed raw HTML, crawl state, run history.

Search backends are derived from this store and can always be rebuilt from
it (`warta reindex`). Every article row carries a `version` that grows on each
change; a backend records the version it last indexed, so articles written
while Elasticsearch was down are simply still "pending" on the next run.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import zlib
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

from warta.errors import WartaError
from warta.models import Article

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    domain TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    is_canonical INTEGER NOT NULL,
    published_ms INTEGER,
    data TEXT NOT NULL,              -- Article.to_dict() as JSON
    signature BLOB,                  -- MinHash signature for near-duplicate clustering
    shingle_count INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    first_seen TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_cluster ON articles(cluster_id);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source_id);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published_ms);
CREATE TABLE IF NOT EXISTS raw_pages (
    article_id TEXT PRIMARY KEY REFERENCES articles(id),
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    encoding TEXT NOT NULL DEFAULT '',
    html_zlib BLOB NOT NULL
);
-- What a backend last indexed: pending = article.version differs.
CREATE TABLE IF NOT EXISTS indexed (
    backend TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (backend, id)
);
-- The crawl frontier and memory: every URL seen, with what we know of it.
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,              -- article | nonarticle
    state TEXT NOT NULL,             -- pending | fetched | failed | skipped
    reason TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    lastmod TEXT NOT NULL DEFAULT '',   -- from the feed/sitemap when we last fetched
    article_id TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS urls_pending ON urls(source_id, state);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL DEFAULT 'running'
);
CREATE TABLE IF NOT EXISTS run_sources (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    source_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running',   -- running | ok | failed | skipped (locked by another crawl) | interrupted
    reason TEXT NOT NULL DEFAULT '',
    stats TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, source_id)
);
-- Health looks at the recent history of one source.
CREATE INDEX IF NOT EXISTS run_sources_source ON run_sources(source_id, run_id);
-- Saved searches: `seen_upto` is the articles.rowid up to which new articles
-- have been considered for this search's digest (rowids only grow: articles
-- are never deleted), so "new since the last digest" survives failed runs.
CREATE TABLE IF NOT EXISTS saved_searches (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',   -- warta.filters.describe() of the resolved filters
    created_at TEXT NOT NULL,
    seen_upto INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS digests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    run_id INTEGER,
    created_at TEXT NOT NULL,
    article_ids TEXT NOT NULL,            -- JSON list, in digest order
    html_path TEXT NOT NULL,
    json_path TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT ''        -- '' (not configured) | 'sent' | 'failed: why'
);
CREATE INDEX IF NOT EXISTS digests_name ON digests(name, id);
"""


class StorageError(WartaError):
    """The disk under the store or an index is full, read-only or failing; what was stored before is kept."""


_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_DENIED_ERRNOS = {errno.EACCES, errno.EPERM}
_KEPT = "nothing stored before is lost"


def _first_line(exc: BaseException) -> str:
    text = (getattr(exc, "strerror", None) or str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def storage_error(exc: BaseException, target: str | Path, *, kept: str = _KEPT,
                  path: Path | None = None) -> StorageError | None:
    """A one-line user error for a full, read-only or failing disk under `target`; None for other errors.

    SQLite reports ENOSPC as SQLITE_FULL but a failed write for any other
    reason (EFBIG, EIO) only as SQLITE_IOERR, so that message names the likely causes.
    """
    detail = _first_line(exc)
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == sqlite3.SQLITE_FULL:
            return StorageError(f"cannot write to {target}: the disk is full ({detail}); free some space and "
                                f"run again, {kept}")
        if primary == sqlite3.SQLITE_READONLY:
            return StorageError(f"cannot write to {target}: it is read-only ({detail}); {kept}")
        if primary == sqlite3.SQLITE_CANTOPEN and path is not None and path.is_file() \
                and read_only_location(path):
            # A WAL database cannot even be opened where its -shm file cannot be created.
            return StorageError(f"cannot write to {target}: it is on a read-only disk or folder ({detail}); {kept}")
        if primary == sqlite3.SQLITE_IOERR:
            return StorageError(f"cannot write to {target}: {detail} (disk full, file size limit or failing "
                                f"disk?); {kept}")
        return None
    if isinstance(exc, OSError):
        where = exc.filename or target
        if exc.errno in _FULL_ERRNOS:
            return StorageError(f"cannot write to {where}: the disk is full ({detail}); free some space and "
                                f"run again, {kept}")
        if exc.errno == errno.EROFS:
            return StorageError(f"cannot write to {where}: the disk is read-only ({detail}); {kept}")
        if exc.errno in _DENIED_ERRNOS:
            # Could be a read as well as a write: say only what the system said.
            return StorageError(f"cannot use {where}: {detail}; {kept}")
        if exc.errno == errno.EFBIG:
            return StorageError(f"cannot write to {where}: the file size limit is reached ({detail}); {kept}")
    return None


def read_only_location(path: Path) -> bool:
    """Can nothing be created beside `path` (a read-only file system or folder)?"""
    folder = path.parent
    return not os.access(folder, os.W_OK) or bool(os.statvfs(folder).f_flag & os.ST_RDONLY)


def read_only_uri(path: Path) -> str:
    """URI that opens an existing database without writing anything.

    A WAL database needs its -shm file even to read; on a read-only file
    system that file cannot be created, and only `immutable=1` (no locks, no
    shm) opens it. That is safe there because nobody can change the file —
    unless a -wal file with transactions not yet copied back exists, which
    immutable would ignore; then plain `mode=ro` reads it (or fails loudly).
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if os.statvfs(path.parent).f_flag & os.ST_RDONLY and not (wal.exists() and wal.stat().st_size > 0):
        uri += "&immutable=1"
    return uri


# The crawl writes the store from a child process whose log sits in the data
# folder, so when that disk fills up the log cannot say why. `warta.crawl`
# hands the child a pipe in this variable; the first storage failure goes there.
FAILURE_FD_ENV = "WARTA_STORAGE_FAILURE_FD"
_failure_reported = False
_first_failure = ""


def first_storage_failure() -> str:
    """The first storage failure of this process ("" if none): a crawl that lost a
    write must not close its run as ok, even when the final small update fits."""
    return _first_failure


def _report_failure(message: str) -> None:
    global _failure_reported, _first_failure
    _first_failure = _first_failure or message
    fd = os.environ.get(FAILURE_FD_ENV)
    if _failure_reported or not fd:
        return
    _failure_reported = True
    try:
        # Once per process and under PIPE_BUF: one atomic write that never blocks on an empty pipe.
        os.write(int(fd), message.encode("utf-8", "replace")[:4000] + b"\n")
    except (OSError, ValueError):
        pass


class _Db:
    """The store's connection; disk-full, read-only and I/O failures leave as one-line StorageErrors.

    Wrapping the connection, not each method, covers every write — the crawl
    spider and pipeline call the store from many places.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self._path = path

    def _raise(self, exc: sqlite3.Error) -> None:
        mapped = storage_error(exc, f"the store {self._path}", path=self._path)
        if mapped is None:
            raise exc
        _report_failure(str(mapped))
        raise mapped from exc

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.Error as e:
            self._raise(e)
            raise  # unreachable: keeps type checkers sure a cursor is returned

    def executemany(self, sql: str, params: Any) -> sqlite3.Cursor:
        try:
            return self._conn.executemany(sql, params)
        except sqlite3.Error as e:
            self._raise(e)
            raise

    def executescript(self, script: str) -> sqlite3.Cursor:
        try:
            return self._conn.executescript(script)
        except sqlite3.Error as e:
            self._raise(e)
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class SourceStats:
    """Every response and article of one source in one run, counted once by its fate."""

    requests: int = 0
    pages_fetched: int = 0  # 200 responses
    not_modified: int = 0  # 304 answers to conditional requests
    skipped_known: int = 0  # remembered URLs not requested at all (feed/sitemap lastmod unchanged)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0  # same text as another URL of the same site
    not_article: int = 0  # listing, tag page, soft-404, empty
    robots_disallowed: int = 0
    errors: int = 0
    bytes: int = 0
    error_samples: list[str] = field(default_factory=list)

    def add(self, **counts: int) -> None:
        for k, v in counts.items():
            setattr(self, k, getattr(self, k) + v)


@dataclass
class UrlState:
    url: str
    source_id: str
    kind: str
    state: str
    reason: str
    etag: str
    last_modified: str
    lastmod: str
    article_id: str


@dataclass
class StoredSignature:
    id: str
    signature: bytes
    shingle_count: int
    cluster_id: str
    is_canonical: bool
    published_at: datetime | None


class Store:
    """One SQLite file. Safe to open from the crawl subprocess and the CLI at once (WAL)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.read_only = False
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        except (sqlite3.Error, OSError) as e:
            raise WartaError(f"cannot open the store {self.path}: {_first_line(e)}") from None
        try:
            self._setup(conn)
        except sqlite3.Error as e:
            conn.close()
            if not (str(path) != ":memory:" and self.path.is_file() and read_only_location(self.path)):
                mapped = storage_error(e, f"the store {self.path}", path=self.path)
                raise mapped or WartaError(f"cannot open the store {self.path}: {_first_line(e)}") from None
            # A store on a read-only disk can still be read (stats, runs, health);
            # every write then fails with a one-line "read-only" error.
            conn = self._open_read_only()
        self.db = _Db(conn, self.path)

    def _setup(self, conn: sqlite3.Connection) -> None:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.executescript(_SCHEMA)
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def _open_read_only(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(read_only_uri(self.path), uri=True, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except (sqlite3.Error, OSError) as e:
            raise WartaError(f"cannot open the store {self.path} (read-only): {_first_line(e)}") from None
        self.read_only = True
        return conn

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[_Db]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")  # a full disk can fail the commit too: roll back then as well
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Undo an open transaction without hiding the error that ended it.

        After SQLITE_FULL or an I/O error SQLite may have rolled back already;
        a second ROLLBACK would then fail with "no transaction is active" and
        replace the real reason.
        """
        if not self.db.in_transaction:
            return
        try:
            self.db.execute("ROLLBACK")
        except (sqlite3.Error, StorageError):
            pass

    # ---- runs -------------------------------------------------------------

    def start_run(self, source_ids: list[str], kind: str = "crawl") -> int:
        with self.transaction() as db:
            run_id = db.execute("INSERT INTO runs(kind, started_at) VALUES (?, ?)", (kind, _now())).lastrowid
            db.executemany(
                "INSERT INTO run_sources(run_id, source_id) VALUES (?, ?)", [(run_id, s) for s in source_ids]
            )
        return int(run_id)

    def save_source_stats(self, run_id: int, source_id: str, stats: SourceStats, status: str = "running",
                          reason: str = "") -> None:
        self.db.execute(
            "INSERT INTO run_sources(run_id, source_id, status, reason, stats) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(run_id, source_id) DO UPDATE SET status=excluded.status, reason=excluded.reason, "
            "stats=excluded.stats",
            (run_id, source_id, status, reason, json.dumps(asdict(stats))),
        )

    def finish_run(self, run_id: int, status: str) -> None:
        self.db.execute("UPDATE runs SET ended_at=?, status=? WHERE id=?", (_now(), status, run_id))

    def run_sources(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT source_id, status, reason, stats FROM run_sources WHERE run_id=? ORDER BY source_id", (run_id,)
        ).fetchall()
        return [
            {"source_id": r["source_id"], "status": r["status"], "reason": r["reason"],
             "stats": SourceStats(**json.loads(r["stats"]))}
            for r in rows
        ]

    def completed_before(self, source_id: str, run_id: int) -> bool:
        """Did an earlier run crawl this source to the end without failing?"""
        return self.db.execute(
            "SELECT 1 FROM run_sources rs JOIN runs r ON r.id = rs.run_id WHERE rs.source_id=? AND rs.run_id < ? "
            "AND rs.status='ok' AND r.ended_at IS NOT NULL AND r.status IN ('ok', 'failed') LIMIT 1",
            (source_id, run_id),
        ).fetchone() is not None

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def source_history(self, source_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The source's most recent run entries, newest first, with their run's times and status."""
        rows = self.db.execute(
            "SELECT rs.run_id, rs.status, rs.reason, rs.stats, r.started_at, r.ended_at, r.status AS run_status "
            "FROM run_sources rs JOIN runs r ON r.id = rs.run_id WHERE rs.source_id=? "
            "ORDER BY rs.run_id DESC LIMIT ?", (source_id, limit),
        ).fetchall()
        return [{**{k: r[k] for k in ("run_id", "status", "reason", "started_at", "ended_at", "run_status")},
                 "stats": SourceStats(**json.loads(r["stats"]))} for r in rows]

    def fail_unfinished_sources(self, run_id: int, reason: str, status: str = "failed") -> None:
        """A crawl process that died cannot record its sources: they failed (or were
        interrupted), never stay "running" forever."""
        self.db.execute(
            "UPDATE run_sources SET status=?, reason=? WHERE run_id=? AND status='running'", (status, reason, run_id)
        )

    def fail_run(self, run_id: int, reason: str) -> None:
        """Close a run whose crawl could not store everything (e.g. the disk filled up).

        Its sources count as failed even where the spider said ok, so the next
        crawl does not take this run as a complete pass over their listings.
        """
        with self.transaction() as db:
            db.execute("UPDATE run_sources SET status='failed', reason=? WHERE run_id=? AND status IN ('running', 'ok')",
                       (reason, run_id))
            db.execute("UPDATE runs SET ended_at=?, status='failed' WHERE id=?", (_now(), run_id))

    def running_runs(self) -> list[tuple[int, list[str]]]:
        """Runs not closed yet, each with its source ids."""
        rows = self.db.execute("SELECT r.id, rs.source_id FROM runs r LEFT JOIN run_sources rs ON rs.run_id = r.id "
                               "WHERE r.status='running' ORDER BY r.id").fetchall()
        runs: dict[int, list[str]] = {}
        for run_id, source_id in rows:
            runs.setdefault(run_id, []).extend([source_id] if source_id else [])
        return list(runs.items())

    def run_status(self, run_id: int) -> str | None:
        r = self.db.execute("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()
        return r["status"] if r else None

    # ---- saved searches and digests ---------------------------------------

    def max_article_rowid(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(rowid), 0) FROM articles").fetchone()[0])

    def add_saved(self, name: str, query: str, filters: dict[str, Any]) -> None:
        """Save a search; its first digest holds only articles that arrive after this moment."""
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO saved_searches(name, query, filters, created_at, seen_upto) "
                    "VALUES (?, ?, ?, ?, (SELECT coalesce(max(rowid), 0) FROM articles))",
                    (name, query, json.dumps(filters, ensure_ascii=False, sort_keys=True), _now()),
                )
        except sqlite3.IntegrityError:
            raise WartaError(f"a saved search named {name!r} exists already (remove it first)") from None

    def saved(self, name: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT name, query, filters, created_at, seen_upto FROM saved_searches"
        rows = self.db.execute(sql + (" WHERE name=?" if name else "") + " ORDER BY name",
                               (name,) if name else ()).fetchall()
        return [{**dict(r), "filters": json.loads(r["filters"])} for r in rows]

    def remove_saved(self, name: str) -> bool:
        with self.transaction() as db:
            gone = db.execute("DELETE FROM saved_searches WHERE name=?", (name,)).rowcount
            db.execute("DELETE FROM digests WHERE name=?", (name,))
        return bool(gone)

    def new_for_saved(self, name: str, backend: str) -> tuple[list[str], int]:
        """Ids of the articles that arrived since this search's last digest, and the rowid they reach.

        Only articles the backend has indexed count: one stored by a
        concurrent crawl, or while the backend was down, is not searchable yet
        and waits for a later digest instead of being skipped for good. The
        caller advances the mark with `mark_saved_seen` once the digest is out
        (under the digest lock, so two crawls never send the same article twice).
        """
        row = self.db.execute("SELECT seen_upto FROM saved_searches WHERE name=?", (name,)).fetchone()
        if row is None:
            return [], 0
        lo = int(row["seen_upto"])
        hi = self.max_article_rowid()
        unindexed = self.db.execute(
            "SELECT min(a.rowid) FROM articles a LEFT JOIN indexed i ON i.backend=? AND i.id=a.id "
            "WHERE a.rowid > ? AND i.id IS NULL", (backend, lo),
        ).fetchone()[0]
        if unindexed is not None:
            hi = min(hi, int(unindexed) - 1)
        if hi <= lo:
            return [], lo
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM articles WHERE rowid > ? AND rowid <= ? ORDER BY rowid", (lo, hi))]
        return ids, hi

    def mark_saved_seen(self, name: str, upto: int) -> None:
        self.db.execute("UPDATE saved_searches SET seen_upto=max(seen_upto, ?) WHERE name=?", (upto, name))

    def record_digest(self, name: str, run_id: int | None, article_ids: list[str], html_path: Path,
                      json_path: Path, email: str = "") -> int:
        return int(self.db.execute(
            "INSERT INTO digests(name, run_id, created_at, article_ids, html_path, json_path, email) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, run_id, _now(), json.dumps(article_ids), str(html_path), str(json_path), email),
        ).lastrowid)

    def set_digest_email(self, digest_id: int, email: str) -> None:
        self.db.execute("UPDATE digests SET email=? WHERE id=?", (email, digest_id))

    def latest_digest(self, name: str) -> dict[str, Any] | None:
        r = self.db.execute("SELECT * FROM digests WHERE name=? ORDER BY id DESC LIMIT 1", (name,)).fetchone()
        return {**dict(r), "article_ids": json.loads(r["article_ids"])} if r else None

    # ---- crawl frontier ---------------------------------------------------

    def url_state(self, url: str) -> UrlState | None:
        r = self.db.execute(
            "SELECT url, source_id, kind, state, reason, etag, last_modified, lastmod, article_id FROM urls WHERE url=?",
            (url,),
        ).fetchone()
        return UrlState(**dict(r)) if r else None

    def add_pending(self, source_id: str, url: str) -> None:
        """Remember a discovered article URL before fetching it, so a killed crawl resumes it."""
        self.db.execute(
            "INSERT INTO urls(url, source_id, kind, state, updated_at) VALUES (?, ?, 'article', 'pending', ?) "
            "ON CONFLICT(url) DO NOTHING",
            (url, source_id, _now()),
        )

    def pending_urls(self, source_id: str) -> list[str]:
        rows = self.db.execute(
            "SELECT url FROM urls WHERE source_id=? AND state='pending' ORDER BY url", (source_id,)
        ).fetchall()
        return [r["url"] for r in rows]

    def mark_url(self, url: str, source_id: str, *, kind: str, state: str, reason: str = "", etag: str = "",
                 last_modified: str = "", lastmod: str = "", article_id: str = "") -> None:
        """Record the outcome of a fetch; empty validators keep the ones we had."""
        self.db.execute(
            "INSERT INTO urls(url, source_id, kind, state, reason, etag, last_modified, lastmod, article_id, "
            "fetched_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET kind=excluded.kind, state=excluded.state, reason=excluded.reason, "
            "etag=CASE WHEN excluded.etag != '' THEN excluded.etag ELSE urls.etag END, "
            "last_modified=CASE WHEN excluded.last_modified != '' THEN excluded.last_modified "
            "ELSE urls.last_modified END, "
            "lastmod=CASE WHEN excluded.lastmod != '' THEN excluded.lastmod ELSE urls.lastmod END, "
            "article_id=CASE WHEN excluded.article_id != '' THEN excluded.article_id ELSE urls.article_id END, "
            "fetched_at=excluded.fetched_at, updated_at=excluded.updated_at",
            (url, source_id, kind, state, reason, etag, last_modified, lastmod, article_id, _now(), _now()),
        )

    # ---- articles ---------------------------------------------------------

    def find_same_text(self, content_hash: str, domain: str, exclude_id: str) -> str | None:
        """An article of the same site with the same normalised text (an alias URL)."""
        r = self.db.execute(
            "SELECT id FROM articles WHERE content_hash=? AND domain=? AND id != ? LIMIT 1",
            (content_hash, domain, exclude_id),
        ).fetchone()
        return r["id"] if r else None

    def upsert_article(self, article: Article, raw_html: bytes, *, encoding: str = "",
                       signature: bytes | None = None, shingle_count: int = 0, demoted: Sequence[str] = ()) -> str:
        """Insert or update by id; returns 'new', 'updated' or 'unchanged'.

        `demoted`: members of the article's cluster that lose canonical status to it, in
        the same transaction — a crash between the two writes would leave a cluster whose
        canonical member is not stored.
        """
        data = json.dumps(article.to_dict(), ensure_ascii=False, sort_keys=True)
        published_ms = int(article.published_at.timestamp() * 1000) if article.published_at else None
        now = _now()
        with self.transaction() as db:
            self._set_canonical(db, demoted, False)
            old = db.execute("SELECT data FROM articles WHERE id=?", (article.id,)).fetchone()
            if old is not None and _same_content(old["data"], data):
                outcome = "unchanged"
            elif old is not None:
                db.execute(
                    "UPDATE articles SET source_id=?, canonical_url=?, domain=?, content_hash=?, cluster_id=?, "
                    "is_canonical=?, published_ms=?, data=?, signature=?, shingle_count=?, version=version+1, "
                    "updated_at=? WHERE id=?",
                    (article.source_id, article.canonical_url, article.domain, article.content_hash,
                     article.cluster_id or article.id, int(article.is_canonical), published_ms, data, signature,
                     shingle_count, now, article.id),
                )
                outcome = "updated"
            else:
                db.execute(
                    "INSERT INTO articles(id, source_id, canonical_url, domain, content_hash, cluster_id, "
                    "is_canonical, published_ms, data, signature, shingle_count, first_seen, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (article.id, article.source_id, article.canonical_url, article.domain, article.content_hash,
                     article.cluster_id or article.id, int(article.is_canonical), published_ms, data, signature,
                     shingle_count, now, now),
                )
                outcome = "new"
            if outcome != "unchanged":
                db.execute(
                    "INSERT INTO raw_pages(article_id, url, fetched_at, encoding, html_zlib) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(article_id) DO UPDATE SET url=excluded.url, fetched_at=excluded.fetched_at, "
                    "encoding=excluded.encoding, html_zlib=excluded.html_zlib",
                    (article.id, article.url, now, encoding, zlib.compress(raw_html, 6)),
                )
                # The canonical member lists its copies: its document changes too.
                db.execute(
                    "UPDATE articles SET version=version+1 WHERE cluster_id=? AND is_canonical=1 AND id != ?",
                    (article.cluster_id or article.id, article.id),
                )
        return outcome

    def set_canonical(self, ids: list[str], is_canonical: bool) -> None:
        """Change canonical status (an earlier copy of a press release arrived)."""
        with self.transaction() as db:
            self._set_canonical(db, ids, is_canonical)

    @staticmethod
    def _set_canonical(db: _Db, ids: Sequence[str], is_canonical: bool) -> None:
        for aid in ids:
            row = db.execute("SELECT data FROM articles WHERE id=?", (aid,)).fetchone()
            if row is None:
                continue
            d = json.loads(row["data"])
            d["is_canonical"] = is_canonical
            db.execute(
                "UPDATE articles SET is_canonical=?, data=?, version=version+1 WHERE id=?",
                (int(is_canonical), json.dumps(d, ensure_ascii=False, sort_keys=True), aid),
            )

    def get(self, article_id: str) -> Article | None:
        r = self.db.execute("SELECT data FROM articles WHERE id=?", (article_id,)).fetchone()
        return Article.from_dict(json.loads(r["data"])) if r else None

    def raw_html(self, article_id: str) -> bytes | None:
        r = self.db.execute("SELECT html_zlib FROM raw_pages WHERE article_id=?", (article_id,)).fetchone()
        return zlib.decompress(r["html_zlib"]) if r else None

    def signature(self, article_id: str) -> tuple[bytes | None, int]:
        r = self.db.execute("SELECT signature, shingle_count FROM articles WHERE id=?", (article_id,)).fetchone()
        return (r["signature"], r["shingle_count"]) if r else (None, 0)

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def iter_articles(self, batch: int = 500) -> Iterator[Article]:
        """All articles in id order, read in batches (never the whole corpus at once)."""
        last = ""
        while True:
            rows = self.db.execute(
                "SELECT id, data FROM articles WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield Article.from_dict(json.loads(r["data"]))
            last = rows[-1]["id"]

    def cluster_copies(self, cluster_id: str, exclude_id: str) -> list[dict[str, str]]:
        rows = self.db.execute(
            "SELECT source_id, canonical_url FROM articles WHERE cluster_id=? AND id != ? ORDER BY published_ms, id",
            (cluster_id, exclude_id),
        ).fetchall()
        return [{"source_id": r["source_id"], "url": r["canonical_url"]} for r in rows]

    def iter_signatures(self, since_ms: int | None = None) -> Iterator[StoredSignature]:
        """Signatures of articles published since `since_ms` (undated ones too), for the LSH index."""
        cur = self.db.execute(
            "SELECT id, signature, shingle_count, cluster_id, is_canonical, published_ms FROM articles "
            "WHERE signature IS NOT NULL AND (published_ms IS NULL OR published_ms >= ?)",
            (since_ms or 0,),
        )
        for r in cur:
            pub = (datetime.fromtimestamp(r["published_ms"] / 1000, timezone.utc)
                   if r["published_ms"] is not None else None)
            yield StoredSignature(r["id"], r["signature"], r["shingle_count"], r["cluster_id"],
                                  bool(r["is_canonical"]), pub)

    # ---- indexing state ---------------------------------------------------

    def pending_count(self, backend: str) -> int:
        return int(self.db.execute(
            "SELECT count(*) FROM articles a LEFT JOIN indexed i ON i.backend=? AND i.id=a.id "
            "WHERE i.version IS NULL OR i.version != a.version", (backend,)
        ).fetchone()[0])

    def iter_pending(self, backend: str, batch: int = 500) -> Iterator[list[tuple[Article, int]]]:
        """Batches of (article, version) the backend has not indexed in their current version."""
        last = ""
        while True:
            rows = self.db.execute(
                "SELECT a.id, a.data, a.version FROM articles a LEFT JOIN indexed i ON i.backend=? AND i.id=a.id "
                "WHERE (i.version IS NULL OR i.version != a.version) AND a.id > ? ORDER BY a.id LIMIT ?",
                (backend, last, batch),
            ).fetchall()
            if not rows:
                return
            yield [(Article.from_dict(json.loads(r["data"])), int(r["version"])) for r in rows]
            last = rows[-1]["id"]

    def mark_indexed(self, backend: str, versions: list[tuple[str, int]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO indexed(backend, id, version) VALUES (?, ?, ?) "
                "ON CONFLICT(backend, id) DO UPDATE SET version=excluded.version",
                [(backend, aid, v) for aid, v in versions],
            )

    def forget_indexed(self, backend: str) -> None:
        """After a backend reset everything is pending again."""
        self.db.execute("DELETE FROM indexed WHERE backend=?", (backend,))

    def stats(self) -> dict[str, Any]:
        q = self.db.execute
        return {
            "articles": self.count(),
            "clusters": q("SELECT count(DISTINCT cluster_id) FROM articles").fetchone()[0],
            "copies": q("SELECT count(*) FROM articles WHERE is_canonical=0").fetchone()[0],
            "by_source": [tuple(r) for r in q(
                "SELECT source_id, count(*) FROM articles GROUP BY source_id ORDER BY source_id")],
            "urls": [tuple(r) for r in q("SELECT state, count(*) FROM urls GROUP BY state ORDER BY state")],
            "raw_bytes": q("SELECT coalesce(sum(length(html_zlib)), 0) FROM raw_pages").fetchone()[0],
        }

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


_VOLATILE = ("crawled_at",)


def _same_content(old_json: str, new_json: str) -> bool:
    """A re-fetch that changed only the crawl time is not an update."""
    a, b = json.loads(old_json), json.loads(new_json)
    for k in _VOLATILE:
        a.pop(k, None)
        b.pop(k, None)
    return a == b
