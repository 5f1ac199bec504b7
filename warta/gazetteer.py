"""The gazetteer: 38 provinces and 514 kabupaten/kota, their codes, capitals and aliases.

Data, not code: `config/gazetteer/regions.csv` (generated once from data packages,
see its README) and `config/region_aliases.yaml` (press abbreviations, towns used
as datelines, names that need a cue). Only those two files are read at run time.

    g = load_gazetteer()
    g.kabkota("Kobar").name            # 'Kabupaten Kotawaringin Barat'
    resolve_kabkota("kota bogor")      # 'Kota Bogor'
    resolve_kabkota("Bogor")           # QueryError: ambiguous ... Kabupaten Bogor, Kota Bogor
    province_of("Kotim")               # 'Kalimantan Tengah'
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from warta.yamlfile import compose_yaml
from warta.errors import ConfigError, QueryError

_CONFIG = Path(__file__).resolve().parent.parent / "config"
REGIONS_CSV = _CONFIG / "gazetteer" / "regions.csv"
ALIASES_YAML = _CONFIG / "region_aliases.yaml"

Level = Literal["province", "kabupaten", "kota"]
_KIND_PREFIX = re.compile(r"^(?:kabupaten|kab\.?|kota)(?:\s+administrasi)?\s+", re.IGNORECASE)


def name_key(name: str) -> str:
    """Lookup key: case-folded letters and digits only, so "Palangka Raya",
    "Palangkaraya" and "palangka-raya" are one name."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def _typed_key(name: str) -> tuple[str, str]:
    """("kabupaten" | "kota" | "", key of the rest): "Kab. Bogor" -> ("kabupaten", "bogor")."""
    m = _KIND_PREFIX.match(name.strip())
    if not m:
        return "", name_key(name)
    kind = "kota" if m.group(0).casefold().startswith("kota") else "kabupaten"
    return kind, name_key(name[m.end():])


@dataclass(frozen=True)
class Place:
    """One province or kabupaten/kota."""

    code: str  # Kemendagri: "62" or "62.01"
    level: Level
    name: str  # canonical
    short: str  # without the kind: "Kotawaringin Barat"
    province: str  # canonical province name (a province names itself)
    capital: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Aliases:
    """The parsed config/region_aliases.yaml."""

    provinces: dict[str, tuple[str, ...]] = field(default_factory=dict)
    kabkotas: dict[str, tuple[str, ...]] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)  # town -> canonical kabupaten/kota
    weak: frozenset[str] = frozenset()  # name_key()s that need a cue
    not_capitals: frozenset[str] = frozenset()  # name_key()s of seats not used as aliases


class Gazetteer:
    def __init__(self, places: list[Place], aliases: Aliases) -> None:
        self.provinces: tuple[Place, ...] = tuple(p for p in places if p.level == "province")
        self.kabkotas: tuple[Place, ...] = tuple(p for p in places if p.level != "province")
        self.aliases = aliases
        self.by_name: dict[str, Place] = {p.name: p for p in places}
        self._province_keys = self._index(self.provinces)
        self._kabkota_keys = self._index(self.kabkotas)

    @staticmethod
    def _index(places: tuple[Place, ...]) -> dict[str, list[Place]]:
        index: dict[str, list[Place]] = {}
        for p in places:
            for form in {p.name, p.short, *p.aliases}:
                bucket = index.setdefault(name_key(form), [])
                if p not in bucket:
                    bucket.append(p)
        return index

    # ------------------------------------------------------------------ lookups

    def province(self, name: str) -> Place:
        """The province for a canonical name, short name or alias ("Kalteng"), any case."""
        hits = self._province_keys.get(name_key(name.removeprefix("Provinsi ").removeprefix("provinsi ")), [])
        if hits:
            return hits[0]
        raise QueryError(f"unknown province {name!r}{self._hint(name, self.provinces)}")

    def kabkota(self, name: str, province: str = "") -> Place:
        """The kabupaten/kota for a canonical name, short name or alias, any case.

        "Kabupaten"/"Kab."/"Kota" in front picks the kind; `province` narrows a short
        name found in several provinces ("Banjar"). Still ambiguous: QueryError.
        """
        hits = list(self._kabkota_keys.get(name_key(name), []))  # full names and aliases ("Kota Cantik")
        kind, key = _typed_key(name)
        if kind and not hits:
            hits = list(self._kabkota_keys.get(key, []))
            hits = [p for p in hits if p.level == kind] or hits  # a wrong kind on a unique name still resolves
        if province and len(hits) > 1:
            prov = self.province(province).name
            hits = [p for p in hits if p.province == prov] or hits
        if len(hits) == 1:
            return hits[0]
        if hits:
            options = ", ".join(f"{p.name!r} ({p.province})" for p in hits)
            raise QueryError(f"ambiguous kabupaten/kota {name!r}: {options}; give the full name")
        raise QueryError(f"unknown kabupaten/kota {name!r}{self._hint(name, self.kabkotas)}")

    def province_of(self, kabkota: str) -> Place:
        return self.province(self.kabkota(kabkota).province)

    @staticmethod
    def _hint(name: str, places: tuple[Place, ...]) -> str:
        forms: dict[str, str] = {}
        for p in places:
            for form in (p.name, p.short, *p.aliases):
                forms.setdefault(form.casefold(), p.name)
        query = name.strip().casefold()
        scored = sorted(((difflib.SequenceMatcher(None, query, f).ratio(), forms[f]) for f in forms), reverse=True)
        best = scored[0][0] if scored else 0.0
        # Only the near-best: one clear suggestion for a typo, several only for a real tie.
        names = list(dict.fromkeys(n for r, n in scored if r >= 0.6 and r >= best - 0.03))[:3]
        return f"; did you mean {', '.join(repr(n) for n in names)}?" if names else ""


# ---------------------------------------------------------------------- loading


def _read_places(path: Path) -> list[Place]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    rows = csv.DictReader(line for line in lines if not line.startswith("#"))
    places = []
    for i, row in enumerate(rows, start=1):
        try:
            places.append(Place(code=row["code"], level=row["level"], name=row["name"], short=row["short"],  # type: ignore[arg-type]
                                province=row["province"], capital=row["capital"]))
        except (KeyError, TypeError):
            raise ConfigError(f"{path}: row {i}: expected columns code,level,name,short,province,capital") from None
    return places


def _fail(path: Path, node: yaml.Node, where: str, msg: str) -> ConfigError:
    return ConfigError(f"{path}: line {node.start_mark.line + 1}: field {where!r}: {msg}")


def _scalar(path: Path, node: yaml.Node, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _fail(path, node, where, "expected a non-empty name")
    return str(node.value).strip()


def _str_list(path: Path, node: yaml.Node, where: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(path, node, where, "expected a list of names")
    return tuple(_scalar(path, item, where) for item in node.value)


def _mapping(path: Path, node: yaml.Node, where: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(path, node, where, "expected a mapping")
    return node.value


def load_aliases(path: Path, places: list[Place]) -> Aliases:
    """Parse and check region_aliases.yaml; errors name the file, line and field."""
    _, root = compose_yaml(path)
    if root is None:
        return Aliases()
    provinces = {p.name: p for p in places if p.level == "province"}
    kabkotas = {p.name: p for p in places if p.level != "province"}
    sections = {"provinces", "kabkota", "places", "weak", "not_capitals"}
    out: dict[str, object] = {}
    for key_node, value in _mapping(path, root, "(top level)"):
        section = _scalar(path, key_node, "(top level)")
        if section not in sections:
            raise _fail(path, key_node, section, f"unknown section; expected one of {', '.join(sorted(sections))}")
        out[section] = _section(path, section, value, provinces, kabkotas)
    return Aliases(
        provinces=out.get("provinces", {}),  # type: ignore[arg-type]
        kabkotas=out.get("kabkota", {}),  # type: ignore[arg-type]
        places=out.get("places", {}),  # type: ignore[arg-type]
        weak=frozenset(name_key(w) for w in out.get("weak", ())),  # type: ignore[attr-defined]
        not_capitals=frozenset(name_key(w) for w in out.get("not_capitals", ())),  # type: ignore[attr-defined]
    )


def _section(path: Path, section: str, node: yaml.Node, provinces: dict[str, Place],
             kabkotas: dict[str, Place]) -> object:
    if section in ("weak", "not_capitals"):
        return _str_list(path, node, section)
    known = provinces if section == "provinces" else kabkotas
    what = "province" if section == "provinces" else "kabupaten/kota"
    result: dict[str, object] = {}
    for key_node, value in _mapping(path, node, section):
        name = _scalar(path, key_node, section)
        where = f"{section}.{name}"
        if section == "places":
            target = _scalar(path, value, where)
            _known(path, value, where, target, kabkotas, "kabupaten/kota")
            result[name] = target
        else:
            _known(path, key_node, where, name, known, what)
            result[name] = _str_list(path, value, where)
    return result


def _known(path: Path, node: yaml.Node, where: str, name: str, known: dict[str, Place], what: str) -> None:
    if name in known:
        return
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else " (use the canonical name from regions.csv)"
    raise _fail(path, node, where, f"unknown {what} {name!r}{hint}")


@functools.lru_cache(maxsize=8)
def load_gazetteer(regions_csv: Path = REGIONS_CSV, aliases_yaml: Path = ALIASES_YAML) -> Gazetteer:
    """The gazetteer from the committed data files (cached: loaded once per process)."""
    places = _read_places(Path(regions_csv))
    aliases = load_aliases(Path(aliases_yaml), places)
    merged = [
        Place(p.code, p.level, p.name, p.short, p.province, p.capital,
              aliases.provinces.get(p.name, ()) if p.level == "province" else aliases.kabkotas.get(p.name, ()))
        for p in places
    ]
    return Gazetteer(merged, aliases)


# ---------------------------------------------------------- canonical-name helpers


def resolve_province(name: str) -> str:
    """Canonical province name for a name/alias ("kalteng" -> "Kalimantan Tengah"); QueryError if unknown."""
    return load_gazetteer().province(name).name


def resolve_kabkota(name: str, province: str = "") -> str:
    """Canonical kabupaten/kota name ("Kobar" -> "Kabupaten Kotawaringin Barat");
    QueryError if unknown (with suggestions) or ambiguous ("Bogor")."""
    return load_gazetteer().kabkota(name, province).name


def province_of(kabkota: str) -> str:
    """Canonical province of a kabupaten/kota given by any of its names."""
    return load_gazetteer().kabkota(kabkota).province
