"""The Scrapy item pipeline: a thin shell that turns a fetched page into a stored Article.

All the work is in pure functions (`pipelines.process.build_article`); this
class only owns the per-crawl state (the store, the near-duplicate index, the
per-source counters) and records each page's fate.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from scrapy.exceptions import DropItem

from pipelines.dedupe import NearDuplicateIndex
from pipelines.process import build_article, cluster_and_store


class ArticlePipeline:
    def open_spider(self, spider: Any) -> None:
        self.store = spider.store
        self.sources = {s.id: s for s in spider.sources}
        # A first crawl of a big site adds every article to the index: it lives in
        # a temporary file, not in memory, so the crawl's memory stays flat.
        self.near = NearDuplicateIndex(text_of=self._body_of, storage="disk")
        window = timedelta(days=spider.settings_.cluster_window_days)
        since = int((datetime.now(timezone.utc) - window).timestamp() * 1000)
        # Syndicated copies appear within days of each other: only recent
        # articles need to be in memory to be matched.
        for sig in self.store.iter_signatures(since_ms=since):
            self.near.add_existing(sig.id, sig.signature, sig.shingle_count, sig.cluster_id, sig.is_canonical,
                                   sig.published_at)

    def close_spider(self, spider: Any) -> None:
        self.near.close()

    def _body_of(self, article_id: str) -> str | None:
        article = self.store.get(article_id)
        return article.body if article else None

    def process_item(self, item: dict[str, Any], spider: Any) -> dict[str, Any]:
        source = self.sources[item["source_id"]]
        stats = spider.stats_by_source[source.id]
        built = build_article(item["body"], item["url"], source, crawled_at=datetime.now(timezone.utc),
                              content_type=item["encoding"])
        if built.rejected:
            stats.add(not_article=1)
            self.store.mark_url(item["url"], source.id, kind="nonarticle", state="skipped", reason=built.rejected,
                                etag=item["etag"], last_modified=item["last_modified"], lastmod=item["lastmod"])
            raise DropItem(f"{item['url']}: {built.rejected}")
        fate = cluster_and_store(self.store, self.near, built, item["body"], encoding=item["encoding"])
        stats.add(**{fate: 1})
        self.store.mark_url(item["url"], source.id, kind="article", state="fetched", etag=item["etag"],
                            last_modified=item["last_modified"], lastmod=item["lastmod"],
                            article_id=built.article.id)
        spider.store.save_source_stats(spider.run_id, source.id, stats)
        return {"id": built.article.id, "url": item["url"], "fate": fate}
