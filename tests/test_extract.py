"""Page extraction (pipelines.extract) against hand-written fixture pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipelines.clean import boilerplate_left
from pipelines.extract import decode_html, extract_page, fix_mojibake

PAGES = Path(__file__).parent / "fixtures" / "pages"
WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))
CRAWLED = datetime(2024, 12, 1, 12, 0, tzinfo=timezone.utc)


def load(name: str) -> bytes:
    return (PAGES / f"{name}.html").read_bytes()


def extract(name: str, url: str, tz: str = "WIB", **kw):
    return extract_page(load(name), url, timezone=tz, crawled_at=CRAWLED, **kw)


# Gold set: what a careful reader would take from each fixture article.
GOLD = {
    "wp_outlet_article": dict(
        url="https://wartahulu.id/2024/11/14/bawaslu-hst-ajak-pemuda-awasi-tahapan-pilkada/?utm_source=fb",
        tz="WITA",
        title="Bawaslu HST Ajak Pemuda Awasi Tahapan Pilkada dari Kampung",
        body_start="BARABAI, wartahulu.id – Badan Pengawas Pemilihan Umum (Bawaslu) Kabupaten Hulu Sungai Tengah",
        body_end="hingga hari pemungutan suara.",
        author="Nor Aisyah",
        credit="Nor Aisyah/wartahulu.id",
        dateline="Barabai",
        published=datetime(2024, 11, 14, 9, 12, tzinfo=WITA),
        date_source="jsonld",
        canonical="https://wartahulu.id/2024/11/14/bawaslu-hst-ajak-pemuda-awasi-tahapan-pilkada/",
    ),
    "mmc_article": dict(
        url="https://mmc.lamandaukab.go.id/berita/kpu-lamandau-latih-petugas-kpps",
        tz="WIB",
        title="KPU Lamandau Latih Petugas KPPS Jelang Pemungutan Suara",
        body_start="MMC Lamandau – Komisi Pemilihan Umum (KPU) Kabupaten Lamandau menggelar bimbingan teknis",
        body_end="hingga penghitungan suara selesai pada malam hari.",
        author="",
        credit="mmc",
        dateline="",
        published=datetime(2024, 11, 14, 9, 30, tzinfo=WIB),
        date_source="text",
        canonical="https://mmc.lamandaukab.go.id/berita/kpu-lamandau-latih-petugas-kpps",
    ),
    "bawaslu_article": dict(
        url="https://seruyan.bawaslu.go.id/berita/bawaslu-seruyan-perkuat-pengawasan-kampanye-di-daerah-pesisir",
        tz="WIB",
        title="Bawaslu Seruyan Perkuat Pengawasan Kampanye di Daerah Pesisir",
        body_start="Kuala Pembuang, Bawaslu Kabupaten Seruyan – menggelar rapat koordinasi pengawasan kampanye",
        body_end="pelanggarannya dapat berujung pidana.",
        author="Dewi Anggraini",
        credit="Editor: Humas Bawaslu Seruyan",
        dateline="Kuala Pembuang",
        published=datetime(2024, 10, 8, 14, 20, tzinfo=WIB),
        date_source="meta",
        canonical="https://seruyan.bawaslu.go.id/berita/bawaslu-seruyan-perkuat-pengawasan-kampanye-di-daerah-pesisir",
    ),
    "amp_article": dict(
        url="https://kukarsatu.id/2024/11/09/pemkab-dan-bawaslu-kukar-teken-komitmen-pilkada-bersih/amp/",
        tz="WITA",
        title="Pemkab dan Bawaslu Kukar Teken Komitmen Pilkada Bersih",
        body_start="Kukarsatu.id, TENGGARONG – Pemerintah Kabupaten Kutai Kartanegara",
        body_end="Patroli pengawasan akan diperketat menjelang masa tenang.",
        author="Rani",
        credit="",
        dateline="Tenggarong",
        published=datetime(2024, 11, 9, 16, 45, tzinfo=WITA),
        date_source="jsonld",
        canonical="https://kukarsatu.id/2024/11/09/pemkab-dan-bawaslu-kukar-teken-komitmen-pilkada-bersih/",
    ),
    "jsonld_vs_visible": dict(
        url="https://balangannews.id/kpu-balangan-tetapkan-jadwal-debat",
        tz="WITA",
        title="KPU Balangan Tetapkan Jadwal Debat Publik Paslon Bupati",
        body_start="PARINGIN – Komisi Pemilihan Umum Kabupaten Balangan menetapkan jadwal debat publik",
        body_end="dilakukan secara ketat oleh kepolisian.",
        author="",
        credit="Sumber: KPU Kabupaten Balangan",
        dateline="Paringin",
        published=datetime(2024, 10, 20, 8, 0, tzinfo=WITA),
        date_source="jsonld",
        canonical="https://balangannews.id/kpu-balangan-tetapkan-jadwal-debat",
    ),
    "wrong_charset": dict(
        url="https://kotimnews.id/2024/06/04/anggaran-pilkada-kotim-cair-bertahap/",
        tz="WIB",
        title="Anggaran Pilkada Kotim Rp 48,5 Miliar Cair Bertahap",
        body_start="SAMPIT – Pemerintah Kabupaten Kotawaringin Timur menyatakan dana hibah",
        body_end="tampak ramai usai acara.",
        author="",
        credit="",
        dateline="Sampit",
        published=datetime(2024, 6, 4, tzinfo=WIB),
        date_source="url",
        canonical="https://kotimnews.id/2024/06/04/anggaran-pilkada-kotim-cair-bertahap/",
    ),
}


@pytest.mark.parametrize("name", sorted(GOLD))
def test_gold_article(name):
    g = GOLD[name]
    e = extract(name, g["url"], g["tz"])
    assert e.page_kind == "article"
    assert e.extractor == "trafilatura"
    assert e.title == g["title"]
    assert e.body.startswith(g["body_start"])
    assert e.body.endswith(g["body_end"])
    assert e.author == g["author"]
    assert e.credit == g["credit"]
    assert e.dateline == g["dateline"]
    assert e.published_at == g["published"]
    assert e.published_at.utcoffset() == g["published"].utcoffset()
    assert e.date_source == g["date_source"]
    assert e.canonical_url == g["canonical"]
    assert e.language == "id"
    assert boilerplate_left(e.body) == []
    assert "\n\n" in e.body and "\n\n\n" not in e.body
    assert e.title not in e.body.split("\n\n")[0]


def test_wordpress_article_drops_comments_share_bar_related_and_sidebar():
    e = extract("wp_outlet_article", GOLD["wp_outlet_article"]["url"], "WITA")
    for gone in ("serangan fajar", "Nomor pengaduannya", "Tinggalkan Balasan", "Berita Terkait", "Debat Kedua Paslon",
                 "Rekapitulasi Suara", "Bagikan", "Iklan", "KPU HST Tetapkan Daftar Pemilih", "Pedoman Media Siber"):
        assert gone not in e.body, gone
    assert "Ambil foto seperlunya" in e.body  # a sentence with "foto" stays
    assert e.tags == ["Pilkada", "Pilkada 2024", "Bawaslu HST"]
    assert e.image == "https://wartahulu.id/wp-content/uploads/2024/11/sosialisasi-bawaslu-hst.jpg"
    assert e.description.startswith("Bawaslu Hulu Sungai Tengah mengajak")
    assert e.modified_at == datetime(2024, 11, 14, 11, 30, tzinfo=WITA)
    assert e.author != "admin"


def test_media_centre_baca_juga_and_caption_removed():
    e = extract("mmc_article", GOLD["mmc_article"]["url"])
    assert "Baca Juga" not in e.body and "Pemkab Lamandau Salurkan Bantuan" not in e.body
    assert "Suasana bimbingan teknis" not in e.body
    assert "(mmc)" not in e.body


def test_bawaslu_photo_credit_line_not_in_body_or_credit():
    e = extract("bawaslu_article", GOLD["bawaslu_article"]["url"])
    assert "Tim Humas" not in e.body
    assert e.modified_at == datetime(2024, 10, 9, 8, 0, tzinfo=WIB)


def test_jsonld_date_beats_the_visible_update_date():
    e = extract("jsonld_vs_visible", GOLD["jsonld_vs_visible"]["url"], "WITA")
    assert e.published_at.date().isoformat() == "2024-10-20"
    assert e.modified_at == datetime(2024, 10, 25, 10, 0, tzinfo=WITA)


def test_wrong_charset_bytes_decode_without_mojibake():
    raw = load("wrong_charset")
    assert b'charset=UTF-8' in raw and "“".encode("cp1252") in raw  # the fixture really lies
    e = extract("wrong_charset", GOLD["wrong_charset"]["url"])
    assert "“Kami ingin semua tahapan berjalan tanpa hambatan anggaran – tetapi" in e.body
    assert "bupati—tempat" in e.body
    assert "\ufffd" not in e.body and "â€" not in e.body and "Ã" not in e.body


def test_utf8_bytes_under_a_latin1_declaration_stay_utf8():
    html = load("bawaslu_article").replace(b'<meta charset="utf-8">', b'<meta charset="iso-8859-1">')
    e = extract_page(html, GOLD["bawaslu_article"]["url"], crawled_at=CRAWLED)
    assert "“Kami tidak ingin ada wilayah" in e.body
    assert "â€" not in e.body


def test_double_encoded_text_is_repaired():
    broken = "â€œNetralitas adalah kunci,â€\x9d kata Ketua Bawaslu â€“ Rp 5 miliar"
    assert fix_mojibake(broken) == "“Netralitas adalah kunci,” kata Ketua Bawaslu – Rp 5 miliar"
    assert decode_html("café".encode("utf-8").decode("latin-1").encode("utf-8")) == "café"
    assert decode_html("Pilkada “bersih”".encode("cp1252"), declared="utf-8") == "Pilkada “bersih”"


def test_amp_page_points_to_its_canonical():
    e = extract("amp_article", GOLD["amp_article"]["url"], "WITA")
    assert not e.canonical_url.endswith("/amp/")
    assert "Bagikan" not in e.body


def test_amp_page_without_canonical_link_drops_the_amp_suffix():
    html = load("amp_article").replace(b'<link rel="canonical"', b'<link rel="alternate"')
    e = extract_page(html, "https://kukarsatu.id/2024/11/09/komitmen/amp/", timezone="WITA", crawled_at=CRAWLED)
    assert e.canonical_url == "https://kukarsatu.id/2024/11/09/komitmen/"


@pytest.mark.parametrize(
    ("name", "url", "kind"),
    [
        ("listing_category", "https://wartahulu.id/category/pilkada/", "listing"),
        ("tag_page", "https://mmc.lamandaukab.go.id/index.php?mod=topik&id=netralitas-asn", "listing"),
        ("soft404", "https://wartahulu.id/2024/11/30/berita-yang-sudah-dihapus/", "soft404"),
    ],
)
def test_non_article_pages(name, url, kind):
    assert extract(name, url).page_kind == kind


def test_every_fixture_article_is_an_article_even_under_a_listing_like_url():
    # Conservative: article markup and a long body beat a /tag/-looking URL.
    e = extract("wp_outlet_article", "https://wartahulu.id/tag/pilkada/bawaslu-hst-ajak-pemuda/", "WITA")
    assert e.page_kind == "article"


def test_soft404_phrases_in_a_short_page():
    html = "<html><head><title>Warta Hulu</title></head><body><h1>Maaf</h1><p>Berita yang Anda cari tidak tersedia.</p></body></html>"
    assert extract_page(html, "https://wartahulu.id/x", crawled_at=CRAWLED).page_kind == "soft404"


def test_error404_body_class_is_soft404():
    html = '<html><body class="error404"><h1>Ups</h1><p>Coba cari berita lain.</p></body></html>'
    assert extract_page(html, "https://wartahulu.id/x", crawled_at=CRAWLED).page_kind == "soft404"


def test_article_that_mentions_404_is_still_an_article():
    html = load("bawaslu_article").replace(b"Rapat membahas pola", b"Sebanyak 404 pengawas hadir. Rapat membahas pola")
    assert extract_page(html, GOLD["bawaslu_article"]["url"], crawled_at=CRAWLED).page_kind == "article"


@pytest.mark.parametrize("html", [b"", "   ", "<html><body></body></html>", "<html><body><p>Halo.</p></body></html>"])
def test_empty_pages(html):
    e = extract_page(html, "https://x.id/a", crawled_at=CRAWLED)
    assert e.page_kind == "empty"
    assert e.body.strip() == "" or len(e.body.split()) < 15


def test_prune_xpath_removes_configured_blocks():
    url = GOLD["bawaslu_article"]["url"]
    e = extract_page(load("bawaslu_article"), url, prune_xpath=["//p[contains(., 'Maria Ulfa')]"], crawled_at=CRAWLED)
    assert "Maria Ulfa" not in e.body
    assert e.body.endswith("baik yang diberitahukan maupun yang tidak,” tegas Agus.")


def test_bad_prune_xpath_is_ignored():
    url = GOLD["bawaslu_article"]["url"]
    e = extract_page(load("bawaslu_article"), url, prune_xpath=["//p[unclosed"], crawled_at=CRAWLED)
    assert e.page_kind == "article" and e.author == "Dewi Anggraini"


LINE_BREAK_PAGE = """<html><head><title>Pengumuman</title></head><body>
<table><tr><td class="menu"><a href="/">Beranda</a></td></tr>
<tr><td><div class="isi">KPU Kabupaten Sukamara mengumumkan jadwal pendaftaran anggota KPPS.<br>
Pendaftaran dibuka selama lima hari di kantor desa masing-masing.<br>
Syarat pendaftar antara lain berusia paling rendah tujuh belas tahun dan berdomisili di wilayah kerja.<br>
Berkas diserahkan kepada panitia pemungutan suara tingkat desa dan akan diumumkan setelah seleksi administrasi.<br>
Informasi lebih lanjut dapat ditanyakan langsung kepada sekretariat PPS di desa masing-masing.</div></td></tr></table>
</body></html>"""


def test_layout_table_page_uses_the_body_selector_fallback():
    e = extract_page(LINE_BREAK_PAGE, "https://kpu-sukamara.example/pengumuman", body_selector="div.isi", crawled_at=CRAWLED)
    assert e.page_kind == "article"
    assert e.body.startswith("KPU Kabupaten Sukamara mengumumkan jadwal")
    assert "sekretariat PPS" in e.body
    assert e.extractor == "fallback"
    assert "|" not in e.body and "Beranda" not in e.body


def test_str_input_and_default_crawl_time():
    html = load("bawaslu_article").decode("utf-8")
    e = extract_page(html, GOLD["bawaslu_article"]["url"])
    assert e.title == GOLD["bawaslu_article"]["title"] and e.published_at.tzinfo is not None


# --------------------------------------------------------------------------- one walk of the page

# Elements in odd places: a nested <h1>, <title> outside <head> (inside <svg>), itemprops
# on <html> and on <meta>, comments, tails, a second <body>-like wrapper.
ODD_PAGE = b"""<!DOCTYPE html><html lang="id" itemscope itemprop="page"><head><title>Judul <!-- x --> Berita</title>
<meta property="article:tag" content="pilkada"><meta property="article:tag"><meta itemprop="datePublished"
content="2024-11-14"><link rel="Canonical alternate" href="/a"></head><body class="single">
<header><h1><a href="/">Situs</a></h1></header><h1>Judul <b>tebal</b> <h1>dalam</h1> ekor</h1>
<svg><title>ikon</title></svg><p itemprop="author">Rina <time itemprop="dateModified" datetime="2024-11-15">15</time></p>
<h2><a href="/berita/1">Satu</a></h2><script type="application/ld+json">{"@type": "NewsArticle"}</script></body></html>"""


def _trees():
    from pipelines.extract import _parse

    pages = [load(p.stem) for p in sorted(PAGES.glob("*.html"))] + [ODD_PAGE]
    return [_parse(decode_html(html)) for html in pages]


def test_elements_by_tag_is_what_each_xpath_finds():
    from pipelines.dates import elements_by_tag
    from pipelines.extract import _ELEMENTS

    for tree in _trees():
        found = elements_by_tag(tree, _ELEMENTS)
        for tag in _ELEMENTS:
            assert found[tag] == tree.xpath(f"//{tag}"), tag


def test_text_nodes_are_the_xpath_text_nodes():
    from pipelines.dates import elements_by_tag
    from pipelines.extract import _text_nodes

    for tree in _trees():
        found = elements_by_tag(tree, ("h1", "title"))
        assert _text_nodes(found["h1"]) == tree.xpath("//h1//text()")
        titles = [t for t in found["title"] if t.getparent().tag == "head"]
        assert _text_nodes(titles) == tree.xpath("//head/title//text()")


def test_itemprop_owners_are_found_as_before():
    for tree in _trees():
        assert (tree.xpath("//@itemprop/parent::*[not(self::meta)]")
                == tree.xpath("//*[@itemprop and not(self::meta)]"))


def test_dates_from_the_shared_walk_equal_dates_from_their_own():
    from pipelines.dates import elements_by_tag, find_dates
    from pipelines.extract import _ELEMENTS

    for tree in _trees():
        own = find_dates(tree, "https://x.id/2024/11/01/a", reference=CRAWLED)
        assert find_dates(tree, "https://x.id/2024/11/01/a", reference=CRAWLED,
                          elements=elements_by_tag(tree, _ELEMENTS)) == own


def test_odd_page_metadata():
    e = extract_page(ODD_PAGE, "https://x.id/berita/a", crawled_at=CRAWLED)
    assert e.tags == ["pilkada"]
    assert e.canonical_url == "https://x.id/a"
    assert e.published_at.date().isoformat() == "2024-11-14"
    assert e.modified_at.date().isoformat() == "2024-11-15"


def test_trafilatura_options_built_once_give_the_per_call_result():
    from trafilatura import bare_extraction

    from pipelines.dates import elements_by_tag
    from pipelines.extract import _ELEMENTS, _trafilatura

    for tree in _trees():
        expected = bare_extraction(tree, url="https://x.id/a", include_comments=False, with_metadata=False, fast=True,
                                   deduplicate=False, include_tables=True, include_images=False, include_links=False)
        got = _trafilatura(tree, "https://x.id/a", elements_by_tag(tree, _ELEMENTS))
        assert got.text == (expected.text or "" if expected else "")


def test_utf8_page_without_latin1_letters_is_not_repaired():
    text = "<p>“Pilkada” – damai, Rp 5 juta ± 2 €</p>"
    assert decode_html(text.encode("utf-8")) == text
    broken = ("<p>café</p>" + text).encode("utf-8").decode("latin-1").encode("utf-8")
    assert decode_html(broken) == "<p>café</p>" + text
