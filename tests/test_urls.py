import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawlers.urls import canonicalize, is_amp, rejection
from warta.crawl import run_crawl
from warta.demo import demo_settings
from warta.sources import Source

SRC = Source.model_validate({
    "id": "wp", "name": "WP", "type": "news", "base_url": "http://127.0.0.1:8080/",
    "region": {"province": "Kalimantan Selatan", "kabkota": "Balangan"}, "timezone": "WITA",
})


def test_tracking_parameters_and_fragments_are_dropped():
    assert canonicalize("HTTP://127.0.0.1:8080/2024/06/04/rakor/?utm_source=fb&utm_medium=x#comments") == \
        "http://127.0.0.1:8080/2024/06/04/rakor/"
    assert canonicalize("http://127.0.0.1:8080/a?id=7&fbclid=abc") == "http://127.0.0.1:8080/a?id=7"


def test_amp_detection():
    assert is_amp("http://x/amp/rakor-bawaslu")
    assert is_amp("http://x/rakor-bawaslu/amp/")
    assert not is_amp("http://x/rakor-bawaslu-ampah")


@pytest.mark.parametrize("url, why", [
    ("http://other.example/berita/1", "other domain"),
    ("http://127.0.0.1:8080/files/sk-kpu.pdf", "binary file"),
    ("http://127.0.0.1:8080/tag/pemilu/", "listing or section page"),
    ("http://127.0.0.1:8080/category/pilkada/page/2/", "listing or section page"),
    ("http://127.0.0.1:8080/kalender?bulan=2024-02", "listing or section page"),
    ("http://127.0.0.1:8080/agenda-kegiatan?bulan=2024-02", "calendar or navigation trap"),
    ("http://127.0.0.1:8080/berita?page=3", "listing or section page"),
    ("http://127.0.0.1:8080/", "home page"),
    ("mailto:redaksi@example.com", "not http"),
])
def test_non_article_urls_are_rejected_before_any_request(url, why):
    assert rejection(url, SRC) == why


def test_article_urls_pass():
    assert rejection("http://127.0.0.1:8080/2024/06/04/bawaslu-gelar-rakor/", SRC) == ""
    assert rejection("http://127.0.0.1:8080/berita/12/netralitas-asn", SRC) == ""


def test_source_patterns_apply():
    src = SRC.model_copy(update={"deny": [r"/opini/"], "allow": [r"/berita/"]})
    assert rejection("http://127.0.0.1:8080/opini/x", src) == "denied by source pattern"
    assert rejection("http://127.0.0.1:8080/lain/x", src) == "not allowed by source pattern"


# ---- the spider: one unparsable link must not cost the rest of a listing page ----------------

_LISTING = (
    '<html><body><h1>Berita</h1><ul>'
    '<li><a href="http://[::1">rusak</a></li>'          # urljoin raises ValueError on this host
    '<li><a href="https://[zz::1]:99999/x">rusak juga</a></li>'
    '<li><a href="/berita/1/debat-calon-bupati-kotawaringin">satu</a></li>'
    '<li><a href="/berita/2/kpu-tetapkan-daftar-pemilih-tetap">dua</a></li>'
    '</ul><a rel="next" href="http://[::1">berikutnya</a></body></html>'
)


def _article(n: int) -> str:
    words = " ".join(f"Pemilihan kepala daerah di Kotawaringin Barat tahap {n} kalimat {k} berjalan damai."
                     for k in range(40))
    return (f'<html lang="id"><head><title>Berita {n}</title></head><body><article><h1>Berita nomor {n}</h1>'
            f'<div class="isi"><p>{words}</p></div></article></body></html>')


class _TinySite:
    """A loopback site of one listing page (with broken links first) and two articles."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base-class signature
                pass

            def do_GET(self) -> None:
                site.paths.append(self.path)
                if self.path == "/robots.txt":
                    status, body = 200, b"User-agent: *\nAllow: /\n"
                elif self.path == "/berita":
                    status, body = 200, _LISTING.encode()
                elif self.path.startswith("/berita/1/") or self.path.startswith("/berita/2/"):
                    status, body = 200, _article(int(self.path.split("/")[2])).encode()
                else:
                    status, body = 404, b"tidak ada"
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_unparsable_hrefs_on_a_listing_page_are_skipped_not_fatal(tmp_path):
    site = _TinySite()
    try:
        entry = {
            "id": "tiny-listing", "name": "Tiny", "type": "news", "base_url": site.base,
            "region": {"province": "Kalimantan Tengah", "kabkota": ""}, "timezone": "WIB", "verified": True,
            "discovery": {"probe_sitemaps": False, "listings": [{"url": "/berita", "max_pages": 3}]},
            "allow": [r"/berita/\d+/[a-z-]+$"], "deny": [], "selectors": {"body": "div.isi"},
        }
        result = run_crawl(demo_settings(tmp_path, [entry]))
    finally:
        site.close()
    fetched = {p for p in site.paths if p.startswith("/berita/")}
    # Both links after the broken ones were followed; the broken "next page" ended the pagination quietly.
    assert fetched == {"/berita/1/debat-calon-bupati-kotawaringin", "/berita/2/kpu-tetapkan-daftar-pemilih-tetap"}
    assert site.paths.count("/berita") == 1
    row = result.sources[0]
    assert row["status"] == "ok" and row["stats"].errors == 0, row
    assert row["stats"].pages_fetched == 2
