"""Opening crawl runs, and closing the runs a killed process left open.

A run is closed by the process that crawls it. After a `kill -9`, an OOM kill
or a power cut nobody does, and the run would say "running" forever in
`warta runs`, the web UI and the source health. So whoever opens a run holds a
lock named after it (`warta.locks`: the kernel drops it when the process dies),
and the next crawl closes every "running" run whose lock is free — and whose
sources are not locked for it by a crawl child that outlived its parent — as
interrupted. Its fetched articles are stored and its pending URLs resume as
before; only the run's record changes.
"""

from __future__ import annotations

from pathlib import Path

from warta.errors import WartaError
from warta.locks import Lock, hold, holder, is_locked, lock_dir, lock_path, try_lock
from warta.store import Store, storage_error

# Names a source id cannot take ([a-z0-9-]), so they never share a lock file with a source.
_OPENING = "_runs"
ABANDONED = "the crawl process died (killed or crashed) before it could close its run"


def _run_lock(run_id: int) -> str:
    return f"_run-{run_id}"


def open_run(store: Store, data_dir: Path, source_ids: list[str]) -> tuple[int, Lock]:
    """Close abandoned runs, then record a new one and hold its lock until released or exit."""
    # Serialised, so a run opened a moment ago by another process (its lock not
    # taken yet) is never mistaken for an abandoned one.
    try:
        with hold(data_dir, _OPENING):
            close_abandoned_runs(store, data_dir)
            run_id = store.start_run(source_ids)
            lock = try_lock(data_dir, _run_lock(run_id), note=f"run {run_id}")
    except OSError as e:  # the locks folder: a full or read-only disk
        raise storage_error(e, lock_dir(data_dir)) or WartaError(f"cannot lock the run: {e}") from None
    assert lock is not None  # a fresh run id: nobody else can hold its lock
    return run_id, lock


def release_run(data_dir: Path, lock: Lock) -> None:
    """Drop the run's lock and its file (nobody waits on a run lock, so deleting it is safe)."""
    lock.release()
    lock.path.unlink(missing_ok=True)


def close_abandoned_runs(store: Store, data_dir: Path) -> list[int]:
    """Mark every "running" run whose crawl is gone as interrupted; returns their ids."""
    closed = []
    for run_id, source_ids in store.running_runs():
        if _alive(data_dir, run_id, source_ids):
            continue
        store.fail_unfinished_sources(run_id, ABANDONED, status="interrupted")
        store.finish_run(run_id, "interrupted")
        lock_path(data_dir, _run_lock(run_id)).unlink(missing_ok=True)
        closed.append(run_id)
    return closed


def _alive(data_dir: Path, run_id: int, source_ids: list[str]) -> bool:
    if is_locked(data_dir, _run_lock(run_id)):
        return True
    # A crawl child whose parent was killed keeps crawling and closes the run itself.
    return any(is_locked(data_dir, s) and holder(data_dir, s).endswith(f" run {run_id}") for s in source_ids)
