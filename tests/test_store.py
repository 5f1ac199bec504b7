from datetime import datetime, timezone

import pytest

from warta.models import Article, article_id
from warta.store import SourceStats, Store


def art(url: str, body: str = "Isi berita pemilu.", **kw) -> Article:
    return Article(id=article_id(url), url=url, canonical_url=url, source_id="s", source_type="news",
                   domain="example.test", title="Judul", body=body, content_hash=str(hash(body)),
                   published_at=datetime(2024, 6, 4, 3, tzinfo=timezone.utc), **kw)


def test_upsert_is_new_then_unchanged_then_updated(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    a = art("http://example.test/a")
    assert store.upsert_article(a, b"<html>a</html>") == "new"
    a.crawled_at = datetime.now(timezone.utc)  # only the crawl time differs: not an update
    assert store.upsert_article(a, b"<html>a</html>") == "unchanged"
    a.body = "Isi berita pemilu yang diperbarui."
    assert store.upsert_article(a, b"<html>b</html>") == "updated"
    assert store.count() == 1
    assert store.get(a.id).body == a.body
    assert store.raw_html(a.id) == b"<html>b</html>"  # compressed, read back intact


def test_pending_index_tracks_versions_per_backend(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    for i in range(5):
        store.upsert_article(art(f"http://example.test/{i}"), b"x")
    assert store.pending_count("sqlite") == 5
    batches = list(store.iter_pending("sqlite", batch=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    store.mark_indexed("sqlite", [(a.id, v) for b in batches for a, v in b])
    assert store.pending_count("sqlite") == 0
    assert store.pending_count("elasticsearch") == 5  # another backend is independent
    changed = art("http://example.test/3", body="Berubah.")
    store.upsert_article(changed, b"y")
    assert store.pending_count("sqlite") == 1
    store.forget_indexed("sqlite")
    assert store.pending_count("sqlite") == 5


def test_cluster_copies_and_canonical_changes(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    a, b = art("http://example.test/a"), art("http://other.test/b")
    a.cluster_id = b.cluster_id = a.id
    b.is_canonical = False
    store.upsert_article(a, b"x")
    store.upsert_article(b, b"x")
    assert store.cluster_copies(a.id, a.id) == [{"source_id": "s", "url": "http://other.test/b"}]
    store.set_canonical([a.id], False)
    assert store.get(a.id).is_canonical is False


def test_demotion_is_stored_with_the_new_canonical_or_not_at_all(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    old, earlier = art("http://example.test/a"), art("http://other.test/b")
    old.cluster_id = earlier.cluster_id = old.id
    store.upsert_article(old, b"x")
    # The write of the new canonical fails after the demotion ran: both are rolled back.
    with pytest.raises(TypeError):
        store.upsert_article(earlier, "not bytes", demoted=[old.id])  # type: ignore[arg-type]
    assert store.get(old.id).is_canonical is True and store.get(earlier.id) is None
    assert store.upsert_article(earlier, b"x", demoted=[old.id]) == "new"
    assert store.get(old.id).is_canonical is False and store.get(earlier.id).is_canonical is True


def test_frontier_remembers_validators_and_pending(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.add_pending("s", "http://example.test/a")
    assert store.pending_urls("s") == ["http://example.test/a"]
    store.mark_url("http://example.test/a", "s", kind="article", state="fetched", etag='"v1"',
                   last_modified="Tue, 04 Jun 2024 03:00:00 GMT", lastmod="2024-06-04T03:00:00+00:00")
    # A later 304 with no validators keeps the ones we had.
    store.mark_url("http://example.test/a", "s", kind="article", state="fetched")
    st = store.url_state("http://example.test/a")
    assert (st.state, st.etag, st.lastmod) == ("fetched", '"v1"', "2024-06-04T03:00:00+00:00")
    assert store.pending_urls("s") == []


def test_runs_record_per_source_stats(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    run = store.start_run(["a", "b"])
    st = SourceStats()
    st.add(requests=3, new=2)
    store.save_source_stats(run, "a", st, "ok")
    store.save_source_stats(run, "b", SourceStats(errors=1), "failed", "DNS lookup failed")
    store.finish_run(run, "ok")
    rows = store.run_sources(run)
    assert [(r["source_id"], r["status"], r["stats"].new) for r in rows] == [("a", "ok", 2), ("b", "failed", 0)]
    assert store.runs()[0]["status"] == "ok"
    assert store.integrity_ok()


def test_unopenable_store_is_a_one_line_error(tmp_path):
    (tmp_path / "file").write_text("x")
    import pytest

    from warta.errors import WartaError

    with pytest.raises(WartaError, match="cannot open the store"):
        Store(tmp_path / "file" / "s.sqlite")
