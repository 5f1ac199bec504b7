"""Indonesian body clean-up (pipelines.clean)."""

from __future__ import annotations

import pytest

from pipelines.clean import BOILERPLATE_MARKERS, boilerplate_left, clean_body, detect_dateline

LEAD = "Pangkalan Bun, Bawaslu Kabupaten Kotawaringin Barat – menggelar rapat evaluasi pengawasan kampanye bersama panwascam se-kabupaten."
P2 = "Ketua Bawaslu menyampaikan bahwa laporan masyarakat meningkat dibanding pemilihan sebelumnya dan semuanya sudah ditindaklanjuti."
P3 = "Rapat juga membahas kesiapan pengawas TPS yang akan dilantik pekan depan di aula kantor kecamatan."


def body(*paras: str) -> str:
    return "\n".join(paras)


@pytest.mark.parametrize(
    "line",
    [
        "Baca Juga: KPU Kobar Tetapkan DPT Pilkada 2024",
        "Baca juga : Bupati Resmikan Jembatan Desa",
        "BACA JUGA  Ratusan Personel Amankan TPS",
        "(Baca Juga : Puskesmas Raih Penghargaan Nasional)",
        "Iklan",
        "ADVERTISEMENT",
        "Scroll untuk lanjut membaca",
        "Gulir ke bawah untuk melanjutkan membaca",
        "Bagikan",
        "Bagikan:",
        "Share:",
        "Facebook Twitter WhatsApp Telegram",
        "Telegram",
        "Salin tautan",
        "Foto: Suasana rapat koordinasi di aula kantor bupati.",
        "FOTO/Ist",
        "Foto/Istimewa",
        "Leave a Reply",
        "Tinggalkan Balasan",
    ],
)
def test_boilerplate_lines_are_removed(line):
    cleaned = clean_body(body(LEAD, line, P2, P3))
    assert cleaned.body == "\n\n".join([LEAD, P2, P3])
    assert boilerplate_left(cleaned.body) == []
    assert cleaned.removed


def test_sentences_that_mention_foto_or_iklan_stay():
    keep = [
        "Warga diminta mengambil foto bila menemukan politik uang lalu melaporkannya ke pengawas.",
        "Iklan kampanye di media massa hanya boleh tayang selama empat belas hari sebelum masa tenang.",
        "Tim sukses membagikan kalender bergambar pasangan calon kepada warga di pasar.",
        "Sumber dana kampanye wajib dilaporkan kepada KPU sebelum masa kampanye berakhir.",
    ]
    cleaned = clean_body(body(LEAD, *keep, P2))
    assert cleaned.body == "\n\n".join([LEAD, *keep, P2])
    assert cleaned.removed == []


def test_inline_photo_credit_is_cut_but_sentence_kept():
    cleaned = clean_body(body(LEAD, "Peserta rapat berfoto bersama usai kegiatan. (Foto: Humas)", P2))
    assert "Peserta rapat berfoto bersama usai kegiatan." in cleaned.body
    assert "(Foto: Humas)" not in cleaned.body


def test_penulis_editor_lines_move_to_author_and_credit():
    cleaned = clean_body(body(LEAD, P2, P3, "Penulis : Dewi", "Editor: Rahmat", "Sumber: Humas Bawaslu"))
    assert cleaned.author == "Dewi"
    assert cleaned.credit == "Editor: Rahmat; Sumber: Humas Bawaslu"
    assert cleaned.body.endswith(P3)


def test_several_credits_on_one_line():
    cleaned = clean_body(body(LEAD, P2, "Reporter: Andi | Editor: Sari"))
    assert (cleaned.author, cleaned.credit) == ("Andi", "Editor: Sari")


def test_pewarta_is_an_author():
    assert clean_body(body(LEAD, P2, "Pewarta: Budi Santoso")).author == "Budi Santoso"


@pytest.mark.parametrize(
    ("last", "credit", "author"),
    [
        ("Kegiatan ditutup dengan doa bersama. (humas kesbangpol)", "humas kesbangpol", ""),
        ("Kegiatan ditutup dengan doa bersama. (mmckobar)", "mmckobar", ""),
        ("Kegiatan ditutup dengan doa bersama.(mmc)", "mmc", ""),
        ("Kegiatan ditutup dengan doa bersama. (Rahmat Hidayat/banuanews.id)", "Rahmat Hidayat/banuanews.id", "Rahmat Hidayat"),
        ("Kegiatan ditutup dengan doa bersama.”(ant)", "ant", ""),
    ],
)
def test_trailing_bracket_credits(last, credit, author):
    cleaned = clean_body(body(LEAD, P2, last))
    assert cleaned.credit == credit
    assert cleaned.author == author
    assert cleaned.body.endswith("doa bersama.") or cleaned.body.endswith("doa bersama.”")


def test_bracket_that_is_part_of_a_sentence_stays():
    text = "Rapat digelar di Kabupaten Kotawaringin Barat (Kobar)."
    cleaned = clean_body(body(LEAD, text))
    assert cleaned.body.endswith(text)
    assert cleaned.credit == ""


def test_short_tail_after_closing_credit_is_dropped():
    cleaned = clean_body(
        body(LEAD, P2, P3, "Kegiatan ditutup dengan doa bersama. (Rina/suarakobar.id)", "Suara Kobar",
             "Suara Kobar adalah media daring yang berkantor di Pangkalan Bun.")
    )
    assert cleaned.body.endswith("Kegiatan ditutup dengan doa bersama.")
    assert "Suara Kobar adalah" not in cleaned.body


def test_repeated_caption_is_kept_once():
    caption = "Para peserta rapat koordinasi berfoto bersama di aula kantor bupati, Selasa (04/06/2024)."
    cleaned = clean_body(body(LEAD, caption, P2, P3, caption))
    assert cleaned.body.count(caption) == 1


def test_related_list_at_the_end_is_dropped():
    cleaned = clean_body(body(LEAD, P2, P3, "Berita Terkait", "Debat Kedua Paslon Digelar", "Logistik Mulai Didistribusikan"))
    assert cleaned.body == "\n\n".join([LEAD, P2, P3])


def test_paragraphs_are_separated_by_blank_lines_and_whitespace_collapsed():
    cleaned = clean_body("  " + LEAD + "  \n\n\n" + P2.replace(" ", "   ") + "\r\n" + P3)
    assert cleaned.body == "\n\n".join([LEAD, P2, P3])


@pytest.mark.parametrize(
    ("lead", "place"),
    [
        ("Pangkalan Bun, Bawaslu Kabupaten Kotawaringin Barat – melaksanakan rapat", "Pangkalan Bun"),
        ("PANGKALAN BUN – Bupati membuka rapat", "Pangkalan Bun"),
        ("BALANGAN, shalokal.example.com – Bawaslu menggelar rapat", "Balangan"),
        ("Bebaca.id, TENGGARONG – Pemkab Kukar", "Tenggarong"),
        ("Palangka Raya (ANTARA) - KPU Kalteng menetapkan", "Palangka Raya"),
        ("KUALA KAPUAS, kapuasnews.id - Warga antusias", "Kuala Kapuas"),
        ("Kuala Pembuang, Kamis (14/11/2024) – KPU Seruyan", "Kuala Pembuang"),
        ("SAMPIT, Pemkab Kotim menggelar rapat", "Sampit"),
        ("MMC Kobar – Komisi Pemilihan Umum", ""),
        ("Ketua Bawaslu Kukar, Teguh Wibowo - yang juga hadir", ""),
        ("Rapat ini bertujuan mengevaluasi pengawasan - yang", ""),
        ("Dalam sambutannya, Bupati menegaskan netralitas", ""),
    ],
)
def test_dateline(lead, place):
    assert detect_dateline(lead) == place


def test_dateline_stays_in_the_body():
    cleaned = clean_body(body("BALANGAN, wartahulu.id – Bawaslu menggelar rapat koordinasi.", P2))
    assert cleaned.dateline == "Balangan"
    assert cleaned.body.startswith("BALANGAN, wartahulu.id – Bawaslu")


def test_markers_catch_what_they_should():
    dirty = "Isi berita.\n\nBaca Juga: Judul Lain\n\nPenulis: Budi\n\nFacebook Twitter WhatsApp"
    assert len(boilerplate_left(dirty)) == 3
    assert all(hasattr(m, "search") for m in BOILERPLATE_MARKERS)
    assert boilerplate_left(LEAD + "\n\n" + P2) == []
