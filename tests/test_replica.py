"""The replica sites behave like the real publishers they imitate, over real HTTP."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import date
from typing import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from protego import Protego

from warta.replica import (
    ReplicaCluster,
    amp_urls,
    disallowed_urls,
    expected_articles,
    load_corpus,
    non_article_urls,
    soft404_urls,
    sources,
    sources_yaml,
)
from warta.replica.sites import SITE_NAMES
from warta.sources import Registry

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"User-Agent": "warta-test", **(headers or {})}, method=method)
    try:
        with _opener.open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def text(url: str) -> str:
    status, _, body = fetch(url)
    assert status == 200, url
    return body.decode("utf-8")


def links(page: str, base: str) -> list[str]:
    return [urljoin(base, html.unescape(h)) for h in re.findall(r'href="([^"]+)"', page)]


@pytest.fixture(scope="module")
def cluster() -> Iterator[ReplicaCluster]:
    with ReplicaCluster() as c:
        yield c


# --------------------------------------------------------------------------- corpus


def _shingles(paragraphs: tuple[str, ...], n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", " ".join(paragraphs).lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def _jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b)


def test_corpus_size_and_shape() -> None:
    corpus = load_corpus()
    assert len(corpus.articles) >= 40
    assert sum(not a.election for a in corpus.articles) >= 6
    syndicated = [a for a in corpus.articles if len(a.sites) > 1]
    assert len(syndicated) >= 5 and all(2 <= len(a.sites) <= 3 for a in syndicated)
    assert {c.site for c in corpus.copies} == set(SITE_NAMES)
    for c in corpus.copies:
        words = sum(len(p.split()) for p in c.paragraphs)
        assert 150 <= words <= 450, (c.key, c.site, words)
        assert "{" not in " ".join(c.paragraphs), c.key  # every placeholder rendered
        assert date(2023, 11, 1) <= c.published.date() <= date(2024, 12, 31)
        assert c.published.date() >= c.article.event
    kabkotas = {a.kabkota for a in corpus.articles}
    assert {"Kotawaringin Barat", "Kotawaringin Timur", "Balangan", "Kutai Kartanegara", "Palangka Raya",
            "Banjarmasin"} <= kabkotas


def test_syndicated_copies_are_near_duplicates_but_not_identical() -> None:
    by_cluster: dict[str, list] = defaultdict(list)
    for c in load_corpus().copies:
        by_cluster[c.article.cluster].append(c)
    multi = [cs for cs in by_cluster.values() if len(cs) > 1]
    assert len(multi) >= 5
    for cs in multi:
        first = cs[0]
        for other in cs[1:]:
            assert other.paragraphs != first.paragraphs or other.credit != first.credit
            assert _jaccard(_shingles(first.paragraphs), _shingles(other.paragraphs)) > 0.6, first.key


def test_same_topic_pairs_are_different_stories() -> None:
    by_topic: dict[str, list] = defaultdict(list)
    for a in load_corpus().articles:
        if a.topic:
            by_topic[a.topic].append(a)
    pairs = [arts for arts in by_topic.values() if len(arts) == 2]
    assert len(pairs) >= 2
    for a, b in pairs:
        assert a.cluster != b.cluster
        assert _jaccard(_shingles(a.paragraphs), _shingles(b.paragraphs)) < 0.1, (a.key, b.key)


# --------------------------------------------------------------------------- sources & ground truth


def test_sources_validate(cluster: ReplicaCluster) -> None:
    registry = Registry.model_validate(yaml.safe_load(sources_yaml(cluster)))
    assert [s.id for s in registry.sources] == ["replica-mmc", "replica-wp", "replica-bawaslu", "replica-portal"]
    assert [s.type for s in registry.sources] == ["government", "news", "election_body", "news"]
    assert registry.get("replica-wp").timezone == "WITA"
    assert registry.get("replica-mmc").discovery.listings[0].max_pages >= 3
    assert sources(cluster)[0]["base_url"] == cluster.urls["mmc"]


def test_allow_deny_regexes_match_ground_truth(cluster: ReplicaCluster) -> None:
    rules = {s["id"]: s for s in sources(cluster)}
    for exp in expected_articles(cluster):
        src = rules[exp.source_id]
        assert any(re.search(p, exp.url) for p in src["allow"]), exp.url
        assert not any(re.search(p, exp.url) for p in src["deny"]), exp.url


def test_ground_truth_is_consistent(cluster: ReplicaCluster) -> None:
    expected = expected_articles(cluster)
    assert len(expected) == len(load_corpus().copies)
    urls = [e.url for e in expected]
    assert len(urls) == len(set(urls))
    assert not set(urls) & set(non_article_urls(cluster))
    assert set(disallowed_urls(cluster)) <= set(non_article_urls(cluster))
    assert set(soft404_urls(cluster)) <= set(non_article_urls(cluster))
    assert set(amp_urls(cluster)) <= set(non_article_urls(cluster))


def test_every_expected_article_is_reachable(cluster: ReplicaCluster) -> None:
    for exp in expected_articles(cluster):
        status, headers, body = fetch(exp.url)
        assert status == 200, exp.url
        assert headers["ETag"] and headers["Last-Modified"]
        page = html.unescape(body.decode("utf-8"))
        assert exp.title in page
        for para in exp.paragraphs[1:]:
            assert para in page, (exp.url, para[:40])


def test_non_article_urls_are_served(cluster: ReplicaCluster) -> None:
    for url in non_article_urls(cluster):
        status, _, _ = fetch(url)
        assert status == 200, url


# --------------------------------------------------------------------------- HTTP behaviour


def test_conditional_requests(cluster: ReplicaCluster) -> None:
    url = expected_articles(cluster)[0].url
    status, headers, body = fetch(url)
    assert status == 200 and body
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    cluster.reset_log()
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    status, _, body = fetch(url, {"If-Modified-Since": last_modified})
    assert status == 304 and body == b""
    assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
    assert fetch(url, {"If-None-Match": '"stale"', "If-Modified-Since": last_modified})[0] == 200
    log = cluster.requests()
    assert [r.status for r in log] == [304, 304, 200, 200]
    assert all(r.conditional for r in log) and log[0].bytes == 0
    counts = cluster.counts()
    assert counts["not_modified"] == 2 and counts["conditional"] == 4


def test_unknown_paths_are_real_404s(cluster: ReplicaCluster) -> None:
    for base in cluster.urls.values():
        assert fetch(base + "tidak-ada/halaman-ini")[0] == 404
    assert fetch(cluster.urls["mmc"] + "robots.txt")[0] == 404  # the media centre has none
    assert fetch(cluster.urls["mmc"] + "berita?page=99")[0] == 404


def test_robots(cluster: ReplicaCluster) -> None:
    bawaslu = cluster.urls["bawaslu"]
    robots = Protego.parse(text(bawaslu + "robots.txt"))
    for url in disallowed_urls(cluster):
        assert not robots.can_fetch(url, "warta")
    for exp in expected_articles(cluster):
        if exp.site == "bawaslu":
            assert robots.can_fetch(exp.url, "warta")
    assert list(robots.sitemaps) == [bawaslu + "news-sitemap.xml"]
    wp_robots = Protego.parse(text(cluster.urls["wp"] + "robots.txt"))
    assert list(wp_robots.sitemaps) == [cluster.urls["wp"] + "sitemap_index.xml"]


def test_request_log_counts_disallowed_fetches(cluster: ReplicaCluster) -> None:
    cluster.reset_log()
    fetch(cluster.urls["bawaslu"] + "berita")
    assert cluster.counts()["disallowed"] == 0
    status, _, body = fetch(disallowed_urls(cluster)[0])
    assert status == 200 and b"isi-berita" in body  # looks like an article: only robots.txt protects it
    counts = cluster.counts()
    assert counts["disallowed"] == 1 and counts["by_site"] == {"bawaslu": 2}
    assert cluster.requests()[0].user_agent == "warta-test"


# --------------------------------------------------------------------------- discovery documents


def test_wp_feed_and_sitemaps(cluster: ReplicaCluster) -> None:
    wp = cluster.urls["wp"]
    wp_urls = {e.url for e in expected_articles(cluster) if e.site == "wp"}
    items = ET.fromstring(fetch(wp + "feed/")[2]).findall("./channel/item")
    assert len(items) == 10
    for item in items:
        assert item.findtext("link") in wp_urls and item.findtext("pubDate")
    index = ET.fromstring(fetch(wp + "sitemap_index.xml")[2])
    children = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    assert children == [wp + "post-sitemap.xml", wp + "page-sitemap.xml"]
    posts = ET.fromstring(fetch(children[0])[2]).findall(f"{SM}url")
    assert {u.findtext(f"{SM}loc") for u in posts} == wp_urls
    assert all(u.findtext(f"{SM}lastmod") for u in posts)
    pages = {u.findtext(f"{SM}loc") for u in ET.fromstring(fetch(children[1])[2]).findall(f"{SM}url")}
    assert pages and pages <= set(non_article_urls(cluster))


def test_wp_guid_redirects_and_trailing_slash(cluster: ReplicaCluster) -> None:
    wp = cluster.urls["wp"]
    item = ET.fromstring(fetch(wp + "feed/")[2]).find("./channel/item")
    assert item is not None
    status, headers, _ = fetch(item.findtext("guid") or "")
    assert status == 301 and headers["Location"] == item.findtext("link")
    status, headers, _ = fetch((item.findtext("link") or "").rstrip("/"))
    assert status == 301 and headers["Location"] == item.findtext("link")


def test_wp_article_structure(cluster: ReplicaCluster) -> None:
    exp = next(e for e in expected_articles(cluster) if e.site == "wp")
    page = text(exp.url)
    assert f'<link rel="canonical" href="{exp.url}">' in page
    assert f'"datePublished": "{exp.published_at.isoformat()}"' in page
    assert f'<meta property="article:published_time" content="{exp.published_at.isoformat()}">' in page
    content, _, rest = page.partition('<div id="comments"')
    comments = re.findall(r'<div class="comment-content"><p>(.*?)</p>', rest)
    assert 2 <= len(comments) <= 3
    for c in comments:
        assert c not in content and all(html.unescape(c) not in p for p in exp.paragraphs)
    for marker in ("Baca Juga:", "Iklan", "Berita Terkait", "Tinggalkan Balasan", "?replytocom="):
        assert marker in page
    assert re.search(r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} \w+ 20\d\d \d\d:\d\d WITA", page)


def test_wp_category_pagination_and_tags(cluster: ReplicaCluster) -> None:
    wp = cluster.urls["wp"]
    page1 = text(wp + "category/pilkada/")
    assert f'<link rel="next" href="{wp}category/pilkada/page/2/">' in page1
    assert fetch(wp + "category/pilkada/page/2/")[0] == 200
    assert fetch(wp + "category/pilkada/page/40/")[0] == 404
    exp = next(e for e in expected_articles(cluster) if e.site == "wp")
    tag_pages = [u for u in links(text(exp.url), exp.url) if "/tag/" in u]
    assert tag_pages and set(tag_pages) <= set(non_article_urls(cluster))
    for url in tag_pages:
        assert exp.url in links(text(url), url)


def test_mmc_listing_pagination_reaches_every_article(cluster: ReplicaCluster) -> None:
    base = cluster.urls["mmc"]
    url, seen, pages = base + "berita", set(), 0
    while url and pages < 10:
        page = text(url)
        pages += 1
        seen |= {u for u in links(page, url) if re.search(r"/berita/\d+/[a-z0-9-]+$", u)}
        m = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = urljoin(url, html.unescape(m.group(1))) if m else ""
    mmc = {e.url for e in expected_articles(cluster) if e.site == "mmc"}
    assert pages == 3 and mmc <= seen
    assert "/galeri" in text(base) and "/agenda" in text(base)
    for feedish in ("feed/", "sitemap.xml", "sitemap_index.xml", "wp-sitemap.xml"):
        assert fetch(base + feedish)[0] == 404


def test_mmc_article_style(cluster: ReplicaCluster) -> None:
    exp = next(e for e in expected_articles(cluster) if e.key == "kobar-rakor-pengamanan-pilkada" and e.site == "mmc")
    page = html.unescape(text(exp.url))
    assert "Selasa (04/06/2024)" in page
    assert "Baca Juga:" in page and "Foto: " in page and "(mmc/humas)" in page and "WhatsApp" in page
    assert "Pangkalan Bun, MMC Kobar –" in page


def test_bawaslu_sitemap_listing_soft404_pdf(cluster: ReplicaCluster) -> None:
    base = cluster.urls["bawaslu"]
    root = ET.fromstring(fetch(base + "news-sitemap.xml")[2])
    entries = root.findall(f"{SM}url")
    assert all(u.find(f"{NEWS}news/{NEWS}publication_date") is not None for u in entries)
    locs = {u.findtext(f"{SM}loc") for u in entries}
    ours = {e.url for e in expected_articles(cluster) if e.site == "bawaslu"}
    assert ours <= locs and locs - ours <= set(soft404_urls(cluster))
    listing = text(base + "berita")
    found = set(links(listing, base + "berita"))
    assert set(disallowed_urls(cluster)) <= found and set(soft404_urls(cluster)) <= found
    pdf = next(u for u in found if u.endswith(".pdf"))
    status, headers, body = fetch(pdf)
    assert status == 200 and headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    for url in soft404_urls(cluster):
        status, _, body = fetch(url)
        assert status == 200 and "Halaman tidak ditemukan" in body.decode()
    exp = next(e for e in expected_articles(cluster) if e.site == "bawaslu")
    page = text(exp.url)
    assert f"Penulis : {exp.author}" in page and "Editor : " in page


def test_portal_amp_feed_tracking_and_calendar(cluster: ReplicaCluster) -> None:
    base = cluster.urls["portal"]
    amp = amp_urls(cluster)
    for amp_url, canonical in amp.items():
        page = text(amp_url)
        assert f'<link rel="canonical" href="{canonical}">' in page and "<html amp" in page
    for exp in expected_articles(cluster):
        if exp.site == "portal":
            assert f'<link rel="canonical" href="{exp.url}">' in text(exp.url)
    feed_links = [i.findtext("link") for i in ET.fromstring(fetch(base + "rss.xml")[2]).findall("./channel/item")]
    assert len(feed_links) == 10 and any(u in amp for u in feed_links) and any(u not in amp for u in feed_links)
    index = text(base + "indeks")
    assert "utm_source=" in index and "#comments" in index and "ADVERTISEMENT" in index and "Iklan" in index
    tracked = next(u for u in links(index, base) if "utm_medium" in u)
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', text(tracked))
    assert canonical and "utm_" not in canonical.group(1)
    url = base + "kalender?bulan=2024-12"
    for _ in range(30):  # the trap never ends: there is always a next month
        m = re.search(r'href="(/kalender\?bulan=\d{4}-\d\d)">\d{4}-\d\d &raquo;', text(url))
        assert m
        url = urljoin(base, m.group(1))
    assert urlsplit(url).query == "bulan=2027-06"


def test_portal_dates_in_indonesian(cluster: ReplicaCluster) -> None:
    exp = next(e for e in expected_articles(cluster) if e.key == "kotim-distribusi-logistik-pilkada")
    page = html.unescape(text(exp.url))
    assert "Jumat (22/11)" in page and "Jumat, 22 November 2024 | 16:40 WIB" in page


def test_foreground_entry_point_parses_args() -> None:
    from warta.replica.server import main

    with pytest.raises(SystemExit):
        main(["--help"])
