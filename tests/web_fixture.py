"""Shared set-up for the web tests: a real corpus crawled from the replica, plus one hostile
article, served by uvicorn on a free loopback port in a background thread.

Imported by tests/test_web_api.py and tests/test_web_browser.py (not a conftest
plugin: only the web tests pay for the crawl).
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from indexer.sqlite_fts import SqliteFtsBackend
from indexer.sync import sync
from warta.models import Article, article_id
from warta.settings import Settings
from warta.store import Store

TOKEN = "test-token-5f1c0d"  # a test-only secret for POST /api/crawl
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_URL = "javascript:window.__xss=1//hostile.example/berita"
XSS_TITLE = f"Pilkada uji keamanan {XSS_SCRIPT} {XSS_IMG}"
XSS_BODY = (f"Bawaslu menerima laporan keamanan {XSS_SCRIPT} tentang pilkada.\n\n"
            f"Paragraf kedua {XSS_IMG} tetap teks biasa.\n\n"
            "Paragraf ketiga menyebut kampanye dan rekapitulasi suara di TPS.")


@dataclass
class Corpus:
    settings: Settings
    xss_id: str


@dataclass
class Served:
    base_url: str
    corpus: Corpus
    app: object


def hostile_article(source_id: str, source_type: str) -> Article:
    """An article whose every text field carries script payloads and whose URL is not http(s)."""
    return Article(
        id=article_id(XSS_URL), url=XSS_URL, canonical_url=XSS_URL, source_id=source_id, source_type=source_type,
        domain="hostile.example", title=XSS_TITLE, body=XSS_BODY, description=XSS_IMG, author=XSS_SCRIPT,
        credit=XSS_IMG, dateline=XSS_SCRIPT, published_at=datetime(2024, 10, 2, 3, 0, tzinfo=timezone.utc),
        provinces=["Kalimantan Tengah"], kabkotas=["Kabupaten Kotawaringin Barat"],
        primary_province="Kalimantan Tengah", primary_kabkota="Kabupaten Kotawaringin Barat",
        election_related=True, election_types=["pilkada"], topics=[], institutions=[XSS_SCRIPT],
        people=[{"name": "Siti <b>Uji</b>", "role": XSS_IMG, "institution": "", "quote": XSS_SCRIPT}],
        content_hash="hostile", cluster_id="", is_canonical=True, word_count=30,
    )


def build_corpus(data_dir: Path) -> Iterator[Corpus]:
    """Crawl the replica once into `data_dir`, then add the hostile article straight to store and index.

    A generator: the replica keeps running until the caller's module ends, so a
    crawl started through POST /api/crawl meets live sites."""
    from warta.crawl import run_crawl
    from warta.demo import demo_settings
    from warta.replica.server import ReplicaCluster, sources

    with ReplicaCluster() as cluster:
        settings = demo_settings(data_dir, sources(cluster))
        run_crawl(settings)
        store = Store(settings.store_path)
        backend = SqliteFtsBackend(settings.fts_path)
        try:
            first = sources(cluster)[0]
            article = hostile_article(first["id"], first["type"])
            store.upsert_article(article, b"<html></html>")
            sync(store, backend)
        finally:
            backend.close()
            store.close()
        yield Corpus(settings, article.id)


@contextmanager
def serve_in_thread(app: object) -> Iterator[str]:
    """uvicorn on a socket we bound ourselves (port 0: no race for a free port)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    yield from build_corpus(tmp_path_factory.mktemp("web-corpus"))


@pytest.fixture(scope="module")
def served(corpus: Corpus) -> Iterator[Served]:
    from warta.web.server import create_app

    app = create_app(corpus.settings, token=TOKEN)
    with serve_in_thread(app) as base:
        yield Served(base, corpus, app)
