"""Every user-interface string, in Indonesian (default) and English, in one catalogue.

Journalists and researchers using warta mostly read Indonesian; `?lang=en` (or
the `lang` cookie it sets) switches the interface. Scraped text and the
one-line error messages of the core modules are shown as they are.
"""

from __future__ import annotations

from typing import Mapping

LANGS = ("id", "en")
DEFAULT_LANG = "id"
COOKIE = "lang"

CATALOGUE: dict[str, dict[str, str]] = {
    "app_title": {"id": "warta — berita pemilu daerah", "en": "warta — regional election news"},
    "tagline": {"id": "Berita Pemilu 2024 dan Pilkada Serentak 2024 dari situs daerah",
                "en": "Pemilu 2024 and Pilkada Serentak 2024 news from regional sites"},
    "nav_search": {"id": "Cari", "en": "Search"},
    "nav_sources": {"id": "Sumber", "en": "Sources"},
    "nav_api": {"id": "API", "en": "API"},
    "switch_lang": {"id": "English", "en": "Bahasa Indonesia"},
    "query_label": {"id": "Kata kunci", "en": "Query"},
    "query_help": {"id": 'Kata (semua harus cocok), "frasa", AND / OR / NOT, -kata, awalan*, (kurung)',
                   "en": 'Words (all must match), "phrases", AND / OR / NOT, -word, prefix*, (parentheses)'},
    "search_button": {"id": "Cari", "en": "Search"},
    "date_from": {"id": "Dari tanggal", "en": "From"},
    "date_to": {"id": "Sampai tanggal", "en": "To"},
    "include_copies": {"id": "Tampilkan semua salinan siaran pers", "en": "Show every syndicated copy"},
    "sort": {"id": "Urutkan", "en": "Sort"},
    "sort_relevance": {"id": "Relevansi", "en": "Relevance"},
    "sort_date": {"id": "Tanggal terbaru", "en": "Newest first"},
    "results_count": {"id": "{n} artikel", "en": "{n} articles"},
    "no_results": {"id": "Tidak ada artikel yang cocok.", "en": "No matching articles."},
    "next_page": {"id": "Halaman berikutnya →", "en": "Next page →"},
    "first_page": {"id": "← Halaman pertama", "en": "← First page"},
    "filters": {"id": "Saring", "en": "Filters"},
    "active_filters": {"id": "Saringan aktif", "en": "Active filters"},
    "remove_filter": {"id": "hapus saringan", "en": "remove filter"},
    "clear_all": {"id": "Hapus semua saringan", "en": "Clear all filters"},
    "facet_region": {"id": "Wilayah", "en": "Region"},
    "facet_source_id": {"id": "Sumber", "en": "Source"},
    "facet_source_type": {"id": "Jenis sumber", "en": "Source type"},
    "facet_topics": {"id": "Topik", "en": "Topic"},
    "facet_election_types": {"id": "Jenis pemilihan", "en": "Election type"},
    "facet_institutions": {"id": "Lembaga", "en": "Institution"},
    "facet_people": {"id": "Tokoh", "en": "Person"},
    "facet_month": {"id": "Bulan", "en": "Month"},
    "facet_provinces": {"id": "Provinsi", "en": "Province"},
    "facet_kabkotas": {"id": "Kabupaten/kota", "en": "Regency/city"},
    "facet_dates": {"id": "Rentang tanggal", "en": "Date range"},
    "type_government": {"id": "Pemerintah daerah", "en": "Local government"},
    "type_election_body": {"id": "Penyelenggara pemilu", "en": "Election body"},
    "type_news": {"id": "Media berita", "en": "News outlet"},
    "timeline": {"id": "Jumlah artikel per hari", "en": "Articles per day"},
    "timeline_month": {"id": "Jumlah artikel per bulan", "en": "Articles per month"},
    "timeline_undated": {"id": "{n} artikel tanpa tanggal tidak digambar", "en": "{n} undated articles not drawn"},
    "export": {"id": "Ekspor hasil", "en": "Export results"},
    "export_note": {"id": "Seluruh hasil pencarian ini; manifes tersedia di tautan header Link.",
                    "en": "Every result of this search; the manifest is linked from the Link header."},
    "also_in": {"id": "Juga dimuat di", "en": "Also published by"},
    "original": {"id": "Artikel asli", "en": "Original article"},
    "original_unsafe": {"id": "Alamat asli (bukan http/https, tidak ditautkan)",
                        "en": "Original address (not http/https, not linked)"},
    "published": {"id": "Terbit", "en": "Published"},
    "source": {"id": "Sumber", "en": "Source"},
    "author": {"id": "Penulis", "en": "Author"},
    "credit": {"id": "Kredit", "en": "Credit"},
    "dateline": {"id": "Dateline", "en": "Dateline"},
    "regions": {"id": "Wilayah", "en": "Regions"},
    "primary_region": {"id": "Wilayah utama", "en": "Primary region"},
    "topics": {"id": "Topik", "en": "Topics"},
    "election_types": {"id": "Jenis pemilihan", "en": "Election types"},
    "institutions": {"id": "Lembaga", "en": "Institutions"},
    "people": {"id": "Tokoh", "en": "People"},
    "role": {"id": "jabatan", "en": "role"},
    "quote": {"id": "kutipan", "en": "quote"},
    "copies": {"id": "Salinan siaran pers ini di situs lain", "en": "Syndicated copies of this story"},
    "no_copies": {"id": "Tidak ada salinan di situs lain.", "en": "No copies on other sites."},
    "canonical_copy": {"id": "terbit paling awal", "en": "earliest published"},
    "back_to_search": {"id": "← Kembali ke pencarian", "en": "← Back to search"},
    "not_found": {"id": "Halaman atau artikel tidak ditemukan.", "en": "Page or article not found."},
    "error_title": {"id": "Permintaan tidak dapat diproses", "en": "The request cannot be processed"},
    "error_server": {"id": "Terjadi kesalahan di server.", "en": "Something went wrong on the server."},
    "sources_title": {"id": "Sumber dan kesehatannya", "en": "Sources and their health"},
    "status": {"id": "Status", "en": "Status"},
    "status_ok": {"id": "baik", "en": "ok"},
    "status_warn": {"id": "perhatian", "en": "warning"},
    "status_fail": {"id": "gagal", "en": "failed"},
    "status_unknown": {"id": "belum dirayapi", "en": "not crawled yet"},
    "reason": {"id": "Keterangan", "en": "Reason"},
    "last_run": {"id": "Perayapan terakhir", "en": "Last crawl"},
    "last_new": {"id": "Artikel baru", "en": "New articles"},
    "consecutive_empty": {"id": "Perayapan kosong berturut-turut", "en": "Empty crawls in a row"},
    "type": {"id": "Jenis", "en": "Type"},
    "region": {"id": "Wilayah", "en": "Region"},
    "name": {"id": "Nama", "en": "Name"},
    "no_runs": {"id": "Belum ada perayapan yang tercatat.", "en": "No crawl recorded yet."},
    "api_title": {"id": "Referensi API", "en": "API reference"},
    "api_intro": {"id": "Dokumen OpenAPI lengkap: ", "en": "The full OpenAPI document: "},
    "parameters": {"id": "Parameter", "en": "Parameters"},
    "words": {"id": "kata", "en": "words"},
}


def pick_lang(query_value: str | None, cookie_value: str | None) -> str:
    """`?lang=` wins over the cookie; anything unknown falls back to Indonesian."""
    for value in (query_value, cookie_value):
        if value in LANGS:
            return value
    return DEFAULT_LANG


def t(lang: str, key: str, **values: object) -> str:
    """The string for `key` in `lang`; a missing key shows itself rather than failing a page."""
    entry: Mapping[str, str] = CATALOGUE.get(key, {})
    text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    return text.format(**values) if values else text
