"""Regression: robots-disallowed URLs left `pending` by a killed crawl must never be fetched.

A crawl killed with kill -9 between discovering a URL (frontier: pending) and the robots check
leaves disallowed URLs pending. The resumed crawl used to send them as its very first requests,
all waiting for the site's robots.txt at once, and Scrapy 2.19's RobotsTxtMiddleware handed the
parser to only one waiter: the others went out unchecked and were stored
(crawlers/middlewares.py). Both guards are tested: the spider's own check before the frontier,
and the middleware with many requests waiting for one robots.txt.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

from warta.crawl import run_crawl
from warta.demo import demo_settings
from warta.replica.server import ReplicaCluster, disallowed_urls, expected_articles, sources
from warta.settings import PROJECT_ROOT
from warta.store import Store

BAWASLU = "replica-bawaslu"


def test_pending_disallowed_urls_of_a_killed_run_are_not_fetched_on_resume(tmp_path: Path) -> None:
    with ReplicaCluster(sites=("bawaslu",)) as cluster:
        s = demo_settings(tmp_path, sources(cluster))
        blocked = disallowed_urls(cluster)
        assert {urlsplit(u).path.split("/")[1] for u in blocked} == {"internal", "arsip-dokumen"}
        # The frontier as a killed first run leaves it: the disallowed links of the listing
        # recorded as pending, their robots refusal never recorded.
        store = Store(s.store_path)
        for url in blocked:
            store.add_pending(BAWASLU, url)
        store.close()

        result = run_crawl(s)
        log = cluster.requests()
        want = {e.url for e in expected_articles(cluster)}

    assert result.status == "ok", result.sources
    assert cluster.counts()["disallowed"] == 0
    assert not [r.path for r in log if r.path.startswith(("/internal/", "/arsip-dokumen/"))]
    assert sum(r.path == "/robots.txt" for r in log) == 1  # the spider and the middleware share one
    store = Store(s.store_path)
    try:
        stored = {a.canonical_url for a in store.iter_articles()}
        assert stored == want
        for url in blocked:
            state = store.url_state(url)
            assert state is not None and (state.state, state.reason) == ("skipped", "disallowed by robots.txt")
        assert store.pending_urls(BAWASLU) == []
        row = next(r for r in result.sources if r["source_id"] == BAWASLU)
        assert row["stats"].robots_disallowed == len(blocked)
    finally:
        store.close()


_BURST_SPIDER = textwrap.dedent('''
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = json.loads(sys.argv[1])

    class Burst(scrapy.Spider):
        name = "burst"

        async def start(self):
            for u in urls:  # all at once, before the site's robots.txt is known
                yield scrapy.Request(u, callback=self.parse, dont_filter=True)

        def parse(self, response):
            pass

    from crawlers import settings as project
    process = CrawlerProcess({
        "ROBOTSTXT_OBEY": True, "ROBOTSTXT_PARSER": project.ROBOTSTXT_PARSER,
        "DOWNLOADER_MIDDLEWARES": project.DOWNLOADER_MIDDLEWARES,
        "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "LOG_LEVEL": "ERROR",
        "TELNETCONSOLE_ENABLED": False,
    })
    process.crawl(Burst)
    process.start()
''')


def test_robots_middleware_checks_every_request_waiting_for_robots_txt(tmp_path: Path) -> None:
    """Without the spider's guard: a bare spider whose first requests are all disallowed."""
    import json

    script = tmp_path / "burst.py"
    script.write_text(_BURST_SPIDER, encoding="utf-8")
    with ReplicaCluster(sites=("bawaslu",)) as cluster:
        blocked = disallowed_urls(cluster)
        allowed = [e.url for e in expected_articles(cluster)][:4]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
        env.pop("SCRAPY_SETTINGS_MODULE", None)
        done = subprocess.run([sys.executable, str(script), json.dumps(blocked * 3 + allowed)], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        log = cluster.requests()
    assert done.returncode == 0, done.stderr[-2000:]
    paths = [r.path for r in log]
    assert paths.count("/robots.txt") == 1
    assert not [p for p in paths if p.startswith(("/internal/", "/arsip-dokumen/"))]
    assert {urlsplit(u).path for u in allowed} <= set(paths)  # allowed URLs still go out
