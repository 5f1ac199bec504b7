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
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.http import Response
from scrapy.robotstxt import ProtegoRobotParser, RobotParser
from twisted.internet.defer import DeferredQueue
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from crawlers.discovery import Entry, feed_entries, looks_like_feed, sitemap_entries
from crawlers.frontier import Frontier, Queued
from crawlers.urls import canonicalize, rejection
from warta.runs import open_run, release_run
from warta.settings import load_settings
from warta.sources import Listing, Source, load_registry
from warta.store import SourceStats, Store, first_storage_failure

_PROBES = ("sitemap.xml", "sitemap_index.xml", "wp-sitemap.xml")
_NEXT_PAGE = (
    'a[rel~="next"]::attr(href)', 'link[rel~="next"]::attr(href)', "a.next::attr(href)",
    ".pagination a.next::attr(href)", ".nav-previous a::attr(href)", 'a[aria-label*="Next"]::attr(href)',
)
# Article requests handed to Scrapy at most at once, all sources together (Scrapy
# setting WARTA_FRONTIER_BATCH). Scrapy's scheduler keeps requests in memory: the rest
# of the run's URLs wait in the frontier. Large enough that the downloader never
# runs dry between top-ups, small enough that a 100k-URL sitemap costs nothing.
FRONTIER_BATCH = 1000


class WartaSpider(scrapy.Spider):
    name = "warta"

    def __init__(self, sources: str = "", sources_file: str = "", run_id: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.settings_ = load_settings()
        registry = load_registry(sources_file or self.settings_.sources_file)
        wanted = [s for s in sources.split(",") if s]
        self.sources: list[Source] = [registry.get(s) for s in wanted] if wanted else registry.enabled()
        self.store = Store(self.settings_.store_path)
        # Run by `warta crawl` the parent opened the run; run by `scrapy crawl warta`, we do.
        self.run_lock = None
        if run_id:
            self.run_id = int(run_id)
        else:
            self.run_id, self.run_lock = open_run(self.store, self.settings_.data_dir, [s.id for s in self.sources])
        self.stats_by_source: dict[str, SourceStats] = {s.id: SourceStats() for s in self.sources}
        self.ok_documents: dict[str, int] = {s.id: 0 for s in self.sources}
        self.failures: dict[str, str] = {}
        # Every article URL this run has considered, and the ones it still has to request:
        # on disk, so a 100k-URL sitemap does not become 100k requests in memory.
        self.frontier = Frontier()
        self.in_flight: dict[str, int] = {s.id: 0 for s in self.sources}  # frontier requests handed to Scrapy
        # Article links seen on listing pages in this run: bounded by the listings' max_pages.
        self.listed: set[str] = set()
        # Stopping at the first fully-known listing page is only safe once a
        # crawl of the source has finished: a killed or failed first crawl may
        # never have reached the older pages.
        self.crawled_before = {s.id: self.store.completed_before(s.id, self.run_id) for s in self.sources}
        # netloc -> parsed robots.txt of the sources; the robots middleware reads it too.
        self.robots_parsers: dict[str, RobotParser] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "WartaSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    @property
    def frontier_batch(self) -> int:
        return self.crawler.settings.getint("WARTA_FRONTIER_BATCH", FRONTIER_BATCH)

    @property
    def robots_user_agent(self) -> str:
        return self.crawler.settings.get("ROBOTSTXT_USER_AGENT") or self.crawler.settings.get("USER_AGENT")

    # ---- start ------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.obey_robots:
            for source in self.sources:
                for req in self._discovery_requests(source, []):
                    yield req
            return
        # Every source's robots.txt is fetched (all at once) before anything else of the
        # source is yielded: no URL enters or leaves the frontier before the spider knows
        # the site's rules. Fetched here rather than as a scheduled request so the
        # source's requests still start from the start queue, in the order they always had.
        ready: DeferredQueue = DeferredQueue()
        for source in self.sources:
            deferred_from_coro(self._fetch_robots(source)).addBoth(
                lambda outcome, source=source: ready.put((source, outcome)))
        for _ in self.sources:
            source, outcome = await maybe_deferred_to_future(ready.get())
            if isinstance(outcome, Failure):
                self.stats_by_source[source.id].add(requests=1)
                self._robots_unreachable(source, outcome.getErrorMessage() or outcome.type.__name__)
                continue
            for req in self._robots_fetched(source, outcome):
                yield req

    async def _fetch_robots(self, source: Source) -> Response:
        url = urljoin(source.base_url, "robots.txt")
        meta = {"source_id": source.id, "download_slot": source.domain, "dont_obey_robotstxt": True}
        if source.politeness.delay == 0:
            meta["autothrottle_dont_adjust_delay"] = True
        # Downloader middlewares only: retries for 5xx and timeouts, redirects followed (RFC 9309 2.3.1.2).
        return await self.crawler.engine.download_async(scrapy.Request(url, meta=meta, dont_filter=True))

    @property
    def obey_robots(self) -> bool:
        return self.crawler.settings.getbool("ROBOTSTXT_OBEY")

    def _discovery_requests(self, source: Source, robots_sitemaps: list[str]) -> Iterator[scrapy.Request]:
        for url in self.store.pending_urls(source.id):
            self._discover(source, Entry(url))
        yield from self._feed()  # what a killed run left pending goes out first, as it always did
        for feed in source.discovery.feeds:
            yield self._request(source, urljoin(source.base_url, feed), self.parse_feed)
        for sm in source.discovery.sitemaps:
            yield self._request(source, urljoin(source.base_url, sm), self.parse_sitemap)
        if source.discovery.probe_sitemaps and not source.discovery.sitemaps:
            probes = robots_sitemaps or [urljoin(source.base_url, p) for p in _PROBES]
            for sm in probes:
                yield self._request(source, sm, self.parse_sitemap, handle_httpstatus_list=[404, 403, 410],
                                    probe=True)
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
        return self._by_id(response.meta["source_id"])

    def _by_id(self, sid: str) -> Source:
        return next(s for s in self.sources if s.id == sid)

    def _count(self, source_id: str, response: Response | None = None, **counts: int) -> None:
        st = self.stats_by_source[source_id]
        if response is not None:
            st.add(requests=1, bytes=len(response.body))
        st.add(**counts)

    # ---- discovery documents ----------------------------------------------

    def _robots_fetched(self, source: Source, response: Response) -> Iterator[scrapy.Request]:
        self._count(source.id, response)
        status = response.status
        if status >= 500 or status == 429:
            # RFC 9309 2.3.1.4: an unreachable robots.txt means "assume complete disallow".
            # Nothing of the source is fetched this run; its pending URLs wait for the next.
            self._robots_unreachable(source, f"HTTP {status}")
            return
        if source.discovery.probe_sitemaps and not source.discovery.sitemaps:
            self.ok_documents[source.id] += 1  # as before: the probe's first discovery document
        # RFC 9309 2.3.1.3: any other robots.txt that is not a 200 (none, forbidden) means no rules.
        body = response.body if status == 200 else b""
        parser = ProtegoRobotParser.from_crawler(self.crawler, body)
        self.robots_parsers[urlsplit(source.base_url).netloc] = parser
        sitemaps = list(parser.rp.sitemaps)
        yield from self._discovery_requests(source, sitemaps)

    def _robots_unreachable(self, source: Source, why: str) -> None:
        reason = f"{urljoin(source.base_url, 'robots.txt')}: {why} (robots.txt unreachable: source not crawled)"
        st = self.stats_by_source[source.id]
        st.add(errors=1)
        if len(st.error_samples) < 5:
            st.error_samples.append(reason[:300])
        self.failures.setdefault(source.id, reason[:300])

    def robots_allow(self, source: Source, url: str) -> bool:
        if not self.obey_robots:
            return True
        parser = self.robots_parsers.get(urlsplit(url).netloc)
        if parser is None:
            # Another host (no robots.txt fetched by the spider): the middleware decides.
            return True
        return parser.allowed(url, self.robots_user_agent)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        source = self._source(response)
        self._count(source.id, response)
        self.ok_documents[source.id] += 1
        for entry in feed_entries(response.body, response.url):
            self._discover(source, entry)
        yield from self._feed()

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
        if kind == "sitemapindex":
            for entry in entries:
                yield self._request(source, entry.url, self.parse_sitemap)
            return
        for entry in entries:
            self._discover(source, entry)
        yield from self._feed()

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
            url = _absolute(response, href)
            if url is None:
                continue  # one unparsable link (say `http://[::1`) must not cost the rest of the page
            url = canonicalize(url)
            if rejection(url, source):
                continue
            fresh += url not in self.listed
            self.listed.add(url)
            state = self.store.url_state(url)
            if state is None or state.state != "fetched":
                unseen += 1
            self._discover(source, Entry(url))
        yield from self._feed()
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
            url = _absolute(response, href) if href else None
            if url:
                return url
        return ""

    # ---- articles ---------------------------------------------------------

    def _discover(self, source: Source, entry: Entry) -> None:
        """Decide once per run what a discovered article URL needs; what must be fetched joins the frontier."""
        url = canonicalize(entry.url)
        if rejection(url, source) or not self.frontier.first_sight(url):
            return
        state = self.store.url_state(url)
        if state is not None and state.reason.startswith(("variant of", "disallowed")):
            # An AMP/tracking variant or a robots-disallowed URL: nothing to fetch, ever.
            self._count(source.id, skipped_known=1)
            return
        if not self.robots_allow(source, url):
            # Checked here, before the frontier and before any request, so a URL a
            # killed run left pending cannot slip past robots.txt on resume.
            self.store.mark_url(url, source.id, kind="nonarticle", state="skipped",
                                reason="disallowed by robots.txt")
            self._count(source.id, robots_disallowed=1)
            return
        if state is not None and state.state in ("fetched", "skipped"):
            if entry.lastmod and state.lastmod and entry.lastmod <= state.lastmod:
                self._count(source.id, skipped_known=1)
                return
        elif state is None:
            # In the store before any request: a killed crawl resumes it.
            self.store.add_pending(source.id, url)
        self.frontier.push(url, source.id, entry.lastmod)

    def _feed(self) -> list[scrapy.Request]:
        """Requests for the next frontier URLs, keeping at most FRONTIER_BATCH of them in Scrapy's hands.

        Each source with queued URLs gets an equal share, so one source's huge
        sitemap cannot keep the others' requests out of the downloader.
        """
        waiting = self.frontier.sources_waiting()
        if not waiting:
            return []
        share = max(1, self.frontier_batch // len(waiting))
        out: list[scrapy.Request] = []
        for sid in waiting:
            room = share - self.in_flight[sid]
            if room < max(1, share // 2):
                continue  # topped up once half the share is done: fewer, larger frontier queries
            source = self._by_id(sid)
            for queued in self.frontier.take(sid, room):
                req = self._fetch_request(source, queued)
                if req is not None:
                    self.in_flight[sid] += 1
                    out.append(req)
        return out

    def _fetch_request(self, source: Source, queued: Queued) -> scrapy.Request | None:
        # The store is read now, not at discovery: a variant found meanwhile is not fetched,
        # and the validators are the newest we have.
        state = self.store.url_state(queued.url)
        headers: dict[str, str] = {}
        if state is not None and state.reason.startswith(("variant of", "disallowed")):
            return None
        if state is not None and state.state in ("fetched", "skipped"):
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.last_modified:
                headers["If-Modified-Since"] = state.last_modified
        req = self._request(source, queued.url, self.parse_article, lastmod=queued.lastmod,
                            handle_httpstatus_list=[304], frontier=True)
        return req.replace(headers=headers) if headers else req

    def _done(self, request: scrapy.Request) -> None:
        sid = request.meta.get("source_id", "")
        if request.meta.get("frontier") and self.in_flight.get(sid, 0) > 0:
            self.in_flight[sid] -= 1

    def _on_idle(self) -> None:
        # Nothing is in flight any more, whatever the counters say (a request
        # dropped without reaching a callback or errback would otherwise block its source).
        for sid in self.in_flight:
            self.in_flight[sid] = 0
        fed: list[scrapy.Request] = []
        while not fed and len(self.frontier):
            fed = self._feed()
        for req in fed:
            self.crawler.engine.crawl(req)
        if fed:
            raise DontCloseSpider

    def parse_article(self, response: Response) -> Iterator[Any]:
        self._done(response.request)
        yield from self._feed()
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
                self._discover(source, Entry(canonical, response.meta.get("lastmod", "")))
                yield from self._feed()
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
        self._done(request)
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
        lost_write = first_storage_failure()
        for source in self.sources:
            st = self.stats_by_source[source.id]
            # A source none of whose discovery documents could be fetched has failed.
            failed = self.ok_documents[source.id] == 0 and st.pages_fetched == 0 and st.not_modified == 0
            status = "failed" if failed or lost_write else "ok"
            why = self.failures.get(source.id, "no discovery document or article could be fetched") if failed else ""
            why = why or lost_write[:300]
            statuses.append(status)
            self.store.save_source_stats(self.run_id, source.id, st, status, why)
        overall = "failed" if lost_write or (statuses and all(s == "failed" for s in statuses)) else "ok"
        if reason != "finished":
            overall = "interrupted"
        self.store.finish_run(self.run_id, overall)
        self.store.close()
        if self.run_lock is not None:
            release_run(self.settings_.data_dir, self.run_lock)
        self.frontier.close()


def _absolute(response: Response, href: str) -> str | None:
    """`href` resolved against the page, or None when it cannot be parsed as a URL (`http://[::1`)."""
    try:
        return response.urljoin(href.strip())
    except ValueError:
        return None
