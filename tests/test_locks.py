"""Per-source crawl locks: a second crawl skips a locked source; a killed holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from warta.crawl import run_crawl
from warta.demo import demo_settings
from warta.locks import SKIP_REASON, holder, is_locked, try_lock
from warta.replica.server import ReplicaCluster, sources
from warta.settings import PROJECT_ROOT
from warta.store import Store

HOLDER = """
import sys, time
from pathlib import Path
from warta.locks import try_lock
lock = try_lock(Path(sys.argv[1]), sys.argv[2], note="test holder")
print("locked" if lock else "busy", flush=True)
time.sleep(600)
"""


def hold_in_other_process(data_dir: Path, name: str) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir), name], cwd=PROJECT_ROOT,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    return p


def kill9(p: subprocess.Popen) -> None:
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)


def test_lock_is_exclusive_and_freed_by_the_kernel_on_sigkill(tmp_path):
    p = hold_in_other_process(tmp_path, "mmc-kobar")
    try:
        assert is_locked(tmp_path, "mmc-kobar")
        assert try_lock(tmp_path, "mmc-kobar", wait=0.2) is None
        assert holder(tmp_path, "mmc-kobar") == f"pid {p.pid} test holder"
        assert not is_locked(tmp_path, "other-source")
    finally:
        kill9(p)
    assert not is_locked(tmp_path, "mmc-kobar")  # no cleanup needed after a crash
    mine = try_lock(tmp_path, "mmc-kobar")
    assert mine is not None
    mine.release()


def test_a_crawl_skips_a_source_another_process_is_crawling(tmp_path):
    with ReplicaCluster(sites=("mmc", "wp")) as cluster:
        s = demo_settings(tmp_path, sources(cluster))
        other = hold_in_other_process(s.data_dir, "replica-mmc")
        try:
            first = run_crawl(s)
        finally:
            kill9(other)
        by_id = {r["source_id"]: r for r in first.sources}
        assert by_id["replica-mmc"]["status"] == "skipped"
        assert by_id["replica-mmc"]["reason"] == SKIP_REASON
        assert by_id["replica-wp"]["status"] == "ok" and by_id["replica-wp"]["stats"].new > 0
        assert first.skipped == ["replica-mmc"] and not first.all_failed and first.status == "ok"
        assert not any(r.site == "mmc" for r in cluster.requests())  # not one request to the locked site
        store = Store(s.store_path)
        assert dict(store.stats()["by_source"]).get("replica-mmc") is None
        store.close()

        # SIGKILL of the holder released its lock: the next crawl takes the source.
        second = run_crawl(s)
        by_id = {r["source_id"]: r for r in second.sources}
        assert by_id["replica-mmc"]["status"] == "ok" and by_id["replica-mmc"]["stats"].new > 0
    assert not is_locked(s.data_dir, "replica-mmc")  # the crawl process exited: its locks went with it


def test_every_source_locked_is_a_skipped_run_not_a_failure(tmp_path):
    with ReplicaCluster(sites=("mmc",)) as cluster:
        s = demo_settings(tmp_path, sources(cluster))
        other = hold_in_other_process(s.data_dir, "replica-mmc")
        try:
            env = {**os.environ, "WARTA_DATA_DIR": str(s.data_dir), "WARTA_SOURCES": str(s.sources_file),
                   "WARTA_BACKEND": "sqlite"}
            p = subprocess.run([sys.executable, "-m", "warta.cli", "crawl"], env=env, cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=120)
        finally:
            kill9(other)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"skipped ({SKIP_REASON}): replica-mmc" in p.stdout
    store = Store(s.store_path)
    run = store.runs(1)[0]
    assert run["status"] == "skipped" and run["ended_at"]
    assert [(r["source_id"], r["status"]) for r in store.run_sources(run["id"])] == [("replica-mmc", "skipped")]


@pytest.mark.parametrize("name", ["digests", "scheduler"])
def test_same_process_second_lock_fails(tmp_path, name):
    first = try_lock(tmp_path, name)
    assert first is not None
    assert try_lock(tmp_path, name, wait=0.1) is None  # flock conflicts between open files, even in one process
    first.release()
    again = try_lock(tmp_path, name, wait=0.1)
    assert again is not None
    again.release()
