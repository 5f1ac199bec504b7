"""Elasticsearch search backend (official client 8.x), semantics per docs/search-semantics.md.

Documents arrive already tokenised and stemmed (`indexer.document`), so the
index only needs the core `whitespace` analyzer; this matters because the
test distribution has no analysis-common module. The index is versioned
behind an alias (`<alias>-v<mapping version>-<counter>`): `reset()` builds a
new empty index and swaps the alias atomically, and the caller re-indexes
from the store (there is no `_reindex` in the test distribution).

User text never reaches Elasticsearch query syntax: `compile_query` turns the
`warta.query` tree into `term` / `prefix` / `match_phrase` / `bool` clauses.
"""

from __future__ import annotations

import json
import re
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from elasticsearch import ApiError, AuthenticationException, AuthorizationException, Elasticsearch, NotFoundError
from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import ConnectionTimeout, TransportError
from elasticsearch.helpers import streaming_bulk

from indexer import cursor
from indexer.base import FACET_FIELDS, LIST_FILTER_FIELDS, Filters, Hit, SearchPage, SearchRequest
from indexer.document import STORED_FIELDS
from indexer.snippets import build_snippet
from warta.errors import BackendUnavailable, DocumentsRejected, QueryError, WartaError
from warta.query import And, MatchAll, Node, Not, Or, Phrase, Term
from warta.settings import Settings
from warta.textnorm import stem, stop_words

MAPPING_FILE = Path(__file__).with_name("es_mapping.json")
MAX_PAGE_SIZE = 10_000  # Elasticsearch's default index.max_result_window
FACET_SIZE = 100
BULK_CHUNK_DOCS = 500
BULK_CHUNK_BYTES = 20 * 1024 * 1024
PIT_KEEP_ALIVE = "2m"

# Relevance: a title match outweighs a body match, an exact token a stem.
BOOST = {"title_exact": 4.0, "title_stem": 2.0, "body_exact": 1.5, "body_stem": 1.0}

T = TypeVar("T")
# A search whose shard copy went away between its query and fetch phases (a node
# shutting down or dying) fails with one of these although another copy can answer:
# a read is safe to repeat, and the cluster routes the repeat to a live copy.
_NODE_LEFT = frozenset({"search_context_missing_exception", "node_closed_exception",
                        "node_not_connected_exception", "no_shard_available_action_exception"})
SEARCH_ATTEMPTS = 3


@lru_cache(maxsize=1)
def load_mapping() -> dict[str, Any]:
    return json.loads(MAPPING_FILE.read_text(encoding="utf-8"))


def mapping_version() -> int:
    return int(load_mapping()["version"])


# --------------------------------------------------------------------------- query compilation


def _term_leaf(term: Term) -> dict[str, Any]:
    t = term.token
    if term.prefix:
        clauses = [{"prefix": {f: {"value": t, "boost": BOOST[f]}}} for f in ("title_exact", "body_exact")]
    else:
        clauses = [{"term": {f: {"value": t, "boost": BOOST[f]}}} for f in ("title_exact", "body_exact")]
        if t not in stop_words():
            s = stem(t)
            clauses += [{"term": {f: {"value": s, "boost": BOOST[f]}}} for f in ("title_stem", "body_stem")]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def _phrase_leaf(phrase: Phrase) -> dict[str, Any]:
    if len(phrase.tokens) == 1:
        return _term_leaf(Term(phrase.tokens[0]))
    # Tokens come from warta.textnorm.tokens, so they hold no spaces: joining
    # them and letting the field's whitespace analyzer split gives them back.
    text = " ".join(phrase.tokens)
    clauses = [{"match_phrase": {f: {"query": text, "slop": 0, "boost": BOOST[f]}}} for f in ("title_exact", "body_exact")]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def compile_query(node: Node) -> dict[str, Any]:
    """The Query DSL equivalent of a `warta.query` tree."""
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, Term):
        return _term_leaf(node)
    if isinstance(node, Phrase):
        return _phrase_leaf(node)
    if isinstance(node, Not):
        return {"bool": {"must_not": [compile_query(node.child)]}}
    if isinstance(node, And):
        # Negated children go to must_not directly so they do not add a
        # constant score to every hit.
        must = [compile_query(c) for c in node.children if not isinstance(c, Not)]
        must_not = [compile_query(c.child) for c in node.children if isinstance(c, Not)]
        body: dict[str, Any] = {"must": must or [{"match_all": {}}]}
        if must_not:
            body["must_not"] = must_not
        return {"bool": body}
    if isinstance(node, Or):
        return {"bool": {"should": [compile_query(c) for c in node.children], "minimum_should_match": 1}}
    raise QueryError(f"unsupported query node: {type(node).__name__}")


def compile_filters(filters: Filters) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for field, values in (
        ("source_id", filters.sources),
        ("source_type", filters.source_types),
        *((name, getattr(filters, name)) for name in LIST_FILTER_FIELDS),
    ):
        if values:
            out.append({"terms": {field: list(values)}})
    lo, hi = filters.date_bounds_ms()
    if lo is not None or hi is not None:
        bounds = {k: v for k, v in (("gte", lo), ("lte", hi)) if v is not None}
        out.append({"range": {"date_sort": bounds}})
        # An undated document (date_sort 0) never satisfies a date bound.
        out.append({"bool": {"must_not": [{"term": {"date_sort": 0}}]}})
    if filters.canonical_only():
        out.append({"term": {"is_canonical": True}})
    return out


def compile_sort(sort: str) -> list[dict[str, Any]]:
    if sort == "date":
        return [{"date_sort": {"order": "desc"}}, {"id": {"order": "asc"}}]
    if sort == "relevance":
        return [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
    raise QueryError(f"unknown sort {sort!r}: use 'relevance' or 'date'")


def facet_aggs() -> dict[str, Any]:
    return {
        field: {
            "terms": {
                "field": field,
                "size": FACET_SIZE,
                "order": [{"_count": "desc"}, {"_key": "asc"}],
                "exclude": [""],
            }
        }
        for field in FACET_FIELDS
    }


def build_search_body(request: SearchRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "query": {"bool": {"must": [compile_query(request.query)], "filter": compile_filters(request.filters)}},
        "sort": compile_sort(request.sort),
        "_source": list(STORED_FIELDS),
    }
    if request.cursor:
        body["search_after"] = cursor.decode(request.cursor, request.sort)
    return body


# --------------------------------------------------------------------------- errors


def _one_line(text: object, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _root_cause(e: ApiError) -> dict[str, Any]:
    info = e.info if isinstance(e.info, dict) else {}
    err = info.get("error")
    if not isinstance(err, dict):
        return {}
    root = (err.get("root_cause") or [err])[0]
    return {"type": root.get("type", err.get("type", "error")), "reason": root.get("reason", err.get("reason", ""))}


def _api_reason(e: ApiError) -> str:
    root = _root_cause(e)
    if root:
        return f"{root['type']}: {root['reason']}"
    info = e.info if isinstance(e.info, dict) else {}
    return str(e.message or info.get("error") or e)


def _node_left(e: ApiError) -> bool:
    return e.meta.status == 503 or _root_cause(e).get("type") in _NODE_LEFT


def _without_credentials(url: str) -> str:
    return re.sub(r"^([a-z][a-z0-9+.\-]*://)[^/@]*@", r"\1", url, flags=re.IGNORECASE)


# --------------------------------------------------------------------------- backend


class ElasticsearchBackend:
    """`indexer.base.SearchBackend` over an Elasticsearch 8.x cluster."""

    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        alias: str = "warta-articles",
        *,
        api_key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        ca_certs: str | None = None,
        request_timeout: float = 30.0,
        number_of_shards: int | None = None,
        number_of_replicas: int | None = None,
    ) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.\-]*", alias or ""):
            raise WartaError(f"invalid Elasticsearch alias {alias!r}: use lower-case letters, digits, '-', '_' or '.'")
        self.url = _without_credentials(url)  # named in error messages
        self.alias = alias
        self._index_settings: dict[str, int] = {}
        if number_of_shards is not None:
            self._index_settings["number_of_shards"] = number_of_shards
        if number_of_replicas is not None:
            self._index_settings["number_of_replicas"] = number_of_replicas
        kwargs: dict[str, Any] = {"request_timeout": request_timeout, "max_retries": 2, "retry_on_timeout": True}
        if api_key:
            kwargs["api_key"] = api_key
        elif username:
            kwargs["basic_auth"] = (username, password or "")
        if ca_certs:
            kwargs["ca_certs"] = ca_certs
        try:
            self.client = Elasticsearch(url, **kwargs)
        except ValueError as e:
            raise BackendUnavailable(f"invalid Elasticsearch URL {url!r}: {_one_line(e)}") from None

    @classmethod
    def from_settings(cls, settings: Settings) -> "ElasticsearchBackend":
        return cls(
            settings.es_url,
            settings.es_alias,
            api_key=settings.es_api_key,
            username=settings.es_username,
            password=settings.es_password,
            ca_certs=settings.es_ca_certs,
        )

    # ----------------------------------------------------------------- plumbing

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one client call, turning every transport/API failure into a one-line WartaError."""
        try:
            return fn()
        except (EsConnectionError, ConnectionTimeout) as e:
            raise BackendUnavailable(f"Elasticsearch at {self.url} is unreachable ({what}): {_one_line(e.message)}") from None
        except AuthenticationException:
            raise BackendUnavailable(
                f"Elasticsearch at {self.url} rejected the credentials ({what}): check WARTA_ES_API_KEY or WARTA_ES_USERNAME/PASSWORD"
            ) from None
        except AuthorizationException as e:
            raise BackendUnavailable(f"Elasticsearch at {self.url} refused {what}: {_one_line(_api_reason(e))}") from None
        except NotFoundError as e:
            if _node_left(e):  # not a missing index: a shard copy vanished mid-search
                raise BackendUnavailable(f"Elasticsearch at {self.url} failed {what}: a node left during it, "
                                         f"try again [{_one_line(_api_reason(e))}]") from None
            raise BackendUnavailable(
                f"Elasticsearch at {self.url} has no index {self.alias!r} ({what}): run `warta reindex` "
                f"[{_one_line(_api_reason(e))}]"
            ) from None
        except ApiError as e:
            # 503: no copy of some shard answered (a search refuses partial results);
            # 429/502/504: overloaded or a proxy in the way. All pass; none means bad input.
            kind = BackendUnavailable if e.meta.status in (429, 502, 503, 504) else WartaError
            raise kind(f"Elasticsearch at {self.url} failed {what}: {_one_line(_api_reason(e))}") from None
        except TransportError as e:
            raise BackendUnavailable(f"Elasticsearch at {self.url} failed {what}: {_one_line(e.message)}") from None

    def _alias_indices(self) -> list[str]:
        def get() -> list[str]:
            try:
                return sorted(self.client.indices.get_alias(name=self.alias).body)
            except NotFoundError:
                return []

        return self._call("alias lookup", get)

    def _versioned_indices(self) -> list[str]:
        """Every `<alias>-v<N>-<counter>` index, aliased or not."""
        pattern = re.compile(re.escape(self.alias) + r"-v\d+-(\d+)$")

        def get() -> list[str]:
            found = self.client.indices.get(index=f"{self.alias}-v*", expand_wildcards="all", allow_no_indices=True)
            return sorted(name for name in found.body if pattern.match(name))

        return self._call("index lookup", get)

    def _next_index_name(self) -> str:
        counters = [int(name.rsplit("-", 1)[1]) for name in self._versioned_indices()]
        return f"{self.alias}-v{mapping_version()}-{max(counters, default=0) + 1:06d}"

    def _create_index(self, name: str, with_alias: bool) -> bool:
        """Create `name` (with the alias when asked, in the same request). False if it exists."""
        spec = load_mapping()
        settings = {"index": {**spec["settings"]["index"], **self._index_settings}}
        body: dict[str, Any] = {"settings": settings, "mappings": spec["mappings"]}
        if with_alias:
            body["aliases"] = {self.alias: {"is_write_index": True}}

        def create() -> bool:
            try:
                self.client.indices.create(index=name, **body, wait_for_active_shards="1")
            except ApiError as e:
                if _api_reason(e).startswith("resource_already_exists_exception"):
                    return False
                raise
            return True

        return self._call(f"create index {name}", create)

    def _refresh(self) -> None:
        self._call("refresh", lambda: self.client.indices.refresh(index=self.alias))

    # ----------------------------------------------------------------- lifecycle

    def check(self) -> str:
        """The cluster's health status; BackendUnavailable if it cannot be reached.
        (Not `GET /`: the test distribution answers it with 405.)"""
        return str(self._call("health check", lambda: self.client.cluster.health()["status"]))

    def ensure_ready(self) -> None:
        if self._alias_indices():
            return
        exists = self._call("index lookup", lambda: bool(self.client.indices.exists(index=self.alias)))
        if exists:
            raise WartaError(
                f"Elasticsearch at {self.url}: {self.alias!r} is a plain index, not an alias; "
                "delete it or choose another alias (WARTA_ES_ALIAS)"
            )
        # Two processes may race here: the loser's create fails on the same
        # name, and it finds the winner's alias on the next pass.
        for _ in range(3):
            if self._create_index(self._next_index_name(), with_alias=True) or self._alias_indices():
                return
        raise WartaError(f"Elasticsearch at {self.url}: could not create an index for alias {self.alias!r}")

    def reset(self) -> None:
        old = self._alias_indices()
        new = self._next_index_name()
        if not self._create_index(new, with_alias=False):
            raise WartaError(f"Elasticsearch at {self.url}: index {new} appeared while resetting; try again")
        actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new, "alias": self.alias, "is_write_index": True}})
        self._call("alias swap", lambda: self.client.indices.update_aliases(actions=actions))
        if old:
            self._call("delete old index", lambda: self.client.indices.delete(index=",".join(old)))

    def close(self) -> None:
        self.client.close()

    # ----------------------------------------------------------------- writes

    def _bulk(self, what: str, actions: Iterable[dict[str, Any]],
              benign: str | None = None) -> tuple[int, set[str], str]:
        """(done, rejected ids, first rejection) for a stream of bulk actions; an item whose
        `result` is `benign` (a delete's "not_found") counts as neither."""
        written = 0
        rejected: set[str] = set()
        first = ""

        def run() -> None:
            nonlocal written, first
            for ok, item in streaming_bulk(
                self.client,
                actions,
                chunk_size=BULK_CHUNK_DOCS,
                max_chunk_bytes=BULK_CHUNK_BYTES,
                max_retries=5,
                initial_backoff=1,
                max_backoff=30,
                raise_on_error=False,
                raise_on_exception=True,
                # Without it, writing to a missing alias auto-creates a plain
                # index with a dynamic mapping under the alias's name.
                require_alias=True,
            ):
                result = next(iter(item.values()))
                if ok:
                    written += 1
                elif benign is not None and result.get("result") == benign:
                    continue
                else:
                    rejected.add(str(result.get("_id")))
                    if not first:
                        err = result.get("error")
                        reason = f"{err.get('type')}: {err.get('reason')}" if isinstance(err, dict) else str(err)
                        first = f"id {result.get('_id')}: {_one_line(reason, 200)}"

        self._call(what, run)
        return written, rejected, first

    def index(self, docs: Iterable[dict[str, Any]]) -> int:
        actions = ({"_op_type": "index", "_index": self.alias, "_id": doc["id"], "_source": doc} for doc in docs)
        written, rejected, first = self._bulk("bulk index", actions)
        if written:
            # Read-your-writes: a search right after index() sees the documents.
            self._refresh()
        if rejected:
            raise DocumentsRejected(f"Elasticsearch at {self.url}", frozenset(rejected), written + len(rejected), first)
        return written

    def delete(self, ids: Iterable[str]) -> int:
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": doc_id} for doc_id in ids)
        deleted, rejected, first = self._bulk("bulk delete", actions, benign="not_found")
        if deleted:
            self._refresh()
        if rejected:
            raise WartaError(f"Elasticsearch at {self.url} failed to delete {len(rejected)} documents; first: {first}")
        return deleted

    # ----------------------------------------------------------------- reads

    def count(self) -> int:
        return int(self._call("count", lambda: self.client.count(index=self.alias)["count"]))

    def _hit(self, raw: dict[str, Any], request: SearchRequest) -> Hit:
        src = raw.get("_source") or {}
        doc = {f: src.get(f) for f in STORED_FIELDS}
        hit = Hit(id=str(src.get("id") or raw["_id"]), score=float(raw.get("_score") or 0.0), doc=doc)
        if request.snippets:
            hit.snippet, hit.highlights = build_snippet(doc.get("body") or doc.get("title") or "", request.query)
        return hit

    def search(self, request: SearchRequest) -> SearchPage:
        if not 0 <= request.size <= MAX_PAGE_SIZE:
            raise QueryError(f"page size must be between 0 and {MAX_PAGE_SIZE}, not {request.size}")
        body = build_search_body(request)
        # One extra hit tells whether another page exists; size 0 is totals and facets only.
        body["size"] = min(request.size + 1, MAX_PAGE_SIZE) if request.size else 0
        body["track_total_hits"] = True
        if request.facets:
            body["aggs"] = facet_aggs()
        resp = self._call("search", lambda: self._search_retrying(body))
        raw_hits = resp["hits"]["hits"]
        page = raw_hits[: request.size]
        more = len(raw_hits) > request.size or (request.size == MAX_PAGE_SIZE and len(raw_hits) == MAX_PAGE_SIZE)
        return SearchPage(
            total=int(resp["hits"]["total"]["value"]),
            hits=[self._hit(h, request) for h in page],
            facets=_facets(resp.get("aggregations") or {}) if request.facets else {},
            next_cursor=cursor.encode(list(page[-1]["sort"])) if more and page else None,
        )

    def _search_retrying(self, body: dict[str, Any]) -> dict[str, Any]:
        attempt = 1
        while True:
            try:
                return self.client.search(index=self.alias, allow_partial_search_results=False, **body).body
            except ApiError as e:
                if attempt == SEARCH_ATTEMPTS or not _node_left(e):
                    raise
            time.sleep(0.1 * attempt)  # the cluster needs a moment to notice the node is gone
            attempt += 1

    def iter_hits(self, request: SearchRequest, page_size: int = 1000) -> Iterator[Hit]:
        """Every hit in sort order over a point-in-time snapshot, so concurrent
        writes neither repeat nor skip hits."""
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        base = build_search_body(request)
        search_after = base.pop("search_after", None)
        pit_id = self._call("open point in time", lambda: self.client.open_point_in_time(index=self.alias, keep_alive=PIT_KEEP_ALIVE)["id"])
        try:
            while True:
                body = {**base, "size": page_size, "track_total_hits": False, "pit": {"id": pit_id, "keep_alive": PIT_KEEP_ALIVE}}
                if search_after is not None:
                    body["search_after"] = search_after
                resp = self._call("search", lambda: self.client.search(allow_partial_search_results=False,
                                                                       **body).body)
                pit_id = resp.get("pit_id", pit_id)
                raw_hits = resp["hits"]["hits"]
                for raw in raw_hits:
                    yield self._hit(raw, request)
                if len(raw_hits) < page_size:
                    return
                search_after = raw_hits[-1]["sort"]
        finally:
            self._close_pit(pit_id)

    def _close_pit(self, pit_id: str) -> None:
        try:
            self.client.close_point_in_time(id=pit_id)
        except (ApiError, TransportError):
            pass  # it expires on its own after keep_alive


def _facets(aggs: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for field in FACET_FIELDS:
        buckets = (aggs.get(field) or {}).get("buckets", [])
        out[field] = [(str(b["key"]), int(b["doc_count"])) for b in buckets if str(b["key"]) != ""]
    return out
