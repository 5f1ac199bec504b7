"""Source health from real recorded crawl runs of the replica (and an unreachable site)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from warta.crawl import run_crawl
from warta.demo import demo_settings
from warta.health import source_health, worst
from warta.locks import try_lock
from warta.replica.server import ReplicaCluster, sources
from warta.settings import PROJECT_ROOT
from warta.sources import load_registry
from warta.store import SourceStats, Store


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Three crawls of mmc + wp + an unreachable site; a fourth source is never crawled."""
    data = tmp_path_factory.mktemp("health")
    with ReplicaCluster(sites=("mmc", "wp", "bawaslu")) as cluster:
        entries = sources(cluster)
        by_id = {e["id"]: e for e in entries}
        dead = dict(by_id["replica-bawaslu"], id="dead-site", base_url="http://127.0.0.1:9/")
        dead["discovery"] = {"listings": [{"url": "http://127.0.0.1:9/berita", "max_pages": 1}],
                             "probe_sitemaps": False}
        never = dict(by_id["replica-bawaslu"], id="never-crawled")
        s = demo_settings(data, [by_id["replica-mmc"], by_id["replica-wp"], dead, never])
        results = [run_crawl(s, ["replica-mmc", "replica-wp", "dead-site"]) for _ in range(3)]
    store = Store(s.store_path)
    yield {"settings": s, "store": store, "registry": load_registry(s.sources_file), "results": results}
    store.close()


def by_id(rows):
    return {h.source_id: h for h in rows}


def test_statuses_from_recorded_runs(crawled):
    rows = by_id(source_health(crawled["store"], crawled["registry"], quiet_runs=3))
    assert list(rows) == ["replica-mmc", "replica-wp", "dead-site", "never-crawled"]  # registry order
    mmc = rows["replica-mmc"]
    assert (mmc.status, mmc.reason, mmc.consecutive_empty, mmc.last_new) == ("ok", "", 2, 0)
    assert mmc.last_run_id == crawled["results"][-1].run_id and mmc.last_run_at
    assert rows["dead-site"].status == "fail"
    assert "127.0.0.1:9" in rows["dead-site"].reason  # the crawl's own reason
    assert (rows["never-crawled"].status, rows["never-crawled"].reason) == ("warn", "never crawled")
    assert rows["never-crawled"].last_run_at is None


def test_no_new_article_for_n_runs_warns(crawled):
    rows = by_id(source_health(crawled["store"], crawled["registry"], quiet_runs=2))
    assert rows["replica-wp"].status == "warn"
    assert "no new article in the last 2 crawls" in rows["replica-wp"].reason
    assert worst(list(rows.values())) == "fail"


def test_skipped_runs_are_ignored_and_a_dead_crawl_fails(crawled, tmp_path):
    s = crawled["settings"]
    store = Store(s.store_path)  # its own connection: the test changes history
    # A run in which another crawl held the source's lock is not a crawl of it.
    skipped = store.start_run(["replica-mmc"])
    store.save_source_stats(skipped, "replica-mmc", SourceStats(), "skipped", "another crawl of this source is running")
    store.finish_run(skipped, "skipped")
    assert by_id(source_health(store, crawled["registry"]))["replica-mmc"].status == "ok"
    # A crawl still "running": fine while its process holds the lock, a failure once nobody does.
    running = store.start_run(["replica-mmc"])
    later = datetime.now(timezone.utc) + timedelta(minutes=10)
    lock = try_lock(s.data_dir, "replica-mmc")
    try:
        assert by_id(source_health(store, crawled["registry"], now=later))["replica-mmc"].status == "ok"
    finally:
        lock.release()
    h = by_id(source_health(store, crawled["registry"], now=later))["replica-mmc"]
    assert h.status == "fail" and f"run {running}" in h.reason
    # ...but not in its first moments, before the crawl process has taken the lock.
    assert by_id(source_health(store, crawled["registry"]))["replica-mmc"].status == "ok"
    # Leave the shared history as the other tests expect it.
    for table, col in (("run_sources", "run_id"), ("runs", "id")):
        store.db.execute(f"DELETE FROM {table} WHERE {col} IN (?, ?)", (skipped, running))
    store.close()


def test_cli_health_exit_codes_and_json(crawled):
    s = crawled["settings"]
    env = {**os.environ, "WARTA_DATA_DIR": str(s.data_dir), "WARTA_SOURCES": str(s.sources_file),
           "WARTA_BACKEND": "sqlite"}

    def warta(*args):
        return subprocess.run([sys.executable, "-m", "warta.cli", *args], env=env, cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=60)

    p = warta("health")
    assert p.returncode == 2, p.stderr  # a failed source
    assert "dead-site" in p.stdout and "fail" in p.stdout and "never crawled" in p.stdout
    out = json.loads(warta("health", "--json").stdout)
    assert out["status"] == "fail"
    assert {x["source_id"]: x["status"] for x in out["sources"]}["never-crawled"] == "warn"
    # Without the failing and never-crawled sources: ok, and a warning only fails with --fail-on-warn.
    reg = [e for e in yaml.safe_load(s.sources_file.read_text())["sources"] if e["id"] in ("replica-mmc", "replica-wp")]
    only = s.data_dir / "two.yaml"
    only.write_text(yaml.safe_dump({"sources": reg}), encoding="utf-8")
    env["WARTA_SOURCES"] = str(only)
    assert warta("health").returncode == 0
    assert warta("health", "--quiet-runs", "2").returncode == 0
    p = warta("health", "--quiet-runs", "2", "--fail-on-warn")
    assert p.returncode == 1 and "warn" in p.stdout and "Traceback" not in p.stderr


def test_cli_runs_lists_every_run_with_source_counts(crawled):
    s = crawled["settings"]
    env = {**os.environ, "WARTA_DATA_DIR": str(s.data_dir), "WARTA_SOURCES": str(s.sources_file)}
    p = subprocess.run([sys.executable, "-m", "warta.cli", "runs", "--json", "--limit", "3"], env=env,
                       cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    runs = json.loads(p.stdout)
    assert len(runs) == 3 and runs[0]["id"] > runs[-1]["id"]
    first = next(r for r in runs if r["id"] == crawled["results"][0].run_id)
    src = {x["source_id"]: x for x in first["sources"]}
    assert src["replica-mmc"]["stats"]["new"] == 13 and src["replica-mmc"]["stats"]["bytes"] > 0
    assert src["dead-site"]["status"] == "failed" and src["dead-site"]["stats"]["errors"] >= 1
    table = subprocess.run([sys.executable, "-m", "warta.cli", "runs"], env=env, cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=60).stdout
    assert "replica-wp" in table and "dead-site" in table
