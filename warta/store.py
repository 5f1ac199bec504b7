"""The SQLite system of record: articles, compressed raw HTML, crawl state, run history.

Search backends are derived from this store and can always be rebuilt from
it (`warta reindex`). Every article row carries a `version` that grows on each
change; a backend records the version it last indexed, so articles written
while Elasticsearch was down are simply still "pending" on the next run.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

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
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=30000")
            self.db.executescript(_SCHEMA)
            self.db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        except (sqlite3.Error, OSError) as e:
            raise WartaError(f"cannot open the store {self.path}: {e}") from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

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
                       signature: bytes | None = None, shingle_count: int = 0) -> str:
        """Insert or update by id; returns 'new', 'updated' or 'unchanged'."""
        data = json.dumps(article.to_dict(), ensure_ascii=False, sort_keys=True)
        published_ms = int(article.published_at.timestamp() * 1000) if article.published_at else None
        now = _now()
        with self.transaction() as db:
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
