"""From raw page to stored Article: extraction, enrichment, dedupe decisions.

`build_article` is a pure function of (html, url, source); `cluster_and_store`
applies the deduplication rules against the store:

- same canonical URL → the same id → an update, never a second record;
- same normalised text at another URL of the same site → a duplicate, not stored;
- a near-duplicate of another outlet's article (a syndicated press release)
  → stored, with that cluster's id; the earliest published member is canonical.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from crawlers.urls import canonicalize, rejection
from pipelines.dedupe import NearDuplicateIndex
from pipelines.enrich import apply, enrich
from pipelines.extract import extract_page
from pipelines.minhash import Signature, token_signature, tokens_hash
from warta import __version__
from warta.models import Article, article_id
from warta.sources import Source
from warta.store import Store
from warta.textnorm import tokens

MIN_WORDS = 40  # shorter "articles" are captions, teasers or error pages


@dataclass
class Built:
    article: Article
    signature: Signature | None = None
    rejected: str = ""  # why this page is not an article ("" when it is)


def build_article(html: bytes, url: str, source: Source, *, crawled_at: datetime, content_type: str = "") -> Built:
    ex = extract_page(html, url, timezone=source.timezone, prune_xpath=list(source.selectors.prune_xpath),
                      body_selector=source.selectors.body, crawled_at=crawled_at, declared_encoding=content_type)
    canonical = url
    if ex.canonical_url:
        candidate = canonicalize(ex.canonical_url)
        if not rejection(candidate, source):
            canonical = candidate
    words = len(ex.body.split())
    rejected = ""
    if ex.page_kind != "article":
        rejected = f"not an article ({ex.page_kind})"
    elif words < MIN_WORDS:
        rejected = f"not an article (only {words} words)"
    e = enrich(ex.title, ex.body, ex.dateline, source.region)
    toks = tokens(ex.body)  # once, for both the content hash and the shingles
    article = Article(
        id=article_id(canonical), url=url, canonical_url=canonical, source_id=source.id,
        source_type=source.type, domain=source.domain, title=ex.title, body=ex.body,
        description=ex.description, author=ex.author, credit=ex.credit, dateline=ex.dateline, tags=ex.tags,
        image=ex.image, language=ex.language, published_at=ex.published_at, modified_at=ex.modified_at,
        crawled_at=crawled_at, date_source=ex.date_source,
        content_hash=tokens_hash(toks),
        word_count=words, extractor=ex.extractor, extractor_version=__version__,
    )
    apply(article, e)
    if rejected:
        return Built(article, rejected=rejected)
    return Built(article, token_signature(toks))


def cluster_and_store(store: Store, near: NearDuplicateIndex, built: Built, raw_html: bytes,
                      *, encoding: str = "") -> str:
    """Store the article; returns its fate: new | updated | unchanged | duplicate."""
    art = built.article
    if store.find_same_text(art.content_hash, art.domain, art.id):
        return "duplicate"
    previous = store.get(art.id)
    demoted: list[str] = []
    if previous is not None and previous.cluster_id:
        # A re-crawl keeps its cluster: membership is decided once, on arrival.
        art.cluster_id, art.is_canonical = previous.cluster_id, previous.is_canonical
    else:
        assert built.signature is not None
        decision = near.add_signature(art.id, built.signature, art.published_at, body=art.body)
        art.cluster_id, art.is_canonical = decision.cluster_id, decision.is_canonical
        demoted = decision.demoted
    sig = built.signature
    return store.upsert_article(art, raw_html, encoding=encoding, signature=sig.to_bytes() if sig else None,
                                shingle_count=sig.shingle_count if sig else 0, demoted=demoted)


@dataclass
class ReextractCounts:
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # no raw HTML, or its source is no longer configured


def reextract(store: Store, sources: dict[str, Source], *,
              progress: Callable[[int], None] | None = None) -> ReextractCounts:
    """Re-run extraction and enrichment on every stored raw page, so improvements reach old articles.

    Identity and syndication decisions are kept: the id, the cluster and the
    canonical flag were decided when the article arrived.
    """
    counts = ReextractCounts()
    for old in store.iter_articles():
        raw = store.raw_html(old.id)
        source = sources.get(old.source_id)
        if raw is None or source is None:
            counts.skipped += 1
        else:
            new = build_article(raw, old.url, source, crawled_at=old.crawled_at or datetime.now().astimezone()).article
            new.id, new.canonical_url = old.id, old.canonical_url
            new.cluster_id, new.is_canonical = old.cluster_id, old.is_canonical
            sig, shingle_count = store.signature(old.id)
            outcome = store.upsert_article(new, raw, signature=sig, shingle_count=shingle_count)
            if outcome == "unchanged":
                counts.unchanged += 1
            else:
                counts.updated += 1
        if progress:
            progress(1)
    return counts
