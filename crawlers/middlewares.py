"""Downloader middlewares of the project.

`RobotsTxtMiddleware` replaces Scrapy's at the same position. Scrapy 2.19's
middleware lets every request that arrives while a site's robots.txt is still
downloading await one shared Deferred through `Deferred.asFuture`, whose
callback returns None: the first waiter gets the parser, every later waiter
gets None, which the middleware reads as "no robots.txt, fetch anything". A
resumed crawl starts with a burst of pending URLs for the same site, so all
but one of them went out unchecked (scrapy/scrapy#6802 introduced the await).
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.http import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        # The spider fetches each source's robots.txt before anything else of the
        # source; reusing its parser keeps to one robots.txt request per site and
        # guarantees the middleware and the frontier apply the same rules.
        known = getattr(self.crawler.spider, "robots_parsers", {}).get(netloc)
        if known is not None:
            return known
        pending = self._parsers.get(netloc)
        if isinstance(pending, Deferred):
            # One relay Deferred per waiter, each passing the result on, so every
            # waiter sees the parser (never the None an earlier asFuture left behind).
            waiter: Deferred[Any] = Deferred()

            def relay(result: Any) -> Any:
                waiter.callback(result)
                return result

            pending.addCallback(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)
