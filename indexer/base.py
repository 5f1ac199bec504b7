"""The one interface every search backend implements, and the request/response types.

Backends receive documents built by `indexer.document.build_document` (text
already tokenised and stemmed in Python) and queries as a `warta.query` tree,
so the embedded SQLite FTS5 backend and Elasticsearch return the same id sets,
totals and facet counts for the same request. `tests/backend_contract.py`
holds the single contract suite run against both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo
from typing import Any, Iterable, Iterator, Literal, Protocol

from warta.query import Node

JAKARTA = ZoneInfo("Asia/Jakarta")
# List fields of the document that filter "any of these values"; the Filters
# attribute of the same name holds the wanted values.
LIST_FILTER_FIELDS = ("provinces", "kabkotas", "election_types", "topics", "institutions", "people")
FACET_FIELDS = ("source_id", "source_type", *LIST_FILTER_FIELDS, "month")


@dataclass(frozen=True)
class Filters:
    sources: tuple[str, ...] = ()
    source_types: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    kabkotas: tuple[str, ...] = ()
    election_types: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    institutions: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    date_from: date | None = None  # inclusive, Asia/Jakarta calendar day
    date_to: date | None = None  # inclusive, Asia/Jakarta calendar day
    include_copies: bool = False  # False: one entry per syndication cluster

    def canonical_only(self) -> bool:
        """Collapse syndicated copies to their canonical member?

        Not when the user names outlets: asking for bebaca.id must show
        bebaca.id's copy even if another outlet published first.
        """
        return not self.include_copies and not self.sources

    def date_bounds_ms(self) -> tuple[int | None, int | None]:
        """Inclusive epoch-millisecond bounds of the Asia/Jakarta calendar days."""
        lo = hi = None
        if self.date_from:
            lo = int(datetime.combine(self.date_from, time.min, JAKARTA).timestamp() * 1000)
        if self.date_to:
            hi = int(datetime.combine(self.date_to + timedelta(days=1), time.min, JAKARTA).timestamp() * 1000) - 1
        return lo, hi


@dataclass(frozen=True)
class SearchRequest:
    query: Node
    filters: Filters = Filters()
    sort: Literal["relevance", "date"] = "relevance"
    size: int = 10
    cursor: str | None = None  # opaque, from SearchPage.next_cursor
    facets: bool = True
    snippets: bool = True


@dataclass
class Hit:
    id: str
    score: float
    doc: dict[str, Any]  # stored fields (see indexer.document.STORED_FIELDS)
    snippet: str = ""  # plain text window of the unstemmed body (or title)
    highlights: list[tuple[int, int]] = field(default_factory=list)  # offsets into snippet


@dataclass
class SearchPage:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    next_cursor: str | None = None


class SearchBackend(Protocol):
    name: str

    def ensure_ready(self) -> None:
        """Create tables / index + alias if missing. Raises BackendUnavailable."""

    def index(self, docs: Iterable[dict[str, Any]]) -> int:
        """Upsert documents by id (bulk). Returns how many were written."""

    def delete(self, ids: Iterable[str]) -> int: ...

    def reset(self) -> None:
        """Drop everything and start empty (used by `warta reindex`)."""

    def count(self) -> int: ...

    def search(self, request: SearchRequest) -> SearchPage: ...

    def iter_hits(self, request: SearchRequest, page_size: int = 1000) -> Iterator[Hit]:
        """Every hit of the request in sort order, streamed (exports)."""

    def close(self) -> None: ...
