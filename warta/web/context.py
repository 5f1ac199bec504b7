"""What every request handler needs: settings, the open backend, the registry, a store.

One backend instance serves all requests (the SQLite backend shares one
connection under a lock; Elasticsearch keeps one client pool). The store is
opened per request because a `sqlite3` connection belongs to one thread.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from fastapi import Request

from indexer.base import SearchBackend
from warta.settings import Settings
from warta.sources import Registry, load_registry
from warta.store import Store
from warta.web.crawls import CrawlLauncher
from warta.web.exports import ManifestCache


@dataclass
class WebContext:
    settings: Settings
    backend: SearchBackend
    token: str
    crawls: CrawlLauncher
    manifests: ManifestCache = field(default_factory=ManifestCache)
    _registry: tuple[float, Registry] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def registry(self) -> Registry:
        """The sources file, re-read when it changes on disk (an edit needs no restart)."""
        path = Path(self.settings.sources_file)
        mtime = path.stat().st_mtime if path.exists() else -1.0
        with self._lock:
            if self._registry is None or self._registry[0] != mtime:
                self._registry = (mtime, load_registry(path))
            return self._registry[1]

    @contextmanager
    def store(self) -> Iterator[Store]:
        store = Store(self.settings.store_path)
        try:
            yield store
        finally:
            store.close()


def get_context(request: Request) -> WebContext:
    return request.app.state.warta
