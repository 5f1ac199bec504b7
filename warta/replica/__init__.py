"""A local replica of four regional publisher styles, served on loopback.

Used by tests and `warta demo`: the crawler discovers, fetches and extracts
from these sites exactly as it would on the real web. See server.py for the
API and content/articles.yaml for the (original) corpus.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "ExpectedArticle": "server", "ReplicaCluster": "server", "RequestRecord": "server", "amp_urls": "server",
    "disallowed_urls": "server", "expected_articles": "server", "non_article_urls": "server",
    "soft404_urls": "server", "sources": "server", "sources_yaml": "server",
    "SITE_NAMES": "sites", "load_corpus": "sites",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    # Lazy, so `python -m warta.replica.server` does not import server.py twice.
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f"warta.replica.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
