"""THE backend contract suite: every test runs against SQLite FTS5 and Elasticsearch.

Results are compared to the pure-Python reference evaluator of
docs/search-semantics.md (tests/reference_search.py), never to each other, so
a failure names the backend that is wrong. Contract assumption beyond the
Protocol docstrings: documents are searchable as soon as `index()` returns.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest

from indexer import cursor as cursor_codec
from indexer.base import FACET_FIELDS, Filters, SearchBackend, SearchRequest
from indexer.document import build_document
from indexer.snippets import build_snippet
from tests.backend_contract import (
    ITEMS, QUERY_CASES, Case, assert_same_as_reference, corpus, doc_id, stored_fields, walk,
)
from tests.reference_search import evaluate, facet_counts
from warta.errors import QueryError
from warta.models import Article
from warta.query import parse
from warta.textnorm import stem, tokens


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.es)])
def backend(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[SearchBackend]:
    """A fresh, empty, ready backend."""
    if request.param == "sqlite":
        from indexer.sqlite_fts import SqliteFtsBackend

        sqlite = SqliteFtsBackend(tmp_path / "search-fts.sqlite")
        sqlite.ensure_ready()
        yield sqlite
        sqlite.close()
    else:
        factory = request.getfixturevalue("es_backend_factory")
        yield factory()  # the factory drops its indices and closes it


@pytest.fixture
def docs() -> list[dict[str, Any]]:
    return corpus()


@pytest.fixture
def loaded(backend: SearchBackend, docs: list[dict[str, Any]]) -> SearchBackend:
    assert backend.index(docs) == len(docs)
    return backend


# --- the oracle itself ----------------------------------------------------------


def _keys(query: str, filters: Filters = Filters()) -> set[str]:
    by_id = {doc_id(i.key): i.key for i in ITEMS}
    return {by_id[i] for i in evaluate(corpus(), parse(query), filters).ids}


def test_reference_honours_the_traps_the_corpus_was_built_for() -> None:
    """The oracle is only worth something if it gets the documented traps right."""
    assert stem("pemilu") != stem("pemilihan")
    assert "kaltengpos-pemilihan" not in _keys("pemilu")
    assert "kaltengpos-pemilihan" in _keys("pemilihan")
    assert "kotim-pemilih-pemula" in _keys("pemilihan")  # "memilih" shares the stem "pilih"
    assert "kobar-asn" in _keys("kampanye")  # via "berkampanye"
    assert "bebaca-pemilu-caps" in _keys("pemilu")
    assert "kaltengpos-cross" not in _keys('"politik uang"')  # "Politik" ends the title, "Uang" starts the body
    assert _keys('"melek politik uang"') == set()
    assert "kaltengpos-cross" in _keys("politik uang")
    assert "kobar-pilkada-netral" in _keys("se-Kalteng")
    assert "kaltengpos-kalteng" not in _keys("se-Kalteng")
    assert _keys("Pj.") >= {"kobar-rakor", "kaltengpos-pj", "kaltim-pj-walikota", "balangan-pelantikan"}
    assert "kobar-tps" in _keys("14/02") and "jakarta-kpu" in _keys("14/02")
    assert "jakarta-tanggal" not in _keys("14/02") and "jakarta-tanggal" in _keys("02/14")
    assert _keys("and") == {"antara-debat-kalsel"}  # the copy is collapsed
    assert _keys("and", Filters(include_copies=True)) == {"antara-debat-kalsel", "antara-debat-kalsel-bebaca"}
    assert {"balangan-pelantikan", "bandung-kuliner"} <= _keys("kafe")
    assert "kaltengpos-banjir" in _keys("ada") and "kukar-festival" not in _keys("ada")
    assert _keys("diadakan") == {"kukar-festival"}
    # "kenetralan": the stem of the word "netral", but not a token starting with "netral"
    assert "bandung-netralitas" not in _keys("netral*") and "bandung-netralitas" in _keys("netral")
    assert "kaltengpos-banjir" in _keys("NOT pemilu") and "kobar-rakor" not in _keys("NOT pemilu")
    # 2024-10-31T18:30Z is 1 November in Jakarta; 16:59:59Z on 30 Nov is still November.
    assert "kotim-debat" in _keys("", Filters(date_from=datetime(2024, 11, 1).date()))
    assert "kotim-debat" not in _keys("", Filters(date_to=datetime(2024, 10, 31).date()))
    assert "kukar-pns" in _keys("", Filters(date_from=datetime(2024, 1, 1).date(), date_to=datetime(2024, 1, 1).date()))
    one_day = Filters(date_from=datetime(2024, 11, 30).date(), date_to=datetime(2024, 11, 30).date())
    assert _keys("", one_day) == {"kotim-rekap"}
    assert "kaltengpos-karhutla" not in _keys("", Filters(date_to=datetime(2030, 1, 1).date()))
    assert _keys("politik uang", Filters(sources=("bebaca",))) >= {"antara-politik-uang-bebaca"}
    months = dict(facet_counts(corpus())["month"])
    assert months["2024-11"] > 0 and "" not in months


def test_corpus_shape() -> None:
    docs = corpus()
    assert 55 <= len(docs) <= 70
    assert len({d["id"] for d in docs}) == len(docs)
    assert sum(1 for d in docs if d["date_sort"] == 0) >= 3
    assert sum(1 for d in docs if not d["is_canonical"]) >= 4
    assert len({d["source_id"] for d in docs}) >= 8
    assert {d["source_type"] for d in docs} == {"news", "government", "election_body"}
    assert sum(1 for d in docs if not d["election_related"]) >= 8
    assert len(QUERY_CASES) >= 30


# --- same results as the reference ---------------------------------------------------


@pytest.mark.parametrize("case", QUERY_CASES, ids=[c.label for c in QUERY_CASES])
def test_search_equals_reference(loaded: SearchBackend, docs: list[dict[str, Any]], case: Case) -> None:
    assert_same_as_reference(loaded, docs, case)


def test_every_facet_field_is_returned(loaded: SearchBackend, docs: list[dict[str, Any]]) -> None:
    page = loaded.search(SearchRequest(query=parse(""), filters=Filters(include_copies=True), size=0))
    assert set(page.facets) == set(FACET_FIELDS)
    assert page.facets == facet_counts(docs)
    assert page.total == len(docs) and page.hits == [] and page.next_cursor is None


def test_no_facets_when_not_requested(loaded: SearchBackend) -> None:
    page = loaded.search(SearchRequest(query=parse("pilkada"), facets=False))
    assert page.total > 0 and not any(page.facets.values())


def test_hit_doc_is_the_stored_fields(loaded: SearchBackend, docs: list[dict[str, Any]]) -> None:
    by_id = {d["id"]: d for d in docs}
    page = loaded.search(SearchRequest(query=parse(""), filters=Filters(include_copies=True), size=100))
    assert len(page.hits) == len(docs)
    for hit in page.hits:
        assert hit.doc == stored_fields(by_id[hit.id])


# --- cursor paging ---------------------------------------------------------------


@pytest.mark.parametrize("sort", ["date", "relevance"])
@pytest.mark.parametrize("query", ["", "pilkada OR pemilu", "NOT pemilu", "dan"])
def test_paging_by_7_equals_one_big_page(loaded: SearchBackend, sort: str, query: str) -> None:
    filters = Filters(include_copies=True)
    big = loaded.search(SearchRequest(query=parse(query), filters=filters, sort=sort, size=500))  # type: ignore[arg-type]
    assert big.next_cursor is None and big.total == len(big.hits) > 7
    ids, pages = walk(loaded, SearchRequest(query=parse(query), filters=filters, sort=sort, size=7))  # type: ignore[arg-type]
    assert ids == [h.id for h in big.hits]
    assert all(len(p.hits) == 7 for p in pages[:-1]) and 1 <= len(pages[-1].hits) <= 7
    assert all(p.total == big.total for p in pages)
    assert len(pages) == -(-big.total // 7)


def test_exact_page_boundary_has_no_empty_last_page(loaded: SearchBackend, docs: list[dict[str, Any]]) -> None:
    n = evaluate(docs, parse("pilkada")).total
    page = loaded.search(SearchRequest(query=parse("pilkada"), sort="date", size=n))
    assert len(page.hits) == n and page.next_cursor is None


def test_cursor_is_last_hit_sort_value_and_id(loaded: SearchBackend, docs: list[dict[str, Any]]) -> None:
    page = loaded.search(SearchRequest(query=parse(""), sort="date", size=5))
    last = page.hits[-1]
    assert page.next_cursor == cursor_codec.encode([last.doc["date_sort"], last.id])


@pytest.mark.parametrize("sort", ["date", "relevance"])
def test_iter_hits_equals_the_full_walk(loaded: SearchBackend, sort: str) -> None:
    request = SearchRequest(query=parse("pilkada OR pemilu OR dan"), filters=Filters(include_copies=True), sort=sort, size=7)  # type: ignore[arg-type]
    ids, _ = walk(loaded, request)
    assert len(ids) > 20
    streamed = [h.id for h in loaded.iter_hits(request, page_size=4)]
    assert streamed == ids
    assert len(set(streamed)) == len(streamed)


def test_iter_hits_carries_docs_and_snippets(loaded: SearchBackend, docs: list[dict[str, Any]]) -> None:
    by_id = {d["id"]: d for d in docs}
    query = parse("netralitas")
    hits = list(loaded.iter_hits(SearchRequest(query=query, sort="date"), page_size=3))
    assert [h.id for h in hits] == evaluate(docs, query).ids
    for hit in hits:
        assert hit.doc == stored_fields(by_id[hit.id])
        assert (hit.snippet, hit.highlights) == build_snippet(hit.doc["body"] or hit.doc["title"], query)


@pytest.mark.parametrize("bad", ["not a cursor!", "e30", cursor_codec.encode(["x", "y"]), cursor_codec.encode([1])])
def test_invalid_cursor_is_a_query_error(loaded: SearchBackend, bad: str) -> None:
    with pytest.raises(QueryError):
        loaded.search(SearchRequest(query=parse("pilkada"), sort="date", cursor=bad))
    with pytest.raises(QueryError):
        list(loaded.iter_hits(SearchRequest(query=parse("pilkada"), sort="date", cursor=bad)))


def test_relevance_cursor_on_a_date_sort_is_a_query_error(loaded: SearchBackend) -> None:
    with pytest.raises(QueryError):
        loaded.search(SearchRequest(query=parse("pilkada"), sort="date", cursor=cursor_codec.encode([1.5, "abc"])))


# --- writes ------------------------------------------------------------------------


def _doc(n: int, title: str, body: str, when: datetime | None = None, **extra: Any) -> dict[str, Any]:
    url = f"https://contoh.example/{n}"
    return build_document(Article(
        id=f"doc-{n:03d}", url=url, canonical_url=url, source_id="contoh", source_type="news",
        domain="contoh.example", title=title, body=body, published_at=when, **extra,
    ))


def test_upsert_keeps_one_document_per_id(backend: SearchBackend) -> None:
    when = datetime(2024, 11, 27, 3, 0, tzinfo=timezone.utc)
    assert backend.index([_doc(1, "Rapat pleno lama", "Isi berita lama tentang rekapitulasi.", when)]) == 1
    assert backend.index([_doc(1, "Rapat pleno baru", "Isi berita baru tentang pengawasan.", when, provinces=["Kalimantan Utara"])]) == 1
    assert backend.count() == 1
    assert backend.search(SearchRequest(query=parse("lama"))).total == 0
    assert backend.search(SearchRequest(query=parse("rekapitulasi"))).total == 0
    page = backend.search(SearchRequest(query=parse("baru pengawasan")))
    assert [h.id for h in page.hits] == ["doc-001"] and page.hits[0].doc["title"] == "Rapat pleno baru"
    assert page.facets["provinces"] == [("Kalimantan Utara", 1)]
    assert backend.search(SearchRequest(query=parse(""), filters=Filters(provinces=("Kalimantan Utara",)))).total == 1


def test_delete_count_and_reset(loaded: SearchBackend, docs: list[dict[str, Any]]) -> None:
    assert loaded.count() == len(docs)
    gone = [doc_id("kobar-rakor"), doc_id("kobar-asn")]
    assert loaded.delete(gone) == 2
    assert loaded.delete(["tidak-ada"]) == 0
    assert loaded.count() == len(docs) - 2
    remaining = [d for d in docs if d["id"] not in gone]
    assert_same_as_reference(loaded, remaining, Case("after-delete", "netralitas ASN"))
    assert_same_as_reference(loaded, remaining, Case("after-delete-all", "", Filters(kabkotas=("Kotawaringin Barat",))))
    loaded.reset()
    assert loaded.count() == 0
    page = loaded.search(SearchRequest(query=parse("")))
    assert page.total == 0 and page.hits == [] and all(v == [] for v in page.facets.values())
    assert loaded.index(docs[:5]) == 5
    assert loaded.count() == 5


def test_index_accepts_a_generator(backend: SearchBackend, docs: list[dict[str, Any]]) -> None:
    assert backend.index(d for d in docs) == len(docs)
    assert backend.count() == len(docs)


# --- snippets ----------------------------------------------------------------------


def _highlighted(hit_snippet: str, marks: list[tuple[int, int]]) -> list[str]:
    return [hit_snippet[s:e] for s, e in marks]


def test_highlights_fall_on_matched_words_only(loaded: SearchBackend) -> None:
    query = parse('pemilu OR "politik uang" OR netral*')
    page = loaded.search(SearchRequest(query=query, sort="date", size=100))
    assert page.total > 5
    seen: set[str] = set()
    for hit in page.hits:
        assert (hit.snippet, hit.highlights) == build_snippet(hit.doc["body"] or hit.doc["title"], query)
        for text in _highlighted(hit.snippet, hit.highlights):
            for word in tokens(text):
                seen.add(word)
                assert stem(word) == "milu" or word.startswith("netral") or word in ("politik", "uang"), text
    assert {"pemilu", "politik", "uang"} <= seen and "pemilihan" not in seen


def test_snippet_of_stemmed_match_marks_the_surface_word(loaded: SearchBackend) -> None:
    page = loaded.search(SearchRequest(query=parse("kampanye"), filters=Filters(sources=("bawaslu-kobar",)), sort="date"))
    hit = next(h for h in page.hits if h.id == doc_id("kobar-asn"))
    assert _highlighted(hit.snippet, hit.highlights) == ["berkampanye"]


def test_no_snippets_when_not_requested(loaded: SearchBackend) -> None:
    page = loaded.search(SearchRequest(query=parse("pilkada"), snippets=False))
    assert page.hits and all(h.snippet == "" and h.highlights == [] for h in page.hits)


def test_scraped_markup_is_returned_verbatim_as_text(loaded: SearchBackend) -> None:
    page = loaded.search(SearchRequest(query=parse("upacara"), sort="date"))
    hit = next(h for h in page.hits if h.id == doc_id("bebaca-script"))
    assert "<script>var iklan = 1;</script>" in hit.doc["body"]
    assert "<script>var iklan = 1;</script>" in hit.snippet
    assert "&lt;" not in hit.snippet and "<em>" not in hit.snippet
    assert _highlighted(hit.snippet, hit.highlights) == ["upacara", "Upacara"]
    assert loaded.search(SearchRequest(query=parse("script iklan"))).total == 1


# --- deep paging (volume) --------------------------------------------------------------

DEEP_N = 10_050
_DEEP_START = datetime(2024, 9, 1, tzinfo=timezone.utc)


def deep_corpus() -> list[dict[str, Any]]:
    """10,050 tiny documents that all match "rekapitulasi"; three share each
    timestamp so the id tie-break matters, and 150 kabupaten/kota values with
    skewed counts exercise the 100-value facet cap and its value tie-break."""
    out = []
    for n in range(DEEP_N):
        url = f"https://massal.example/{n}"
        kab = f"Kab {n % 150:03d}" if n % 4 else f"Kab {n % 40:03d}"
        out.append(build_document(Article(
            id=f"deep-{n:05d}", url=url, canonical_url=url, source_id=f"src-{n % 7}", source_type="news",
            domain="massal.example", title=f"Rekapitulasi TPS {n}", body=f"Rekapitulasi suara desa {n % 97}.",
            published_at=_DEEP_START + timedelta(minutes=n // 3), kabkotas=[kab], provinces=["Kalimantan Tengah"],
        )))
    return out


@pytest.mark.parametrize("sort", ["date", "relevance"])
def test_deep_paging_past_10000_hits(backend: SearchBackend, sort: str) -> None:
    """Volume test: keyset paging must walk all 10,050 hits (no 10,000 window)."""
    docs = deep_corpus()
    started = time.monotonic()
    assert backend.index(docs) == DEEP_N
    assert time.monotonic() - started < 120
    request = SearchRequest(query=parse("rekapitulasi"), sort=sort, size=1000, snippets=False)  # type: ignore[arg-type]
    first = backend.search(request)
    assert first.total == DEEP_N
    assert first.facets == facet_counts(docs)
    assert len(first.facets["kabkotas"]) == 100
    ids, pages = walk(backend, request)
    assert len(pages) == 11
    assert len(ids) == DEEP_N and len(set(ids)) == DEEP_N
    if sort == "date":
        assert ids == evaluate(docs, parse("rekapitulasi")).ids
