"""Province names (official, 38 since 2022) used to validate configuration and filters.

They come from the gazetteer (`warta.gazetteer`, config/gazetteer/regions.csv),
which also holds every kabupaten/kota with its Kemendagri code and aliases.
"""

from __future__ import annotations

import difflib

from warta.gazetteer import load_gazetteer

PROVINCES: tuple[str, ...] = tuple(p.name for p in load_gazetteer().provinces)


def resolve(name: str, known: list[str] | tuple[str, ...], what: str) -> str:
    """Case-insensitive match of a user-supplied name; a clear error suggests the closest."""
    from warta.errors import QueryError

    by_key = {k.casefold(): k for k in known}
    hit = by_key.get(name.strip().casefold())
    if hit:
        return hit
    close = difflib.get_close_matches(name.strip().casefold(), list(by_key), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(by_key[c]) for c in close)}?" if close else ""
    raise QueryError(f"unknown {what} {name!r}{hint}")
