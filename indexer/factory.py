"""Open the configured search backend (WARTA_BACKEND=sqlite|elasticsearch)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from indexer.base import SearchBackend
from warta.settings import Settings


def open_backend(settings: Settings) -> SearchBackend:
    if settings.backend == "elasticsearch":
        from indexer.elasticsearch_backend import ElasticsearchBackend

        return ElasticsearchBackend.from_settings(settings)
    from indexer.sqlite_fts import SqliteFtsBackend

    return SqliteFtsBackend.from_settings(settings)


@contextmanager
def backend_session(settings: Settings) -> Iterator[SearchBackend]:
    """The configured backend, closed when the block ends (also on errors)."""
    backend = open_backend(settings)
    try:
        yield backend
    finally:
        backend.close()
