"""Bring a backend up to date with the store: index every article whose version it lacks.

The store is the system of record; if the backend is down, nothing is lost —
the articles stay pending and the next run indexes them.
"""

from __future__ import annotations

from typing import Callable

from indexer.base import SearchBackend
from indexer.document import build_document
from warta.store import Store


def sync(store: Store, backend: SearchBackend, *, batch: int = 500,
         progress: Callable[[int], None] | None = None) -> int:
    """Index pending articles in bulk; returns how many were written."""
    backend.ensure_ready()
    written = 0
    for chunk in store.iter_pending(backend.name, batch=batch):
        docs = [build_document(a, store.cluster_copies(a.cluster_id or a.id, a.id) if a.is_canonical else [])
                for a, _ in chunk]
        backend.index(docs)
        store.mark_indexed(backend.name, [(a.id, v) for a, v in chunk])
        written += len(chunk)
        if progress:
            progress(len(chunk))
    return written


def rebuild(store: Store, backend: SearchBackend, *, progress: Callable[[int], None] | None = None) -> int:
    """Start the backend empty and index the whole store (no server-side reindex needed)."""
    backend.reset()
    store.forget_indexed(backend.name)
    return sync(store, backend, progress=progress)
