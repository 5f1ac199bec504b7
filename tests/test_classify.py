"""Election classification, election types and topics (pipelines/classify.py).

The texts are short originals written for these tests, in the style of the
regional sites (Bawaslu/KPU press releases, Pemkab news, local portals).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import tests.hypothesis_profiles  # noqa: F401 - loads the CI/dev profile
from pipelines.classify import (
    _PILKADA_REGION,
    ELECTION_TYPES,
    GENERIC_TYPES,
    _atoms,
    _Counts,
    _unfold,
    _words,
    classify,
    load_elections,
    load_topics,
    topic_ids,
    topic_labels,
    topics,
)
from warta.errors import ConfigError

# ---------------------------------------------------------------- election or not

NON_ELECTION = {
    "bupati-festival": (
        "Bupati Buka Festival Perahu Hias di Sungai Arut",
        "Bupati Kotawaringin Barat membuka festival perahu hias yang diikuti 30 regu dari enam kecamatan. "
        "Ketua DPRD dari Partai Golkar turut hadir bersama unsur forkopimda. "
        "“Festival ini kita jadikan agenda pariwisata tahunan,” kata Bupati.",
    ),
    "stunting": (
        "Pemkab Perkuat Posyandu untuk Tekan Stunting",
        "Rekapitulasi data pengukuran balita menunjukkan angka stunting turun menjadi 14 persen. "
        "Dinas Kesehatan juga menggelar kampanye gizi seimbang dan imunisasi di desa prioritas. "
        "Kader posyandu diminta netral dalam mencatat data, tanpa membedakan keluarga mana pun.",
    ),
    "banjir": (
        "Banjir Rendam Ratusan Rumah, BPBD Kirim Perahu Karet",
        "Hujan deras sejak Senin membuat sungai meluap dan merendam ratusan rumah. Kepala Pelaksana BPBD "
        "mengatakan bantuan beras dan selimut sudah dikirim. Warga yang dulu menjadi calon kepala desa "
        "ikut membantu evakuasi lansia.",
    ),
    "jalan-ppk": (
        "Perbaikan Jalan Poros Desa Ditargetkan Rampung Desember",
        "PPK proyek jalan dari Dinas PUPR menyebut pengaspalan sepanjang enam kilometer sudah mencapai 60 persen. "
        "Kontraktor diminta menambah alat berat. Wakil Bupati yang meninjau lokasi meminta tonase truk dibatasi.",
    ),
    "partai-bansos": (
        "Kader Partai Salurkan Bantuan untuk Korban Kebakaran",
        "Pengurus DPC PDI Perjuangan dan Partai Gerindra menyalurkan sembako kepada 40 keluarga korban kebakaran "
        "di Kelurahan Baru. Bantuan diserahkan di posko pengungsian bersama relawan PMI.",
    ),
    "pemilu-lalu-passing": (
        "Pasar Terapung Kembali Ramai Dikunjungi Wisatawan",
        "Setelah sempat sepi, pasar terapung kembali ramai. Pedagang mengaku omzet naik sejak selesai pemilu. "
        "Pemkot menyiapkan dermaga baru dan toilet umum untuk pengunjung.",
    ),
}

ELECTION = {
    "bawaslu-netralitas": (
        "Bawaslu Ingatkan ASN Jaga Netralitas",
        "Bawaslu Kabupaten meminta aparatur sipil negara tidak mengunggah dukungan kepada pasangan calon di media "
        "sosial selama tahapan pilkada.",
    ),
    "kpu-logistik": (
        "Distribusi Kotak Suara ke Desa Pesisir Dimulai",
        "KPU mengirim kotak suara dan surat suara ke kecamatan terjauh lebih awal. PPK dan PPS menyiapkan gudang "
        "sementara menjelang hari pemungutan suara.",
    ),
    "debat": (
        "Debat Publik Kedua Digelar di Gedung Serbaguna",
        "Ketiga paslon beradu gagasan soal air bersih dan jalan desa. KPU menghadirkan panelis dari universitas.",
    ),
    "dpt": (
        "Rapat Pleno Penetapan DPT Digelar Terbuka",
        "KPU menetapkan daftar pemilih tetap sebanyak 210 ribu pemilih setelah pencocokan dan penelitian oleh "
        "pantarlih selesai.",
    ),
    "sengketa": (
        "Paslon Nomor Urut 2 Ajukan Gugatan ke MK",
        "Tim hukum pasangan calon mendaftarkan permohonan perselisihan hasil pilkada ke Mahkamah Konstitusi.",
    ),
    "politik-uang-no-title-cue": (
        "Warga Diajak Tolak Amplop Jelang Hari H",
        "Pengawas pemilihan mengajak warga menolak serangan fajar dan politik uang. Penerima uang juga bisa "
        "dipidana, kata koordinator Bawaslu.",
    ),
}


@pytest.mark.parametrize("key", sorted(NON_ELECTION))
def test_non_election_stories_are_not_election_related(key: str) -> None:
    title, body = NON_ELECTION[key]
    assert classify(title, body) == (False, [])


@pytest.mark.parametrize("key", sorted(ELECTION))
def test_election_work_is_election_related(key: str) -> None:
    title, body = ELECTION[key]
    related, types = classify(title, body)
    assert related
    assert set(types) <= set(ELECTION_TYPES) | set(GENERIC_TYPES)


# ---------------------------------------------------------------- election types

TYPES = [
    ("Capres Kampanye di Lapangan Sanggam",
     "Calon presiden nomor urut 1 berkampanye di hadapan ribuan pendukung. Pilpres 2024 digelar 14 Februari.",
     ["pemilu-presiden"]),
    ("Caleg Wajib Lapor Dana Kampanye",
     "KPU mengingatkan seluruh caleg DPRD kabupaten untuk menyerahkan laporan dana kampanye. Calon anggota DPR "
     "dan DPD juga wajib melapor sebelum Pemilu 2024.",
     ["pemilu-legislatif"]),
    ("Debat Pilgub Kalteng Digelar di Palangka Raya",
     "Para calon gubernur memaparkan program pertanian. KPU Provinsi menyiarkan debat secara langsung.",
     ["pilkada-gubernur"]),
    ("Dua Paslon Bupati Ikuti Tes Kesehatan",
     "KPU Kabupaten menjadwalkan pemeriksaan kesehatan bagi calon bupati dan calon wakil bupati pada Pilkada 2024.",
     ["pilkada-bupati"]),
    ("Tiga Pasangan Calon Wali Kota Ambil Nomor Urut",
     "Pengundian nomor urut Pilwali 2024 berlangsung tertib. Setiap calon wali kota didampingi tim pemenangan.",
     ["pilkada-walikota"]),
    ("Logistik Pemilu 2024 Tiba di Gudang KPU",
     "Surat suara, tinta, dan formulir untuk Pemilu 2024 tiba di gudang. Petugas mulai menyortir logistik pemilu.",
     ["pemilu"]),
    ("Rakor Pengamanan Pilkada Serentak 2024",
     "Pemkab, Polres, dan Kodim menyepakati posko terpadu untuk pengamanan Pilkada Serentak 2024. Kapolres "
     "mengingatkan bahwa pilkada sering lebih panas. “Kita belajar dari Pemilu Februari lalu,” ujarnya.",
     ["pilkada"]),
    ("Debat Perdana Pilkada Kobar Berlangsung Tertib",
     "Ketiga paslon memaparkan program infrastruktur desa di hadapan pendukung masing-masing.",
     ["pilkada-bupati"]),
]


@pytest.mark.parametrize(("title", "body", "expected"), TYPES, ids=[t[2][0] for t in TYPES])
def test_election_types(title: str, body: str, expected: list[str]) -> None:
    assert classify(title, body) == (True, expected)


def test_generic_and_specific_of_one_family_never_together() -> None:
    related, types = classify(
        "Pilkada 2024: Calon Bupati Wajib Cuti",
        "Calon bupati petahana wajib cuti selama masa kampanye Pilkada 2024. Pilkada serentak digelar 27 November.",
    )
    assert related and types == ["pilkada-bupati"]


def test_election_type_ids_are_documented() -> None:
    assert ELECTION_TYPES == ("pemilu-presiden", "pemilu-legislatif", "pilkada-gubernur", "pilkada-bupati",
                              "pilkada-walikota")
    assert GENERIC_TYPES == ("pemilu", "pilkada")


# ---------------------------------------------------------------- topics

TOPIC_CASES = {
    "netralitas": ("Apel Netralitas ASN Jelang Pilkada",
                   "Seluruh ASN diingatkan menjaga netralitas dan tidak terlibat politik praktis."),
    "pelanggaran-penanganan": ("Bawaslu Tangani Tiga Dugaan Pelanggaran",
                               "Bawaslu menerima laporan dugaan pelanggaran dan memanggil terlapor untuk klarifikasi."),
    "politik-uang": ("Warga Diajak Tolak Serangan Fajar",
                     "Bawaslu mengajak warga menolak politik uang menjelang pemungutan suara pilkada."),
    "logistik": ("Distribusi Logistik Pilkada ke Desa Hulu",
                 "KPU mengirim kotak suara dan surat suara ke PPK melalui jalur sungai."),
    "dpt-data-pemilih": ("KPU Tetapkan DPT Pilkada",
                         "Daftar pemilih tetap ditetapkan setelah coklit oleh pantarlih rampung."),
    "kampanye": ("Bawaslu Tertibkan Alat Peraga Kampanye",
                 "Baliho paslon yang dipasang di pohon diturunkan selama masa kampanye pilkada."),
    "debat": ("Debat Publik Kedua Pilkada Kobar",
              "Panelis menanyakan visi misi para paslon tentang air bersih."),
    "pengamanan": ("Polres Siagakan 400 Personel untuk Pengamanan Pilkada",
                   "Kapolres memetakan TPS rawan dan menggelar patroli bersama TNI."),
    "partisipasi-pemilih": ("Partisipasi Pemilih Pilkada Capai 78 Persen",
                            "KPU menyebut partisipasi pemilih naik berkat sosialisasi kepada pemilih pemula."),
    "pemungutan-penghitungan": ("Pemungutan Suara di TPS Terapung Berjalan Lancar",
                                "KPPS memulai penghitungan suara pukul 13.00 disaksikan saksi paslon."),
    "rekapitulasi": ("Rekapitulasi Suara Pilkada Tingkat Kabupaten Rampung",
                     "Rapat pleno rekapitulasi hasil penghitungan suara disaksikan saksi paslon."),
    "sengketa-mk": ("Paslon Kalah Ajukan Sengketa Hasil ke MK",
                    "Permohonan perselisihan hasil pilkada didaftarkan ke Mahkamah Konstitusi."),
    "hoaks": ("Kominfo Ajak Warga Tangkal Hoaks Pilkada",
              "Informasi palsu tentang paslon beredar di grup percakapan warga menjelang pemungutan suara."),
}


@pytest.mark.parametrize("topic", sorted(TOPIC_CASES))
def test_each_topic_is_found(topic: str) -> None:
    title, body = TOPIC_CASES[topic]
    assert classify(title, body)[0]
    assert topic in topics(title, body)


def test_one_passing_word_is_not_a_topic() -> None:
    title = "KPU Kobar Gelar Bimtek untuk Anggota PPK"
    body = ("KPU Kobar menggelar bimbingan teknis bagi anggota PPK tentang tata kerja dan administrasi keuangan "
            "pilkada. Materi mencakup penyusunan laporan dan pengelolaan arsip. Soal netralitas sempat disinggung "
            "sekilas di akhir acara.")
    found = topics(title, body)
    assert "netralitas" not in found
    assert "debat" not in found and "hoaks" not in found


def test_topics_in_title_count_without_body_repetition() -> None:
    assert "hoaks" in topics("Bawaslu Ajak Warga Lawan Hoaks Pilkada", "Bawaslu menggelar diskusi bersama pemuda.")


def test_topic_lexicon_ids_and_labels() -> None:
    assert topic_ids() == ["netralitas", "pelanggaran-penanganan", "politik-uang", "logistik", "dpt-data-pemilih",
                           "kampanye", "debat", "pengamanan", "partisipasi-pemilih", "pemungutan-penghitungan",
                           "rekapitulasi", "sengketa-mk", "hoaks"]
    labels = topic_labels()
    assert labels["politik-uang"] == {"id": "Politik uang", "en": "Vote buying"}
    assert all(v["id"] and v["en"] for v in labels.values())


# ---------------------------------------------------------------- lexicon validation


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "topics.yaml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD_TOPIC = """topics:
  - id: debat
    label: {id: Debat, en: Debates}
    strong: [debat publik]
"""


def test_valid_small_lexicon_loads(tmp_path: Path) -> None:
    lex = load_topics(_write(tmp_path, GOOD_TOPIC))
    assert [t.id for t in lex.topics] == ["debat"] and lex.topics[0].min_score is None and lex.min_score == 4


def test_bad_regex_names_file_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_TOPIC + """  - id: hoaks
    label: {id: Hoaks, en: Hoaxes}
    patterns:
      - hoaks
      - (berita bohong
""")
    with pytest.raises(ConfigError) as e:
        load_topics(path)
    msg = str(e.value)
    assert "\n" not in msg
    assert str(path) in msg and "line 9" in msg and "topics.1.patterns.1" in msg and "berita bohong" in msg


def test_missing_label_language_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, """topics:
  - id: debat
    label: {id: Debat}
    strong: [debat publik]
""")
    with pytest.raises(ConfigError, match=r"line 3: field 'topics\.0\.label\.en': Field required"):
        load_topics(path)


def test_duplicate_and_malformed_ids_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="duplicate topic id 'debat'"):
        load_topics(_write(tmp_path, GOOD_TOPIC + GOOD_TOPIC.removeprefix("topics:\n")))
    with pytest.raises(ConfigError, match=r"line 2: field 'topics\.0\.id'"):
        load_topics(_write(tmp_path, GOOD_TOPIC.replace("id: debat", "id: Debat Publik")))


def test_broken_yaml_and_unknown_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line \d+: invalid YAML"):
        load_topics(_write(tmp_path, "topics:\n  - id: [debat\n"))
    with pytest.raises(ConfigError, match=r"field 'topics\.0\.pattern'.*Extra inputs"):
        load_topics(_write(tmp_path, GOOD_TOPIC + "    pattern: [typo]\n"))


def test_election_lexicon_rejects_unknown_type(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parent.parent / "config/lexicon/elections.yaml").read_text(encoding="utf-8")
    path = tmp_path / "elections.yaml"
    path.write_text(text.replace("  pilkada-walikota:", "  pilkada-wakota:"), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown election type 'pilkada-wakota'"):
        load_elections(path)


def test_shipped_lexicons_load() -> None:
    assert load_elections().types.keys() == set(ELECTION_TYPES)
    assert len(load_topics().topics) == 13


# ---------------------------------------------------------------- compiled matchers
# The scans are rewritten for speed: atoms filed under their first character, leading
# groups spelled out, several lists counted in one scan. These tests hold each fast form
# to the plain regex it stands for, on texts made of the lexicons' own words.

def _lexicon_lists() -> dict[str, list[str]]:
    lex, tl = load_elections(), load_topics()
    lists = {"strong": lex.strong, "weak": lex.weak, "cues": [*lex.strong, *lex.weak]}
    for group in ("families", "family_exclude", "family_fallback", "types"):
        lists.update({f"{group}:{k}": v for k, v in getattr(lex, group).items()})
    lists["topics"] = [p for t in tl.topics for p in (*t.strong, *t.patterns)]
    return lists


def _phrase(atom: str) -> str:
    """Text the atom (nearly) matches: groups opened, alternatives side by side, lookarounds dropped."""
    return re.sub(r"[()?\[\]\\+*]", "", re.sub(r"\(\?[!=<]+[^)]*\)", "", atom)).replace("|", " ")


LISTS = _lexicon_lists()
_PIECES = sorted({w for ps in LISTS.values() for p in ps for w in re.findall(r"[a-z0-9]+", p)}
                 | {_phrase(u) for ps in LISTS.values() for a in _atoms("|".join(ps)) for u in _unfold(a)}
                 | {"x", "ulang", "2024", "ini", "kpud", "Pilkada", "Kabupaten", "Kobar", "Kota", "Palangka", "Raya"})
folded_text = st.lists(st.one_of(st.sampled_from(_PIECES), st.sampled_from([" ", " ", " ", "-", "\n", ", ", "  "])),
                       max_size=40).map("".join)


def _plain(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(patterns)})\b")


def test_unfold_spells_out_a_leading_group() -> None:
    assert _unfold("(ca|bakal ?ca)(gub|bup)") == ["ca(gub|bup)", "bakal ?ca(gub|bup)"]
    assert _unfold("(tindak )?pidana") == ["tindak pidana", "pidana"]
    assert _unfold("(a|b(c|d))?(e|f)x") == ["a(e|f)x", "b(c|d)(e|f)x", "ex", "fx"]
    assert _unfold("(a|)b") == ["ab", "b"]
    for whole in ("pemilu", "(ab)*c", "(ab)+c", "(ab){2}c", "(ab)??c", "(ab)?", "(a)\\1", "(?:a|b)c", "(?=a)b",
                  "(?P<x>a)b", "[(]a|b"):
        assert _unfold(whole) == [whole]


def test_atoms_split_at_top_level_bars_only() -> None:
    assert _atoms("a|b (c|d)|tps(?! ?3r| sampah)|[|(]x") == ["a", "b (c|d)", "tps(?! ?3r| sampah)", "[|(]x"]
    assert _atoms("a||b|") == ["a", "b"]


@given(folded_text)
@example("bakal cagub kursi dpr ri pemilu ini tindak pidana pemilu")
@example("pemilihan umum presiden dan wakil presiden")
def test_dispatched_scans_find_what_the_plain_alternation_finds(text: str) -> None:
    for name, patterns in LISTS.items():
        fast = _words(patterns)
        assert fast is not None
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in _plain(patterns).finditer(text)], name


@given(folded_text)
@example("calon bupati dan wakil bupati pemilihan bupati pilbup")
@example("pemilihan umum presiden dan wakil presiden, badan pengawas pemilu")
def test_one_scan_counts_each_list_as_its_own_findall(text: str) -> None:
    lists = {k: v for k, v in LISTS.items() if k != "topics"}
    counts = _Counts(lists)(text)
    assert counts == {k: len(_plain(v).findall(text)) for k, v in lists.items()}


def test_counts_of_no_lists_and_empty_lists() -> None:
    assert _Counts({})("pemilu") == {}
    assert _Counts({"a": [], "b": ["pemilu"]})("pemilu pemilu") == {"b": 2}


_PLAIN_PILKADA_REGION = re.compile(
    r"\b(?:Pilkada|PILKADA|Pemilihan Kepala Daerah)\s+(?:(Kabupaten|Kab\.|Kota|Provinsi|Prov\.)\s+)?"
    r"((?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*){0,3})"
)


@given(folded_text.map(str.title), folded_text)
@example("xPilkada Kobar, Pilkada Pilkada Kota Palangka Raya", "")
def test_pilkada_region_scan_is_the_word_bounded_one(title: str, body: str) -> None:
    text = f"{title}\nPilkada {body.title()} Pemilihan Kepala Daerah Kabupaten Kobar"
    assert ([m.groups() + (m.start(),) for m in _PILKADA_REGION.finditer(text)]
            == [m.groups() + (m.start(),) for m in _PLAIN_PILKADA_REGION.finditer(text)])
