"""The HTML pages: search (`/`), article (`/article/{id}`), sources (`/sources`), API reference (`/docs`)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from indexer.export import FORMATS
from pipelines.classify import topic_labels
from warta.errors import QueryError
from warta.models import article_id
from warta.web import chart
from warta.web.context import WebContext, get_context
from warta.web.facets_view import active_filters, list_groups, month_values, region_tree
from warta.web.i18n import COOKIE, LANGS, pick_lang, t
from warta.web.params import SearchParams, build_request, search_params
from warta.web.render import render
from warta.web.security import is_http_url

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 10


class Lang:
    def __init__(self, code: str, explicit: bool) -> None:
        self.code, self.explicit = code, explicit


def page_lang(request: Request, lang: str | None = Query(None)) -> Lang:
    return Lang(pick_lang(lang, request.cookies.get(COOKIE)), lang in LANGS)


def _switch_url(request: Request, lang: str) -> str:
    """The current page in the other language (cursor and filters kept)."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    other = "en" if lang == "id" else "id"
    from urllib.parse import urlencode

    return request.url.path + "?" + urlencode([*pairs, ("lang", other)])


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, params: SearchParams = Depends(search_params), lang: Lang = Depends(page_lang),
                ctx: WebContext = Depends(get_context)) -> HTMLResponse:
    params = replace(params, size=PAGE_SIZE)
    base = {"params": params, "switch_url": _switch_url(request, lang.code), "nav": "search"}
    registry = ctx.registry()
    try:
        request_, _ = build_request(params, registry)
        page = ctx.backend.search(request_)
    except QueryError as e:
        # Keep the form filled in so the user can fix the query where they typed it.
        return render("search.html", lang.code, 400, set_lang_cookie=lang.explicit, error=str(e), page=None, **base)
    tl = chart.timeline(ctx.backend, request_)
    label = t(lang.code, "timeline_month" if tl.monthly else "timeline")
    hits = [{
        "id": h.id, "doc": h.doc, "snippet": h.snippet, "highlights": h.highlights,
        "source_name": next((s.name for s in registry.sources if s.id == h.doc.get("source_id")),
                            h.doc.get("source_id")),
        "copies": sorted({c.get("source_id", "") for c in h.doc.get("copies") or []}),
    } for h in page.hits]
    return render(
        "search.html", lang.code, set_lang_cookie=lang.explicit, error="", page=page, hits=hits,
        groups=list_groups(page.facets, params, lang.code, registry), regions=region_tree(page.facets, params),
        months=month_values(page.facets, params), active=active_filters(params, lang.code, registry),
        timeline_svg=chart.svg(tl, label), timeline=tl, timeline_label=label,
        next_url=replace(params, cursor=page.next_cursor).url("/", paging=True) if page.next_cursor else "",
        first_url=params.url("/") if params.cursor else "",
        export_urls=[(f, params.url("/api/export", extra=[("format", f)])) for f in FORMATS],
        clear_url=params.without_filters().url("/"),
        **base)


@router.get("/article/{article_id_}", response_class=HTMLResponse)
def article_page(request: Request, article_id_: str, lang: Lang = Depends(page_lang),
                 ctx: WebContext = Depends(get_context)) -> HTMLResponse:
    with ctx.store() as store:
        article = store.get(article_id_)
        copies = store.cluster_copies(article.cluster_id or article.id, article.id) if article else []
    if article is None:
        return render("error.html", lang.code, 404, set_lang_cookie=lang.explicit,
                      message=t(lang.code, "not_found"), switch_url=_switch_url(request, lang.code),
                      nav="")
    names = {s.id: s.name for s in ctx.registry().sources}
    labels = topic_labels()
    return render(
        "article.html", lang.code, set_lang_cookie=lang.explicit, a=article, nav="",
        source_name=names.get(article.source_id, article.source_id),
        topics=[labels.get(x, {}).get(lang.code, x) for x in article.topics],
        copies=[{"id": article_id(c["url"]), "source_id": c["source_id"], "source_name": names.get(c["source_id"],
                 c["source_id"]), "url": c["url"], "linkable": is_http_url(c["url"])} for c in copies],
        original_url=article.canonical_url or article.url,
        switch_url=_switch_url(request, lang.code))


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, lang: Lang = Depends(page_lang),
                 ctx: WebContext = Depends(get_context)) -> HTMLResponse:
    from warta.web.sources_view import sources_with_health

    with ctx.store() as store:
        rows = sources_with_health(store, ctx.registry())
    return render("sources.html", lang.code, set_lang_cookie=lang.explicit, rows=rows, nav="sources",
                  switch_url=_switch_url(request, lang.code))


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request, lang: Lang = Depends(page_lang)) -> HTMLResponse:
    """The API reference rendered from the OpenAPI document: Swagger UI would need inline
    script and a CDN, which the Content-Security-Policy (and an offline machine) rule out."""
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "description": op.get("description", ""),
                        "params": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                    "description": p.get("description", "")} for p in op.get("parameters", [])]})
    return render("api_docs.html", lang.code, set_lang_cookie=lang.explicit, ops=ops, nav="api",
                  switch_url=_switch_url(request, lang.code))
