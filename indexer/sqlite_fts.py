"""Embedded search backend: SQLite FTS5, no server needed.

Documents arrive already tokenised and stemmed (`indexer.document`), so FTS5
only splits on spaces (`unicode61 remove_diacritics 0`) and this module's job
is to translate the `warta.query` tree and `Filters` into SQL with exactly the
semantics of docs/search-semantics.md.

Layout:
- `docs`: one row per document; the integer rowid is shared with the FTS
  table, filter/sort columns are real columns and the stored fields one JSON
  blob (nothing filters on the rest, so columns would only cost schema churn).
- `doc_values`: (field, value, doc) rows for the list fields, so list filters
  and list facets are indexed SQL instead of JSON scans.
- `fts`: FTS5 over the four token fields. It keeps its own copy of those
  fields, which are stored nowhere else; deletes and upserts then need no
  original text, unlike a contentless table on SQLite < 3.43.

User text never reaches MATCH unquoted: every token becomes a "quoted" FTS5
string, so `se-Kalteng`, `Pj.` or a lower-case `and` cannot be read as syntax.
FTS5's NOT is binary, so negations that FTS5 cannot express (`NOT x` alone,
`a OR NOT b`) are compiled to SQL predicates over `docs` instead.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from indexer import cursor as cursor_codec
from indexer.base import FACET_FIELDS, LIST_FILTER_FIELDS, Filters, Hit, SearchPage, SearchRequest
from indexer.document import KEYWORD_LIST_FIELDS, STORED_FIELDS
from indexer.snippets import build_snippet
from warta.errors import BackendUnavailable, QueryError
from warta.query import And, MatchAll, Node, Not, Or, Phrase, Term, positive_leaves
from warta.textnorm import stem, stop_words

if TYPE_CHECKING:
    from warta.settings import Settings

SCHEMA_VERSION = 1
_CHUNK = 1000  # documents per executemany round: bounds memory on huge iterables

# bm25 weights in FTS column order: a title match says more than a body match,
# and the word as typed more than a shared stem.
_FTS_COLUMNS = ("title_exact", "body_exact", "title_stem", "body_stem")
_BM25 = "-bm25(fts, 10.0, 2.0, 5.0, 1.0)"
_EXACT = "{title_exact body_exact}"
_STEM = "{title_stem body_stem}"

_SCALAR_FACETS = {"source_id", "source_type", "month"}
_FACET_LIMIT = 100

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS docs (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        source_id TEXT NOT NULL,
        source_type TEXT NOT NULL,
        date_sort INTEGER NOT NULL,
        month TEXT NOT NULL,
        is_canonical INTEGER NOT NULL,
        cluster_id TEXT NOT NULL,
        stored TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS docs_date ON docs(date_sort DESC, id)",
    "CREATE INDEX IF NOT EXISTS docs_source ON docs(source_id)",
    "CREATE INDEX IF NOT EXISTS docs_source_type ON docs(source_type)",
    "CREATE INDEX IF NOT EXISTS docs_cluster ON docs(cluster_id)",
    """CREATE TABLE IF NOT EXISTS doc_values (
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        doc INTEGER NOT NULL,
        PRIMARY KEY (field, value, doc)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS doc_values_doc ON doc_values(doc, field)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
        title_exact, body_exact, title_stem, body_stem,
        tokenize = 'unicode61 remove_diacritics 0'
    )""",
)

_UPSERT_DOC = """
INSERT INTO docs (id, source_id, source_type, date_sort, month, is_canonical, cluster_id, stored)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    source_id = excluded.source_id, source_type = excluded.source_type,
    date_sort = excluded.date_sort, month = excluded.month,
    is_canonical = excluded.is_canonical, cluster_id = excluded.cluster_id,
    stored = excluded.stored
"""
# The rowid survives an upsert (ON CONFLICT DO UPDATE), so the FTS row and the
# list values are replaced under the same key.
_DELETE_FTS = "DELETE FROM fts WHERE rowid = (SELECT rowid FROM docs WHERE id = ?)"
_INSERT_FTS = (
    "INSERT INTO fts (rowid, title_exact, body_exact, title_stem, body_stem) "
    "SELECT rowid, ?, ?, ?, ? FROM docs WHERE id = ?"
)
_DELETE_VALUES = "DELETE FROM doc_values WHERE doc = (SELECT rowid FROM docs WHERE id = ?)"
_INSERT_VALUE = "INSERT OR IGNORE INTO doc_values (field, value, doc) SELECT ?, ?, rowid FROM docs WHERE id = ?"

_HITS_TABLE = """CREATE TEMP TABLE IF NOT EXISTS warta_hits (
    rid INTEGER PRIMARY KEY, score REAL NOT NULL, date_sort INTEGER NOT NULL, id TEXT NOT NULL,
    source_id TEXT NOT NULL, source_type TEXT NOT NULL, month TEXT NOT NULL
)"""


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- query compilation ------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _leaf_expr(leaf: Term | Phrase) -> str:
    if isinstance(leaf, Phrase):
        # Positions are per column in FTS5, so a phrase never spans title and body.
        return f"{_EXACT} : {_quote(' '.join(leaf.tokens))}"
    if leaf.prefix:
        return f"{_EXACT} : {_quote(leaf.token)} *"
    exact = f"{_EXACT} : {_quote(leaf.token)}"
    if leaf.token in stop_words():
        # Stop words were removed from the stem fields; only the exact fields hold them.
        return exact
    return f"({_STEM} : {_quote(stem(leaf.token))} OR {exact})"


def _fts_expr(node: Node) -> str | None:
    """The whole node as one FTS5 expression, or None when FTS5 cannot express it."""
    if isinstance(node, (Term, Phrase)):
        return _leaf_expr(node)
    if isinstance(node, Or):
        parts = [_fts_expr(c) for c in node.children]
        if not parts or any(p is None for p in parts):
            return None
        return " OR ".join(f"({p})" for p in parts)
    if isinstance(node, And):
        positives: list[str] = []
        negatives: list[str] = []
        for child in node.children:
            if isinstance(child, MatchAll):
                continue
            if isinstance(child, Not):
                neg = _fts_expr(child.child)
                if neg is None:
                    return None
                negatives.append(neg)
            else:
                pos = _fts_expr(child)
                if pos is None:
                    return None
                positives.append(pos)
        if not positives:
            return None  # binary NOT needs something to subtract from
        expr = " AND ".join(f"({p})" for p in positives)
        if negatives:
            expr = f"({expr}) NOT ({' OR '.join(f'({n})' for n in negatives)})"
        return expr
    return None


def _predicate(node: Node, params: list[Any]) -> str:
    """The node as a SQL boolean over `d.rowid`, for trees FTS5 cannot express."""
    expr = _fts_expr(node)
    if expr is not None:
        params.append(expr)
        return "d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
    if isinstance(node, MatchAll):
        return "1"
    if isinstance(node, Not):
        return f"NOT ({_predicate(node.child, params)})"
    if isinstance(node, And):
        return "(" + " AND ".join(_predicate(c, params) for c in node.children) + ")" if node.children else "1"
    if isinstance(node, Or):
        return "(" + " OR ".join(_predicate(c, params) for c in node.children) + ")" if node.children else "0"
    raise QueryError(f"unsupported query node {type(node).__name__}")


@dataclass
class _Plan:
    """How to find the matching rowids: driven by one MATCH when possible."""

    drive: str | None  # FTS5 expression the scan starts from; None: scan docs
    where: list[str] = field(default_factory=list)
    where_params: list[Any] = field(default_factory=list)
    score: str | None = None  # FTS5 expression scored by bm25 in scan mode


def _plan(node: Node) -> _Plan:
    expr = _fts_expr(node)
    if expr is not None:
        return _Plan(drive=expr)
    if isinstance(node, And):
        # Let FTS5 narrow the set with the children it can express, then check
        # the rest (e.g. `a OR NOT b`) row by row.
        fts_children = [c for c in node.children if _fts_expr(c) is not None and not isinstance(c, MatchAll)]
        fts_children += [c for c in node.children if isinstance(c, Not) and _fts_expr(c.child) is not None]
        drive = _fts_expr(And(tuple(fts_children))) if fts_children else None
        if drive is not None:
            plan = _Plan(drive=drive)
            for c in node.children:
                if c not in fts_children and not isinstance(c, MatchAll):
                    plan.where.append(_predicate(c, plan.where_params))
            return plan
    plan = _Plan(drive=None)
    if not isinstance(node, MatchAll):
        plan.where.append(_predicate(node, plan.where_params))
    leaves = positive_leaves(node)
    if leaves:
        plan.score = " OR ".join(f"({_leaf_expr(leaf)})" for leaf in leaves)
    return plan


def _filter_sql(filters: Filters) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []

    def marks(values: Sequence[str]) -> str:
        params.extend(values)
        return ", ".join("?" for _ in values)

    if filters.sources:
        where.append(f"d.source_id IN ({marks(filters.sources)})")
    if filters.source_types:
        where.append(f"d.source_type IN ({marks(filters.source_types)})")
    for name in LIST_FILTER_FIELDS:
        values: tuple[str, ...] = getattr(filters, name)
        if values:
            params.append(name)
            where.append(f"d.rowid IN (SELECT doc FROM doc_values WHERE field = ? AND value IN ({marks(values)}))")
    lo, hi = filters.date_bounds_ms()
    if lo is not None or hi is not None:
        where.append("d.date_sort != 0")  # undated documents cannot fall in a date range
    if lo is not None:
        where.append("d.date_sort >= ?")
        params.append(lo)
    if hi is not None:
        where.append("d.date_sort <= ?")
        params.append(hi)
    if filters.canonical_only():
        where.append("d.is_canonical = 1")
    return where, params


def _match_sql(node: Node, filters: Filters) -> tuple[str, list[Any]]:
    """SELECT rid, score, date_sort, id, source_id, source_type, month of every match."""
    plan = _plan(node)
    fwhere, fparams = _filter_sql(filters)
    cols = "d.rowid AS rid, {score} AS score, d.date_sort, d.id, d.source_id, d.source_type, d.month"
    params: list[Any] = []
    if plan.drive is not None:
        # CROSS JOIN fixes the order: the full-text match drives. Left to itself SQLite may
        # walk a filter's index (source, source type) and run MATCH once per row — 100x slower.
        sql = f"SELECT {cols.format(score=_BM25)} FROM fts CROSS JOIN docs d ON d.rowid = fts.rowid"
        where = ["fts MATCH ?", *plan.where, *fwhere]
        params = [plan.drive, *plan.where_params, *fparams]
    elif plan.score is not None:
        sql = (
            f"SELECT {cols.format(score='COALESCE(sc.score, 0.0)')} FROM docs d LEFT JOIN "
            f"(SELECT rowid AS rid, {_BM25} AS score FROM fts WHERE fts MATCH ?) sc ON sc.rid = d.rowid"
        )
        where = [*plan.where, *fwhere]
        params = [plan.score, *plan.where_params, *fparams]
    else:
        sql = f"SELECT {cols.format(score='0.0')} FROM docs d"
        where = [*plan.where, *fwhere]
        params = [*plan.where_params, *fparams]
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, params


def _order_sql(sort: str, alias: str) -> tuple[str, str]:
    """(ORDER BY clause, keyset condition after a cursor) for the sort."""
    key = f"{alias}.date_sort" if sort == "date" else f"{alias}.score"
    return (
        f"ORDER BY {key} DESC, {alias}.id ASC",
        f"({key} < ? OR ({key} = ? AND {alias}.id > ?))",
    )


def _check_request(request: SearchRequest) -> None:
    if request.sort not in ("relevance", "date"):
        raise QueryError(f"unknown sort {request.sort!r}: use 'relevance' or 'date'")
    if request.size < 0:
        raise QueryError("page size must not be negative")


# --- backend -----------------------------------------------------------------


class SqliteFtsBackend:
    name = "sqlite"

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._conn: sqlite3.Connection | None = None
        # One connection shared by threads (":memory:" cannot be shared any
        # other way); the lock keeps statements and transactions from interleaving.
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: "Settings") -> "SqliteFtsBackend":
        return cls(settings.fts_path)

    # connection and schema

    def _unavailable(self, exc: BaseException) -> BackendUnavailable:
        return BackendUnavailable(f"search database {self.path}: {_one_line(exc)}")

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:" and not self.path.startswith("file:"):
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: transactions are explicit (BEGIN IMMEDIATE for writes).
        return sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0, uri=self.path.startswith("file:")
        )

    def _open(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        try:
            conn = self._connect()
        except (OSError, sqlite3.Error) as e:
            raise self._unavailable(e) from None
        try:
            # WAL lets searches read while an indexing run writes. Only switch
            # when needed: a read-only connection can still report "wal".
            if self.path != ":memory:" and conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise sqlite3.OperationalError(f"cannot switch to WAL journal mode (got {mode})")
            conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise sqlite3.DatabaseError(
                    f"schema version {version} is not {SCHEMA_VERSION}; run `warta reindex` to rebuild it"
                )
            present = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('docs', 'doc_values', 'fts')"
            ).fetchone()[0]
            if version != SCHEMA_VERSION or present != 3:
                # Skipped when the schema is there, so opening takes no write
                # lock and a read-only copy of the database can be searched.
                self._create_schema(conn)
        except sqlite3.Error as e:
            conn.close()
            raise self._unavailable(e) from None
        self._conn = conn
        return conn

    @staticmethod
    def _create_schema(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA:
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """Locked transaction; SQLite errors leave as one-line BackendUnavailable."""
        with self._lock:
            conn = self._open()
            try:
                conn.execute(f"BEGIN {mode}")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as e:
                raise self._unavailable(e) from None

    def ensure_ready(self) -> None:
        with self._lock:
            self._open()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # writes

    def index(self, docs: Iterable[dict[str, Any]]) -> int:
        written = 0
        with self._transaction() as conn:
            batch: dict[str, dict[str, Any]] = {}
            for doc in docs:
                # Later copies of an id win, as they would in a bulk upsert.
                batch.pop(doc["id"], None)
                batch[doc["id"]] = doc
                if len(batch) >= _CHUNK:
                    written += self._write_chunk(conn, list(batch.values()))
                    batch.clear()
            if batch:
                written += self._write_chunk(conn, list(batch.values()))
        return written

    @staticmethod
    def _write_chunk(conn: sqlite3.Connection, docs: list[dict[str, Any]]) -> int:
        ids = [(d["id"],) for d in docs]
        conn.executemany(
            _UPSERT_DOC,
            [
                (
                    d["id"], d.get("source_id") or "", d.get("source_type") or "", int(d.get("date_sort") or 0),
                    d.get("month") or "", 1 if d.get("is_canonical", True) else 0, d.get("cluster_id") or d["id"],
                    json.dumps({k: d.get(k) for k in STORED_FIELDS}, ensure_ascii=False, separators=(",", ":")),
                )
                for d in docs
            ],
        )
        conn.executemany(_DELETE_FTS, ids)
        conn.executemany(
            _INSERT_FTS, [(*(d.get(c) or "" for c in _FTS_COLUMNS), d["id"]) for d in docs]
        )
        conn.executemany(_DELETE_VALUES, ids)
        conn.executemany(
            _INSERT_VALUE,
            [(name, value, d["id"]) for d in docs for name in KEYWORD_LIST_FIELDS for value in d.get(name) or ()],
        )
        return len(docs)

    def delete(self, ids: Iterable[str]) -> int:
        unique = [(i,) for i in dict.fromkeys(ids)]
        if not unique:
            return 0
        with self._transaction() as conn:
            conn.executemany(_DELETE_FTS, unique)
            conn.executemany(_DELETE_VALUES, unique)
            return conn.executemany("DELETE FROM docs WHERE id = ?", unique).rowcount

    def reset(self) -> None:
        with self._lock:
            if self._conn is None:
                try:
                    self._conn = self._connect()
                except (OSError, sqlite3.Error) as e:
                    raise self._unavailable(e) from None
            conn = self._conn
            try:
                # A reset also repairs a database from another schema version,
                # so it must not go through the version check in _open.
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for table in ("fts", "doc_values", "docs"):
                        conn.execute(f"DROP TABLE IF EXISTS {table}")
                    conn.execute("PRAGMA user_version = 0")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.close()
            except sqlite3.Error as e:
                raise self._unavailable(e) from None
            finally:
                self._conn = None
            if self.path == ":memory:":
                return  # closing a memory database already emptied it; reopen lazily
            self._open()

    # reads

    def count(self) -> int:
        with self._transaction("DEFERRED") as conn:
            return int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    def search(self, request: SearchRequest) -> SearchPage:
        _check_request(request)
        after = cursor_codec.decode(request.cursor, request.sort) if request.cursor else None
        match_sql, params = _match_sql(request.query, request.filters)
        order, keyset = _order_sql(request.sort, "h")
        # One read transaction: total, facets and the page see the same snapshot,
        # and the match runs once into a temp table instead of once per query.
        with self._transaction("DEFERRED") as conn:
            conn.execute(_HITS_TABLE)
            conn.execute("DELETE FROM temp.warta_hits")
            conn.execute(
                f"INSERT INTO temp.warta_hits (rid, score, date_sort, id, source_id, source_type, month) {match_sql}",
                params,
            )
            total = int(conn.execute("SELECT count(*) FROM temp.warta_hits").fetchone()[0])
            facets = self._facets(conn) if request.facets else {}
            rows: list[tuple[Any, ...]] = []
            if request.size > 0:
                sql = "SELECT h.score, h.date_sort, h.id, d.stored FROM temp.warta_hits h JOIN docs d ON d.rowid = h.rid"
                page_params: list[Any] = []
                if after is not None:
                    sql += f" WHERE {keyset}"
                    page_params = [after[0], after[0], after[1]]
                sql += f" {order} LIMIT ?"
                rows = conn.execute(sql, [*page_params, request.size + 1]).fetchall()
            conn.execute("DELETE FROM temp.warta_hits")
        more = len(rows) > request.size
        hits = [self._hit(row, request) for row in rows[: request.size]]
        next_cursor = None
        if more and hits:
            last = rows[request.size - 1]
            next_cursor = cursor_codec.encode([last[1] if request.sort == "date" else last[0], last[2]])
        return SearchPage(total=total, hits=hits, facets=facets, next_cursor=next_cursor)

    @staticmethod
    def _facets(conn: sqlite3.Connection) -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {}
        for name in FACET_FIELDS:
            if name in _SCALAR_FACETS:
                sql = (
                    f"SELECT {name}, count(*) AS n FROM temp.warta_hits WHERE {name} != '' "
                    f"GROUP BY {name} ORDER BY n DESC, {name} ASC LIMIT {_FACET_LIMIT}"
                )
                rows = conn.execute(sql).fetchall()
            else:
                sql = (
                    "SELECT v.value, count(*) AS n FROM temp.warta_hits h "
                    "JOIN doc_values v ON v.doc = h.rid AND v.field = ? WHERE v.value != '' "
                    f"GROUP BY v.value ORDER BY n DESC, v.value ASC LIMIT {_FACET_LIMIT}"
                )
                rows = conn.execute(sql, (name,)).fetchall()
            out[name] = [(str(value), int(n)) for value, n in rows]
        return out

    @staticmethod
    def _hit(row: tuple[Any, ...], request: SearchRequest) -> Hit:
        score, _, doc_id, stored = row
        doc = json.loads(stored)
        hit = Hit(id=doc_id, score=float(score), doc=doc)
        if request.snippets:
            hit.snippet, hit.highlights = build_snippet(doc.get("body") or doc.get("title") or "", request.query)
        return hit

    def iter_hits(self, request: SearchRequest, page_size: int = 1000) -> Iterator[Hit]:
        """One streaming statement in sort order, read `page_size` rows at a time.

        The lock is held only while fetching, never across a `yield`, so a slow
        consumer of an export does not block other users of the backend.
        """
        _check_request(request)
        if page_size < 1:
            raise QueryError("page size must be at least 1")
        after = cursor_codec.decode(request.cursor, request.sort) if request.cursor else None
        match_sql, params = _match_sql(request.query, request.filters)
        order, keyset = _order_sql(request.sort, "m")
        sql = f"SELECT m.score, m.date_sort, m.id, d.stored FROM ({match_sql}) m JOIN docs d ON d.rowid = m.rid"
        if after is not None:
            sql += f" WHERE {keyset}"
            params = [*params, after[0], after[0], after[1]]
        sql += f" {order}"
        with self._lock:
            try:
                cur = self._open().execute(sql, params)
            except sqlite3.Error as e:
                raise self._unavailable(e) from None
        try:
            while True:
                with self._lock:
                    try:
                        rows = cur.fetchmany(page_size)
                    except sqlite3.Error as e:
                        raise self._unavailable(e) from None
                if not rows:
                    return
                for row in rows:
                    yield self._hit(row, request)
        finally:
            cur.close()
