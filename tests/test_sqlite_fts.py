"""SQLite FTS5 backend specifics; shared semantics live in tests/test_backend_contract.py."""

from __future__ import annotations

import sqlite3
import threading
import tracemalloc
from pathlib import Path
from dataclasses import replace
from typing import Any, Iterator

import numpy as np
import pytest

from indexer.base import Filters, SearchRequest
import indexer.sqlite_fts as sqlite_fts
from indexer.sqlite_fts import SqliteFtsBackend, _fts_expr, _match_sql, _plan, _scores_from_ints, _SCORE_INT_KEYS
from tests.backend_contract import corpus, doc_id
from tests.reference_search import evaluate
from warta.errors import BackendUnavailable, QueryError
from warta.query import And, MatchAll, Not, Or, Phrase, Term, parse
from warta.settings import Settings


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteFtsBackend]:
    backend = SqliteFtsBackend(tmp_path / "fts.sqlite")
    backend.index(corpus())
    yield backend
    backend.close()


# --- user text never reaches MATCH as syntax -------------------------------------

FTS5_SYNTAX = [
    "se-Kalteng", "Pj.", "14/02", "and", "or", "not", "near", "NEAR(pemilu kampanye)", "pemilu+kampanye",
    "^pemilu", "title_exact:pemilu", "{body_exact}:uang", "col: x", "a*b", "pemilu:", ":", "+", "'",
    "pemilu -", "kampanye' OR '1'='1", "pilkada;DROP TABLE docs", "\u00e9lection", "kafé", "rp80",
    "PEMILU*", "(pemilu)", "\"politik\" \"uang\"",
]


@pytest.mark.parametrize("text", FTS5_SYNTAX)
def test_fts5_syntax_in_user_text_is_searched_literally(db: SqliteFtsBackend, text: str) -> None:
    query = parse(text)
    page = db.search(SearchRequest(query=query, sort="date", size=100, filters=Filters(include_copies=True)))
    assert [h.id for h in page.hits] == evaluate(corpus(), query, Filters(include_copies=True)).ids
    assert db.count() == len(corpus())  # nothing was dropped either


def test_tokens_that_parse_never_creates_are_still_quoted(db: SqliteFtsBackend) -> None:
    """Hand-built trees (API callers) may hold quotes, stars or colons."""
    for node in (Term('uang"'), Term("pemilu*"), Term("x:y"), Phrase(('politik"', "uang")), Term("NEAR", prefix=True)):
        db.search(SearchRequest(query=node))
        db.search(SearchRequest(query=Or((node, Not(node)))))


def test_every_token_is_double_quoted() -> None:
    expr = _fts_expr(parse('pemilu AND "politik uang" netral* -hoaks dan'))
    assert expr is not None
    assert '"milu"' in expr and '"pemilu"' in expr and '"politik uang"' in expr and '"netral" *' in expr
    assert '"dan"' in expr and "{title_stem body_stem} : \"dan\"" not in expr  # stop word: exact fields only
    bare = expr
    for quoted in ('"milu"', '"pemilu"', '"politik uang"', '"netral"', '"hoaks"', '"dan"'):
        bare = bare.replace(quoted, "")
    for word in ("milu", "pemilu", "politik", "uang", "netral", "hoaks", "dan"):
        assert word not in bare


def test_values_are_bound_not_spliced() -> None:
    sql, params = _match_sql(parse("pilkada' OR 1=1 --"), Filters(sources=("x'); DROP TABLE docs; --",)))
    assert "DROP" not in sql and "pilkada" not in sql
    assert "x'); DROP TABLE docs; --" in params


@pytest.mark.parametrize(
    "node, driven_by_fts",
    [
        (parse("pemilu kampanye"), True),
        (parse("pemilu -kampanye"), True),
        (parse("(kobar OR kotim) netral*"), True),
        (parse("NOT pemilu"), False),
        (parse("banjir OR NOT pilkada"), False),
        (parse("debat (kalsel OR NOT publik)"), True),  # FTS5 narrows to "debat", SQL checks the rest
        (MatchAll(), False),
        (And((MatchAll(), Term("pemilu"))), True),
    ],
)
def test_plan_uses_one_match_where_fts5_can_express_the_query(node: Any, driven_by_fts: bool) -> None:
    assert (_plan(node).drive is not None) == driven_by_fts
    sql, _ = _match_sql(node, Filters())
    for part in sql.split(" UNION ALL "):
        # bm25 only where the full-text match drives, so only matches are scored.
        assert part.startswith("SELECT d.rowid AS rid, -bm25") == (" FROM fts CROSS JOIN " in part)


# --- errors --------------------------------------------------------------------------


def _assert_one_line_unavailable(path: Path | str) -> str:
    backend = SqliteFtsBackend(path)
    with pytest.raises(BackendUnavailable) as info:
        backend.ensure_ready()
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


def test_db_under_a_regular_file_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    _assert_one_line_unavailable(blocker / "sub" / "fts.sqlite")


def test_db_path_that_is_a_directory_is_a_one_line_error(tmp_path: Path) -> None:
    _assert_one_line_unavailable(tmp_path)


def test_a_file_that_is_not_a_database_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "fts.sqlite"
    path.write_bytes(b"this is not sqlite\n" * 100)
    message = _assert_one_line_unavailable(path)
    assert "not a database" in message


def test_read_only_database_searches_but_writes_are_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "fts.sqlite"
    writer = SqliteFtsBackend(path)
    writer.index(corpus())
    backend = SqliteFtsBackend(f"file:{path}?mode=ro")
    assert backend.search(SearchRequest(query=parse("pilkada"))).total == evaluate(corpus(), parse("pilkada")).total
    with pytest.raises(BackendUnavailable) as info:
        backend.index(corpus()[:1])
    assert "\n" not in str(info.value) and "readonly" in str(info.value)
    backend.close()
    writer.close()


def test_schema_from_another_version_asks_for_reindex_and_reset_repairs(tmp_path: Path) -> None:
    path = tmp_path / "fts.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    backend = SqliteFtsBackend(path)
    with pytest.raises(BackendUnavailable, match="reindex"):
        backend.count()
    backend.reset()
    assert backend.count() == 0
    assert backend.index(corpus()) == len(corpus())
    backend.close()


def test_bad_requests_are_query_errors(db: SqliteFtsBackend) -> None:
    with pytest.raises(QueryError):
        db.search(SearchRequest(query=MatchAll(), size=-1))
    with pytest.raises(QueryError):
        db.search(SearchRequest(query=MatchAll(), sort="newest"))  # type: ignore[arg-type]
    with pytest.raises(QueryError):
        list(db.iter_hits(SearchRequest(query=MatchAll()), page_size=0))


# --- storage --------------------------------------------------------------------------


def test_file_database_uses_wal(db: SqliteFtsBackend) -> None:
    with sqlite3.connect(db.path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_from_settings_uses_fts_path(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    backend = SqliteFtsBackend.from_settings(settings)
    backend.ensure_ready()
    assert Path(backend.path) == settings.fts_path and settings.fts_path.exists()
    assert backend.name == "sqlite"
    backend.close()


def test_reset_creates_a_missing_data_dir(tmp_path: Path) -> None:
    backend = SqliteFtsBackend(tmp_path / "baru" / "fts.sqlite")
    backend.reset()
    assert backend.count() == 0 and (tmp_path / "baru" / "fts.sqlite").exists()
    backend.close()


def test_upsert_and_delete_leave_no_stale_index_rows(db: SqliteFtsBackend) -> None:
    docs = corpus()
    db.index(docs)  # the whole corpus again: every row is an update
    db.delete([doc_id("kobar-rakor")])
    with sqlite3.connect(db.path) as conn:
        n_docs = conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        n_fts = conn.execute("SELECT count(*) FROM fts").fetchone()[0]
        orphans = conn.execute("SELECT count(*) FROM doc_values WHERE doc NOT IN (SELECT rowid FROM docs)").fetchone()[0]
    assert n_docs == n_fts == len(docs) - 1 and orphans == 0


def test_duplicate_ids_in_one_batch_keep_the_last() -> None:
    backend = SqliteFtsBackend(":memory:")
    first, second = corpus()[0], dict(corpus()[0])
    second["title"] = "Judul pengganti"
    assert backend.index([first, second]) == 1
    page = backend.search(SearchRequest(query=MatchAll()))
    assert [h.doc["title"] for h in page.hits] == ["Judul pengganti"]


def test_memory_database_reset() -> None:
    backend = SqliteFtsBackend(":memory:")
    backend.index(corpus())
    backend.reset()
    assert backend.count() == 0
    backend.index(corpus()[:3])
    assert backend.search(SearchRequest(query=MatchAll())).total == 3


def test_second_connection_sees_committed_writes(db: SqliteFtsBackend) -> None:
    reader = SqliteFtsBackend(db.path)
    assert reader.count() == len(corpus())
    db.delete([doc_id("kobar-asn")])
    assert reader.count() == len(corpus()) - 1
    reader.close()


# --- streaming ------------------------------------------------------------------------


def _bulky_docs(n: int, body_chars: int) -> list[dict[str, Any]]:
    """Valid documents whose stored body is large but whose token fields are tiny,
    so the test measures what iter_hits holds in memory, not indexing cost."""
    base = corpus()[0]
    out = []
    for i in range(n):
        doc = dict(base)
        doc.update(id=f"besar-{i:05d}", body="x" * body_chars, date_sort=base["date_sort"] + i, cluster_id=f"besar-{i:05d}")
        out.append(doc)
    return out


def test_iter_hits_streams_instead_of_loading_everything(tmp_path: Path) -> None:
    backend = SqliteFtsBackend(tmp_path / "fts.sqlite")
    backend.index(_bulky_docs(1500, 20_000))  # ~30 MB of stored bodies
    request = SearchRequest(query=MatchAll(), sort="date", snippets=False)
    tracemalloc.start()
    try:
        hits = backend.iter_hits(request, page_size=10)
        first = [next(hits) for _ in range(15)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [h.id for h in first] == [f"besar-{i:05d}" for i in range(1499, 1484, -1)]
    assert peak < 5_000_000, f"iter_hits held {peak} bytes for 15 hits"
    assert sum(1 for _ in hits) == 1500 - 15
    backend.close()


def test_iter_hits_releases_the_backend_between_pages(db: SqliteFtsBackend) -> None:
    """Another thread can search while an export is paused mid-stream."""
    hits = db.iter_hits(SearchRequest(query=MatchAll(), sort="date"), page_size=5)
    first = next(hits)
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(db.search(SearchRequest(query=parse("pilkada"))).total))
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive() and result == [evaluate(corpus(), parse("pilkada")).total]
    rest = [h.id for h in hits]
    assert [first.id, *rest] == evaluate(corpus(), MatchAll()).ids


def test_an_abandoned_stream_frees_the_backend_and_its_reader_thread(tmp_path: Path) -> None:
    """iter_hits reads ahead in a worker thread: closing the stream early must stop it,
    close the cursor and release the lock, so writes and new streams go on."""
    backend = SqliteFtsBackend(tmp_path / "fts.sqlite")
    backend.index(_bulky_docs(300, 100))
    before = {t.name for t in threading.enumerate()}
    hits = backend.iter_hits(SearchRequest(query=MatchAll(), sort="date", snippets=False), page_size=7)
    assert next(hits).id == "besar-00299"
    hits.close()
    assert not [t for t in threading.enumerate() if t.name == "sqlite-read-ahead" and t.name not in before]
    backend.index(_bulky_docs(301, 100)[300:])  # needs the lock the reader held while fetching
    assert sum(1 for _ in backend.iter_hits(SearchRequest(query=MatchAll(), snippets=False), page_size=7)) == 301
    backend.close()


# --- in-memory facet index --------------------------------------------------------


def test_facets_follow_writes_of_this_and_other_connections(tmp_path: Path) -> None:
    """The facet index is cached per snapshot: a commit from anywhere must invalidate it."""
    path = tmp_path / "fts.sqlite"
    reader, writer = SqliteFtsBackend(path), SqliteFtsBackend(path)
    docs = corpus()
    request = SearchRequest(query=MatchAll(), filters=Filters(include_copies=True), size=0)

    def expected(subset: list[dict[str, Any]]) -> dict[str, list[tuple[str, int]]]:
        return evaluate(subset, MatchAll(), Filters(include_copies=True)).facets

    reader.index(docs[:5])
    assert reader.search(request).facets == expected(docs[:5])
    reader.index(docs[5:10])  # same connection: data_version does not move, total_changes does
    assert reader.search(request).facets == expected(docs[:10])
    writer.index(docs[10:])  # another connection
    assert reader.search(request).facets == expected(docs)
    writer.delete([docs[0]["id"]])
    assert reader.search(request).facets == expected(docs[1:])
    reader.reset()
    assert reader.search(request).facets == expected([])
    reader.close()
    writer.close()


def test_version_1_database_gains_the_hits_index_in_place(tmp_path: Path) -> None:
    path = tmp_path / "fts.sqlite"
    backend = SqliteFtsBackend(path)
    backend.index(corpus())
    backend.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX docs_hits")
        conn.execute("PRAGMA user_version = 1")
    backend = SqliteFtsBackend(path)
    query = parse("pilkada")
    assert backend.search(SearchRequest(query=query)).total == evaluate(corpus(), query).total
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'docs_hits'").fetchone()[0] == 1
    backend.close()


# --- the search pass: exact scores, ranking in numpy -----------------------------------


@pytest.mark.parametrize(
    "score", [0.0, 2.0**-45, 6.476482449854496e-07, 1e-6 / 3, 0.1 + 0.2, 1.0, 7.25e3, 2.0**18 - 2.0**-30]
)
def test_scores_cross_into_numpy_exactly(score: float) -> None:
    conn = sqlite3.connect(":memory:")
    whole, frac = conn.execute(f"SELECT {', '.join(_SCORE_INT_KEYS)} FROM (SELECT ? AS score) m", [score]).fetchone()
    scores = _scores_from_ints(np.array([whole]), np.array([frac]))
    assert scores is not None and scores[0] == score


@pytest.mark.parametrize("score", [2.0**-46, 2.0**19])
def test_scores_outside_the_exact_range_are_refused(score: float) -> None:
    conn = sqlite3.connect(":memory:")
    whole, frac = conn.execute(f"SELECT {', '.join(_SCORE_INT_KEYS)} FROM (SELECT ? AS score) m", [score]).fetchone()
    assert _scores_from_ints(np.array([whole]), np.array([frac])) is None


def _pages(backend: SqliteFtsBackend, request: SearchRequest) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    while True:
        page = backend.search(request)
        out += [(h.id, h.score) for h in page.hits]
        if page.next_cursor is None:
            return out
        request = replace(request, cursor=page.next_cursor)


@pytest.mark.parametrize("text", ["pilkada", "kampanye OR NOT pilkada", "banjir OR NOT pilkada", "pemilu -kampanye"])
def test_search_pages_rank_like_the_sql_order_by(db: SqliteFtsBackend, text: str) -> None:
    """numpy ranks the page with the keys of iter_hits' ORDER BY, including the score text fallback."""
    request = SearchRequest(query=parse(text), size=3, facets=False, snippets=False)
    streamed = [(h.id, h.score) for h in db.iter_hits(request)]
    assert _pages(db, request) == streamed
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sqlite_fts, "_scores_from_ints", lambda whole, frac: None)
        assert _pages(db, request) == streamed


def test_date_sorted_hits_are_not_scored(db: SqliteFtsBackend) -> None:
    page = db.search(SearchRequest(query=parse("pilkada"), sort="date"))
    assert page.hits and all(h.score == 0.0 for h in page.hits)
    assert all(h.score == 0.0 for h in db.iter_hits(SearchRequest(query=parse("pilkada"), sort="date")))


@pytest.mark.parametrize("sort", ["date", "relevance"])
def test_cursor_of_a_deleted_document_pages_like_the_sql_keyset(db: SqliteFtsBackend, sort: str) -> None:
    """The cursor's id is gone: numpy must still place it in id order as SQL's `id > ?` does."""
    request = SearchRequest(
        query=parse("pilkada OR pemilu"), filters=Filters(include_copies=True), sort=sort, size=2  # type: ignore[arg-type]
    )
    first = db.search(request)
    assert first.next_cursor is not None
    db.delete([first.hits[-1].id])
    rest = replace(request, cursor=first.next_cursor, size=100)
    assert [h.id for h in db.search(rest).hits] == [h.id for h in db.iter_hits(rest)]
