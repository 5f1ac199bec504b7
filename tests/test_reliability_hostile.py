"""Reliability: the replica sites crawled together with hostile ones (timeouts, 5xx bursts, resets,
slow drip, malformed markup, wrong charsets, 20 MB pages, redirect loops, an endless calendar, a
site answering 403 to everything). The crawl must complete, the replica's stored articles must
equal an undisturbed replica-only crawl's, and every hostile source's trouble must be on record."""

from __future__ import annotations

import time

import pytest

from tests.hostile_site import CHARSET_TEXT, HUGE, HostileSites
from warta.crawl import run_crawl
from warta.demo import demo_settings
from warta.replica.server import ReplicaCluster, sources
from warta.store import Store

DOWNLOAD_TIMEOUT = 1.5
MAX_PAGE_BYTES = 1_000_000


def stored_set(store: Store, source_ids: set[str]) -> dict[str, tuple]:
    return {a.canonical_url: (a.source_id, a.content_hash, a.title, a.body)
            for a in store.iter_articles() if a.source_id in source_ids}


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    # download_timeout / max_page_bytes reach the crawl subprocess through warta.settings.to_env.
    limits = {"download_timeout": DOWNLOAD_TIMEOUT, "max_page_bytes": MAX_PAGE_BYTES}
    with ReplicaCluster() as cluster, HostileSites() as hostile:
        replica = sources(cluster)
        replica_ids = {d["id"] for d in replica}
        base = demo_settings(tmp_path_factory.mktemp("undisturbed"), [dict(d) for d in replica])
        baseline_run = run_crawl(base.model_copy(update=limits))
        with_hostile = replica + hostile.sources(replica[0])
        s = demo_settings(tmp_path_factory.mktemp("hostile"), with_hostile).model_copy(update=limits)
        started = time.monotonic()
        result = run_crawl(s)
        elapsed = time.monotonic() - started
        hits = {m: hostile.hits(m) for m in hostile.modes}
        good = hostile.good_urls()
    b, h = Store(base.store_path), Store(s.store_path)
    try:
        yield {"result": result, "baseline_run": baseline_run, "elapsed": elapsed, "hits": hits, "good": good,
               "replica_ids": replica_ids, "baseline": stored_set(b, replica_ids),
               "replica": stored_set(h, replica_ids), "store": h,
               "rows": {r["source_id"]: r for r in result.sources}}
    finally:
        b.close()
        h.close()


def test_crawl_completes_and_replica_articles_equal_an_undisturbed_run(hostile_crawl):
    r = hostile_crawl["result"]
    assert hostile_crawl["baseline_run"].status == "ok"
    assert r.status == "ok", r.sources
    assert hostile_crawl["elapsed"] < 60
    assert len(hostile_crawl["baseline"]) == 52
    assert hostile_crawl["replica"] == hostile_crawl["baseline"]
    for sid in hostile_crawl["replica_ids"]:
        row = hostile_crawl["rows"][sid]
        assert row["status"] == "ok" and row["stats"].errors == 0, row
    assert hostile_crawl["store"].integrity_ok()


def test_every_failing_hostile_source_has_its_errors_recorded(hostile_crawl):
    rows = hostile_crawl["rows"]
    for mode in ("timeout", "reset", "drip", "huge"):
        row = rows[f"hostile-{mode}"]
        assert row["stats"].errors >= 1, (mode, row)
        assert row["stats"].error_samples, (mode, row)
        assert row["status"] == "ok", (mode, row)  # its listing and good article were fetched
    assert any("timeout" in e.lower() or "took longer" in e.lower()
               for e in rows["hostile-timeout"]["stats"].error_samples), rows["hostile-timeout"]
    assert any("ConnectionLost" in e or "connection" in e.lower()
               for e in rows["hostile-reset"]["stats"].error_samples), rows["hostile-reset"]
    assert any("maxsize" in e.lower() or "cancel" in e.lower() or "size" in e.lower()
               for e in rows["hostile-huge"]["stats"].error_samples), rows["hostile-huge"]


def test_forbidden_site_is_failed_with_a_reason(hostile_crawl):
    row = hostile_crawl["rows"]["hostile-forbidden"]
    assert row["status"] == "failed" and "HTTP 403" in row["reason"], row
    assert row["stats"].new == 0 and row["stats"].robots_disallowed == 0


def test_http_errors_and_redirect_loops_are_errors_not_robots_refusals(hostile_crawl):
    """A 502 or a redirect loop is the site's error: counted, and retried on the next crawl."""
    store = hostile_crawl["store"]
    for mode in ("flaky", "redirect"):
        row = hostile_crawl["rows"][f"hostile-{mode}"]
        assert row["stats"].errors >= 1 and row["stats"].robots_disallowed == 0, (mode, row)
    flaky_errors = hostile_crawl["rows"]["hostile-flaky"]["stats"].error_samples
    assert any("HTTP 502" in e for e in flaky_errors), flaky_errors
    robots = store.db.execute("SELECT count(*) FROM urls WHERE reason LIKE '%robots%' AND source_id LIKE 'hostile-%'").fetchone()[0]
    assert robots == 0  # no hostile site disallows anything in robots.txt


def test_good_articles_of_hostile_sites_are_still_stored(hostile_crawl):
    store = hostile_crawl["store"]
    stored = {a.canonical_url: a for a in store.iter_articles()}
    missing = {sid: url for sid, url in hostile_crawl["good"].items() if url not in stored}
    assert missing == {}
    # The 5xx burst: two 500s then a 200 are retried into a stored article.
    assert stored[hostile_crawl["good"]["hostile-flaky-recovered"]].title == "Bawaslu flaky pulih setelah gangguan"


def test_nothing_huge_is_stored(hostile_crawl):
    store = hostile_crawl["store"]
    biggest = store.db.execute("SELECT max(length(html_zlib)) FROM raw_pages").fetchone()[0]
    assert biggest < MAX_PAGE_BYTES
    sizes = [len(store.raw_html(a.id) or b"") for a in store.iter_articles()]
    assert max(sizes) <= MAX_PAGE_BYTES < HUGE
    assert not any("raksasa" in a.canonical_url for a in store.iter_articles())
    huge = hostile_crawl["rows"]["hostile-huge"]["stats"]
    assert huge.bytes < 2 * MAX_PAGE_BYTES  # the 20 MB bodies were never counted as downloaded


def test_endless_calendar_is_not_followed(hostile_crawl):
    # robots.txt, two calendar pages (the second has no unseen article, so pagination stops), the article.
    assert hostile_crawl["hits"]["calendar"] <= 6
    assert hostile_crawl["rows"]["hostile-calendar"]["status"] == "ok"


def test_malformed_and_mislabelled_pages_do_not_break_the_source(hostile_crawl):
    rows = hostile_crawl["rows"]
    for mode in ("malformed", "charset"):
        assert rows[f"hostile-{mode}"]["status"] == "ok", rows[f"hostile-{mode}"]


def test_charset_is_decoded_from_the_bytes(hostile_crawl):
    stored = {a.canonical_url: a for a in hostile_crawl["store"].iter_articles()}
    base = hostile_crawl["good"]["hostile-charset"].removesuffix("berita/99/artikel-baik")
    for path in ("berita/1/salah-charset", "berita/2/tanpa-charset"):
        art = stored.get(base + path)
        assert art is not None, path
        # cp1252 and cp1250 agree on these characters (not on "ñ"), so the bytes settle them.
        assert "“Politik uang” di Sampit – Rp 5 juta" in art.body and "Pérez" in art.body, (path, art.body[:200])
    assert CHARSET_TEXT.startswith("“Politik uang”")
