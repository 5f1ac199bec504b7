"""Institutions and people (pipelines/entities.py), on short original Indonesian texts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import tests.hypothesis_profiles  # noqa: F401 - loads the CI/dev profile
from pipelines.entities import (
    _NAME,
    _QUOTE_AFTER,
    _QUOTE_OPENED,
    _SELAKU,
    _WORD_START,
    _lex,
    _unit,
    institutions,
    load_institutions,
    people,
    region_resolver,
)
from pipelines.enrichment_types import Person
from warta.errors import ConfigError

# ---------------------------------------------------------------- institutions


def test_regional_units_are_normalised_through_the_gazetteer() -> None:
    body = ("Bawaslu Kobar bersama KPU Provinsi Kalteng, Polres Kobar dan Kejari Kobar menggelar rakor. "
            "Hadir pula perwakilan KPU RI, Pemkab Kobar dan Polda Kalteng.")
    assert institutions("", body) == [
        "Bawaslu Kabupaten Kotawaringin Barat", "KPU Provinsi Kalimantan Tengah", "Polres Kotawaringin Barat",
        "Kejari Kotawaringin Barat", "KPU RI", "Pemkab Kotawaringin Barat", "Polda Kalimantan Tengah",
    ]


def test_long_names_acronyms_in_brackets_and_kind_words() -> None:
    body = ("Badan Pengawas Pemilihan Umum (BAWASLU) Kabupaten Balangan dan Komisi Pemilihan Umum (KPU) Kota "
            "Palangka Raya menerima kunjungan Pemerintah Kabupaten (Pemkab) Kutai Kartanegara (Kukar).")
    assert institutions("", body) == [
        "Bawaslu Kabupaten Balangan", "KPU Kota Palangka Raya", "Pemkab Kutai Kartanegara",
    ]


def test_military_units_keep_their_number() -> None:
    assert institutions("", "Dandim hadir mewakili Kodim 1014/Pangkalan Bun dan Korem 102/Panju Panjung.") == [
        "Kodim 1014", "Korem 102",
    ]


def test_bare_mentions_and_ad_hoc_bodies() -> None:
    body = ("Bawaslu meminta Panwascam, PKD dan Pengawas TPS memantau KPPS. Sentra Gakkumdu menerima laporan. "
            "DKPP memeriksa anggota PPS dan PPK.")
    assert institutions("", body) == [
        "Bawaslu", "Panwascam", "PKD", "Pengawas TPS", "KPPS", "Sentra Gakkumdu", "DKPP", "PPS", "PPK",
    ]


def test_bare_name_is_dropped_when_a_unit_of_it_is_listed() -> None:
    assert institutions("KPU Siapkan Logistik", "KPU Kabupaten Balangan menyiapkan logistik pilkada.") == [
        "KPU Kabupaten Balangan",
    ]


def test_political_parties() -> None:
    body = ("Pengurus PDI Perjuangan, Partai Golkar, Gerindra, NasDem, PKB, PKS, PAN, Partai Demokrat, PPP, "
            "Perindo, PSI dan Hanura hadir dalam pengundian nomor urut pemilu.")
    assert institutions("", body) == [
        "PDI-P", "Golkar", "Gerindra", "NasDem", "PKB", "PKS", "PAN", "Demokrat", "PPP", "Perindo", "PSI", "Hanura",
    ]


def test_ambiguous_acronyms_need_capitals_or_election_context() -> None:
    # "pan" in lower case is not the party; PPK in a road project is a pejabat pembuat komitmen.
    assert institutions("Jalan Desa Diperbaiki", "PPK proyek jalan memakai pan cor baru. Dinas PUPR mengawasi.") == []


def test_regions_of_the_article_settle_an_ambiguous_unit() -> None:
    body = "Bawaslu Banjar menggelar patroli pengawasan masa tenang."
    assert institutions("", body) == ["Bawaslu"]  # Kabupaten Banjar (Kalsel) or Kota Banjar (Jawa Barat)
    assert institutions("", body, ["Kabupaten Banjar"]) == ["Bawaslu Kabupaten Banjar"]
    assert institutions("", body, ["Jawa Barat"]) == ["Bawaslu Kota Banjar"]


def test_without_a_gazetteer_the_unit_is_kept_as_written() -> None:
    lex = load_institutions()
    bawaslu = next(i for i in lex.institutions if i.name == "Bawaslu")
    text = "Bawaslu   KOBAR Antonius"
    assert _unit(bawaslu, text, len("Bawaslu"), None, frozenset())[0] == "Bawaslu Kobar"
    text = "Bawaslu Kab. HST mengimbau"
    assert _unit(bawaslu, text, len("Bawaslu"), None, frozenset())[0] == "Bawaslu Kabupaten HST"
    assert region_resolver() is not None  # the real gazetteer is present in this repository


# ---------------------------------------------------------------- people


def test_role_and_name_separated_by_a_comma() -> None:
    body = ("Ketua KPU Balangan, Ahmad Yani, mengatakan logistik sudah tiba. "
            "Anggota KPU Kotim, Siti Rahmah menambahkan jadwal distribusi.")
    assert people(body) == [
        Person("Ahmad Yani", "Ketua KPU Balangan", "KPU Kabupaten Balangan"),
        Person("Siti Rahmah", "Anggota KPU Kotim", "KPU Kabupaten Kotawaringin Timur"),
    ]


def test_ranks_titles_and_degrees_are_stripped_but_the_role_kept() -> None:
    body = ("Kapolres AKBP Yusfandi Usman memimpin apel. Pj Bupati Kobar Anang Dirjo menyampaikan arahan. "
            "Kepala Kesbangpol Kobar, H. Edie Faganti, S.Sos., M.Si, hadir. Dandim 1014/Pbn Letkol Inf Budi Raharjo "
            "turut memberi sambutan.")
    assert people(body) == [
        Person("Yusfandi Usman", "Kapolres", "Polres"),
        Person("Anang Dirjo", "Pj Bupati Kobar", "Pemkab Kotawaringin Barat"),
        Person("Edie Faganti", "Kepala Kesbangpol Kobar", "Kesbangpol Kabupaten Kotawaringin Barat"),
        Person("Budi Raharjo", "Dandim 1014/Pbn", "Kodim 1014"),
    ]


def test_role_and_name_without_a_comma_need_a_known_institution() -> None:
    body = "Ketua Bawaslu Kobar Antonius membuka acara. Ketua Bawaslu Kotim Rudy Hartono menutupnya."
    assert [(p.name, p.role) for p in people(body)] == [
        ("Antonius", "Ketua Bawaslu Kobar"), ("Rudy Hartono", "Ketua Bawaslu Kotim"),
    ]


def test_selaku_and_division_roles() -> None:
    body = ("Eko Saputra selaku Anggota Bawaslu Kabupaten Balangan mengingatkan ASN. Koordinator divisi hukum Bawaslu "
            "Kukar, Agustinus Lejo, memaparkan sanksi.")
    assert [(p.name, p.role, p.institution) for p in people(body)] == [
        ("Eko Saputra", "Anggota Bawaslu Kabupaten Balangan", "Bawaslu Kabupaten Balangan"),
        ("Agustinus Lejo", "Koordinator divisi hukum Bawaslu Kukar", "Bawaslu Kabupaten Kutai Kartanegara"),
    ]


def test_quote_before_the_speaker() -> None:
    body = ("Ketua Bawaslu Kobar, Yohanes Saputra, membuka rapat.\n"
            "“Jangan ada yang memakai fasilitas desa untuk kampanye,” tegas Yohanes.\n"
            "“Logistik harus tiba H-3,” kata Ketua KPU Balangan, Ahmad Yani.")
    assert people(body) == [
        Person("Yohanes Saputra", "Ketua Bawaslu Kobar", "Bawaslu Kabupaten Kotawaringin Barat",
               "Jangan ada yang memakai fasilitas desa untuk kampanye"),
        Person("Ahmad Yani", "Ketua KPU Balangan", "KPU Kabupaten Balangan", "Logistik harus tiba H-3"),
    ]


def test_quote_after_the_speaker_and_straight_quotes() -> None:
    body = ('Ketua KPU Kotim, Dedi Kurniawan mengatakan, "Kami kirim logistik lewat sungai lebih dulu."\n'
            "Kapolres Kobar AKBP Darmawan Setiaji menegaskan: “Personel kami kawal sampai TPS.”")
    assert [(p.name, p.quote) for p in people(body)] == [
        ("Dedi Kurniawan", "Kami kirim logistik lewat sungai lebih dulu."),
        ("Darmawan Setiaji", "Personel kami kawal sampai TPS."),
    ]


def test_ujarnya_goes_to_the_one_person_named_just_before() -> None:
    body = ("Ketua KPU Kobar, Hendrik Simanjuntak, menjelaskan jadwal pleno.\n"
            "“Setiap keberatan saksi akan kami catat,” ujarnya.")
    assert people(body)[0].quote == "Setiap keberatan saksi akan kami catat"
    two = ("Ketua KPU Kobar, Hendrik Simanjuntak, dan Ketua Bawaslu Kobar, Yohanes Saputra, hadir.\n"
           "“Semua berjalan tertib,” ujarnya.")
    assert all(p.quote == "" for p in people(two))  # two candidates: no guess


def test_lists_of_roles_are_not_people() -> None:
    body = ("Rakor dihadiri Kepala Kepolisian Resor (Kapolres), Kepala Kejaksaan Negeri (Kajari), Dandim 1014 "
            "Pangkalan Bun, Danlanud Iskandar Pangkalan Bun, Ketua KPU Kobar, Selasa (4/6/2024). "
            "Ketua KPU Kobar mengatakan debat kedua mengangkat tema ekonomi.")
    assert people(body) == []


def test_people_merge_short_and_full_names() -> None:
    body = ("Anggota Bawaslu Kukar, Siti Rahmah, memimpin patroli.\n"
            "“Kami datangi warung dan pos ronda,” kata Siti.")
    assert people(body) == [Person("Siti Rahmah", "Anggota Bawaslu Kukar", "Bawaslu Kabupaten Kutai Kartanegara",
                                   "Kami datangi warung dan pos ronda")]


# ---------------------------------------------------------------- lexicon validation


def test_malformed_institution_lexicon_is_one_line_with_file_line_field(tmp_path: Path) -> None:
    path = tmp_path / "institutions.yaml"
    path.write_text("""institutions:
  - name: Bawaslu
    aliases: [Bawaslu]
    unit: regional
roles:
  heads:
    - {role: Ketua}
""", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_institutions(path)
    msg = str(e.value)
    assert "\n" not in msg and str(path) in msg and "line 4" in msg and "institutions.0.unit" in msg


def test_role_implying_an_unknown_institution_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "institutions.yaml"
    path.write_text("""institutions:
  - name: Polres
    aliases: [Polres]
roles:
  heads:
    - {role: Kapolres, implies: Polresta}
""", encoding="utf-8")
    with pytest.raises(ConfigError, match="role 'Kapolres' implies unknown institution 'Polresta'"):
        load_institutions(path)


# ---------------------------------------------------------------- fast regexes
# Scans rewritten for speed (a capital or a role's first letter tested first, possessive
# name words, a cheap scan that rules out quotes): each must find exactly what its plain
# form finds, on texts made of the pieces those patterns care about.

_PIECES = ["Ketua", "Wakil Ketua", "Anggota", "Kapolres", "Pj", "Pj.", "Plt.", "Koordinator Divisi", "Bupati",
           "Bawaslu", "KPU", "Kobar", "Kabupaten", "PDI-P", "Pemkab", "Antonius", "Siti Rahmah", "A. Yani", "A.B.",
           "Muh.", "Moh.", "Mhd.", "O'Neil", "Anak’nya", "Jean-Luc", "AKBP", "selaku", "sebagai", "mengatakan",
           "berpesan", "ujarnya", "kata", "menggelar", "rapat", "dan", "x", "2024", "1014/Pbn", " ", " ", " ", ", ",
           ",", ".", ":", ": ", "-", "'", "\n", "\n\n", "“", "”", "\"", "(", ")", "é",
           " selaku ", " sebagai ", ", selaku ", " Ketua ", "Antonius Yohanes", " mengatakan, “", "”, kata "]
entity_text = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)

_PLAIN_NAME_WORD = r"(?:[A-Z][a-z]+(?:[-'’][A-Za-z][a-z]*)*|[A-Z]\.(?:\s?[A-Z]\.)*|Muh\.|Moh\.|Mhd\.)"
_PLAIN = {
    "word start": (_WORD_START, re.compile(r"(?<![\w-])[A-Z][\w-]*")),
    "name": (_NAME, re.compile(rf"{_PLAIN_NAME_WORD}(?:[ ]+{_PLAIN_NAME_WORD}){{0,4}}")),
    "selaku": (_SELAKU, re.compile(
        rf"(?P<name>{_PLAIN_NAME_WORD}(?:[ ]+{_PLAIN_NAME_WORD}){{0,3}})\s*,?\s+(?:selaku|sebagai)\s+")),
    "role head": (_lex().role_head, re.compile(re.sub(r"^\(\?=\[[^\]]*\]\)", "", _lex().role_head.pattern))),
}


@pytest.mark.parametrize("name", sorted(_PLAIN))
@given(text=entity_text)
@example(text="Ketua Bawaslu Kobar, Antonius selaku Anggota")
@example(text="AbcDef selaku Ketua KPU, Jean-Luc O'Neil sebagai Pj. Bupati")
def test_fast_scans_find_what_the_plain_patterns_find(name: str, text: str) -> None:
    fast, plain = _PLAIN[name]
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]
    for i in range(len(text)):
        assert bool(fast.match(text, i)) == bool(plain.match(text, i))


@given(entity_text)
@example("Ia mengatakan, “Kita jaga bersama pilkada ini”")
def test_quote_after_the_verb_always_contains_an_opened_quote(text: str) -> None:
    for m in _QUOTE_AFTER.finditer(text):
        assert _QUOTE_OPENED.search(m.group(0))
