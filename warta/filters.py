"""Turn user-supplied filter values into a validated `Filters`, with clear one-line errors."""

from __future__ import annotations

from datetime import date

from indexer.base import Filters
from pipelines.classify import ELECTION_TYPES, GENERIC_TYPES, topic_ids
from warta.errors import QueryError
from warta.gazetteer import resolve_kabkota, resolve_province
from warta.regions import resolve
from warta.sources import Registry

SOURCE_TYPES = ("government", "election_body", "news")
ELECTION_FILTER_VALUES = (*GENERIC_TYPES, *ELECTION_TYPES)


def _date(value: str | None, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{what} {value!r} is not a date: use YYYY-MM-DD") from None


def build_filters(registry: Registry, *, sources: list[str] = (), source_types: list[str] = (),
                  provinces: list[str] = (), kabkotas: list[str] = (), election_types: list[str] = (),
                  topics: list[str] = (), institutions: list[str] = (), people: list[str] = (),
                  date_from: str | None = None, date_to: str | None = None,
                  include_copies: bool = False) -> Filters:
    lo, hi = _date(date_from, "--from"), _date(date_to, "--to")
    if lo and hi and lo > hi:
        raise QueryError(f"impossible date range: --from {lo} is after --to {hi}")
    return Filters(
        sources=tuple(resolve(s, [x.id for x in registry.sources], "source") for s in sources),
        source_types=tuple(resolve(t, SOURCE_TYPES, "source type") for t in source_types),
        # Aliases work as filters: --kabkota Kobar, --province Kalteng.
        provinces=tuple(resolve_province(p) for p in provinces),
        kabkotas=tuple(resolve_kabkota(k) for k in kabkotas),
        election_types=tuple(resolve(e, ELECTION_FILTER_VALUES, "election type") for e in election_types),
        topics=tuple(resolve(t, topic_ids(), "topic") for t in topics), institutions=tuple(institutions), people=tuple(people),
        date_from=lo, date_to=hi, include_copies=include_copies,
    )


def describe(filters: Filters) -> dict[str, object]:
    """The non-empty filters, for manifests and --json output."""
    out: dict[str, object] = {}
    for name in ("sources", "source_types", "provinces", "kabkotas", "election_types", "topics", "institutions",
                 "people"):
        if getattr(filters, name):
            out[name] = list(getattr(filters, name))
    if filters.date_from:
        out["date_from"] = filters.date_from.isoformat()
    if filters.date_to:
        out["date_to"] = filters.date_to.isoformat()
    out["include_copies"] = filters.include_copies
    return out
