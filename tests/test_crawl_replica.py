"""The whole crawl path against the offline replica sites: discovery, politeness, extraction, dedupe,
storage, incremental re-crawl, resume, failure of unreachable sources."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from indexer.base import Filters, SearchRequest
from indexer.sqlite_fts import SqliteFtsBackend
from warta.crawl import run_crawl
from warta.demo import demo_settings, verify
from warta.query import parse
from warta.replica.server import ReplicaCluster, expected_articles, non_article_urls, sources
from warta.settings import PROJECT_ROOT
from warta.sources import load_registry
from warta.store import Store, UrlState

_NO_STATE = UrlState("", "", "", "", "", "", "", "", "")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Two crawls of the replica; yields what a test needs to inspect them."""
    data = tmp_path_factory.mktemp("replica-crawl")
    with ReplicaCluster() as cluster:
        s = demo_settings(data, sources(cluster))
        first = run_crawl(s)
        log1 = cluster.requests()
        expected = expected_articles(cluster)
        store = Store(s.store_path)
        try:
            # What night 2 can know without asking: the lastmod each article was stored with.
            # It depends on whether a feed, a sitemap or a listing found the article first.
            lastmod1 = {e.url: (store.url_state(e.url) or _NO_STATE).lastmod for e in expected}
        finally:
            store.close()
        cluster.reset_log()
        second = run_crawl(s)
        log2 = cluster.requests()
        yield {"settings": s, "cluster": cluster, "runs": (first, second), "logs": (log1, log2),
               "expected": expected, "non_articles": non_article_urls(cluster), "lastmod1": lastmod1}


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
    # Every article is accounted for on night 2, whichever discovery document won a race on
    # night 1 (feed, sitemap or listing: it decides whether a lastmod was stored).
    def key(r) -> tuple[str, str]:
        return r.site, urlsplit(r.path).path

    asked2 = {key(r): r for r in log2 if key(r) in article_paths}
    # 1. An article asked again is asked conditionally and answered 304.
    assert all(r.conditional and r.status == 304 for r in asked2.values()), asked2
    # 2. One not asked was skipped by its stored lastmod, or not rediscovered because a
    #    listing stopped at its first fully-known page: then night 2 read fewer of the
    #    site's listing pages than night 1.
    registry = load_registry(crawled["settings"].sources_file)
    site_of = {e.source_id: e.site for e in crawled["expected"]}
    listing_paths = {(site_of[src.id], urlsplit(urljoin(src.base_url, listing.url)).path)
                     for src in registry.sources if src.id in site_of for listing in src.discovery.listings}

    def listing_pages(log: list) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in log:
            if key(r) in listing_paths:
                counts[r.site] = counts.get(r.site, 0) + 1
        return counts

    pages1, pages2 = listing_pages(log1), listing_pages(log2)
    stopped = {site for site, n in pages1.items() if pages2.get(site, 0) < n}
    by_key = {(e.site, urlsplit(e.url).path): e for e in crawled["expected"]}
    unasked = [e for k, e in by_key.items() if k not in asked2]
    assert all(crawled["lastmod1"][e.url] or e.site in stopped for e in unasked), \
        [e.url for e in unasked if not crawled["lastmod1"][e.url] and e.site not in stopped]
    # 3. The bound night 1's data sets: an article stored without a lastmod, of a site whose
    #    discovery was read in full again, cannot be skipped unasked: each is a 304.
    must_ask = [e for e in by_key.values() if not crawled["lastmod1"][e.url] and e.site not in stopped]
    not_modified = sum(1 for r in log2 if r.status == 304)
    assert not_modified >= len(asked2) >= len(must_ask)
    second = crawled["runs"][1]
    stats = [s["stats"] for s in second.sources]
    assert sum(st.not_modified for st in stats) == not_modified  # every 304 counted once
    assert len(log2) < len(log1)
    assert sum(st.new + st.updated for st in stats) == 0


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


def test_frontier_fed_in_small_batches_crawls_the_same_articles(tmp_path, monkeypatch):
    """Requests reach Scrapy a few at a time (top-ups after responses, and on spider_idle): nothing is lost."""
    monkeypatch.setenv("WARTA_FRONTIER_BATCH", "3")  # read by crawlers.settings in the crawl process
    with ReplicaCluster() as cluster:
        s = demo_settings(tmp_path, sources(cluster))
        result = run_crawl(s)
        expected = expected_articles(cluster)
        checks = verify(Store(s.store_path), expected, non_article_urls(cluster))
    assert result.status == "ok", result.sources
    assert [(c.name, c.ok) for c in checks if not c.ok] == [], [c.detail for c in checks]
    store = Store(s.store_path)
    try:
        assert store.count() == len(expected) == 52
        assert all(store.pending_urls(src["source_id"]) == [] for src in result.sources)
    finally:
        store.close()


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
