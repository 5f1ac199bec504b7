"""pytest plugin: an Elasticsearch for the tests that need one.

`es_url` (session): `$WARTA_ES_URL` when set (credentials from
WARTA_ES_API_KEY or WARTA_ES_USERNAME/WARTA_ES_PASSWORD, CA from
WARTA_ES_CA_CERTS), otherwise a `warta.es_local.LocalElasticsearch` started
once for the session. When no cluster can be had the tests fail under CI=true
(an ES suite that silently skips in CI proves nothing) and skip elsewhere.

`es_backend_factory` (function): makes `ElasticsearchBackend`s on unique
`warta-test-<hex>` aliases and deletes their indices afterwards.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Callable, Iterator, NoReturn

import pytest

from indexer.elasticsearch_backend import ElasticsearchBackend
from warta.errors import WartaError
from warta.es_local import LocalElasticsearch

BackendFactory = Callable[..., ElasticsearchBackend]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def es_unavailable(reason: str) -> NoReturn:
    """Fail under CI=true, skip elsewhere."""
    if _in_ci():
        pytest.fail(f"Elasticsearch unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"Elasticsearch unavailable: {reason}")


def es_auth_from_env() -> dict[str, Any]:
    """Client keyword arguments for an external cluster, from the environment."""
    env = os.environ
    return {
        "api_key": env.get("WARTA_ES_API_KEY") or None,
        "username": env.get("WARTA_ES_USERNAME") or None,
        "password": env.get("WARTA_ES_PASSWORD") or None,
        "ca_certs": env.get("WARTA_ES_CA_CERTS") or None,
    }


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    external = os.environ.get("WARTA_ES_URL")
    if external:
        probe = ElasticsearchBackend(external, "warta-probe", **es_auth_from_env())
        try:
            probe.check()
        except WartaError as e:
            es_unavailable(str(e))
        finally:
            probe.close()
        yield external
        return
    server = LocalElasticsearch()
    try:
        url = server.start()
    except (WartaError, OSError) as e:
        es_unavailable(str(e))
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def es_backend_factory(es_url: str) -> Iterator[BackendFactory]:
    """`factory(alias=None, ready=True, **kwargs)`: a backend on a fresh alias,
    with `ensure_ready()` already called unless ready=False."""
    made: list[ElasticsearchBackend] = []
    auth = es_auth_from_env() if os.environ.get("WARTA_ES_URL") else {}

    def factory(alias: str | None = None, *, ready: bool = True, **kwargs: Any) -> ElasticsearchBackend:
        backend = ElasticsearchBackend(es_url, alias or f"warta-test-{uuid.uuid4().hex[:8]}", **{**auth, **kwargs})
        made.append(backend)
        if ready:
            backend.ensure_ready()
        return backend

    yield factory
    for backend in made:
        _drop_indices(backend)
        backend.close()


def _drop_indices(backend: ElasticsearchBackend) -> None:
    """Delete by explicit names: wildcards may be refused (action.destructive_requires_name)."""
    client = backend.client
    names = set(client.indices.get(index=f"{backend.alias}-v*", expand_wildcards="all", allow_no_indices=True).body)
    if client.indices.exists(index=backend.alias) and not client.indices.exists_alias(name=backend.alias):
        names.add(backend.alias)  # a plain index under the alias's name, from a failed test
    if names:
        client.indices.delete(index=",".join(sorted(names)), ignore_unavailable=True)
