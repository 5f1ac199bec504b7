"""Indonesian dates (pipelines.dates)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pipelines.dates import find_dates, parse_indonesian_date, url_date

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))
WIT = timezone(timedelta(hours=9))
REF = datetime(2024, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Selasa (04/06/2024)", datetime(2024, 6, 4, tzinfo=WIB)),
        ("Selasa (04/06/24).", datetime(2024, 6, 4, tzinfo=WIB)),
        ("27 November 2024", datetime(2024, 11, 27, tzinfo=WIB)),
        ("Rabu, 27 Nov 2024 10:15 WIB", datetime(2024, 11, 27, 10, 15, tzinfo=WIB)),
        ("Sabtu, 30 Nopember 2024 - 19:05", datetime(2024, 11, 30, 19, 5, tzinfo=WIB)),
        ("12 Agt 2023", datetime(2023, 8, 12, tzinfo=WIB)),
        ("17 Ags 2023", datetime(2023, 8, 17, tzinfo=WIB)),
        ("5 Des 2023", datetime(2023, 12, 5, tzinfo=WIB)),
        ("3 Okt 2024", datetime(2024, 10, 3, tzinfo=WIB)),
        ("14 Mei 2024", datetime(2024, 5, 14, tzinfo=WIB)),
        ("1 Peb 2024 08:00 WIT", datetime(2024, 2, 1, 8, 0, tzinfo=WIT)),
        ("3 Nop 2022 pukul 09.30 WITA", datetime(2022, 11, 3, 9, 30, tzinfo=WITA)),
        ("Jumat, 29-11-2024", datetime(2024, 11, 29, tzinfo=WIB)),
        ("November 27, 2024", datetime(2024, 11, 27, tzinfo=WIB)),
        ("Diposting pada 5 Januari 2024 oleh admin", datetime(2024, 1, 5, tzinfo=WIB)),
        ("2024-06-04T10:15:00+07:00", datetime(2024, 6, 4, 10, 15, tzinfo=WIB)),
        ("2024-06-04T03:15:00Z", datetime(2024, 6, 4, 3, 15, tzinfo=timezone.utc)),
    ],
)
def test_parse_indonesian_date(text, expected):
    got = parse_indonesian_date(text, tz="WIB", reference=REF)
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()


def test_source_timezone_is_the_default_and_page_zone_wins():
    assert parse_indonesian_date("27 Nov 2024 10:15", tz="WITA", reference=REF).utcoffset() == timedelta(hours=8)
    assert parse_indonesian_date("27 Nov 2024 10:15 WIT", tz="WIB", reference=REF).utcoffset() == timedelta(hours=9)
    assert parse_indonesian_date("2024-06-04 10:15:00", tz="WIT", reference=REF) == datetime(2024, 6, 4, 10, 15, tzinfo=WIT)


def test_yearless_date_takes_the_year_of_its_weekday():
    # 18 Nov was a Friday in 2022 (not 2023 or 2024).
    assert parse_indonesian_date("Jumat (18/11)", reference=REF) == datetime(2022, 11, 18, tzinfo=WIB)
    # 14 Nov 2024 was a Thursday.
    assert parse_indonesian_date("Kamis (14/11)", reference=REF) == datetime(2024, 11, 14, tzinfo=WIB)
    # Never in the future of the crawl: 29 Nov 2024 is a Friday but after this reference.
    early_ref = datetime(2024, 11, 20, tzinfo=timezone.utc)
    assert parse_indonesian_date("Jumat (29/11)", reference=early_ref) == datetime(2019, 11, 29, tzinfo=WIB)


def test_yearless_without_weekday_is_refused_when_scanning():
    assert parse_indonesian_date("18/11", reference=REF, allow_yearless=False) is None
    far = "Senin kemarin rapat dibuka oleh bupati dan dihadiri para camat, lalu pada 18/11 dilanjutkan"
    assert parse_indonesian_date(far, reference=REF, allow_yearless=False) is None
    assert parse_indonesian_date("UU 7/2017 dan rapat Selasa (04/06/2024)", reference=REF) == datetime(2024, 6, 4, tzinfo=WIB)
    assert parse_indonesian_date("18/11", reference=REF) == datetime(2024, 11, 18, tzinfo=WIB)


@pytest.mark.parametrize("text", ["10:15 WIB", "pukul 09.30 WITA", "", "   ", "Rp 48,5 miliar", "nomor 1014"])
def test_no_date_no_result(text):
    assert parse_indonesian_date(text, reference=REF) is None


def test_future_and_ancient_dates_are_rejected():
    assert parse_indonesian_date("27 Desember 2024", reference=REF) is None
    assert parse_indonesian_date("5 Januari 1980", reference=REF) is None


def test_relative_dates_count_back_from_the_reference():
    assert parse_indonesian_date("2 jam yang lalu", tz="WITA", reference=REF) == REF - timedelta(hours=2)
    assert parse_indonesian_date("3 hari lalu", reference=REF) == REF - timedelta(days=3)


def test_all_results_are_timezone_aware():
    for text in ("4 Juni 2024", "04/06/2024", "2024-06-04", "Selasa (04/06)", "1 jam yang lalu"):
        assert parse_indonesian_date(text, reference=REF).tzinfo is not None


def test_url_date():
    assert url_date("https://x.id/2024/06/04/slug/", reference=REF) == datetime(2024, 6, 4, tzinfo=WIB)
    assert url_date("https://x.id/berita/20240604-slug", tz="WITA", reference=REF) == datetime(2024, 6, 4, tzinfo=WITA)
    assert url_date("https://x.id/2024/06/slug", reference=REF) == datetime(2024, 6, 1, tzinfo=WIB)
    assert url_date("https://x.id/berita/slug-2024", reference=REF) is None


PAGE = """<html><head>{head}</head><body>
<div class="top"><span class="date">Minggu, 1 Desember 2024</span></div>
<div class="post"><h1>Judul Berita</h1>{meta}<p>Isi berita pada Selasa (04/06/2024) di Pangkalan Bun.</p></div>
<aside><ul><li>Berita lain <span class="post-date">30 November 2024</span></li></ul></aside>
</body></html>"""


def page(head: str = "", meta: str = "") -> str:
    return PAGE.format(head=head, meta=meta)


def test_order_of_trust_jsonld_beats_meta_beats_text_beats_url():
    jsonld = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-06-03T08:00:00+07:00","dateModified":"2024-06-05T08:00:00+07:00"}</script>'
    meta = '<meta property="article:published_time" content="2024-06-02T08:00:00+07:00">'
    url = "https://x.id/2024/06/01/judul-berita/"
    published, modified, source = find_dates(page(jsonld + meta), url, tz="WIB", reference=REF)
    assert (published, source) == (datetime(2024, 6, 3, 8, tzinfo=WIB), "jsonld")
    assert modified == datetime(2024, 6, 5, 8, tzinfo=WIB)
    assert find_dates(page(meta), url, tz="WIB", reference=REF)[::2] == (datetime(2024, 6, 2, 8, tzinfo=WIB), "meta")
    assert find_dates(page(), url, tz="WIB", reference=REF)[::2] == (datetime(2024, 6, 4, tzinfo=WIB), "text")
    bare = "<html><body><h1>Judul</h1><p>Tanpa tanggal.</p></body></html>"
    assert find_dates(bare, url, tz="WIB", reference=REF)[::2] == (datetime(2024, 6, 1, tzinfo=WIB), "url")
    assert find_dates(bare, "https://x.id/judul", tz="WIB", reference=REF) == (None, None, "none")


def test_jsonld_article_node_beats_webpage_node():
    graph = """<script type="application/ld+json">{"@graph":[
      {"@type":"WebPage","datePublished":"2024-06-10T00:00:00+00:00"},
      {"@type":["NewsArticle"],"datePublished":"2024-06-04T09:00:00+07:00"}]}</script>"""
    published, _, source = find_dates(page(graph), "", tz="WIB", reference=REF)
    assert (published, source) == (datetime(2024, 6, 4, 9, tzinfo=WIB), "jsonld")


def test_broken_jsonld_falls_through_to_meta():
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": </script>'
    head += '<meta itemprop="datePublished" content="2024-06-02">'
    assert find_dates(page(head), "", tz="WITA", reference=REF)[::2] == (datetime(2024, 6, 2, tzinfo=WITA), "meta")


def test_text_date_is_taken_near_the_title_not_from_top_bar_or_sidebar():
    meta = '<div class="meta">Rabu, 27 Nov 2024 10:15 WIB</div>'
    published, _, source = find_dates(page(meta=meta), "", tz="WIB", reference=REF)
    assert (published, source) == (datetime(2024, 11, 27, 10, 15, tzinfo=WIB), "text")
    no_title_date = "<html><body><div class='date'>Minggu, 1 Desember 2024</div><p>Tanpa judul.</p></body></html>"
    assert find_dates(no_title_date, "", tz="WIB", reference=REF).published is None
