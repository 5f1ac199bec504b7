"""Saved searches and digests: after a real crawl, the new matches as escaped HTML, JSON and e-mail
(received by a real SMTP server on loopback)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from warta import saved
from warta.crawl import run_crawl
from warta.demo import demo_settings
from warta.replica.server import ReplicaCluster, sources
from warta.settings import PROJECT_ROOT
from warta.sources import load_registry
from warta.store import Store

EVIL_TITLE = "<script>alert('x')</script> Bawaslu Kobar Awasi Netralitas ASN Jelang Pilkada"
NEW_PARAGRAPHS = (
    "Badan Pengawas Pemilihan Umum Kabupaten Kotawaringin Barat menggelar apel siaga pengawasan netralitas "
    "aparatur sipil negara menjelang pemungutan suara pilkada serentak di halaman kantor bupati pada Senin pagi.",
    "Ketua Bawaslu Kobar mengingatkan seluruh pegawai agar tidak mengunggah dukungan kepada pasangan calon di "
    "media sosial, tidak menghadiri kampanye dengan atribut dinas, dan tidak memakai fasilitas negara.",
    "Menurut dia, pelanggaran netralitas akan diteruskan kepada Badan Kepegawaian Negara dan Komisi Aparatur "
    "Sipil Negara untuk diberi sanksi, sedangkan laporan masyarakat dapat disampaikan melalui posko pengaduan.",
    "Sekretaris daerah yang hadir dalam apel tersebut menyatakan pemerintah kabupaten mendukung penuh langkah "
    "pengawas pemilu dan meminta camat serta lurah ikut memantau kegiatan pegawai di wilayah masing-masing.",
    "Apel siaga ditutup dengan penandatanganan pakta integritas netralitas oleh kepala perangkat daerah, camat, "
    "dan kepala sekolah negeri se-Kotawaringin Barat yang disaksikan unsur kepolisian dan kejaksaan.",
)


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001 - aiosmtpd handler signature
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture(scope="module")
def digested(tmp_path_factory, smtp):
    """Crawl, save searches, publish one new (hostile) article on the replica, crawl again."""
    controller, inbox = smtp
    data = tmp_path_factory.mktemp("saved")
    with ReplicaCluster(sites=("mmc", "wp")) as cluster:
        s = demo_settings(data, sources(cluster)).model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": controller.port, "smtp_security": "none",
            "smtp_from": "warta@example.org", "smtp_to": ["redaksi@example.org"]})
        first = run_crawl(s)
        assert first.digests == []  # nothing saved yet
        store = Store(s.store_path)
        registry = load_registry(s.sources_file)
        saved.add(store, registry, "netralitas-kobar", "netralitas", kabkotas=["Kobar"])
        saved.add(store, registry, "semua-mmc", "", sources=["replica-mmc"])
        saved.add(store, registry, "tidak-ada", '"kata yang tidak pernah muncul"')
        old_ids = {a.id for a in store.iter_articles()}
        store.close()
        app = cluster.app("mmc")
        newest = app.copies[0]
        new = replace(newest, slug="bawaslu-kobar-awasi-netralitas-asn-jelang-pilkada", number=99001,
                      title=EVIL_TITLE, paragraphs=NEW_PARAGRAPHS,
                      published=datetime.now(timezone(timedelta(hours=7))).replace(microsecond=0),
                      modified=datetime.now(timezone(timedelta(hours=7))).replace(microsecond=0))
        app.copies.insert(0, new)
        second = run_crawl(s)
    store = Store(s.store_path)
    new_ids = {a.id for a in store.iter_articles()} - old_ids
    yield {"settings": s, "second": second, "new_ids": new_ids, "store": store, "inbox": inbox,
           "new_url": app.article_url(new)}
    store.close()


def test_digest_has_exactly_the_new_matching_articles(digested):
    assert len(digested["new_ids"]) == 1
    outcomes = {d.name: d for d in digested["second"].digests}
    assert set(outcomes) == {"netralitas-kobar", "semua-mmc"}  # no files for a search without news
    for name in ("netralitas-kobar", "semua-mmc"):
        d = outcomes[name]
        assert d.count == 1 and d.error == "" and d.email == "sent"
        run_id = digested["second"].run_id
        assert d.json_path == digested["settings"].data_dir / "digests" / name / f"{run_id}.json"
        data = json.loads(d.json_path.read_text(encoding="utf-8"))
        assert [a["id"] for a in data["articles"]] == sorted(digested["new_ids"])
        assert data["articles"][0]["title"] == EVIL_TITLE  # JSON holds the data as it is
        assert data["articles"][0]["url"] == digested["new_url"]
    assert not (digested["settings"].data_dir / "digests" / "tidak-ada").exists()


def test_html_digest_escapes_scraped_text(digested):
    d = next(x for x in digested["second"].digests if x.name == "netralitas-kobar")
    page = d.html_path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Bawaslu Kobar" in page
    assert "<script" not in page
    assert f'href="{digested["new_url"]}"' in page


def test_email_received_by_the_local_smtp_server(digested):
    inbox = digested["inbox"].messages
    assert len(inbox) == 2  # one per saved search with news
    for env in inbox:
        assert env.mail_from == "warta@example.org" and env.rcpt_tos == ["redaksi@example.org"]
        msg = message_from_bytes(env.content, policy=policy.default)
        assert "1 artikel baru" in msg["Subject"]
        html_part = msg.get_body(("html",)).get_content()
        assert "&lt;script&gt;" in html_part and "<script" not in html_part
        assert EVIL_TITLE in msg.get_body(("plain",)).get_content()


def test_the_next_crawl_without_news_makes_no_digest(digested):
    from warta.digest import deliver_digests

    assert deliver_digests(digested["settings"], digested["store"], None) == []


def cli(s, *args):
    env = {**os.environ, "WARTA_DATA_DIR": str(s.data_dir), "WARTA_SOURCES": str(s.sources_file),
           "WARTA_BACKEND": "sqlite"}
    return subprocess.run([sys.executable, "-m", "warta.cli", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)


def test_cli_digest_shows_and_rebuilds_the_latest(digested):
    s = digested["settings"]
    p = cli(s, "digest", "netralitas-kobar")
    assert p.returncode == 0, p.stderr
    assert "<script>alert('x')</script> Bawaslu Kobar" in p.stdout  # printed literally, not as markup
    d = next(x for x in digested["second"].digests if x.name == "netralitas-kobar")
    d.html_path.unlink()
    p = cli(s, "digest", "netralitas-kobar", "--rebuild", "--json")
    assert p.returncode == 0, p.stderr
    assert [a["title"] for a in json.loads(p.stdout)["articles"]] == [EVIL_TITLE]
    assert "&lt;script&gt;" in d.html_path.read_text(encoding="utf-8")


def test_cli_saved_add_list_remove_and_errors(digested):
    s = digested["settings"]
    p = cli(s, "saved", "add", "politik-uang", '"politik uang"', "--province", "Kalteng")
    assert p.returncode == 0, p.stderr
    listed = json.loads(cli(s, "saved", "list", "--json").stdout)
    mine = next(x for x in listed if x["name"] == "politik-uang")
    assert mine["filters"]["provinces"] == ["Kalimantan Tengah"]  # aliases resolved when saved
    assert next(x for x in listed if x["name"] == "semua-mmc")["latest_digest"]["article_ids"]
    assert "politik-uang" in cli(s, "saved", "list").stdout
    for args, needle in (
        (("saved", "add", "politik-uang", "x"), "exists already"),
        (("saved", "add", "../etc", "x"), "saved search name"),
        (("saved", "add", "q", '"unbalanced'), ""),
        (("saved", "add", "r", "x", "--province", "Atlantis"), "Atlantis"),
        (("saved", "remove", "politik-uangg"), "did you mean"),
        (("digest", "tidak-ada"), "no digest yet"),
    ):
        p = cli(s, *args)
        lines = [x for x in p.stderr.splitlines() if x.strip()]
        assert p.returncode != 0 and len(lines) == 1 and lines[0].startswith("error: "), (args, p.stderr)
        assert needle in lines[0] and "Traceback" not in p.stderr
    assert cli(s, "saved", "remove", "politik-uang").returncode == 0
    assert all(x["name"] != "politik-uang" for x in json.loads(cli(s, "saved", "list", "--json").stdout))


def test_articles_not_yet_indexed_wait_for_a_later_digest(tmp_path):
    """An article stored but not indexed (backend down, concurrent crawl) is not skipped for good."""
    from indexer.sqlite_fts import SqliteFtsBackend
    from indexer.sync import sync
    from warta.models import Article, article_id

    store = Store(tmp_path / "warta.sqlite")
    store.add_saved("semua", "", {})

    def add(i: int) -> str:
        url = f"http://127.0.0.1:9/berita/{i}"
        store.upsert_article(Article(id=article_id(url), url=url, canonical_url=url, source_id="s", source_type="news",
                                     domain="127.0.0.1:9", title=f"Judul {i}", body=f"isi berita nomor {i}",
                                     content_hash=str(i)), b"")
        return article_id(url)

    a, b = add(1), add(2)
    backend = SqliteFtsBackend(tmp_path / "fts.sqlite")
    sync(store, backend)
    c = add(3)  # stored after indexing
    ids, upto = store.new_for_saved("semua", "sqlite")
    assert ids == [a, b]
    store.mark_saved_seen("semua", upto)
    sync(store, backend)
    assert store.new_for_saved("semua", "sqlite")[0] == [c]
    backend.close()
    store.close()
