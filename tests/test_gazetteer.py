"""The gazetteer: counts, codes, the 2022 Papua split, name resolution, the alias file's errors."""

import re
from pathlib import Path

import pytest

from warta.errors import ConfigError, QueryError
from warta.gazetteer import (ALIASES_YAML, REGIONS_CSV, load_gazetteer, province_of, resolve_kabkota,
                             resolve_province)
from warta.regions import PROVINCES


def data_rows() -> list[str]:
    return [line for line in REGIONS_CSV.read_text(encoding="utf-8").splitlines()[2:] if line]


def test_counts_match_the_data_file():
    g = load_gazetteer()
    assert len(g.provinces) == 38
    assert len(g.kabkotas) == len(data_rows()) - 38 == 514
    assert {p.level for p in g.kabkotas} == {"kabupaten", "kota"}
    assert sum(p.level == "kota" for p in g.kabkotas) == 98
    assert PROVINCES == tuple(p.name for p in g.provinces)


def test_every_kabkota_has_a_province_code_and_capital():
    g = load_gazetteer()
    codes = {p.code: p.name for p in g.provinces}
    for k in g.kabkotas:
        assert re.fullmatch(r"\d\d\.\d\d", k.code), k
        assert codes[k.code[:2]] == k.province, k
        assert k.capital, k
        assert k.name.startswith(("Kabupaten ", "Kota ")), k
    assert len({k.code for k in g.kabkotas}) == 514


def test_canonical_names_and_codes():
    g = load_gazetteer()
    assert g.kabkota("Kotawaringin Barat").code == "62.01"
    assert g.kabkota("Palangka Raya").name == "Kota Palangka Raya"
    assert g.kabkota("Kotawaringin Barat").capital == "Pangkalan Bun"
    assert {"DKI Jakarta", "DI Yogyakarta", "Kalimantan Tengah"} <= set(PROVINCES)
    assert g.province("Kalimantan Selatan").capital == "Banjarbaru"


def test_papua_2022_split_applied():
    g = load_gazetteer()
    expected = {"Papua Selatan": ("93", "Kabupaten Merauke"), "Papua Tengah": ("94", "Kabupaten Mimika"),
                "Papua Pegunungan": ("95", "Kabupaten Jayawijaya"), "Papua Barat Daya": ("96", "Kota Sorong")}
    for province, (code, member) in expected.items():
        assert g.province(province).code == code
        assert province_of(member) == province
        assert g.kabkota(member).code.startswith(code + ".")
    assert sum(k.province == "Papua" for k in g.kabkotas) == 9
    assert sum(k.province == "Papua Barat" for k in g.kabkotas) == 7


@pytest.mark.parametrize("name, canonical", [
    ("Kabupaten Kotawaringin Barat", "Kabupaten Kotawaringin Barat"),
    ("kotawaringin barat", "Kabupaten Kotawaringin Barat"),
    ("KOBAR", "Kabupaten Kotawaringin Barat"),
    ("Kotim", "Kabupaten Kotawaringin Timur"),
    ("Palangkaraya", "Kota Palangka Raya"),
    ("HST", "Kabupaten Hulu Sungai Tengah"),
    ("Kota Bogor", "Kota Bogor"),
    ("Kab. Bogor", "Kabupaten Bogor"),
    ("kabupaten malang", "Kabupaten Malang"),
])
def test_resolve_kabkota(name, canonical):
    assert resolve_kabkota(name) == canonical


def test_resolve_province_accepts_abbreviations():
    assert resolve_province("kalteng") == "Kalimantan Tengah"
    assert resolve_province("Jateng") == "Jawa Tengah"
    assert resolve_province("DKI") == "DKI Jakarta"
    assert province_of("Kukar") == "Kalimantan Timur"


def test_unknown_name_suggests_the_closest():
    with pytest.raises(QueryError) as e:
        resolve_kabkota("Kotawaringin Barta")
    assert str(e.value) == ("unknown kabupaten/kota 'Kotawaringin Barta'; "
                            "did you mean 'Kabupaten Kotawaringin Barat'?")
    with pytest.raises(QueryError, match="unknown province 'Kalimantan Tenga'; did you mean 'Kalimantan Tengah'"):
        resolve_province("Kalimantan Tenga")


@pytest.mark.parametrize("name, both", [
    ("Bogor", ("Kabupaten Bogor", "Kota Bogor")),
    ("Malang", ("Kabupaten Malang", "Kota Malang")),
    ("kupang", ("Kabupaten Kupang", "Kota Kupang")),
    ("Bima", ("Kabupaten Bima", "Kota Bima")),
    ("Mura", ("Kabupaten Murung Raya", "Kabupaten Musi Rawas")),
])
def test_ambiguous_name_lists_every_candidate(name, both):
    with pytest.raises(QueryError) as e:
        resolve_kabkota(name)
    assert str(e.value).startswith(f"ambiguous kabupaten/kota {name!r}")
    assert all(repr(b) in str(e.value) for b in both)


def test_province_narrows_an_ambiguous_name():
    assert resolve_kabkota("Banjar", "Kalimantan Selatan") == "Kabupaten Banjar"
    assert resolve_kabkota("Banjar", "Jawa Barat") == "Kota Banjar"
    assert resolve_kabkota("Mura", "Kalteng") == "Kabupaten Murung Raya"


def test_shipped_alias_file_names_kalimantan_abbreviations():
    g = load_gazetteer()
    for alias, name in [("Kobar", "Kabupaten Kotawaringin Barat"), ("Kukar", "Kabupaten Kutai Kartanegara"),
                        ("Kutim", "Kabupaten Kutai Timur"), ("Kubar", "Kabupaten Kutai Barat"),
                        ("Batola", "Kabupaten Barito Kuala"), ("Tala", "Kabupaten Tanah Laut"),
                        ("PPU", "Kabupaten Penajam Paser Utara"), ("Pulpis", "Kabupaten Pulang Pisau"),
                        ("Gumas", "Kabupaten Gunung Mas"), ("Bartim", "Kabupaten Barito Timur"),
                        ("HSU", "Kabupaten Hulu Sungai Utara"), ("HSS", "Kabupaten Hulu Sungai Selatan")]:
        assert g.kabkota(alias).name == name
    assert g.aliases.places["Kumai"] == "Kabupaten Kotawaringin Barat"


def _bad_aliases(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "region_aliases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, line, field, message", [
    ("kabkota:\n  Kabupaten Kotawaringin Barat: [Kobar]\n  Kabupaten Kotawaringn Timur: [Kotim]\n",
     3, "kabkota.Kabupaten Kotawaringn Timur", "did you mean 'Kabupaten Kotawaringin Timur'"),
    ("provinces:\n  Kalimantan Tengah: Kalteng\n", 2, "provinces.Kalimantan Tengah", "expected a list"),
    ("places:\n  Kumai: Kobar\n", 2, "places.Kumai", "unknown kabupaten/kota 'Kobar'"),
    ("weak: [Batu]\nsinonim: []\n", 2, "sinonim", "unknown section"),
    ("kabkota:\n  Kabupaten Balangan: [Paringin, [x]]\n", 2, "kabkota.Kabupaten Balangan", "non-empty name"),
])
def test_malformed_alias_file_names_file_line_and_field(tmp_path, text, line, field, message):
    path = _bad_aliases(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_gazetteer(REGIONS_CSV, path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: line {line}: field {field!r}: "), msg
    assert message in msg
    assert "\n" not in msg


def test_invalid_yaml_alias_file_names_the_line(tmp_path):
    path = _bad_aliases(tmp_path, "kabkota:\n  Kabupaten Balangan: [Paringin\n  x: y\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: line \d+: invalid YAML"):
        load_gazetteer(REGIONS_CSV, path)


def test_shipped_alias_file_is_valid():
    assert load_gazetteer(REGIONS_CSV, ALIASES_YAML).aliases.kabkotas
