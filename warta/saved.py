"""Saved searches: a name, a query and filters, kept in the store, that get a digest after each crawl.

Filters are validated and resolved when the search is saved ("Kobar" becomes
"Kabupaten Kotawaringin Barat") and stored in `warta.filters.describe` form,
so a later change to the alias list cannot change what a saved search means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from indexer.base import SearchRequest
from warta.errors import WartaError
from warta.filters import build_filters, describe
from warta.query import parse
from warta.regions import resolve
from warta.sources import Registry
from warta.store import Store

# The name is also a folder name under data_dir/digests/.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str
    filters: dict[str, Any]  # build_filters keyword arguments (describe() output)
    created_at: str

    def request(self, registry: Registry, **kw: Any) -> SearchRequest:
        return SearchRequest(query=parse(self.query), filters=build_filters(registry, **self.filters), **kw)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "query": self.query, "filters": self.filters, "created_at": self.created_at}


def _from_row(r: dict[str, Any]) -> SavedSearch:
    return SavedSearch(r["name"], r["query"], r["filters"], r["created_at"])


def add(store: Store, registry: Registry, name: str, query: str, **filters: Any) -> SavedSearch:
    """Validate and save; `filters` are `warta.filters.build_filters` keyword arguments."""
    if not _NAME.match(name):
        raise WartaError(f"saved search name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    parse(query)  # a malformed query fails now, not at 02:00
    resolved = describe(build_filters(registry, **filters))
    store.add_saved(name, query, resolved)
    return get(store, name)


def all_saved(store: Store) -> list[SavedSearch]:
    return [_from_row(r) for r in store.saved()]


def get(store: Store, name: str) -> SavedSearch:
    rows = store.saved(name)
    if not rows:
        names = [s.name for s in all_saved(store)]
        if not names:
            raise WartaError(f"no saved search named {name!r} (there are none; add one with `warta saved add`)")
        # Another case is accepted; anything else raises with a "did you mean" suggestion.
        rows = store.saved(resolve(name, names, "saved search"))
    return _from_row(rows[0])


def remove(store: Store, name: str) -> None:
    store.remove_saved(get(store, name).name)  # get(): the same helpful error for an unknown name
