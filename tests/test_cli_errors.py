"""Every bad input gives a one-line error and a non-zero exit, and loses nothing stored."""

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from indexer.sqlite_fts import SqliteFtsBackend
from indexer.sync import sync
from warta.models import Article, article_id
from warta.settings import PROJECT_ROOT
from warta.store import Store

from tests.disk_helpers import SOURCES  # one unreachable source, shared with the disk tests


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    e = {**os.environ, "WARTA_DATA_DIR": str(tmp_path / "data"), "WARTA_SOURCES": str(tmp_path / "sources.yaml"),
         "WARTA_BACKEND": "sqlite"}
    store = Store(tmp_path / "data" / "warta.sqlite")
    for i in range(3):
        url = f"http://127.0.0.1:9/berita/{i}"
        store.upsert_article(Article(
            id=article_id(url), url=url, canonical_url=url, source_id="mmc-kobar", source_type="government",
            domain="127.0.0.1:9", title=f"Rapat koordinasi pengawasan pilkada {i}",
            body="Bawaslu menggelar rapat koordinasi pengawasan pilkada bersama camat dan lurah.",
            published_at=datetime(2024, 6, 4, 3, tzinfo=timezone.utc), provinces=["Kalimantan Tengah"],
            kabkotas=["Kotawaringin Barat"], content_hash=str(i)), b"<html></html>")
    backend = SqliteFtsBackend(tmp_path / "data" / "search-fts.sqlite")
    sync(store, backend)
    backend.close()
    store.close()
    return e


def warta(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warta.cli", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


def assert_one_line_error(p: subprocess.CompletedProcess, *needles: str) -> None:
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("error: ")
    for n in needles:
        assert n in lines[0]


@pytest.mark.parametrize("args, needles", [
    (("search", '"politik uang'), ("unbalanced quote",)),
    (("search", "(kobar OR kotim"), ("unbalanced parenthesis",)),
    (("search", "pilkada", "--province", "Kalimantan Tenga"), ("unknown province", "Kalimantan Tengah")),
    (("search", "pilkada", "--kabkota", "Kotawaringin Barta"), ("unknown kabupaten/kota", "Kotawaringin Barat")),
    (("search", "pilkada", "--source", "mmc-kobr"), ("unknown source", "mmc-kobar")),
    (("search", "pilkada", "--from", "2024-06-10", "--to", "2024-06-01"), ("impossible date range",)),
    (("search", "pilkada", "--from", "10/06/2024"), ("not a date",)),
    (("crawl", "--source", "nope"), ("unknown source",)),
    (("export", "pilkada", "--format", "csv", "-o", "/nonexistent-dir/x.csv"), ("cannot write export",)),
    (("export", "pilkada", "--format", "xls", "-o", "x.xls"), ("unknown export format",)),
])
def test_bad_input_gives_one_line_error_and_keeps_the_store(env, args, needles):
    assert_one_line_error(warta(env, *args), *needles)
    ok = warta(env, "search", "pilkada", "--json")
    assert ok.returncode == 0, ok.stderr
    assert '"total": 3' in ok.stdout
    assert Store(Path(env["WARTA_DATA_DIR"]) / "warta.sqlite").count() == 3


def test_malformed_sources_file(env, tmp_path):
    Path(env["WARTA_SOURCES"]).write_text(SOURCES.replace("timezone: WIB", "timezone: [WIB"), encoding="utf-8")
    assert_one_line_error(warta(env, "sources", "validate"), "invalid YAML", "sources.yaml")
    assert_one_line_error(warta(env, "crawl"), "invalid YAML")
    assert Store(Path(env["WARTA_DATA_DIR"]) / "warta.sqlite").count() == 3


def test_export_into_a_file_path_that_is_a_directory(env, tmp_path):
    assert_one_line_error(warta(env, "export", "", "--format", "jsonl", "-o", str(tmp_path)), "is a directory")
