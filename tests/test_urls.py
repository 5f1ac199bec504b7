import pytest

from crawlers.urls import canonicalize, is_amp, rejection
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
