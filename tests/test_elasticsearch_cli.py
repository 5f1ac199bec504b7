"""The CLI on the Elasticsearch backend: crawl while the cluster is down loses nothing,
the next run indexes what waited, reindex rebuilds from the store, search agrees with SQLite."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid

import pytest

from warta.demo import demo_settings
from warta.replica.server import ReplicaCluster, sources
from warta.settings import PROJECT_ROOT, to_env
from warta.store import Store

pytestmark = pytest.mark.es


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def warta(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warta.cli", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_outage_then_recovery_then_reindex(tmp_path, es_url, es_backend_factory):
    alias = f"warta-cli-{uuid.uuid4().hex[:8]}"
    with ReplicaCluster() as cluster:
        entries = [d for d in sources(cluster) if d["id"] in ("replica-mmc", "replica-wp")]
        s = demo_settings(tmp_path, entries)
        base = {**os.environ, **to_env(s), "WARTA_ES_ALIAS": alias}
        down = {**base, "WARTA_BACKEND": "elasticsearch", "WARTA_ES_URL": f"http://127.0.0.1:{closed_port()}"}
        up = {**base, "WARTA_BACKEND": "elasticsearch", "WARTA_ES_URL": es_url}

        first = warta(down, "crawl")
        assert first.returncode == 3, first.stdout + first.stderr
        assert "wait in the store" in first.stderr
        stored = Store(s.store_path).count()
        assert stored == 29  # 13 media-centre + 16 WordPress articles
        assert Store(s.store_path).pending_count("elasticsearch") == stored

        second = warta(up, "crawl")  # nothing new to fetch, but what waited is indexed now
        assert second.returncode == 0, second.stderr
        assert f"indexed {stored} articles into elasticsearch" in second.stdout
    assert Store(s.store_path).pending_count("elasticsearch") == 0

    es_search = json.loads(warta(up, "search", "pilkada", "--include-copies", "--json", "--limit", "100").stdout)
    assert es_search["total"] > 0

    rebuilt = warta(up, "reindex")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"reindexed {stored} articles into elasticsearch" in rebuilt.stdout
    after = json.loads(warta(up, "search", "pilkada", "--include-copies", "--json", "--limit", "100").stdout)
    assert after["total"] == es_search["total"]

    # The embedded backend, built from the same store, finds the same articles.
    lite = {**base, "WARTA_BACKEND": "sqlite"}
    assert warta(lite, "reindex").returncode == 0
    sq = json.loads(warta(lite, "search", "pilkada", "--include-copies", "--json", "--limit", "100").stdout)
    assert {h["id"] for h in sq["hits"]} == {h["id"] for h in after["hits"]}
    assert sq["facets"] == after["facets"]
    es_backend_factory(alias)  # registers the alias for clean-up at teardown
