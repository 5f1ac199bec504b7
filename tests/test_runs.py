"""Runs a killed process left open are closed as interrupted by the next crawl (warta.runs)."""

from __future__ import annotations

from warta.locks import try_lock
from warta.runs import ABANDONED, close_abandoned_runs, open_run, release_run
from warta.store import Store


def test_a_run_whose_process_is_gone_is_closed_as_interrupted(tmp_path):
    store = Store(tmp_path / "warta.sqlite")
    try:
        orphan = store.start_run(["kpu-a", "kpu-b"])  # opened without a lock: its process is gone
        live, lock = open_run(store, tmp_path, ["kpu-c"])
        assert orphan not in [r for r, _ in store.running_runs()]
        assert store.run_status(orphan) == "interrupted"
        assert {(x["status"], x["reason"]) for x in store.run_sources(orphan)} == {("interrupted", ABANDONED)}
        # The live run's lock is held by this process: a later crawl leaves it alone.
        assert close_abandoned_runs(store, tmp_path) == []
        assert store.run_status(live) == "running"
        release_run(tmp_path, lock)
        assert not lock.path.exists()
        assert close_abandoned_runs(store, tmp_path) == [live]
    finally:
        store.close()


def test_a_crawl_child_that_outlived_its_parent_keeps_its_run_open(tmp_path):
    store = Store(tmp_path / "warta.sqlite")
    try:
        run_id = store.start_run(["kpu-a", "kpu-b"])
        other = store.start_run(["kpu-b"])
        child_lock = try_lock(tmp_path, "kpu-b", note=f"run {run_id}")  # what crawlers.run holds
        assert child_lock is not None
        assert close_abandoned_runs(store, tmp_path) == [other]  # kpu-b is locked for run_id, not for other
        assert store.run_status(run_id) == "running"
        child_lock.release()
        assert close_abandoned_runs(store, tmp_path) == [run_id]
    finally:
        store.close()
