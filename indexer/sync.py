"""Bring a backend up to date with the store: index every article whose version it lacks.

The store is the system of record; if the backend is down, nothing is lost —
the articles stay pending and the next run indexes them.
"""

from __future__ import annotations

from typing import Callable

from indexer.base import SearchBackend
from indexer.document import build_document
from warta.errors import DocumentsRejected
from warta.store import Store


def sync(store: Store, backend: SearchBackend, *, batch: int = 500,
         progress: Callable[[int], None] | None = None) -> int:
    """Index pending articles in bulk; returns how many were written.

    A document the backend refuses does not stop the others: every batch is
    tried, the accepted documents are recorded as indexed, the refused ones stay
    pending, and the run ends with one DocumentsRejected naming the count and the
    first reason. (Stopping at the first refusal would let one bad document keep
    every later article out of the index night after night.)"""
    backend.ensure_ready()
    written = 0
    refused: set[str] = set()
    first: DocumentsRejected | None = None
    for chunk in store.iter_pending(backend.name, batch=batch):
        docs = [build_document(a, store.cluster_copies(a.cluster_id or a.id, a.id) if a.is_canonical else [])
                for a, _ in chunk]
        try:
            backend.index(docs)
            accepted = chunk
        except DocumentsRejected as e:
            accepted = [(a, v) for a, v in chunk if a.id not in e.ids]
            refused |= e.ids
            first = first or e
        store.mark_indexed(backend.name, [(a.id, v) for a, v in accepted])
        written += len(accepted)
        if progress:
            progress(len(chunk))
    if first is not None:
        # The refused stay pending; the others are indexed.
        raise DocumentsRejected(first.where, frozenset(refused), written + len(refused), first.first)
    return written


def rebuild(store: Store, backend: SearchBackend, *, progress: Callable[[int], None] | None = None) -> int:
    """Start the backend empty and index the whole store (no server-side reindex needed)."""
    backend.reset()
    store.forget_indexed(backend.name)
    return sync(store, backend, progress=progress)
