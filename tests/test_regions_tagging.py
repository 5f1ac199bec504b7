"""Region tagging on short, made-up Indonesian news items."""

import time

from hypothesis import given
from hypothesis import strategies as st

import tests.hypothesis_profiles  # noqa: F401 - loads the CI/dev profile
from pipelines.regions import _TOKEN, tag_regions
from warta.sources import Region

KOBAR = Region(province="Kalimantan Tengah", kabkota="Kotawaringin Barat")
BALANGAN = Region(province="Kalimantan Selatan", kabkota="Balangan")
KALTENG = Region(province="Kalimantan Tengah")


def regions(title, body, dateline="", home=None):
    tags = tag_regions(title, body, dateline, home)
    assert sum(t.primary for t in tags) == (1 if tags else 0)
    return tags


def names(tags):
    return [t.kabkota or t.province for t in tags]


def primary(tags):
    p = next(t for t in tags if t.primary)
    return p.kabkota or p.province


def test_dateline_town_is_the_seat_of_its_kabupaten():
    tags = regions("Rapat Persiapan Pemungutan Suara Digelar",
                   "Pangkalan Bun – Penyelenggara pemilu menggelar rapat persiapan pemungutan suara, Senin.\n\n"
                   "Rapat diikuti para ketua PPK dari enam kecamatan.", "Pangkalan Bun")
    assert names(tags) == ["Kabupaten Kotawaringin Barat"]
    assert tags[0].province == "Kalimantan Tengah" and tags[0].code == "62.01" and tags[0].primary


def test_all_caps_dateline_and_outlet_prefix():
    assert names(regions("Pengawas Gelar Apel Siaga", "BALANGAN, contoh.com – Pengawas pemilu menggelar apel.",
                         "BALANGAN")) == ["Kabupaten Balangan"]
    assert names(regions("Rakor Pengawasan Digelar", "Contoh.id, TENGGARONG – Rapat koordinasi digelar hari ini.",
                         "TENGGARONG")) == ["Kabupaten Kutai Kartanegara"]


def test_press_abbreviations_and_institutions():
    tags = regions("Bawaslu Kotim Temukan Alat Peraga Kampanye Bermasalah",
                   "Bawaslu Kotim menertibkan alat peraga kampanye di sejumlah ruas jalan.\n\n"
                   "Ketua Bawaslu Kotim mengatakan penertiban melibatkan Satpol PP.")
    assert names(tags) == ["Kabupaten Kotawaringin Timur"]
    assert names(regions("Pemkab HST Siapkan Gudang Logistik", "Pemkab HST menyiapkan gudang logistik.")) == [
        "Kabupaten Hulu Sungai Tengah"]


def test_kabupaten_and_kota_bogor_are_told_apart():
    assert names(regions("Wali Kota Bogor Tinjau TPS", "Wali Kota Bogor meninjau TPS di Bogor Tengah.")) == [
        "Kota Bogor"]
    assert names(regions("Bupati Bogor Lantik Anggota PPS", "Bupati Bogor melantik anggota PPS di Cibinong.")) == [
        "Kabupaten Bogor"]
    assert names(regions("Pleno di Kab. Bogor", "KPU Kabupaten Bogor menggelar pleno.")) == ["Kabupaten Bogor"]


def test_bare_ambiguous_name_resolves_by_home_or_is_left_out():
    text = ("Pasar Murah di Banjar", "Pemerintah menggelar pasar murah di Banjar menjelang Ramadan.\n\n"
            "Warga Banjar antusias mendatangi lokasi.")
    assert names(regions(*text, home=BALANGAN)) == ["Kabupaten Banjar"]
    assert names(regions(*text, home=Region(province="Jawa Barat"))) == ["Kota Banjar"]
    tags = regions("Warga Bogor Antusias", "Warga Bogor antusias datang ke TPS.\n\nWarga Bogor tertib.")
    assert "Kota Bogor" not in names(tags) and "Kabupaten Bogor" not in names(tags)


def test_several_regions_in_one_story():
    tags = regions("KPU Kobar dan KPU Lamandau Gelar Simulasi Bersama",
                   "Pangkalan Bun – KPU Kobar dan KPU Lamandau menggelar simulasi pemungutan suara bersama.\n\n"
                   "Ketua KPU Lamandau menyebut simulasi penting bagi petugas di Nanga Bulik.", "Pangkalan Bun")
    assert primary(tags) == "Kabupaten Kotawaringin Barat"
    assert set(names(tags)) == {"Kabupaten Kotawaringin Barat", "Kabupaten Lamandau"}
    assert {t.province for t in tags} == {"Kalimantan Tengah"}


def test_passing_mention_is_not_tagged():
    tags = regions("Petugas Sortir Surat Suara Bekerja Lembur",
                   "Sampit – Petugas di gudang KPU Kotim menyortir surat suara hingga malam.\n\n"
                   "Ketua KPU Kotim mengatakan proses itu meniru cara yang dipakai di Kabupaten Seruyan.\n\n"
                   "Sortir ditargetkan selesai pekan depan.", "Sampit")
    assert names(tags) == ["Kabupaten Kotawaringin Timur"]


def test_rivers_streets_and_lower_case_words_are_not_regions():
    tags = regions("Warga Susuri Sungai Kapuas", "Sampit – Warga tinggal di Jalan Seruyan dan menyusuri Sungai "
                   "Kapuas dengan perahu.\n\nMereka membawa batu dan kayu, puncak acara digelar malam hari.", "Sampit")
    assert names(tags) == ["Kabupaten Kotawaringin Timur"]


def test_home_prior_when_the_text_names_no_region():
    body = "Penjabat bupati meninjau gudang logistik pemilu.\n\nIa meminta petugas teliti."
    assert names(regions("Pj Bupati Tinjau Gudang Logistik", body, home=KOBAR)) == ["Kabupaten Kotawaringin Barat"]
    assert names(regions("Pj Bupati Tinjau Gudang Logistik", body, home=KALTENG)) == ["Kalimantan Tengah"]
    assert regions("Pj Bupati Tinjau Gudang Logistik", body) == []


def test_home_prior_does_not_override_a_story_about_elsewhere():
    tags = regions("Bawaslu Balangan Awasi Rekapitulasi",
                   "BALANGAN – Bawaslu Balangan mengawasi rekapitulasi di Paringin.", "BALANGAN", home=KOBAR)
    assert names(tags) == ["Kabupaten Balangan"]


def test_home_breaks_a_tie():
    tags = regions("Rapat Bersama Kobar dan Kotim", "Pertemuan Kobar dan Kotim digelar di perbatasan.", home=KOBAR)
    assert primary(tags) == "Kabupaten Kotawaringin Barat"


def test_national_story_gets_no_region():
    tags = regions("KPU RI Tetapkan Jadwal Pilkada Serentak",
                   "JAKARTA – KPU RI menetapkan jadwal Pilkada Serentak 2024 untuk 37 provinsi.\n\n"
                   "Ketua KPU RI menyampaikan itu di kantornya, Jakarta Pusat.", "JAKARTA", home=KOBAR)
    assert tags == []


def test_province_story_and_roll_up():
    tags = regions("KPU Kalteng Tetapkan DPT Pilgub",
                   "PALANGKA RAYA – KPU Kalteng menetapkan DPT Pilgub Kalteng untuk 13 kabupaten dan 1 kota "
                   "se-Kalteng.\n\nKetua KPU Kalteng meminta KPU kabupaten/kota menyosialisasikan hasilnya.",
                   "PALANGKA RAYA")
    assert names(tags) == ["Kalimantan Tengah"]
    assert tags[0].kabkota == "" and tags[0].code == "62" and tags[0].primary
    tags = regions("Kukar Siap Gelar Pilkada", "Tenggarong – Pemkab Kukar siap menggelar pilkada.", "Tenggarong")
    assert [(t.province, t.kabkota) for t in tags] == [("Kalimantan Timur", "Kabupaten Kutai Kartanegara")]


def test_enumeration_of_many_regions_does_not_tag_them_all():
    tags = regions("Bawaslu Kalteng Evaluasi Pengawasan",
                   "Bawaslu Kalteng mengevaluasi pengawasan tahapan pilkada.\n\n"
                   "Evaluasi diikuti Bawaslu Kobar, Kotim, Seruyan, Katingan, Lamandau dan Sukamara.\n\n"
                   "Ketua Bawaslu Kalteng meminta pengawasan diperketat.")
    assert primary(tags) == "Kalimantan Tengah"
    assert "Kabupaten Sukamara" not in names(tags)


def test_weak_name_needs_a_cue():
    assert "Kota Batu" not in names(regions("Batu Besar Longsor", "Sebuah Batu besar menutup jalan desa."))
    assert names(regions("Wali Kota Batu Hadiri Pleno", "Wali Kota Batu menghadiri pleno KPU Kota Batu.")) == [
        "Kota Batu"]


def test_fast_enough():
    body = ("Pangkalan Bun – Penjabat Bupati Kotawaringin Barat menghadiri rapat koordinasi di aula Polres Kobar. "
            "Rapat membahas pengamanan tahapan pilkada bersama KPU dan Bawaslu.\n\n") * 12
    tag_regions("Rakor Pengamanan Pilkada Kobar", body, "Pangkalan Bun", KOBAR)
    n = 200
    start = time.perf_counter()
    for _ in range(n):
        tag_regions("Rakor Pengamanan Pilkada Kobar", body, "Pangkalan Bun", KOBAR)
    assert (time.perf_counter() - start) / n < 0.003


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_tokens_folded_at_once_are_the_tokens_of_the_folded_text(text):
    # What _scan relies on for ASCII paragraphs: joining the tokens, folding once and
    # splitting again gives the tokens of the folded paragraph.
    assert " ".join(_TOKEN.findall(text)).lower().split() == _TOKEN.findall(text.lower())
