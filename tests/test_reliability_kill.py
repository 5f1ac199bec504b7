"""Reliability: SIGKILL in the middle of a crawl and in the middle of indexing.

A crawl process killed with kill -9 leaves a run that never closed, articles half the way
through and URLs still pending; the next `run_crawl` must end with exactly the article set of an
undisturbed run, no duplicates, and a store that passes `PRAGMA integrity_check`. An indexing
process killed mid-way must leave nothing that a second sync cannot finish: backend count ==
store count.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

from indexer.sqlite_fts import SqliteFtsBackend
from indexer.sync import sync
from warta.crawl import run_crawl
from warta.demo import demo_settings
from warta.replica.server import ReplicaCluster, sources
from warta.settings import PROJECT_ROOT, Settings, to_env
from warta.store import Store


def stored_set(store: Store) -> dict[str, tuple]:
    return {a.canonical_url: (a.source_id, a.content_hash, a.title, a.body) for a in store.iter_articles()}


def child_env(s: Settings) -> dict[str, str]:
    return {**os.environ, **to_env(s), "SCRAPY_SETTINGS_MODULE": "crawlers.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}


def count_rows(db_path: Path, sql: str) -> int:
    """Read with a fresh connection, as a bystander would, while the child writes (WAL)."""
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def kill_when(proc: subprocess.Popen, ready, timeout: float = 60) -> bool:
    """SIGKILL `proc` as soon as `ready()` holds; False if it exited first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            return True
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    raise AssertionError("the child never reached the state to kill it in")


def test_kill_9_mid_crawl_then_crawl_again_equals_an_undisturbed_run(tmp_path):
    # Every replica site: the listings-only media centre (a killed first crawl must not make the
    # next one stop paging before the older listing pages) and the Bawaslu site, whose
    # robots-disallowed links a killed run leaves `pending` in the frontier: the resumed crawl
    # must refuse them without a request (tests/test_robots_resume.py has the focused test).
    with ReplicaCluster() as cluster:
        entries = sources(cluster)
        undisturbed = demo_settings(tmp_path / "undisturbed", [dict(e) for e in entries])
        assert run_crawl(undisturbed).status == "ok"
        want = stored_set(Store(undisturbed.store_path))
        expected = len(want)
        assert expected == 52  # 13 media centre + 16 WordPress + 10 Bawaslu + 13 portal

        s = demo_settings(tmp_path / "killed", [dict(e) for e in entries])
        # A small delay for the run we kill, so there is a "middle" to kill it in on a fast machine.
        slow = yaml.safe_load(s.sources_file.read_text(encoding="utf-8"))
        for e in slow["sources"]:
            e["politeness"] = {"concurrency": 1, "delay": 0.05}
        s.sources_file.write_text(yaml.safe_dump(slow, allow_unicode=True), encoding="utf-8")
        store = Store(s.store_path)
        ids = [e["id"] for e in entries]
        run_id = store.start_run(ids)
        store.close()
        log = open(tmp_path / "killed-crawl.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawlers.run", "--run-id", str(run_id), "--sources", ",".join(ids),
             "--sources-file", str(s.sources_file), "--log-level", "INFO"],
            env=child_env(s), cwd=PROJECT_ROOT, stdout=log, stderr=log)
        try:
            killed = kill_when(proc, lambda: count_rows(s.store_path, "SELECT count(*) FROM articles") >= 8)
        finally:
            log.close()
        assert killed, "the crawl finished before it could be killed"
        store = Store(s.store_path)
        at_kill = store.count()
        assert 8 <= at_kill < expected
        assert store.integrity_ok()
        assert store.run_status(run_id) == "running"  # nobody closed the killed run
        store.close()

        # The next crawl, undisturbed (the source locks died with the killed process).
        demo_settings(tmp_path / "killed", [dict(e) for e in entries])
        again = run_crawl(s)
        disallowed_hits = cluster.counts()["disallowed_paths"]
    assert again.status == "ok", again.sources
    assert disallowed_hits == []  # not in the undisturbed, the killed nor the resumed crawl
    assert not again.skipped
    store = Store(s.store_path)
    try:
        # The killed run no longer says "running": the next crawl closed it as interrupted.
        assert store.run_status(run_id) == "interrupted"
        assert {x["status"] for x in store.run_sources(run_id)} <= {"interrupted", "ok"}
        assert store.running_runs() == []
        assert stored_set(store) == want
        n, distinct = store.db.execute("SELECT count(*), count(DISTINCT canonical_url) FROM articles").fetchone()
        assert n == distinct == expected
        assert store.integrity_ok()
        assert all(store.pending_urls(sid) == [] for sid in ids)
        assert store.pending_count("sqlite") == 0
        raw = store.db.execute("SELECT count(*) FROM raw_pages").fetchone()[0]
        assert raw == expected
    finally:
        store.close()
    backend = SqliteFtsBackend(s.fts_path)
    try:
        assert backend.count() == expected
    finally:
        backend.close()


COPIES = 150  # 13 articles × 150 = 1950 in the store to index


def _inflate(store_path: Path, copies: int) -> int:
    """Make a large-ish store quickly: copies of the crawled articles under new ids and URLs."""
    db = sqlite3.connect(store_path)
    try:
        with db:
            for k in range(1, copies):
                db.execute(
                    "INSERT INTO articles(id, source_id, canonical_url, domain, content_hash, cluster_id, "
                    "is_canonical, published_ms, data, signature, shingle_count, version, first_seen, updated_at) "
                    "SELECT id || :k, source_id, canonical_url || '?salinan=' || :k, domain, content_hash || :k, "
                    "cluster_id || :k, is_canonical, published_ms, "
                    "json_set(data, '$.id', id || :k, '$.canonical_url', canonical_url || '?salinan=' || :k, "
                    "'$.url', canonical_url || '?salinan=' || :k, '$.cluster_id', cluster_id || :k), "
                    "signature, shingle_count, version, first_seen, updated_at FROM articles WHERE id NOT LIKE '%-%'",
                    {"k": f"-{k}"})
        return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        db.close()


def test_kill_9_mid_reindex_then_sync_again_indexes_everything(tmp_path):
    with ReplicaCluster(sites=("mmc",)) as cluster:
        s = demo_settings(tmp_path, sources(cluster))
        first = run_crawl(s)
    assert first.status == "ok" and first.indexed == 13
    total = _inflate(s.store_path, COPIES)
    assert total == 13 * COPIES

    env = {**child_env(s), "WARTA_BACKEND": "sqlite"}
    indexed = "SELECT count(*) FROM indexed WHERE backend='sqlite'"
    proc = subprocess.Popen([sys.executable, "-m", "warta.cli", "reindex"], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # rebuild = reset, forget what was indexed, sync in batches of 500: kill after the first batch.
    seen_reset = False

    def mid_way() -> bool:
        nonlocal seen_reset
        n = count_rows(s.store_path, indexed)
        seen_reset = seen_reset or n < 13
        return seen_reset and 0 < n < total

    assert kill_when(proc, mid_way), "the reindex finished before it could be killed"
    store = Store(s.store_path)
    try:
        assert store.integrity_ok()
        assert 0 < store.pending_count("sqlite") < total
        backend = SqliteFtsBackend(s.fts_path)
        try:
            written = sync(store, backend)
            assert written == store.pending_count("sqlite") + written  # i.e. nothing left pending
            assert store.pending_count("sqlite") == 0
            assert backend.count() == store.count() == total
            # a second sync has nothing to do and changes nothing
            assert sync(store, backend) == 0
            assert backend.count() == total
        finally:
            backend.close()
    finally:
        store.close()
