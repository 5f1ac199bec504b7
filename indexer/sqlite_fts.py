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

import contextlib
import json
import queue
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from indexer import cursor as cursor_codec
from indexer.base import FACET_FIELDS, LIST_FILTER_FIELDS, Filters, Hit, SearchPage, SearchRequest
from indexer.document import KEYWORD_LIST_FIELDS, STORED_FIELDS
from indexer.snippets import build_snippet
from warta.errors import BackendUnavailable, QueryError
from warta.store import read_only_location, read_only_uri, storage_error
from warta.query import And, MatchAll, Node, Not, Or, Phrase, Term, positive_leaves
from warta.textnorm import stem, stop_words

if TYPE_CHECKING:
    from warta.settings import Settings

SCHEMA_VERSION = 2
# Versions `_create_schema` upgrades in place: its statements are all IF NOT
# EXISTS, and version 1 only lacks the `docs_hits` index.
_UPGRADABLE_VERSIONS = (0, 1)
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
    # Keyed by rowid and covering every column a search reads besides `stored`:
    # the table's rows carry the JSON blob (1-8 rows per page), so checking
    # is_canonical for 90k FTS matches through the table took 3x longer.
    "CREATE INDEX IF NOT EXISTS docs_hits ON docs(rowid, is_canonical, date_sort, id, source_id, source_type, month)",
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



def _rollback(conn: sqlite3.Connection) -> None:
    """Undo an open transaction without hiding the error that ended it: after
    SQLITE_FULL or an I/O error SQLite may have rolled back already, and a second
    ROLLBACK would fail with "no transaction is active" instead of the real reason."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- query compilation ------------------------------------------------------


def _quote(text: str) -> str:
    # FTS5 reads the expression as a C string: a NUL would end it inside the quotes
    # ("unterminated string"). Indexed text never holds one, and the tokenizer
    # splits on it, so a space searches the same thing.
    return '"' + text.replace("\x00", " ").replace('"', '""') + '"'


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


def _filter_sql(filters: Filters, canonical: bool = True) -> tuple[list[str], list[Any]]:
    """SQL conditions over `d` for the filters; without the canonical-only one unless `canonical`."""
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
    if canonical and filters.canonical_only():
        where.append("d.is_canonical = 1")
    return where, params


def _select(cols: str, source: str, where: list[str]) -> str:
    return f"SELECT {cols} {source}" + (" WHERE " + " AND ".join(where) if where else "")


def _match_sql(node: Node, filters: Filters, scored: bool = True) -> tuple[str, list[Any]]:
    """SELECT rid, score, date_sort, id of every match; score is 0.0 unless `scored`.

    bm25 costs ~0.7 µs per match, the biggest share of a broad query, so only
    relevance-sorted pages ask for it. It sits in the SELECT list of a query
    whose WHERE holds every condition: SQLite then scores only rows that match.
    """
    plan = _plan(node)
    fwhere, fparams = _filter_sql(filters)
    cols = "d.rowid AS rid, {score} AS score, d.date_sort, d.id"
    # CROSS JOIN fixes the order: the full-text match drives. Left to itself SQLite may
    # walk a filter's index (source, source type) and run MATCH once per row — 100x slower.
    by_fts = "FROM fts CROSS JOIN docs d INDEXED BY docs_hits ON d.rowid = fts.rowid"
    if plan.drive is not None:
        sql = _select(cols.format(score=_BM25 if scored else "0.0"), by_fts, ["fts MATCH ?", *plan.where, *fwhere])
        return sql, [plan.drive, *plan.where_params, *fparams]
    rest = [*plan.where, *fwhere]
    rest_params = [*plan.where_params, *fparams]
    if plan.score is None or not scored:
        return _select(cols.format(score="0.0"), "FROM docs d", rest), rest_params
    # Matches of the positive words get their bm25, the others (`a OR NOT b`) 0.0:
    # two disjoint halves. A LEFT JOIN on a scored subquery computed bm25 for every
    # positive match before the conditions (90 ms for the 21 hits of `a OR NOT b` + a kabupaten).
    # Each half knows something of the positive words, so its predicate needs fewer
    # full-text subqueries (each one a scan of its matches).
    leaves = frozenset(positive_leaves(node))
    halves: list[str] = []
    params: list[Any] = []
    for matched in (True, False):
        # Matching the OR of the words says which word only when there is one.
        known = _assume(node, leaves, matched) if len(leaves) == 1 or not matched else node
        params.append(plan.score)
        if matched:
            score, source, match = _BM25, by_fts, "fts MATCH ?"
        else:
            score, source, match = "0.0", "FROM docs d", "d.rowid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
        where = [match, _predicate(known, params), *fwhere]
        params += fparams
        halves.append(_select(cols.format(score=score), source, where))
    return " UNION ALL ".join(halves), params


def _assume(node: Node, leaves: frozenset[Term | Phrase], value: bool) -> Node:
    """`node` with `leaves` replaced by `value` (MatchAll() true, Not(MatchAll()) false), simplified."""
    true, false = MatchAll(), Not(MatchAll())
    if isinstance(node, (Term, Phrase)):
        return (true if value else false) if node in leaves else node
    if isinstance(node, Not):
        child = _assume(node.child, leaves, value)
        return false if child == true else true if child == false else Not(child)
    if isinstance(node, (And, Or)):
        # AND: a false child decides, true ones drop out; OR the other way round.
        decides, drops = (false, true) if isinstance(node, And) else (true, false)
        children = [_assume(c, leaves, value) for c in node.children]
        if decides in children:
            return decides
        rest = tuple(c for c in children if c != drops)
        return drops if not rest else rest[0] if len(rest) == 1 else type(node)(rest)
    return node


def _search_sql(node: Node, filters: Filters, scored: bool) -> tuple[str, list[Any], bool]:
    """(SELECT rid, score of every match, its parameters, whether numpy must still
    drop syndicated copies). With no condition beyond one MATCH and canonical-only,
    the full-text index alone answers: joining docs to read is_canonical cost ~20 %
    of a broad query, the snapshot index's flags ~1 ms."""
    plan = _plan(node)
    if plan.drive is not None and not plan.where and not _filter_sql(filters, canonical=False)[0]:
        sql = f"SELECT rowid AS rid, {_BM25 if scored else '0.0'} AS score FROM fts WHERE fts MATCH ?"
        return sql, [plan.drive], filters.canonical_only()
    sql, params = _match_sql(node, filters, scored)
    return sql, params, False


def _order_sql(sort: str, alias: str) -> tuple[str, str]:
    """(ORDER BY clause, keyset condition after a cursor) for the sort."""
    key = f"{alias}.date_sort" if sort == "date" else f"{alias}.score"
    return (
        f"ORDER BY {key} DESC, {alias}.id ASC",
        f"({key} < ? OR ({key} = ? AND {alias}.id > ?))",
    )


# A relevance score crosses into numpy as two integers, exactly: x = score * 2**44,
# then trunc(x) and the fraction's 53 bits; the page's order and cursors need the
# very double SQL's ORDER BY compares. Exact for 2**-45 <= score < 2**18 (bm25 with
# these weights stays far inside); outside, the search falls back to
# printf('%!.17g'), which costs ~0.3 µs per match, as much as the rest of the transfer.
_SCORE_SHIFT = 44
_SCORE_X = f"(m.score * {float(2 ** _SCORE_SHIFT)!r})"
_SCORE_INT_KEYS = (
    f"CAST({_SCORE_X} AS INTEGER)",
    f"CAST(({_SCORE_X} - CAST({_SCORE_X} AS INTEGER)) * {float(2 ** 53)!r} AS INTEGER)",
)
_SCORE_TEXT_KEY = "printf('%!.17g', m.score)"


def _scores_from_ints(whole: np.ndarray, frac: np.ndarray) -> np.ndarray | None:
    """The exact scores, or None when one lies outside the exactly encoded range."""
    # score < 2**-45: the fraction had bits below 2**-53; >= 2**18: CAST saturates.
    tiny = (whole == 0) & (frac > 0) & (frac < 2**52)
    if np.any(tiny | (whole < 0) | (frac < 0) | (whole >= 2**62)):
        return None
    return np.ldexp(whole.astype(np.float64) + np.ldexp(frac.astype(np.float64), -53), -_SCORE_SHIFT)


def _top(keys: np.ndarray, id_ranks: np.ndarray, n: int) -> np.ndarray:
    """Positions of the first `n` entries by key descending, then id ascending (the ORDER BY)."""
    if len(keys) > n:
        # Every entry tied with the n-th key stays a candidate: ids decide among them.
        kth = np.partition(keys, len(keys) - n)[len(keys) - n]
        candidates = np.flatnonzero(keys >= kth)
    else:
        candidates = np.arange(len(keys))
    order = np.lexsort((id_ranks[candidates], -keys[candidates]))
    return candidates[order[:n]]


def _check_request(request: SearchRequest) -> None:
    if request.sort not in ("relevance", "date"):
        raise QueryError(f"unknown sort {request.sort!r}: use 'relevance' or 'date'")
    if request.size < 0:
        raise QueryError("page size must not be negative")


# --- in-memory index: facets and id order ------------------------------------


def _int_array(joined: str | None) -> np.ndarray:
    """A group_concat of integers: one string crosses into Python instead of a
    tuple per row (half the cost at 90k matches)."""
    return np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class _FacetColumn:
    values: list[str]  # sorted, so a value's code orders like the value
    docs: np.ndarray  # rowids, one entry per (value, document)
    codes: np.ndarray  # index into `values` for each entry of `docs`


@dataclass(frozen=True)
class _SnapshotIndex:
    """Every facet value's rowids and every document's place in id order, in memory.

    Counting facets in SQL (GROUP BY over the hits joined to docs / doc_values)
    took 40-80 ms per facet for a 90k-hit query at 100k documents; here all nine
    take a few ms. The id order breaks ties of the page's sort key in numpy.
    Loading reads the small indexes, not the JSON (~0.2 s at 100k) and is
    repeated after every commit, like Elasticsearch's refresh. Memory per 100k
    documents: 12 bytes per (facet value, document) pair (13.5 MB for the 1.13M
    pairs of the synthetic benchmark corpus) plus 13 bytes per rowid for the id
    rank, date and canonical flag (1.3 MB).
    """

    # (connection, PRAGMA data_version, total_changes): holding the connection
    # itself, not its id(), so a reopened one can never look like the old one.
    key: tuple[sqlite3.Connection, int, int]
    size: int  # 1 + the largest rowid
    columns: dict[str, _FacetColumn]
    id_ranks: np.ndarray  # int32 by rowid: position of the document's id in `ORDER BY id`
    dates: np.ndarray  # int64 by rowid: date_sort
    canonical: np.ndarray  # bool by rowid: is_canonical

    @classmethod
    def load(cls, conn: sqlite3.Connection, key: tuple[sqlite3.Connection, int, int]) -> "_SnapshotIndex":
        columns: dict[str, _FacetColumn] = {}
        for name in FACET_FIELDS:
            if name in _SCALAR_FACETS:
                sql = f"SELECT {name}, group_concat(rowid) FROM docs WHERE {name} != '' GROUP BY {name}"
                rows = conn.execute(sql).fetchall()
            else:
                sql = "SELECT value, group_concat(doc) FROM doc_values WHERE field = ? AND value != '' GROUP BY value"
                rows = conn.execute(sql, (name,)).fetchall()
            rows.sort(key=lambda r: r[0])
            docs = [_int_array(joined) for _, joined in rows]
            columns[name] = _FacetColumn(
                values=[str(value) for value, _ in rows],
                docs=np.concatenate(docs) if docs else np.empty(0, dtype=np.int64),
                codes=np.repeat(np.arange(len(docs), dtype=np.int32), [len(d) for d in docs]),
            )
        # SQLite sorts, so the ranks follow its BINARY collation exactly.
        by_id = _int_array(
            conn.execute("SELECT group_concat(rowid) FROM (SELECT rowid FROM docs ORDER BY id)").fetchone()[0]
        )
        size = 1 + max((int(c.docs.max()) for c in columns.values() if len(c.docs)), default=0)
        size = max(size, 1 + int(by_id.max(initial=0)))
        id_ranks = np.zeros(size, dtype=np.int32)
        id_ranks[by_id] = np.arange(len(by_id), dtype=np.int32)
        rids, dates, flags = (
            _int_array(joined)
            for joined in conn.execute(
                "SELECT group_concat(rowid), group_concat(date_sort), group_concat(is_canonical) "
                "FROM docs INDEXED BY docs_hits"
            ).fetchone()
        )
        by_rid = np.zeros(size, dtype=np.int64)
        by_rid[rids] = dates
        canonical = np.zeros(size, dtype=bool)
        canonical[rids] = flags == 1
        return cls(key=key, size=size, columns=columns, id_ranks=id_ranks, dates=by_rid, canonical=canonical)

    def first_rank_after(self, conn: sqlite3.Connection, doc_id: str) -> int:
        """Id rank of the first document whose id sorts after `doc_id` (which may be gone)."""
        row = conn.execute("SELECT rowid FROM docs WHERE id > ? ORDER BY id LIMIT 1", [doc_id]).fetchone()
        return int(self.id_ranks[row[0]]) if row else len(self.id_ranks)

    def counts(self, rids: np.ndarray) -> dict[str, list[tuple[str, int]]]:
        hit = np.zeros(self.size, dtype=bool)
        hit[rids[rids < self.size]] = True
        out: dict[str, list[tuple[str, int]]] = {}
        for name, col in self.columns.items():
            counts = np.bincount(col.codes[hit[col.docs]], minlength=len(col.values))
            present = np.flatnonzero(counts)
            # Count descending, then value ascending (codes follow value order).
            top = present[np.lexsort((present, -counts[present]))][:_FACET_LIMIT]
            out[name] = [(col.values[i], int(counts[i])) for i in top]
        return out


@dataclass(frozen=True)
class _Matches:
    """Every match of a request from one pass over the full-text index: the
    rowids (total, facets) and, for a relevance-sorted page, their exact scores."""

    rids: np.ndarray
    scores: np.ndarray | None  # None: no relevance-sorted page asked

    @classmethod
    def read(cls, conn: sqlite3.Connection, request: SearchRequest, index: _SnapshotIndex) -> "_Matches":
        relevance = request.size > 0 and request.sort == "relevance"
        # Without a positive word every score is 0.0: nothing to compute or transfer.
        scored = relevance and bool(positive_leaves(request.query))
        sql, params, copies_left = _search_sql(request.query, request.filters, scored=scored)

        def columns(*keys: str) -> tuple[str | None, ...]:
            # LIMIT -1 keeps the subquery from being flattened: bm25 is not allowed in
            # an aggregate and would run once per column otherwise.
            concat = ", ".join(f"group_concat({c})" for c in ("m.rid", *keys))
            return tuple(conn.execute(f"SELECT {concat} FROM ({sql} LIMIT -1) m", params).fetchone())

        scores: np.ndarray | None = None
        if scored:
            joined, whole, frac = columns(*_SCORE_INT_KEYS)
            scores = _scores_from_ints(_int_array(whole), _int_array(frac))
            if scores is None:
                joined, text = columns(_SCORE_TEXT_KEY)
                scores = np.fromstring(text, dtype=np.float64, sep=",") if text else np.empty(0, dtype=np.float64)
        else:
            (joined,) = columns()
        rids = _int_array(joined)
        if relevance and scores is None:
            scores = np.zeros(len(rids))
        if copies_left:
            keep = index.canonical[rids]
            rids, scores = rids[keep], None if scores is None else scores[keep]
        return cls(rids, scores)


# --- backend -----------------------------------------------------------------


class SqliteFtsBackend:
    name = "sqlite"

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._conn: sqlite3.Connection | None = None
        # One connection shared by threads (":memory:" cannot be shared any
        # other way); the lock keeps statements and transactions from interleaving.
        self._lock = threading.RLock()
        self._index: _SnapshotIndex | None = None

    @classmethod
    def from_settings(cls, settings: "Settings") -> "SqliteFtsBackend":
        return cls(settings.fts_path)

    # connection and schema

    def _unavailable(self, exc: BaseException) -> BackendUnavailable:
        # A full or read-only disk gets a message that says so, not just SQLite's wording.
        on_disk = None if self.path == ":memory:" or self.path.startswith("file:") else Path(self.path)
        mapped = storage_error(exc, f"the search database {self.path}", path=on_disk,
                               kept="the store keeps every article; `warta reindex` rebuilds the index")
        return BackendUnavailable(str(mapped) if mapped else f"search database {self.path}: {_one_line(exc)}")

    def _open_read_only(self, exc: sqlite3.Error) -> sqlite3.Connection:
        """A search database on a read-only disk can still be searched; writes then fail in one line."""
        path = Path(self.path)
        if self.path == ":memory:" or self.path.startswith("file:") or not path.is_file() \
                or not read_only_location(path):
            raise self._unavailable(exc)
        try:
            conn = sqlite3.connect(read_only_uri(path), uri=True, isolation_level=None, check_same_thread=False,
                                   timeout=30.0)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except (OSError, sqlite3.Error) as e:
            raise self._unavailable(e) from None
        if version != SCHEMA_VERSION:
            conn.close()
            raise self._unavailable(exc)
        return conn

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
            if version not in (*_UPGRADABLE_VERSIONS, SCHEMA_VERSION):
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
            conn = self._open_read_only(e)
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
            _rollback(conn)
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
                    conn.execute("COMMIT")  # a full disk can fail the commit: roll back then too
                except BaseException:
                    _rollback(conn)
                    raise
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
                    _rollback(conn)
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
        # One read transaction: total, facets and the page see the same snapshot.
        with self._transaction("DEFERRED") as conn:
            index = self._snapshot_index(conn)
            matches = _Matches.read(conn, request, index)
            facets = index.counts(matches.rids) if request.facets else {}
            rows = self._page_rows(conn, index, matches, request, after) if request.size > 0 else []
        more = len(rows) > request.size
        hits = [self._hit(row, request) for row in rows[: request.size]]
        next_cursor = None
        if more and hits:
            _, sort_value, doc_id, _ = rows[request.size - 1]
            next_cursor = cursor_codec.encode([sort_value, doc_id])
        return SearchPage(total=len(matches.rids), hits=hits, facets=facets, next_cursor=next_cursor)

    @staticmethod
    def _page_rows(
        conn: sqlite3.Connection, index: _SnapshotIndex, matches: _Matches, request: SearchRequest,
        after: list[Any] | None,
    ) -> list[tuple[Any, ...]]:
        """(score, sort value, id, stored) of the page plus one row, to know whether more follow.

        Ranked in numpy with the ORDER BY's exact keys: (score or date_sort) descending, then id.
        """
        rids = matches.rids
        keys = matches.scores if matches.scores is not None else index.dates[rids]
        ranks = index.id_ranks[rids]
        if after is not None:
            later = (keys < after[0]) | ((keys == after[0]) & (ranks >= index.first_rank_after(conn, after[1])))
            rids, keys, ranks = rids[later], keys[later], ranks[later]
        top = _top(keys, ranks, request.size + 1)
        page = rids[top].tolist()
        if not page:
            return []
        # `stored` (overflow pages) is read for the rows shown only.
        found = {
            rid: (doc_id, stored)
            for rid, doc_id, stored in conn.execute(
                "SELECT rowid, id, stored FROM docs WHERE rowid IN (SELECT value FROM json_each(?))", [json.dumps(page)]
            )
        }
        # A date-sorted page is not scored, as in Elasticsearch (no `track_scores`).
        return [
            (key if matches.scores is not None else 0.0, key, *found[rid])
            for rid, key in zip(page, keys[top].tolist())
        ]

    def _snapshot_index(self, conn: sqlite3.Connection) -> "_SnapshotIndex":
        # Any commit, by this connection (total_changes) or another one
        # (data_version), or a reopened connection invalidates the index.
        key = (conn, conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        if self._index is None or self._index.key != key:
            self._index = _SnapshotIndex.load(conn, key)
        return self._index

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
        match_sql, params = _match_sql(request.query, request.filters, scored=request.sort == "relevance")
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
        def fetch() -> list[Any]:
            with self._lock:
                try:
                    return cur.fetchmany(page_size)
                except sqlite3.Error as e:
                    raise self._unavailable(e) from None

        try:
            for rows in _read_ahead(fetch):
                for row in rows:
                    yield self._hit(row, request)
        finally:
            cur.close()


def _read_ahead(fetch: Callable[[], list[Any]], depth: int = 2) -> Iterator[list[Any]]:
    """The pages `fetch` returns (until an empty one), read by a worker thread up to
    `depth` pages ahead. SQLite releases the GIL while it steps through the table, so
    reading the next page overlaps with the caller decoding and writing this one —
    a 1M-row export is bound by exactly these two."""
    pages: queue.Queue[list[Any] | BaseException] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            while not stop.is_set():
                page = fetch()
                pages.put(page)
                if not page:
                    return
        except BaseException as e:  # handed to the consumer, raised there
            pages.put(e)

    worker = threading.Thread(target=work, name="sqlite-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = pages.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        # The consumer may stop early: unblock a pending put, then wait, so the
        # cursor is never closed under a fetch in progress.
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                pages.get(timeout=0.05)
        worker.join()
