"""Province names (official, 38 since 2022) used to validate configuration and filters.

The full kabupaten/kota gazetteer with Kemendagri codes arrives with region
tagging (issue 3); until then kabupaten/kota names come from the sources'
home regions.
"""

from __future__ import annotations

import difflib

PROVINCES = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan", "Bengkulu",
    "Lampung", "Kepulauan Bangka Belitung", "Kepulauan Riau", "DKI Jakarta", "Jawa Barat",
    "Jawa Tengah", "DI Yogyakarta", "Jawa Timur", "Banten", "Bali", "Nusa Tenggara Barat",
    "Nusa Tenggara Timur", "Kalimantan Barat", "Kalimantan Tengah", "Kalimantan Selatan",
    "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara", "Sulawesi Tengah",
    "Sulawesi Selatan", "Sulawesi Tenggara", "Gorontalo", "Sulawesi Barat", "Maluku",
    "Maluku Utara", "Papua", "Papua Barat", "Papua Selatan", "Papua Tengah", "Papua Pegunungan",
    "Papua Barat Daya",
)


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
