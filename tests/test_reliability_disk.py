"""Reliability: a full or read-only disk gives a one-line error and never costs a stored article.

Real conditions, no mocks: SQLite's `max_page_count` makes a database full
(SQLITE_FULL, no privileges needed), `RLIMIT_FSIZE` makes a file hit its size
limit (EFBIG), and a small tmpfs gives a genuinely full disk (ENOSPC, the
-wal/-shm files and logs included) and, remounted read-only, EROFS. After
every failure the store passes `PRAGMA integrity_check`, the FTS index that
and FTS5's 'integrity-check', and every article stored before is still there
byte for byte.
"""

from __future__ import annotations

import json
import resource
import shutil
from pathlib import Path

import pytest
import yaml

from indexer.sqlite_fts import SqliteFtsBackend
from indexer.sync import sync
from pipelines.dedupe import NearDuplicateIndex
from pipelines.minhash import signature
from pipelines.process import Built, cluster_and_store
from tests.disk_helpers import (SOURCES, articles, cli_env, fill, fts_docs, fts_integrity, integrity, one_line_error,
                                read_only, snapshot, tmpfs, warta)
from warta.errors import BackendUnavailable
from warta.replica.server import ReplicaCluster, expected_articles, sources
from warta.store import StorageError, Store

N_ARTICLES = 150


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with N_ARTICLES stored and indexed; tests copy it where they need it."""
    root = tmp_path_factory.mktemp("seeded")
    data = root / "data"
    store = Store(data / "warta.sqlite")
    for a in articles(N_ARTICLES):
        store.upsert_article(a, f"<html><body>{a.body}</body></html>".encode())
    backend = SqliteFtsBackend(data / "search-fts.sqlite")
    assert sync(store, backend) == N_ARTICLES
    backend.close()
    store.close()
    (root / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    return root


def copy_data(seeded: Path, to: Path) -> tuple[Path, dict[str, str]]:
    """The seeded data folder copied to `to`/data; returns it and the CLI environment for it."""
    shutil.copytree(seeded / "data", to / "data")
    return to / "data", cli_env(to / "data", seeded / "sources.yaml")


def assert_intact(data: Path, before: dict[str, tuple]) -> None:
    """The store and index pass their integrity checks and every earlier article is unchanged."""
    assert integrity(data / "warta.sqlite") == "ok"
    after = snapshot(data / "warta.sqlite")
    assert {k: after.get(k) for k in before} == before
    if (data / "search-fts.sqlite").exists():
        assert fts_integrity(data / "search-fts.sqlite") == "ok"


# ---- no privileges needed -------------------------------------------------


def test_store_full_mid_ingest_raises_one_line_and_keeps_what_was_stored(tmp_path: Path) -> None:
    store = Store(tmp_path / "warta.sqlite")
    near = NearDuplicateIndex(text_of=lambda aid: a.body if (a := store.get(aid)) else None)
    batch = articles(80)
    for a in batch[:10]:
        assert cluster_and_store(store, near, Built(a, signature(a.body)), b"<html>" + a.body.encode()) == "new"
    before = snapshot(tmp_path / "warta.sqlite")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    # The same write path as the crawl's item pipeline, on a database that cannot grow past a few pages.
    store.db.execute(f"PRAGMA max_page_count = {pages + 8}")
    stored = 10
    with pytest.raises(StorageError) as failure:
        for a in batch[10:]:
            cluster_and_store(store, near, Built(a, signature(a.body)), b"<html>" + a.body.encode())
            stored += 1
    message = str(failure.value)
    assert "\n" not in message and "the disk is full" in message and str(tmp_path / "warta.sqlite") in message
    assert stored < len(batch)
    assert store.count() == stored  # the failed article is rolled back whole, nothing half-written
    assert store.integrity_ok()
    assert_intact(tmp_path, before)
    # With room again the same connection goes on where it stopped.
    store.db.execute("PRAGMA max_page_count = 1073741823")
    for a in batch[stored:]:
        assert cluster_and_store(store, near, Built(a, signature(a.body)), b"<html>" + a.body.encode()) == "new"
    assert store.count() == len(batch)
    store.close()
    assert_intact(tmp_path, before)


def test_index_full_during_sync_keeps_indexed_documents_and_resumes(tmp_path: Path, seeded: Path) -> None:
    data, _ = copy_data(seeded, tmp_path)
    store = Store(data / "warta.sqlite")
    for a in articles(N_ARTICLES + 100, seed=11)[N_ARTICLES:]:
        store.upsert_article(a, b"<html></html>")
    indexed_before = fts_docs(data / "search-fts.sqlite")
    before = snapshot(data / "warta.sqlite")
    backend = SqliteFtsBackend(data / "search-fts.sqlite")
    backend.ensure_ready()
    conn = backend._conn
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 4}")
    with pytest.raises(BackendUnavailable) as failure:
        sync(store, backend, batch=25)
    backend.close()
    message = str(failure.value)
    assert "\n" not in message and "the disk is full" in message and "search-fts.sqlite" in message
    assert store.pending_count("sqlite") > 0  # what did not fit waits in the store
    after = fts_docs(data / "search-fts.sqlite")
    assert {k: after[k] for k in indexed_before} == indexed_before
    assert_intact(data, before)
    backend = SqliteFtsBackend(data / "search-fts.sqlite")  # a new connection: no page limit
    sync(store, backend)
    assert backend.count() == store.count() == N_ARTICLES + 100
    assert store.pending_count("sqlite") == 0
    backend.close()
    store.close()
    assert_intact(data, before)


def _file_size_limit(limit: int):  # noqa: ANN202
    def apply() -> None:
        # Python starts with SIGXFSZ ignored, so crossing the limit makes write() fail with EFBIG.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_past_the_file_size_limit_leaves_no_partial_file(tmp_path: Path, seeded: Path, fmt: str) -> None:
    data, env = copy_data(seeded, tmp_path)
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    out = out_dir / f"pilkada.{fmt}"
    # An earlier export at the same path must survive a failed one untouched.
    out.write_text("earlier export\n", encoding="utf-8")
    (out_dir / f"pilkada.{fmt}.manifest.json").write_text('{"rows": 1}\n', encoding="utf-8")
    before_files = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    before = snapshot(data / "warta.sqlite")
    p = warta(env, "export", "", "--format", fmt, "-o", str(out), preexec_fn=_file_size_limit(48 * 1024))
    line = one_line_error(p)
    assert "cannot write export" in line and str(out) in line and "too large" in line.lower()
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before_files  # no .part left, old files kept
    assert_intact(data, before)


# ---- a real full or read-only disk (tmpfs) ---------------------------------


def test_crawl_that_fills_the_disk_fails_in_one_line_and_a_later_crawl_completes(tmp_path: Path,
                                                                                  seeded: Path) -> None:
    with ReplicaCluster(sites=("wp",)) as cluster, tmpfs(tmp_path / "disk", 16 * 1024) as disk:
        entries = [dict(e) for e in sources(cluster)]
        for e in entries:
            e["politeness"] = {"concurrency": 2, "delay": 0.0}
        sources_file = tmp_path / "sources.yaml"
        sources_file.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")
        data, _ = copy_data(seeded, disk)  # the articles stored before the disk fills up
        env = cli_env(data, sources_file)
        before = snapshot(data / "warta.sqlite")
        assert len(before) == N_ARTICLES

        ballast = fill(disk, leave=300 * 1024)
        full = warta(env, "crawl")
        line = one_line_error(full)
        assert "the disk is full" in line, line
        # Checked with room again: even a read-only look at a WAL database needs its -shm file.
        ballast.unlink()
        assert_intact(data, before)
        assert len(snapshot(data / "warta.sqlite")) < N_ARTICLES + len(expected_articles(cluster))

        again = warta(env, "crawl")
        assert again.returncode == 0, again.stdout + again.stderr
        store = Store(data / "warta.sqlite")
        try:
            urls = {a.canonical_url for a in store.iter_articles() if a.source_id != "mmc-kobar"}
            assert urls == {e.url for e in expected_articles(cluster)}
            assert store.count() == N_ARTICLES + len(urls)
            assert store.pending_count("sqlite") == 0
            statuses = {r["id"]: r["status"] for r in store.runs()}
        finally:
            store.close()
        assert statuses[max(statuses)] == "ok"
        # The failed run is closed as failed when its crawl could still write that, else it stays
        # open like a killed one and the next crawl closes it as interrupted; never a good run.
        assert len(statuses) == 2 and statuses[min(statuses)] in ("failed", "interrupted")
        assert_intact(data, before)


def test_reindex_on_a_full_disk_fails_in_one_line_and_keeps_the_store(tmp_path: Path, seeded: Path) -> None:
    with tmpfs(tmp_path / "disk", 16 * 1024) as disk:
        data, env = copy_data(seeded, disk)
        before = snapshot(data / "warta.sqlite")
        ballast = fill(disk, leave=64 * 1024)
        line = one_line_error(warta(env, "reindex"))
        assert "the disk is full" in line and "search-fts.sqlite" in line, line
        ballast.unlink()  # first: even a read-only look at a WAL database needs its -shm file
        assert_intact(data, before)
        ok = warta(env, "reindex")
        assert ok.returncode == 0, ok.stderr
        assert len(fts_docs(data / "search-fts.sqlite")) == N_ARTICLES
        assert_intact(data, before)


def test_export_to_a_full_disk_leaves_nothing_behind(tmp_path: Path, seeded: Path) -> None:
    data, env = copy_data(seeded, tmp_path)
    before = snapshot(data / "warta.sqlite")
    with tmpfs(tmp_path / "usb", 64) as target:
        out = target / "pilkada.jsonl"
        line = one_line_error(warta(env, "export", "", "--format", "jsonl", "-o", str(out)))
        assert "cannot write export" in line and "No space left on device" in line, line
        assert list(target.iterdir()) == []
    assert_intact(data, before)


def test_read_only_data_folder_searches_but_refuses_writes_in_one_line(tmp_path: Path, seeded: Path) -> None:
    with tmpfs(tmp_path / "disk", 16 * 1024) as disk:
        data, env = copy_data(seeded, disk)
        before = snapshot(data / "warta.sqlite")
        files_before = sorted(p.name for p in data.iterdir())
        with read_only(disk):
            found = warta(env, "search", "pilkada", "--json")
            assert found.returncode == 0, found.stderr
            assert json.loads(found.stdout)["total"] == N_ARTICLES
            stats = warta(env, "stats")
            assert stats.returncode == 0 and str(N_ARTICLES) in stats.stdout, stats.stderr
            for args in (["crawl"], ["reindex"], ["saved", "add", "netral", "netralitas"],
                         ["export", "", "--format", "csv", "-o", str(disk / "x.csv")]):
                line = one_line_error(warta(env, *args))
                assert "read-only" in line.lower(), (args, line)
            assert sorted(p.name for p in data.iterdir()) == files_before
        assert_intact(data, before)
        assert len(fts_docs(data / "search-fts.sqlite")) == N_ARTICLES
