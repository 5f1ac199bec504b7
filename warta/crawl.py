"""One crawl run end to end: the Scrapy subprocess, then indexing what it stored.

Used by `warta crawl`, `warta demo` and the scheduler (which runs `warta
crawl` in a child process), so every entry point takes the same code path.
After indexing, each saved search gets a digest of its new matches
(`warta.digest`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from indexer.factory import backend_session
from indexer.sync import sync
from warta.errors import WartaError
from warta.runs import open_run, release_run
from warta.settings import PROJECT_ROOT, Settings, to_env
from warta.sources import load_registry
from warta.store import FAILURE_FD_ENV, StorageError, Store, storage_error

ProgressFn = Callable[[list[dict]], None]


def log_file(settings: Settings, run_id: int) -> Path:
    folder = settings.data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"crawl-{run_id}.log"


def _last_error(log_path: Path) -> str:
    """The one-line `error: …` the crawl process printed for a user mistake, if any."""
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    return errors[-1].removeprefix("error: ") if errors else ""


def _storage_failure(fd: int) -> str:
    """The store error (disk full, read-only) the crawl process reported on its pipe, if any.

    Scrapy logs an exception in the item pipeline and carries on, so the
    process still exits 0, and its log may be on the disk that filled up.
    """
    os.set_blocking(fd, False)  # a grandchild holding the write end must not make this wait
    try:
        return os.read(fd, 8192).decode("utf-8", "replace").strip().splitlines()[0]
    except (OSError, IndexError):
        return ""


def _close_failed_run(store: Store, run_id: int, reason: str) -> None:
    try:
        store.fail_run(run_id, reason)
    except StorageError:
        pass  # the disk is still full: the run stays open like a killed one, its URLs resume next time


def _wait_or_kill(proc: subprocess.Popen, seconds: float) -> None:
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()  # the kernel frees its source locks; its pending URLs resume next run
        proc.wait()


@dataclass
class CrawlResult:
    run_id: int
    status: str  # ok | failed | interrupted
    sources: list[dict] = field(default_factory=list)  # from Store.run_sources
    indexed: int = 0
    index_error: str = ""
    pending_index: int = 0
    log_path: Path | None = None
    digests: list = field(default_factory=list)  # warta.digest.DigestOutcome, one per saved search with news
    digest_error: str = ""

    @property
    def all_failed(self) -> bool:
        crawled = [s for s in self.sources if s["status"] != "skipped"]
        return bool(crawled) and all(s["status"] == "failed" for s in crawled)

    @property
    def skipped(self) -> list[str]:
        """Sources another crawl was busy with (their lock was held): not failures."""
        return [s["source_id"] for s in self.sources if s["status"] == "skipped"]


def run_crawl(settings: Settings, source_ids: list[str] | None = None, *,
              progress: ProgressFn | None = None) -> CrawlResult:
    registry = load_registry(settings.sources_file)
    sources = [registry.get(s) for s in source_ids] if source_ids else registry.enabled()
    if not sources:
        raise WartaError(f"{settings.sources_file}: no enabled source to crawl")
    ids = [s.id for s in sources]
    store = Store(settings.store_path)
    run_lock = None
    try:
        run_id, run_lock = open_run(store, settings.data_dir, ids)
        env = {**os.environ, **to_env(settings), "SCRAPY_SETTINGS_MODULE": "crawlers.settings",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
        try:
            log_path = log_file(settings, run_id)
            log = open(log_path, "ab")
        except OSError as e:
            why = storage_error(e, settings.data_dir / "logs") or WartaError(f"cannot write the crawl log: {e}")
            _close_failed_run(store, run_id, str(why))
            raise why from None
        cmd = [sys.executable, "-m", "crawlers.run", "--run-id", str(run_id), "--sources", ",".join(ids),
               "--sources-file", str(settings.sources_file), "--log-level", "INFO"]
        # The crawl logs to a file, never to a pipe: a pipe nobody reads while
        # the crawl runs fills up and blocks the crawl.
        # Only the first storage failure travels on this pipe: one short message, it cannot fill up.
        failures, failure_w = os.pipe()
        env[FAILURE_FD_ENV] = str(failure_w)
        try:
            with log:
                try:
                    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log, cwd=PROJECT_ROOT,
                                            pass_fds=(failure_w,))
                finally:
                    os.close(failure_w)  # the child's copy is the only writer left: EOF once it exits
                try:
                    while proc.poll() is None:
                        if progress:
                            progress(store.run_sources(run_id))
                        time.sleep(0.3)
                except KeyboardInterrupt:
                    # Ctrl-C / the scheduler's SIGINT reached the crawl process too (same
                    # process group): Scrapy stops cleanly and records the run as
                    # interrupted. Wait for that so the run is closed when we exit.
                    _wait_or_kill(proc, 60)
                    if store.run_status(run_id) == "running":
                        # Interrupted before Scrapy could record anything (e.g. while starting up).
                        store.fail_unfinished_sources(run_id, "crawl interrupted", status="interrupted")
                        store.finish_run(run_id, "interrupted")
                    raise
            storage = _storage_failure(failures)
        finally:
            os.close(failures)
        if proc.returncode != 0:
            why = _last_error(log_path) or storage or f"crawl process exited with {proc.returncode}; see {log_path}"
            _close_failed_run(store, run_id, why)
            raise WartaError(why)
        if storage or store.run_status(run_id) == "running":
            # Articles whose write failed stay pending in the frontier (or are not known
            # yet) and the next crawl fetches them; what was stored is kept.
            why = storage or (f"the crawl process could not record its run (is the disk full or read-only?); "
                              f"see {log_path}")
            _close_failed_run(store, run_id, why)
            if store.run_status(run_id) == "running":
                # Even closing the run failed: probe once more so the error names the real cause.
                store.finish_run(run_id, "failed")
            raise StorageError(why)
        run = next(r for r in store.runs(50) if r["id"] == run_id)
        result = CrawlResult(run_id, run["status"], store.run_sources(run_id), log_path=log_path)
        if progress:
            progress(result.sources)
        try:
            with backend_session(settings) as backend:
                result.indexed = sync(store, backend)
        except WartaError as e:  # down, or documents rejected: the store keeps them pending
            result.index_error = str(e)
        result.pending_index = store.pending_count(settings.backend)
        try:
            from warta.digest import deliver_digests

            result.digests = deliver_digests(settings, store, run_id)
        except WartaError as e:
            # A digest problem (backend down, unwritable folder) must not fail the crawl;
            # the articles stay "new" for the saved searches and go out with the next digest.
            result.digest_error = str(e)
        return result
    finally:
        if run_lock is not None:
            release_run(settings.data_dir, run_lock)
        store.close()
