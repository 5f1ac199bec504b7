"""Facet counts turned into clickable filters for the search page, regions as a tree.

Each value links to the same search with that filter toggled (added, or
removed when already active), starting again from page one.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

from pipelines.classify import topic_labels
from warta.gazetteer import load_gazetteer
from warta.sources import Registry
from warta.web.i18n import t
from warta.web.params import FACET_PARAM, SearchParams

# Facet groups in page order (regions are drawn separately as a tree).
LIST_FACETS = ("source_id", "source_type", "topics", "election_types", "institutions", "people")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    url: str
    active: bool
    children: list["FacetValue"] = field(default_factory=list)


@dataclass
class FacetGroup:
    field: str
    title: str
    values: list[FacetValue]


def _labeller(field_name: str, lang: str, registry: Registry):  # noqa: ANN202
    if field_name == "source_id":
        names = {s.id: s.name for s in registry.sources}
        return lambda v: names.get(v, v)
    if field_name == "source_type":
        return lambda v: t(lang, f"type_{v}")
    if field_name == "topics":
        labels = topic_labels()
        return lambda v: labels.get(v, {}).get(lang, v)
    return lambda v: v


def _value(params: SearchParams, param: str, value: str, label: str, count: int) -> FacetValue:
    return FacetValue(value, label, count, params.toggled(param, value).url("/"),
                      value in params.filter_values(param))


def list_groups(facets: dict[str, list[tuple[str, int]]], params: SearchParams, lang: str,
                registry: Registry) -> list[FacetGroup]:
    groups = []
    for name in LIST_FACETS:
        label = _labeller(name, lang, registry)
        values = [_value(params, FACET_PARAM[name], v, label(v), n) for v, n in facets.get(name, [])]
        if values:
            groups.append(FacetGroup(name, t(lang, f"facet_{name}"), values))
    return groups


def region_tree(facets: dict[str, list[tuple[str, int]]], params: SearchParams) -> list[FacetValue]:
    """Provinces with their kabupaten/kota under them (every kabupaten/kota rolls up to its province)."""
    gaz = load_gazetteer()
    provinces = {v: _value(params, "province", v, v, n) for v, n in facets.get("provinces", [])}
    orphans = []
    for v, n in facets.get("kabkotas", []):
        place = gaz.by_name.get(v)
        node = _value(params, "kabkota", v, v, n)
        parent = provinces.get(place.province) if place else None
        (parent.children if parent else orphans).append(node)
    return [*provinces.values(), *orphans]


def month_values(facets: dict[str, list[tuple[str, int]]], params: SearchParams) -> list[FacetValue]:
    """Months in calendar order; a click sets the date range to that month."""
    out = []
    for v, n in sorted(facets.get("month", [])):
        try:
            year, month = int(v[:4]), int(v[5:7])
        except ValueError:
            continue
        first, last = f"{v}-01", f"{v}-{calendar.monthrange(year, month)[1]:02d}"
        active = params.date_from == first and params.date_to == last
        target = params.with_dates("", "") if active else params.with_dates(first, last)
        out.append(FacetValue(v, v, n, target.url("/"), active))
    return out


def active_filters(params: SearchParams, lang: str, registry: Registry) -> list[FacetValue]:
    """Chips for every active filter, each linking to the search without it."""
    out = []
    for name, param in FACET_PARAM.items():
        label = _labeller(name, lang, registry)
        for v in params.filter_values(param):
            out.append(FacetValue(v, f"{t(lang, 'facet_' + name)}: {label(v)}", 0,
                                  params.toggled(param, v).url("/"), True))
    if params.date_from or params.date_to:
        out.append(FacetValue("dates", f"{t(lang, 'facet_dates')}: {params.date_from or '…'} – {params.date_to or '…'}",
                              0, params.with_dates("", "").url("/"), True))
    return out
