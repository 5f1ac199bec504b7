"""ElasticsearchBackend against a real Elasticsearch (tests/es_fixture.py), no mocks."""

from __future__ import annotations

import re
import socket
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

import pytest

from indexer import cursor
from indexer.base import Filters, SearchRequest
from indexer.document import STORED_FIELDS, build_document
from indexer.elasticsearch_backend import ElasticsearchBackend, compile_query, mapping_version
from indexer.snippets import build_snippet
from tests.es_fixture import BackendFactory, _drop_indices, es_auth_from_env
from tests.reference_search import evaluate
from warta.errors import BackendUnavailable, QueryError, WartaError
from warta.models import Article
from warta.query import parse

pytestmark = pytest.mark.es

WIB = timezone(timedelta(hours=7))


def article(n: int, title: str, body: str, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": f"doc-{n:05d}",
        "url": f"https://example.id/{n}",
        "canonical_url": f"https://example.id/{n}",
        "source_id": "kalteng-pos",
        "source_type": "news",
        "domain": "example.id",
        "title": title,
        "body": body,
        "published_at": datetime(2024, 11, 1, 9, 0, tzinfo=WIB) + timedelta(days=n),
    }
    fields.update(extra)
    return build_document(Article(**fields))


def small_doc(n: int) -> dict[str, Any]:
    """A cheap valid document for volume tests; many share a date to exercise the id tie-break."""
    return {
        "id": f"bulk-{n:06d}",
        "source_id": "bulk",
        "source_type": "news",
        "title": f"Berita {n}",
        "body": "pilkada " * (1 + n % 7),
        "date_sort": 1_700_000_000_000 + (n // 4) * 60_000,
        "month": "2023-11",
        "is_canonical": True,
        "title_exact": f"berita {n}",
        "body_exact": " ".join(["pilkada"] * (1 + n % 7)),
        "title_stem": f"berita {n}",
        "body_stem": " ".join(["pilkada"] * (1 + n % 7)),
    }


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# --------------------------------------------------------------------------- lifecycle


def test_ensure_ready_creates_a_versioned_index_behind_the_alias(es_backend_factory: BackendFactory) -> None:
    backend = es_backend_factory(ready=False)
    assert not backend.client.indices.exists_alias(name=backend.alias)
    backend.ensure_ready()
    indices = list(backend.client.indices.get_alias(name=backend.alias).body)
    assert len(indices) == 1
    assert re.fullmatch(re.escape(backend.alias) + rf"-v{mapping_version()}-\d{{6}}", indices[0])
    mapping = backend.client.indices.get_mapping(index=indices[0]).body[indices[0]]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["body_exact"]["analyzer"] == "whitespace"
    settings = backend.client.indices.get_settings(index=indices[0]).body[indices[0]]["settings"]["index"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == ("1", "0")
    backend.ensure_ready()
    assert list(backend.client.indices.get_alias(name=backend.alias).body) == indices
    assert backend.count() == 0


def test_reindexing_the_same_id_updates_instead_of_adding(es_backend_factory: BackendFactory) -> None:
    backend = es_backend_factory()
    assert backend.index([article(1, "Debat pilkada Kobar", "Debat pertama.")]) == 1
    assert backend.index([article(1, "Debat pilkada Kobar diundur", "Debat pertama diundur.")]) == 1
    assert backend.count() == 1
    page = backend.search(SearchRequest(parse("diundur")))
    assert [h.doc["title"] for h in page.hits] == ["Debat pilkada Kobar diundur"]


def test_reset_swaps_the_alias_to_a_new_index_and_drops_the_old(es_backend_factory: BackendFactory) -> None:
    backend = es_backend_factory()
    backend.index([article(1, "Kampanye", "Kampanye damai.")])
    (old,) = backend.client.indices.get_alias(name=backend.alias).body
    backend.reset()
    (new,) = backend.client.indices.get_alias(name=backend.alias).body
    assert new != old
    assert not backend.client.indices.exists(index=old)
    assert backend.count() == 0
    assert backend.index([article(2, "Kampanye", "Kampanye damai.")]) == 1
    assert backend.count() == 1


def test_delete_counts_only_documents_that_existed(es_backend_factory: BackendFactory) -> None:
    backend = es_backend_factory()
    backend.index([article(1, "Satu", "Satu."), article(2, "Dua", "Dua.")])
    assert backend.delete(["doc-00001", "doc-99999"]) == 1
    assert backend.count() == 1


def test_rejected_documents_are_reported_not_dropped(es_backend_factory: BackendFactory) -> None:
    backend = es_backend_factory()
    bad = {**article(2, "Dua", "Dua."), "not_in_mapping": "x"}
    with pytest.raises(WartaError) as info:
        backend.index([article(1, "Satu", "Satu."), bad])
    message = str(info.value)
    assert "rejected 1 of 2 documents" in message
    assert "doc-00002" in message and "strict_dynamic_mapping_exception" in message
    assert "\n" not in message
    assert backend.count() == 1, "the valid document is still written"


def test_index_never_auto_creates_a_plain_index_on_the_alias(es_backend_factory: BackendFactory) -> None:
    backend = es_backend_factory(ready=False)
    with pytest.raises(WartaError, match="rejected 1 of 1"):
        backend.index([article(1, "Satu", "Satu.")])
    assert not backend.client.indices.exists(index=backend.alias)


def test_unreachable_cluster_raises_backend_unavailable_in_one_line() -> None:
    url = _closed_port_url()
    backend = ElasticsearchBackend(url, "warta-x", request_timeout=2)
    calls = {
        "ensure_ready": backend.ensure_ready,
        "count": backend.count,
        "reset": backend.reset,
        "search": lambda: backend.search(SearchRequest(parse("pilkada"))),
        "iter_hits": lambda: list(backend.iter_hits(SearchRequest(parse("pilkada")))),
        "index": lambda: backend.index([small_doc(1)]),
        "delete": lambda: backend.delete(["x"]),
    }
    try:
        for name, call in calls.items():
            with pytest.raises(BackendUnavailable) as info:
                call()
            message = str(info.value)
            assert url in message, name
            assert "\n" not in message, name
    finally:
        backend.close()


def test_invalid_alias_is_a_user_error() -> None:
    with pytest.raises(WartaError, match="invalid Elasticsearch alias"):
        ElasticsearchBackend("http://127.0.0.1:9", "Warta Articles")


# --------------------------------------------------------------------------- search semantics


@pytest.fixture
def corpus(es_backend_factory: BackendFactory) -> tuple[ElasticsearchBackend, list[dict[str, Any]]]:
    docs = [
        article(1, "Bawaslu awasi netralitas ASN di Kobar", "Pengawasan netralitas aparatur sipil negara menjelang pilkada.",
                provinces=["Kalimantan Tengah"], kabkotas=["Kotawaringin Barat"], election_types=["pilkada"]),
        article(2, "Politik uang marak", "Bawaslu menemukan politik uang di Kotim. Uang dibagikan malam hari.",
                provinces=["Kalimantan Tengah"], kabkotas=["Kotawaringin Timur"], election_types=["pilkada"]),
        article(3, "Debat kandidat", "Debat kandidat gubernur berlangsung damai; isu politik dibahas.",
                provinces=["Kalimantan Selatan"], source_id="banjar-news", source_type="government"),
        article(4, "Hoaks pemilu", "Klarifikasi hoaks tentang pemungutan suara ulang.", election_types=["pemilu"],
                is_canonical=False, cluster_id="doc-00003"),
        article(5, "Tanpa tanggal", "Pemungutan suara di TPS 14.", published_at=None),
    ]
    backend = es_backend_factory()
    backend.index(docs)
    return backend, docs


QUERIES = [
    "bawaslu", "mengawasi", "netral*", '"politik uang"', "uang -bawaslu", "debat OR hoaks",
    "NOT hoaks", "(kobar OR kotim) AND bawaslu", "pemungutan", "di", "tps 14", "",
]


@pytest.mark.parametrize("text", QUERIES)
def test_search_agrees_with_the_reference_evaluator(corpus: tuple[ElasticsearchBackend, list[dict[str, Any]]], text: str) -> None:
    backend, docs = corpus
    for filters in (Filters(), Filters(include_copies=True), Filters(date_from=date(2024, 11, 3))):
        expected = evaluate(docs, parse(text), filters)
        page = backend.search(SearchRequest(parse(text), filters=filters, sort="date", size=50))
        assert [h.id for h in page.hits] == expected.ids, (text, filters)
        assert page.total == expected.total
        assert page.facets == expected.facets
        relevance = backend.search(SearchRequest(parse(text), filters=filters, size=50, facets=False))
        assert sorted(h.id for h in relevance.hits) == sorted(expected.ids)
        assert relevance.facets == {}


def test_filters_on_fields(corpus: tuple[ElasticsearchBackend, list[dict[str, Any]]]) -> None:
    backend, docs = corpus
    for filters in (
        Filters(sources=("banjar-news",)),
        Filters(source_types=("government", "news")),
        Filters(provinces=("Kalimantan Tengah",)),
        Filters(kabkotas=("Kotawaringin Timur", "Kotawaringin Barat")),
        Filters(election_types=("pemilu",), include_copies=True),
        Filters(date_to=date(2024, 11, 3)),
    ):
        page = backend.search(SearchRequest(parse(""), filters=filters, sort="date"))
        assert [h.id for h in page.hits] == evaluate(docs, parse(""), filters).ids, filters


def test_title_matches_outrank_body_matches(corpus: tuple[ElasticsearchBackend, list[dict[str, Any]]]) -> None:
    backend, _ = corpus
    page = backend.search(SearchRequest(parse("politik")))
    assert [h.id for h in page.hits][:1] == ["doc-00002"]
    assert page.hits[0].score > page.hits[-1].score


def test_hits_carry_stored_fields_and_python_snippets(corpus: tuple[ElasticsearchBackend, list[dict[str, Any]]]) -> None:
    backend, docs = corpus
    query = parse('"politik uang"')
    (hit,) = backend.search(SearchRequest(query)).hits
    assert set(hit.doc) == set(STORED_FIELDS)
    assert hit.doc["copies"] == [] and hit.doc["published_at"].startswith("2024-11-03")
    assert (hit.snippet, hit.highlights) == build_snippet(docs[1]["body"], query)
    assert hit.highlights
    (plain,) = backend.search(SearchRequest(query, snippets=False)).hits
    assert plain.snippet == "" and plain.highlights == []


def test_cursor_of_the_other_sort_is_rejected(corpus: tuple[ElasticsearchBackend, list[dict[str, Any]]]) -> None:
    backend, _ = corpus
    first = backend.search(SearchRequest(parse("pemungutan"), filters=Filters(include_copies=True), size=1))
    assert first.next_cursor is not None
    with pytest.raises(QueryError):
        backend.search(SearchRequest(parse("pemungutan"), sort="date", cursor=first.next_cursor))
    with pytest.raises(QueryError):
        backend.search(SearchRequest(parse(""), size=-1))


def test_no_user_text_reaches_query_syntax() -> None:
    compiled = repr(compile_query(parse('a:b OR "x* [y]" NOT (z~2)')))
    assert "query_string" not in compiled and "simple_query_string" not in compiled


# --------------------------------------------------------------------------- deep paging

DEEP = 10_050


@pytest.fixture(scope="module")
def deep_backend(es_url: str) -> Iterator[ElasticsearchBackend]:
    import os

    auth = es_auth_from_env() if os.environ.get("WARTA_ES_URL") else {}
    backend = ElasticsearchBackend(es_url, f"warta-test-{uuid.uuid4().hex[:8]}", request_timeout=120, **auth)
    try:
        backend.ensure_ready()
        assert backend.index(small_doc(n) for n in range(DEEP)) == DEEP
        yield backend
    finally:
        _drop_indices(backend)
        backend.close()


def _expected_date_order() -> list[str]:
    docs = [small_doc(n) for n in range(DEEP)]
    return [d["id"] for d in sorted(docs, key=lambda d: (-d["date_sort"], d["id"]))]


@pytest.mark.parametrize("sort", ["date", "relevance"])
def test_cursor_pages_past_10000_without_repeats_or_gaps(deep_backend: ElasticsearchBackend, sort: str) -> None:
    query = parse("pilkada")
    seen: list[str] = []
    scores: list[float] = []
    next_cursor: str | None = None
    while True:
        page = deep_backend.search(
            SearchRequest(query, sort=sort, size=1000, cursor=next_cursor, facets=False, snippets=False)
        )
        assert page.total == DEEP
        seen += [h.id for h in page.hits]
        scores += [h.score for h in page.hits]
        next_cursor = page.next_cursor
        if next_cursor is None:
            break
        assert len(page.hits) == 1000
    assert len(seen) == len(set(seen)) == DEEP
    if sort == "date":
        assert seen == _expected_date_order()
    else:
        pairs = list(zip(scores, seen))
        assert pairs == sorted(pairs, key=lambda p: (-p[0], p[1]))
        assert len(set(scores)) > 1, "body term frequency varies, so scores do"


def test_iter_hits_streams_every_hit_in_order(deep_backend: ElasticsearchBackend) -> None:
    request = SearchRequest(parse(""), sort="date", snippets=False)
    ids = [h.id for h in deep_backend.iter_hits(request, page_size=1000)]
    assert ids == _expected_date_order()
    assert deep_backend.client.search(index=deep_backend.alias, size=0)["hits"]["total"]["value"] == 10_000
    # A cursor from search() resumes the stream after that hit.
    first = deep_backend.search(SearchRequest(parse(""), sort="date", size=10, facets=False))
    rest = [h.id for h in deep_backend.iter_hits(SearchRequest(parse(""), sort="date", cursor=first.next_cursor), page_size=5000)]
    assert rest == ids[10:]


def test_abandoned_iter_hits_closes_its_point_in_time(deep_backend: ElasticsearchBackend) -> None:
    stream = deep_backend.iter_hits(SearchRequest(parse(""), sort="date"), page_size=100)
    next(stream)
    stats = deep_backend.client.indices.stats(index=deep_backend.alias, metric="search")["_all"]["total"]["search"]
    assert stats["open_contexts"] >= 1
    stream.close()
    stats = deep_backend.client.indices.stats(index=deep_backend.alias, metric="search")["_all"]["total"]["search"]
    assert stats["open_contexts"] == 0


def test_cursor_is_the_last_hits_sort_values(deep_backend: ElasticsearchBackend) -> None:
    page = deep_backend.search(SearchRequest(parse(""), sort="date", size=3, facets=False))
    assert page.next_cursor is not None
    assert cursor.decode(page.next_cursor, "date") == [page.hits[-1].doc["date_sort"], page.hits[-1].id]


def test_error_messages_never_show_url_credentials() -> None:
    url = _closed_port_url()
    backend = ElasticsearchBackend(url.replace("http://", "http://elastic:s3cret@"), "warta-x", request_timeout=2)
    try:
        with pytest.raises(BackendUnavailable) as info:
            backend.count()
    finally:
        backend.close()
    assert url in str(info.value) and "s3cret" not in str(info.value)
