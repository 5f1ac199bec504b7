"""The JSON API under /api/: search, facets, articles, export, sources, runs, and starting a crawl.

Every error is 4xx/5xx JSON `{"error": "one line"}` (see `warta.web.errors`).
Misspelt parameters are rejected, not ignored: a silently dropped filter
would return a wrong data set without anyone noticing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from indexer.base import SearchPage
from warta.errors import QueryError
from warta.web.context import WebContext, get_context
from warta.web.exports import export_response
from warta.web.params import SEARCH_PARAM_NAMES, SearchParams, build_request, search_params, unknown_params
from warta.web.security import check_bearer

HIT_FIELDS = ("title", "url", "canonical_url", "source_id", "source_type", "domain", "published_at", "author",
              "description", "provinces", "kabkotas", "primary_province", "primary_kabkota", "election_types",
              "topics", "institutions", "people", "cluster_id", "is_canonical", "copies", "word_count")


class ErrorOut(BaseModel):
    error: str = Field(description="One-line message for the user.")


class FacetCount(BaseModel):
    value: str
    count: int


class HitOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    score: float
    snippet: str = Field(description="Plain text; highlight offsets index into it.")
    highlights: list[tuple[int, int]]


class SearchOut(BaseModel):
    query: str
    filters: dict[str, Any]
    total: int
    hits: list[HitOut]
    facets: dict[str, list[FacetCount]]
    next_cursor: str | None


class FacetsOut(BaseModel):
    query: str
    filters: dict[str, Any]
    total: int
    facets: dict[str, list[FacetCount]]


class CrawlIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[str] = Field(default_factory=list, description="Source ids; empty: every enabled source.")


class SavedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Letters, digits, '.', '_' or '-'; also the digest folder name.")
    query: str = ""
    sources: list[str] = Field(default_factory=list)
    source_types: list[str] = Field(default_factory=list)
    provinces: list[str] = Field(default_factory=list)
    kabkotas: list[str] = Field(default_factory=list)
    election_types: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    institutions: list[str] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    include_copies: bool = False


ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}, 503: {"model": ErrorOut}}


def strict(allowed: frozenset[str]) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        unknown_params(set(request.query_params.keys()), allowed)
    return check


def _facets(page: SearchPage) -> dict[str, list[dict[str, Any]]]:
    return {k: [{"value": v, "count": n} for v, n in vals] for k, vals in page.facets.items()}


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TokenFirstRoute(APIRoute):
    """Checks the bearer token of a state-changing request before anything else.

    A route dependency would run only after FastAPI has read and validated the
    body, so a request without a token but with a malformed body was answered
    400 ("invalid JSON") instead of 401, telling an anonymous caller about the
    body's shape before telling it that it may not call the action at all.
    """

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def token_first(request: Request) -> Response:
            if request.method in STATE_CHANGING:
                check_bearer(request.headers.get("authorization"), request.app.state.warta.token)
            return await handler(request)

        return token_first


router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS, route_class=TokenFirstRoute)


@router.get("/search", response_model=SearchOut, dependencies=[Depends(strict(SEARCH_PARAM_NAMES))])
def api_search(params: SearchParams = Depends(search_params), ctx: WebContext = Depends(get_context)) -> Any:
    """Search; filters repeat (`?province=Kalteng&province=Kalsel`). Page with `next_cursor`."""
    req, fdesc = build_request(params, ctx.registry())
    page = ctx.backend.search(req)
    hits = [{"id": h.id, "score": h.score, "snippet": h.snippet, "highlights": h.highlights,
             **{k: h.doc.get(k) for k in HIT_FIELDS}} for h in page.hits]
    return {"query": params.q, "filters": fdesc, "total": page.total, "hits": hits, "facets": _facets(page),
            "next_cursor": page.next_cursor}


@router.get("/facets", response_model=FacetsOut,
            dependencies=[Depends(strict(SEARCH_PARAM_NAMES - {"size", "cursor"}))])
def api_facets(params: SearchParams = Depends(search_params), ctx: WebContext = Depends(get_context)) -> Any:
    """Facet counts (and the total) of a search over the whole matching set, without hits."""
    req, fdesc = build_request(params, ctx.registry(), size=0, snippets=False, paging=False)
    page = ctx.backend.search(req)
    return {"query": params.q, "filters": fdesc, "total": page.total, "facets": _facets(page)}


@router.get("/articles/{article_id}", responses={404: {"model": ErrorOut}}, dependencies=[Depends(strict(frozenset()))])
def api_article(article_id: str, ctx: WebContext = Depends(get_context)) -> Any:
    """One stored article with its clean text, enrichment and the other members of its cluster."""
    with ctx.store() as store:
        article = store.get(article_id)
        if article is None:
            return JSONResponse({"error": f"no article with id {article_id!r}"}, status_code=404)
        copies = store.cluster_copies(article.cluster_id or article.id, article.id)
    return {**article.to_dict(), "copies": copies}


@router.get("/export", response_class=Response, dependencies=[Depends(strict(SEARCH_PARAM_NAMES | {"format"}))],
            responses={200: {"description": "The data file, streamed. Headers: X-Warta-Rows, X-Warta-Sha256, "
                                             "X-Warta-Export-Id, and Link to the manifest."}})
def api_export(format: Literal["csv", "jsonl", "parquet"] = Query(..., description="csv | jsonl | parquet"),  # noqa: A002
               params: SearchParams = Depends(search_params), ctx: WebContext = Depends(get_context)) -> Response:
    """Every hit of the search (not one page) as a file. Default sort: date, as in `warta export`."""
    if "sort" not in _given(params):
        params = replace(params, sort="date")
    req, fdesc = build_request(params, ctx.registry(), facets=False, snippets=False, paging=False)
    return export_response(ctx.backend, req, format, query_text=params.q, filters=fdesc, manifests=ctx.manifests)


def _given(params: SearchParams) -> set[str]:
    return {k for k, _ in params.items()}


@router.get("/export/manifest/{export_id}", responses={404: {"model": ErrorOut}},
            dependencies=[Depends(strict(frozenset()))])
def api_export_manifest(export_id: str, ctx: WebContext = Depends(get_context)) -> Any:
    """The manifest of a recent export (query, filters, time, rows, sha256, completeness)."""
    manifest = ctx.manifests.get(export_id)
    if manifest is None:
        return JSONResponse({"error": f"no recent export with id {export_id!r} (manifests are kept in memory "
                                      "for the last exports only)"}, status_code=404)
    return manifest


@router.get("/sources", dependencies=[Depends(strict(frozenset()))])
def api_sources(ctx: WebContext = Depends(get_context)) -> Any:
    """Each configured source with its health (status ok | warn | fail | unknown and why)."""
    from warta.web.sources_view import sources_with_health

    with ctx.store() as store:
        return {"sources": sources_with_health(store, ctx.registry())}


@router.get("/runs", dependencies=[Depends(strict(frozenset({"limit"})))])
def api_runs(limit: int = Query(20, ge=1, le=200), ctx: WebContext = Depends(get_context)) -> Any:
    """Recent crawl runs, newest first, with each source's outcome and counters."""
    from warta.web.sources_view import runs_with_sources

    with ctx.store() as store:
        return {"runs": runs_with_sources(store, limit)}


@router.post("/crawl", status_code=202, dependencies=[Depends(strict(frozenset()))],
             responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 409: {"model": ErrorOut}})
def api_crawl(body: CrawlIn | None = Body(None), ctx: WebContext = Depends(get_context)) -> Any:
    """Start `warta crawl [--source …]` in the background. Needs `Authorization: Bearer $WARTA_WEB_TOKEN`."""
    wanted = body.sources if body else []
    registry = ctx.registry()
    known = {s.id for s in registry.sources}
    for s in wanted:
        if s not in known:
            registry.get(s)  # raises QueryError-like WartaError with a suggestion
            raise QueryError(f"unknown source {s!r}")
    return {"started": True, **ctx.crawls.start(wanted)}


_WRITE = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 400: {"model": ErrorOut}}


@router.get("/saved", dependencies=[Depends(strict(frozenset()))])
def api_saved_list(ctx: WebContext = Depends(get_context)) -> Any:
    """Saved searches (their digests are written after every crawl)."""
    from warta import saved

    with ctx.store() as store:
        return {"saved": [x.to_dict() for x in saved.all_saved(store)]}


@router.post("/saved", status_code=201, responses=_WRITE,
             dependencies=[Depends(strict(frozenset()))])
def api_saved_add(body: SavedIn, ctx: WebContext = Depends(get_context)) -> Any:
    """Save a search. Needs `Authorization: Bearer $WARTA_WEB_TOKEN`."""
    from warta import saved

    fields = body.model_dump(exclude={"name", "query"})
    with ctx.store() as store:
        return saved.add(store, ctx.registry(), body.name, body.query, **fields).to_dict()


@router.delete("/saved/{name}", status_code=204, responses=_WRITE,
               dependencies=[Depends(strict(frozenset()))])
def api_saved_remove(name: str, ctx: WebContext = Depends(get_context)) -> Response:
    """Delete a saved search. Needs `Authorization: Bearer $WARTA_WEB_TOKEN`."""
    from warta import saved

    with ctx.store() as store:
        saved.remove(store, name)
    return Response(status_code=204)
