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

from indexer.factory import backend_session
from indexer.sync import sync
from warta.errors import BackendUnavailable, WartaError
from warta.settings import PROJECT_ROOT, Settings, to_env
from warta.sources import load_registry
from warta.store import Store

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


@dataclass
class CrawlResult:
    run_id: int
    status: str  # ok | failed | interrupted
    sources: list[dict] = field(default_factory=list)  # from Store.run_sources
    indexed: int = 0
    index_error: str = ""
    pending_index: int = 0
    log_path: Path | None = None

    @property
    def all_failed(self) -> bool:
        return bool(self.sources) and all(s["status"] == "failed" for s in self.sources)


def run_crawl(settings: Settings, source_ids: list[str] | None = None, *,
              progress: ProgressFn | None = None) -> CrawlResult:
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
        log_path = log_file(settings, run_id)
        cmd = [sys.executable, "-m", "crawlers.run", "--run-id", str(run_id), "--sources", ",".join(ids),
               "--sources-file", str(settings.sources_file), "--log-level", "INFO"]
        # The crawl logs to a file, never to a pipe: a pipe nobody reads while
        # the crawl runs fills up and blocks the crawl.
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log, cwd=PROJECT_ROOT)
            while proc.poll() is None:
                if progress:
                    progress(store.run_sources(run_id))
                time.sleep(0.3)
        if proc.returncode != 0:
            store.finish_run(run_id, "failed")
            raise WartaError(_last_error(log_path) or f"crawl process exited with {proc.returncode}; see {log_path}")
        run = next(r for r in store.runs(50) if r["id"] == run_id)
        result = CrawlResult(run_id, run["status"], store.run_sources(run_id), log_path=log_path)
        if progress:
            progress(result.sources)
        try:
            with backend_session(settings) as backend:
                result.indexed = sync(store, backend)
        except BackendUnavailable as e:
            result.index_error = str(e)
        result.pending_index = store.pending_count(settings.backend)
        return result
    finally:
        store.close()
