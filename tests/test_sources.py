from pathlib import Path

import pytest

from warta.errors import ConfigError
from warta.settings import PROJECT_ROOT
from warta.sources import load_registry

GOOD = """
sources:
  - id: mmc-kobar
    name: MMC Kobar
    type: government
    base_url: https://mmc.example.go.id
    region: {province: Kalimantan Tengah, kabkota: Kotawaringin Barat}
    timezone: WIB
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "sources.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_registry_is_valid_and_covers_kalimantan():
    reg = load_registry(PROJECT_ROOT / "config" / "sources.yaml")
    ids = {s.id for s in reg.sources}
    assert {"mmc-kobar", "shalokal", "bebaca", "bawaslu-kobar"} <= ids
    assert len(reg.sources) >= 15
    assert {s.region.province for s in reg.sources} >= {
        "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Barat", "Kalimantan Utara"}
    assert {s.timezone for s in reg.sources} == {"WIB", "WITA"}


def test_good_file_normalises_base_url(tmp_path):
    reg = load_registry(write(tmp_path, GOOD))
    assert reg.get("mmc-kobar").base_url == "https://mmc.example.go.id/"
    assert reg.get("mmc-kobar").domain == "mmc.example.go.id"


@pytest.mark.parametrize("change, expected", [
    (("type: government", "type: blog"), "source 'mmc-kobar' field 'type'"),
    (("Kalimantan Tengah", "Kalimantan Tenga"), "unknown province 'Kalimantan Tenga'"),
    (("timezone: WIB", "timezone: CET"), "field 'timezone'"),
    (("https://mmc.example.go.id", "ftp://x"), "field 'base_url': must be an http(s) URL"),
    (("    timezone: WIB", "    timezone: WIB\n    colour: red"), "field 'colour'"),
    (("region: {", "region: [{"), "invalid YAML"),
])
def test_errors_name_file_source_and_field(tmp_path, change, expected):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as e:
        load_registry(path)
    assert str(path) in str(e.value)
    assert expected in str(e.value)
    assert "\n" not in str(e.value)


def test_unknown_source_suggests_the_closest(tmp_path):
    reg = load_registry(write(tmp_path, GOOD))
    with pytest.raises(Exception, match="did you mean 'mmc-kobar'"):
        reg.get("mmc-kobr")
