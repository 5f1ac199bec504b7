"""Scrapy settings: polite by default. `scrapy crawl warta` reads them via scrapy.cfg."""

import os

from warta.settings import load_settings

_warta = load_settings()

BOT_NAME = "warta"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Politeness: a User-Agent that names the project and a contact URL, robots.txt,
# one or two requests at a time per site, AutoThrottle backing off slow sites.
USER_AGENT = _warta.user_agent
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
# Scrapy's robots middleware hands the parser to only one of the requests waiting
# for a site's robots.txt (see crawlers.middlewares); ours replaces it in place.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.RobotsTxtMiddleware": 100,
}
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Every request has a timeout; transient failures are retried; huge pages are cut off.
DOWNLOAD_TIMEOUT = _warta.download_timeout
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = _warta.max_page_bytes
DOWNLOAD_WARNSIZE = 0
REDIRECT_MAX_TIMES = 5
DNS_TIMEOUT = 10

# Incremental crawling uses our own store (conditional requests with the
# remembered ETag / Last-Modified), not Scrapy's HTTP cache.
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "pipelines.article.ArticlePipeline": 300,
}

# Most article requests the spider hands to Scrapy's in-memory scheduler at once; the
# rest of a run's URLs wait in the on-disk frontier (crawlers.frontier). Tests set it
# small to exercise the top-ups.
WARTA_FRONTIER_BATCH = int(os.environ.get("WARTA_FRONTIER_BATCH", "1000"))
