"""The one generic spider: every source is crawled by configuration, not by code.

Discovery order per source: URLs left pending by an interrupted run, feeds,
sitemaps (configured ones, robots.txt `Sitemap:` lines, then the usual
probes), listing pages with pagination. Article URLs are canonicalised and
filtered before any request; remembered URLs are skipped when the feed or
sitemap says they have not changed, and otherwise fetched with a conditional
request, so an unchanged article is never downloaded twice.

    scrapy crawl warta                       # every enabled source
    scrapy crawl warta -a sources=mmc-kobar  # some of them
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Iterator
from urllib.parse import urljoin

import scrapy
from protego import Protego
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from crawlers.discovery import Entry, feed_entries, looks_like_feed, sitemap_entries
from crawlers.urls import canonicalize, rejection
from warta.settings import load_settings
from warta.sources import Listing, Source, load_registry
from warta.store import SourceStats, Store

_PROBES = ("sitemap.xml", "sitemap_index.xml", "wp-sitemap.xml")
_NEXT_PAGE = (
    'a[rel~="next"]::attr(href)', 'link[rel~="next"]::attr(href)', "a.next::attr(href)",
    ".pagination a.next::attr(href)", ".nav-previous a::attr(href)", 'a[aria-label*="Next"]::attr(href)',
)


class WartaSpider(scrapy.Spider):
    name = "warta"

    def __init__(self, sources: str = "", sources_file: str = "", run_id: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.settings_ = load_settings()
        registry = load_registry(sources_file or self.settings_.sources_file)
        wanted = [s for s in sources.split(",") if s]
        self.sources: list[Source] = [registry.get(s) for s in wanted] if wanted else registry.enabled()
        self.store = Store(self.settings_.store_path)
        self.run_id = int(run_id) if run_id else self.store.start_run([s.id for s in self.sources])
        self.stats_by_source: dict[str, SourceStats] = {s.id: SourceStats() for s in self.sources}
        self.ok_documents: dict[str, int] = {s.id: 0 for s in self.sources}
        self.failures: dict[str, str] = {}
        self.scheduled: set[str] = set()
        self.listed: set[str] = set()  # article links seen on listing pages in this run
        # Stopping at the first fully-known listing page is only safe once a
        # crawl of the source has finished: a killed or failed first crawl may
        # never have reached the older pages.
        self.crawled_before = {s.id: self.store.completed_before(s.id, self.run_id) for s in self.sources}

    # ---- start ------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            for req in self._start_requests(source):
                yield req

    def _start_requests(self, source: Source) -> Iterator[scrapy.Request]:
        for url in self.store.pending_urls(source.id):
            yield from self._article_request(source, Entry(url))
        for feed in source.discovery.feeds:
            yield self._request(source, urljoin(source.base_url, feed), self.parse_feed)
        for sm in source.discovery.sitemaps:
            yield self._request(source, urljoin(source.base_url, sm), self.parse_sitemap)
        if source.discovery.probe_sitemaps and not source.discovery.sitemaps:
            yield self._request(source, urljoin(source.base_url, "robots.txt"), self.parse_robots,
                                handle_httpstatus_list=[404, 403, 410])
        for listing in source.discovery.listings:
            yield self._request(source, urljoin(source.base_url, listing.url), self.parse_listing,
                                listing=listing, page=1)

    def _request(self, source: Source, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        meta = {"source_id": source.id, **meta}
        if source.politeness.delay == 0:
            # Only for the project's own loopback replica: no politeness delay.
            meta["autothrottle_dont_adjust_delay"] = True
        meta["download_slot"] = source.domain
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, dont_filter=True)

    def _source(self, response: Response) -> Source:
        sid = response.meta["source_id"]
        return next(s for s in self.sources if s.id == sid)

    def _count(self, source_id: str, response: Response | None = None, **counts: int) -> None:
        st = self.stats_by_source[source_id]
        if response is not None:
            st.add(requests=1, bytes=len(response.body))
        st.add(**counts)

    # ---- discovery documents ----------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        source = self._source(response)
        self._count(source.id, response)
        self.ok_documents[source.id] += 1
        sitemaps: list[str] = []
        if response.status == 200:
            sitemaps = list(Protego.parse(response.text).sitemaps)
        if not sitemaps:
            sitemaps = [urljoin(source.base_url, p) for p in _PROBES]
        for sm in sitemaps:
            yield self._request(source, sm, self.parse_sitemap, handle_httpstatus_list=[404, 403, 410], probe=True)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        source = self._source(response)
        self._count(source.id, response)
        self.ok_documents[source.id] += 1
        for entry in feed_entries(response.body, response.url):
            yield from self._article_request(source, entry)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        source = self._source(response)
        self._count(source.id, response)
        if response.status != 200:
            return  # a probe that found nothing is not a failure
        self.ok_documents[source.id] += 1
        if looks_like_feed(response.body):
            yield from self.parse_feed(response)
            return
        kind, entries = sitemap_entries(response.body, response.url)
        for entry in entries:
            if kind == "sitemapindex":
                yield self._request(source, entry.url, self.parse_sitemap)
            else:
                yield from self._article_request(source, entry)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        source = self._source(response)
        self._count(source.id, response)
        self.ok_documents[source.id] += 1
        listing: Listing = response.meta["listing"]
        selector = listing.article_links or "a::attr(href)"
        if listing.article_links and "::attr" not in selector:
            selector += "::attr(href)"
        unseen = fresh = 0
        for href in response.css(selector).getall():
            url = canonicalize(response.urljoin(href))
            if rejection(url, source):
                continue
            fresh += url not in self.listed
            self.listed.add(url)
            state = self.store.url_state(url)
            if state is None or state.state != "fetched":
                unseen += 1
            yield from self._article_request(source, Entry(url))
        page = response.meta["page"]
        if page >= listing.max_pages or page > 1 and (
            # A page that adds no link the listings of this run have not shown is a loop or a calendar trap.
            fresh == 0
            # Incremental: once a crawl of the source has finished, a page whose every
            # article we already hold means the older pages hold nothing new either.
            or (unseen == 0 and self.crawled_before[source.id])
        ):
            return
        nxt = self._next_page(response, listing)
        if nxt:
            yield self._request(source, nxt, self.parse_listing, listing=listing, page=page + 1)

    def _next_page(self, response: Response, listing: Listing) -> str:
        selectors = (listing.next_page,) if listing.next_page else _NEXT_PAGE
        for sel in selectors:
            if "::attr" not in sel:
                sel += "::attr(href)"
            href = response.css(sel).get()
            if href:
                return response.urljoin(href)
        return ""

    # ---- articles ---------------------------------------------------------

    def _article_request(self, source: Source, entry: Entry) -> Iterator[scrapy.Request]:
        url = canonicalize(entry.url)
        if url in self.scheduled or rejection(url, source):
            return
        self.scheduled.add(url)
        state = self.store.url_state(url)
        headers: dict[str, str] = {}
        if state is not None and state.reason.startswith(("variant of", "disallowed")):
            # An AMP/tracking variant or a robots-disallowed URL: nothing to fetch, ever.
            self._count(source.id, skipped_known=1)
            return
        if state is not None and state.state in ("fetched", "skipped"):
            if entry.lastmod and state.lastmod and entry.lastmod <= state.lastmod:
                self._count(source.id, skipped_known=1)
                return
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.last_modified:
                headers["If-Modified-Since"] = state.last_modified
        elif state is None:
            self.store.add_pending(source.id, url)
        req = self._request(source, url, self.parse_article, lastmod=entry.lastmod,
                            handle_httpstatus_list=[304])
        yield req.replace(headers=headers) if headers else req

    def parse_article(self, response: Response) -> Iterator[Any]:
        source = self._source(response)
        self._count(source.id, response)
        url = canonicalize(response.request.url)
        if response.status == 304:
            self._count(source.id, not_modified=1)
            known = self.store.url_state(url)  # a 304 keeps what we knew of the page
            self.store.mark_url(url, source.id, kind=known.kind if known else "article",
                                state=known.state if known else "fetched", reason=known.reason if known else "",
                                lastmod=response.meta.get("lastmod", ""))
            return
        self._count(source.id, pages_fetched=1)
        canonical = response.css('link[rel="canonical"]::attr(href)').get()
        if canonical:
            canonical = canonicalize(response.urljoin(canonical))
            if canonical != url and not rejection(canonical, source):
                # An AMP page or another variant: fetch the canonical page instead.
                self.store.mark_url(url, source.id, kind="nonarticle", state="skipped",
                                    reason=f"variant of {canonical}", **self._validators(response))
                yield from self._article_request(source, Entry(canonical, response.meta.get("lastmod", "")))
                return
        yield {
            "source_id": source.id,
            "url": url,
            "body": response.body,
            # The charset the server claims; extraction trusts the bytes over it when they disagree.
            "encoding": http_content_type_encoding(response.headers.get("Content-Type", b"").decode("latin-1"))
            or "",
            **self._validators(response),
        }

    @staticmethod
    def _validators(response: Response) -> dict[str, str]:
        """What the next crawl needs to ask "changed since?" instead of downloading again."""
        return {
            "etag": response.headers.get("ETag", b"").decode("latin-1"),
            "last_modified": response.headers.get("Last-Modified", b"").decode("latin-1"),
            "lastmod": response.meta.get("lastmod", ""),
        }

    # ---- failures and the end of the run ----------------------------------

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        sid = request.meta.get("source_id", "")
        if sid not in self.stats_by_source:
            return
        if failure.check(IgnoreRequest) and not failure.check(HttpError) and "robots" in str(failure.value).lower():
            # robots.txt said no: not an error of the site, and never retried.
            self.store.mark_url(canonicalize(request.url), sid, kind="nonarticle", state="skipped",
                                reason="disallowed by robots.txt")
            self.stats_by_source[sid].add(robots_disallowed=1)
            return
        if failure.check(HttpError):
            reason = f"{request.url}: HTTP {failure.value.response.status}"
        else:
            reason = f"{request.url}: {failure.getErrorMessage() or failure.type.__name__}"
        st = self.stats_by_source[sid]
        st.add(requests=1, errors=1)
        if len(st.error_samples) < 5:
            st.error_samples.append(reason[:300])
        self.failures.setdefault(sid, reason[:300])
        if request.callback == self.parse_article:
            self.store.mark_url(canonicalize(request.url), sid, kind="article", state="failed", reason=reason[:300])

    def closed(self, reason: str) -> None:
        statuses = []
        for source in self.sources:
            st = self.stats_by_source[source.id]
            # A source none of whose discovery documents could be fetched has failed.
            failed = self.ok_documents[source.id] == 0 and st.pages_fetched == 0 and st.not_modified == 0
            status = "failed" if failed else "ok"
            why = self.failures.get(source.id, "no discovery document or article could be fetched") if failed else ""
            statuses.append(status)
            self.store.save_source_stats(self.run_id, source.id, st, status, why)
        overall = "failed" if statuses and all(s == "failed" for s in statuses) else "ok"
        if reason != "finished":
            overall = "interrupted"
        self.store.finish_run(self.run_id, overall)
        self.store.close()
