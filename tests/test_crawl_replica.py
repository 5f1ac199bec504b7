"""The whole crawl path against the offline replica sites: discovery, politeness, extraction, dedupe,
storage, incremental re-crawl, resume, failure of unreachable sources."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from indexer.base import Filters, SearchRequest
from indexer.sqlite_fts import SqliteFtsBackend
from warta.crawl import run_crawl
from warta.demo import demo_settings, verify
from warta.query import parse
from warta.replica.server import ReplicaCluster, expected_articles, non_article_urls, sources
from warta.settings import PROJECT_ROOT
from warta.store import Store


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Two crawls of the replica; yields what a test needs to inspect them."""
    data = tmp_path_factory.mktemp("replica-crawl")
    with ReplicaCluster() as cluster:
        s = demo_settings(data, sources(cluster))
        first = run_crawl(s)
        log1 = cluster.requests()
        cluster.reset_log()
        second = run_crawl(s)
        log2 = cluster.requests()
        yield {"settings": s, "cluster": cluster, "runs": (first, second), "logs": (log1, log2),
               "expected": expected_articles(cluster), "non_articles": non_article_urls(cluster)}


def test_every_check_of_the_demo_passes(crawled):
    store = Store(crawled["settings"].store_path)
    checks = verify(store, crawled["expected"], crawled["non_articles"])
    assert [(c.name, c.ok) for c in checks if not c.ok] == [], [c.detail for c in checks]
    assert store.count() == len(crawled["expected"]) == 52
    assert store.integrity_ok()


def test_second_crawl_downloads_nothing_unchanged(crawled):
    log1, log2 = crawled["logs"]
    article_paths = {(e.site, urlsplit(e.url).path) for e in crawled["expected"]}
    downloads1 = [r for r in log1 if (r.site, urlsplit(r.path).path) in article_paths and r.status == 200]
    downloads2 = [r for r in log2 if r.status == 200 and (r.site, urlsplit(r.path).path) in article_paths]
    assert len(downloads1) == 52
    assert downloads2 == []
    assert sum(1 for r in log2 if r.status == 304) >= 30
    assert len(log2) < len(log1)
    second = crawled["runs"][1]
    assert sum(s["stats"].new + s["stats"].updated for s in second.sources) == 0


def test_politeness_user_agent_and_robots(crawled):
    log1, _ = crawled["logs"]
    agents = {r.user_agent for r in log1}
    assert len(agents) == 1 and agents.pop().startswith("warta/") and "+http" in crawled["settings"].user_agent
    assert crawled["cluster"].counts()["disallowed"] == 0  # never fetched a robots-disallowed page
    assert any(r.path == "/robots.txt" for r in log1)


def test_syndicated_copies_are_indexed_with_their_cluster(crawled):
    s = crawled["settings"]
    backend = SqliteFtsBackend(s.fts_path)
    try:
        everything = backend.search(SearchRequest(parse(""), Filters(include_copies=True), size=1))
        collapsed = backend.search(SearchRequest(parse(""), Filters(), size=100))
    finally:
        backend.close()
    clusters = {e.cluster for e in crawled["expected"]}
    assert everything.total == 52
    assert collapsed.total == len(clusters)
    with_copies = [h for h in collapsed.hits if h.doc["copies"]]
    assert len(with_copies) == 6  # the six syndicated press releases name their other outlets


def test_articles_carry_home_region_dates_and_credits(crawled):
    store = Store(crawled["settings"].store_path)
    arts = list(store.iter_articles())
    assert all(a.provinces and a.primary_province for a in arts)
    assert all(a.published_at is not None and a.published_at.tzinfo is not None for a in arts)
    bawaslu = [a for a in arts if a.source_id == "replica-bawaslu"]
    assert all(a.author for a in bawaslu)  # "Penulis : X" moved out of the body
    assert not any("Penulis" in a.body for a in bawaslu)
    titles = {a.title for a in bawaslu}
    assert len(titles) == len(bawaslu)  # the site's logo <h1> is never taken for the headline


def test_interrupted_crawl_resumes_pending_urls(tmp_path):
    """URLs discovered by a killed run are in the frontier and fetched by the next run."""
    with ReplicaCluster() as cluster:
        src = [d for d in sources(cluster) if d["id"] == "replica-mmc"]
        s = demo_settings(tmp_path, src)
        pending = [e.url for e in expected_articles(cluster) if e.site == "mmc"][:3]
        store = Store(s.store_path)
        for url in pending:
            store.add_pending("replica-mmc", url)
        store.close()
        # No discovery at all: only the frontier can bring these articles in.
        src[0]["discovery"] = {"listings": [], "feeds": [], "sitemaps": [], "probe_sitemaps": False}
        s.sources_file.write_text(yaml.safe_dump({"sources": src}), encoding="utf-8")
        result = run_crawl(s)
    store = Store(s.store_path)
    assert sorted(a.canonical_url for a in store.iter_articles()) == sorted(pending)
    assert store.pending_urls("replica-mmc") == []
    assert result.sources[0]["stats"].new == 3


def test_unreachable_sources_fail_fast_with_reasons(tmp_path):
    with ReplicaCluster() as cluster:  # only to borrow a valid entry shape
        entries = sources(cluster)[:2]
    closed = {"http://127.0.0.1:9/", "http://warta-offline.invalid/"}
    for entry, url in zip(entries, sorted(closed)):
        entry["base_url"] = url
    s = demo_settings(tmp_path, entries)
    env = {**os.environ, "WARTA_DATA_DIR": str(s.data_dir), "WARTA_SOURCES": str(s.sources_file),
           "WARTA_BACKEND": "sqlite"}
    started = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "warta.cli", "crawl"], env=env, cwd=PROJECT_ROOT,
                       capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    assert p.returncode == 1, p.stdout + p.stderr
    assert "every source failed" in p.stderr
    assert "Traceback" not in p.stderr
    assert elapsed < 60
    store = Store(Path(s.store_path))
    rows = store.run_sources(store.runs(1)[0]["id"])
    assert [r["status"] for r in rows] == ["failed", "failed"]
    assert all(r["reason"] for r in rows)


def test_reextract_brings_improvements_to_stored_articles(crawled):
    """`reindex --reextract`: extraction and enrichment re-run on the stored raw HTML."""
    from pipelines.process import reextract
    from warta.sources import load_registry

    s = crawled["settings"]
    store = Store(s.store_path)
    registry = {x.id: x for x in load_registry(s.sources_file).sources}
    stale = next(a for a in store.iter_articles() if a.topics)
    right = (stale.title, stale.topics, stale.kabkotas)
    stale.title, stale.topics, stale.kabkotas = "judul lama", [], []  # as an older extractor left it
    store.upsert_article(stale, store.raw_html(stale.id), signature=store.signature(stale.id)[0],
                         shingle_count=store.signature(stale.id)[1])
    counts = reextract(store, registry)
    assert (counts.updated, counts.skipped) == (1, 0)
    assert counts.unchanged == store.count() - 1
    fixed = store.get(stale.id)
    assert (fixed.title, fixed.topics, fixed.kabkotas) == right
    assert fixed.cluster_id == stale.cluster_id  # identity and syndication decisions are kept


def test_articles_are_tagged_with_what_they_are_about(crawled):
    store = Store(crawled["settings"].store_path)
    by_url = {a.canonical_url: a for a in store.iter_articles()}
    expected = crawled["expected"]
    election = [e for e in expected if e.election_related]
    assert all(by_url[e.url].election_related for e in election)
    assert not any(by_url[e.url].election_related for e in expected if not e.election_related)
    # Region of every story as the replica labels it (kabupaten/kota, or the province for province-wide ones).
    hits = sum(1 for e in expected if (e.kabkota and e.kabkota in by_url[e.url].kabkotas)
               or (not e.kabkota and e.province in by_url[e.url].provinces))
    assert hits >= 0.9 * len(expected)
    assert all(set(a.election_types) <= {"pemilu", "pilkada", "pemilu-presiden", "pemilu-legislatif",
                                         "pilkada-gubernur", "pilkada-bupati", "pilkada-walikota"}
               for a in by_url.values())
