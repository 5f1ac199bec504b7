"""One crawl run end to end: the Scrapy subprocess, then indexing what it stored.

Used by `warta crawl`, `warta demo` and (issue 4) the scheduler, so every
entry point takes the same code path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from indexer.factory import open_backend
from indexer.sync import sync
from warta.errors import BackendUnavailable, WartaError
from warta.settings import PROJECT_ROOT, Settings, to_env
from warta.sources import load_registry
from warta.store import Store

ProgressFn = Callable[[list[dict]], None]


@dataclass
class CrawlResult:
    run_id: int
    status: str  # ok | failed | interrupted
    sources: list[dict] = field(default_factory=list)  # from Store.run_sources
    indexed: int = 0
    index_error: str = ""
    pending_index: int = 0

    @property
    def all_failed(self) -> bool:
        return bool(self.sources) and all(s["status"] == "failed" for s in self.sources)


def run_crawl(settings: Settings, source_ids: list[str] | None = None, *, progress: ProgressFn | None = None,
              log_file: Path | None = None) -> CrawlResult:
    registry = load_registry(settings.sources_file)
    sources = [registry.get(s) for s in source_ids] if source_ids else registry.enabled()
    if not sources:
        raise WartaError(f"{settings.sources_file}: no enabled source to crawl")
    ids = [s.id for s in sources]
    store = Store(settings.store_path)
    try:
        run_id = store.start_run(ids)
        env = {**os.environ, **to_env(settings), "SCRAPY_SETTINGS_MODULE": "crawlers.settings",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
        cmd = [sys.executable, "-m", "crawlers.run", "--run-id", str(run_id), "--sources", ",".join(ids),
               "--sources-file", str(settings.sources_file), "--log-level", "INFO" if log_file else "ERROR"]
        log = open(log_file, "ab") if log_file else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.PIPE if not log_file else log,
                                    cwd=PROJECT_ROOT)
            while proc.poll() is None:
                if progress:
                    progress(store.run_sources(run_id))
                time.sleep(0.3)
            stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        finally:
            if log_file:
                log.close()  # type: ignore[union-attr]
        if proc.returncode != 0:
            last = (stderr.strip().splitlines() or [f"crawl process exited with {proc.returncode}"])[-1]
            store.finish_run(run_id, "failed")
            raise WartaError(last.removeprefix("error: "))
        run = next(r for r in store.runs(50) if r["id"] == run_id)
        result = CrawlResult(run_id, run["status"], store.run_sources(run_id))
        if progress:
            progress(result.sources)
        try:
            backend = open_backend(settings)
            try:
                result.indexed = sync(store, backend)
            finally:
                backend.close()
        except BackendUnavailable as e:
            result.index_error = str(e)
        result.pending_index = store.pending_count(settings.backend)
        return result
    finally:
        store.close()
