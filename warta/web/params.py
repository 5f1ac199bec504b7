"""Search parameters from the query string, shared by the pages and the JSON API.

The names are the CLI's options (`source`, `province`, `from`, …); each filter
may repeat. Values go through `warta.filters.build_filters` and the query
through `warta.query.parse`, so the web and the CLI accept and reject exactly
the same input, with the same one-line messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urlencode

from fastapi import Query

from indexer.base import SearchRequest
from warta.errors import QueryError
from warta.filters import build_filters, describe
from warta.query import parse
from warta.sources import Registry

MAX_QUERY_CHARS = 1000
MAX_VALUE_CHARS = 300
MAX_SIZE = 100

# Parameter name -> Filters/build_filters keyword, in display order.
FILTER_PARAMS = {
    "source": "sources", "source_type": "source_types", "province": "provinces", "kabkota": "kabkotas",
    "election_type": "election_types", "topic": "topics", "institution": "institutions", "person": "people",
}
# Facet field (indexer.base.FACET_FIELDS) -> the parameter that filters on it.
FACET_PARAM = {
    "source_id": "source", "source_type": "source_type", "provinces": "province", "kabkotas": "kabkota",
    "election_types": "election_type", "topics": "topic", "institutions": "institution", "people": "person",
}
SEARCH_PARAM_NAMES = frozenset({"q", *FILTER_PARAMS, "from", "to", "include_copies", "sort", "size", "cursor"})


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    source: tuple[str, ...] = ()
    source_type: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    kabkota: tuple[str, ...] = ()
    election_type: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    institution: tuple[str, ...] = ()
    person: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    include_copies: bool = False
    sort: str = "relevance"
    size: int = 10
    cursor: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def filter_values(self, param: str) -> tuple[str, ...]:
        return getattr(self, param)

    def has_filters(self) -> bool:
        return any(getattr(self, p) for p in FILTER_PARAMS) or bool(self.date_from or self.date_to)

    def items(self, *, paging: bool = True) -> list[tuple[str, str]]:
        """The non-default parameters as query-string pairs (stable order, for links)."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for p in FILTER_PARAMS:
            out.extend((p, v) for v in getattr(self, p))
        if self.date_from:
            out.append(("from", self.date_from))
        if self.date_to:
            out.append(("to", self.date_to))
        if self.include_copies:
            out.append(("include_copies", "1"))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if paging and self.cursor:
            out.append(("cursor", self.cursor))
        return out

    def url(self, path: str = "/", *, paging: bool = False, extra: list[tuple[str, str]] | None = None) -> str:
        pairs = self.items(paging=paging) + list(extra or [])
        return path + ("?" + urlencode(pairs) if pairs else "")

    def toggled(self, param: str, value: str) -> "SearchParams":
        """The same search with `value` added to (or removed from) filter `param`, from page one."""
        current = getattr(self, param)
        new = tuple(v for v in current if v != value) if value in current else (*current, value)
        return replace(self, **{param: new}, cursor="")

    def with_dates(self, date_from: str, date_to: str) -> "SearchParams":
        return replace(self, date_from=date_from, date_to=date_to, cursor="")

    def without_filters(self) -> "SearchParams":
        return SearchParams(q=self.q, sort=self.sort, size=self.size, include_copies=self.include_copies)


def search_params(
    q: str = Query("", description='Query: words, "phrases", AND/OR/NOT, -word, prefix*, parentheses.'),
    source: list[str] = Query([], description="Source id (repeatable)."),
    source_type: list[str] = Query([], description="government | election_body | news (repeatable)."),
    province: list[str] = Query([], description="Province name or alias, e.g. Kalteng (repeatable)."),
    kabkota: list[str] = Query([], description="Kabupaten/kota name or alias, e.g. Kobar (repeatable)."),
    election_type: list[str] = Query([], description="pemilu, pilkada or a race such as pilkada-bupati."),
    topic: list[str] = Query([], description="Topic id, e.g. netralitas (repeatable)."),
    institution: list[str] = Query([], description="Institution as extracted (repeatable)."),
    person: list[str] = Query([], description="Person's name as extracted (repeatable)."),
    date_from: str = Query("", alias="from", description="First day YYYY-MM-DD (Asia/Jakarta)."),
    date_to: str = Query("", alias="to", description="Last day YYYY-MM-DD (Asia/Jakarta)."),
    include_copies: bool = Query(False, description="List every syndicated copy, not one per cluster."),
    sort: Literal["relevance", "date"] = Query("relevance"),
    size: int = Query(10, ge=1, le=MAX_SIZE, description=f"Hits per page, 1–{MAX_SIZE}."),
    cursor: str = Query("", description="next_cursor of the previous page."),
) -> SearchParams:
    """FastAPI dependency: the declared parameters also document the API in /openapi.json."""
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long: {len(q)} characters, at most {MAX_QUERY_CHARS}")
    values = {"source": source, "source_type": source_type, "province": province, "kabkota": kabkota,
              "election_type": election_type, "topic": topic, "institution": institution, "person": person}
    for name, vals in values.items():
        for v in vals:
            if len(v) > MAX_VALUE_CHARS or "\x00" in v:
                raise QueryError(f"invalid {name} value: too long or contains a NUL character")
    if "\x00" in q:
        raise QueryError("invalid query: contains a NUL character")
    # Empty repeated values (an unselected form field) mean "no filter".
    return SearchParams(q=q.strip(), **{k: tuple(v.strip() for v in vals if v.strip()) for k, vals in values.items()},
                        date_from=date_from.strip(), date_to=date_to.strip(), include_copies=include_copies,
                        sort=sort, size=size, cursor=cursor.strip())


def build_request(params: SearchParams, registry: Registry, *, size: int | None = None, facets: bool = True,
                  snippets: bool = True, paging: bool = True) -> tuple[SearchRequest, dict[str, object]]:
    """(request, describe(filters)); QueryError with a one-line message for anything invalid."""
    filters = build_filters(
        registry, **{kw: list(getattr(params, p)) for p, kw in FILTER_PARAMS.items()},
        date_from=params.date_from or None, date_to=params.date_to or None, include_copies=params.include_copies)
    request = SearchRequest(query=parse(params.q), filters=filters, sort=params.sort,  # type: ignore[arg-type]
                            size=params.size if size is None else size,
                            cursor=(params.cursor or None) if paging else None, facets=facets, snippets=snippets)
    return request, describe(filters)


def unknown_params(names: set[str] | frozenset[str], allowed: frozenset[str]) -> None:
    """The API rejects a misspelt parameter (?provnce=) rather than silently ignoring the filter."""
    bad = sorted(set(names) - allowed)
    if bad:
        raise QueryError(f"unknown parameter {bad[0]!r}; known: {', '.join(sorted(allowed))}")

