"""Serve the replica sites on loopback, and describe them for the crawler and tests.

    with ReplicaCluster() as cluster:          # starts four servers on free ports
        urls = cluster.urls                    # {"mmc": "http://127.0.0.1:PORT/", ...}
        registry_yaml = sources_yaml(cluster)  # entries for warta.sources.Registry
        truth = expected_articles(cluster)     # what a correct crawl must store
        never = non_article_urls(cluster)      # what it must not store

`python -m warta.replica.server` runs the cluster in the foreground.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import yaml

from warta.replica.loopback import LoopbackServers
from warta.replica.sites import SITE_NAMES, SITES, BawasluSite, Page, PortalSite, SiteApp, etag_for, load_corpus, make_site


@dataclass(frozen=True)
class RequestRecord:
    site: str
    method: str
    path: str  # path plus query, as sent
    status: int
    bytes: int  # body bytes sent
    conditional: bool  # the request carried If-None-Match or If-Modified-Since
    user_agent: str
    time: float


@dataclass(frozen=True)
class ExpectedArticle:
    """One article a correct crawl stores: one per site copy, keyed by canonical URL."""

    site: str
    source_id: str
    url: str  # canonical URL
    key: str  # corpus article key
    cluster: str  # same for syndicated copies of one press release
    topic: str  # same for different stories on one topic (must stay separate clusters)
    title: str
    election_related: bool
    province: str
    kabkota: str
    published_at: datetime
    modified_at: datetime
    author: str
    credit: str
    dateline: str
    paragraphs: tuple[str, ...]  # body text without dateline prefix, credit or boilerplate

    @property
    def region(self) -> tuple[str, str]:
        return (self.province, self.kabkota)


def _handler_for(cluster: "ReplicaCluster", app: SiteApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive like real servers, so the crawler's connection pooling is exercised.
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: with Nagle on, each keep-alive
        # response waits ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True
        def version_string(self) -> str:
            return "nginx"

        def do_GET(self) -> None:
            self._serve(head=False)

        def do_HEAD(self) -> None:
            self._serve(head=True)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base-class signature
            pass  # the cluster keeps its own structured log

        def _serve(self, head: bool) -> None:
            parts = urlsplit(self.path)
            try:
                page = app.handle(parts.path or "/", parts.query)
            except Exception as exc:  # a rendering bug must show up as a 500, not a hung socket
                page = Page(500, f"Internal Server Error: {exc!r}".encode(), content_type="text/plain; charset=utf-8")
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            status, body = page.status, page.body
            headers = {"Content-Type": page.content_type, **page.headers}
            if page.status == 200:
                etag = etag_for(page.body)
                headers["ETag"] = etag
                if page.last_modified:
                    headers["Last-Modified"] = format_datetime(page.last_modified.astimezone(timezone.utc), usegmt=True)
                if _not_modified(etag, page.last_modified, inm, ims):
                    status, body = 304, b""
                    headers.pop("Content-Type", None)
            sent = 0 if head else len(body)
            # Logged before the response goes out, so a client that has its answer
            # always finds the request in the log.
            cluster._record(RequestRecord(app.name, self.command, self.path, status, sent, bool(inm or ims),
                                          self.headers.get("User-Agent", ""), time.time()))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if sent:
                self.wfile.write(body)

    return Handler


def _not_modified(etag: str, last_modified: datetime | None, inm: str | None, ims: str | None) -> bool:
    # RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since when both are sent.
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    if ims and last_modified:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return last_modified.replace(microsecond=0) <= since
    return False


class ReplicaCluster(LoopbackServers):
    """Four replica sites, each on its own ThreadingHTTPServer on loopback."""

    def __init__(self, host: str = "127.0.0.1", ports: Mapping[str, int] | None = None,
                 sites: Iterable[str] = SITE_NAMES) -> None:
        self.host = host
        self.ports = dict(ports or {})
        self.site_names = tuple(sites)
        self.apps: dict[str, SiteApp] = {}
        super().__init__()
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()

    # -- lifecycle
    def start(self) -> dict[str, str]:
        if self._servers:
            return self.urls
        corpus = load_corpus()
        try:
            for name in self.site_names:
                # The app needs its own base URL for absolute links, so bind first (port 0: the OS picks).
                server = ThreadingHTTPServer((self.host, self.ports.get(name, 0)), BaseHTTPRequestHandler)
                base = f"http://{self.host}:{server.server_address[1]}/"
                app = make_site(name, base, corpus)
                server.RequestHandlerClass = _handler_for(self, app)
                self.apps[name] = app
                self._serve(name, server, f"replica-{name}")
        except BaseException:
            self.stop()
            raise
        return self.urls

    @property
    def urls(self) -> dict[str, str]:
        return {name: app.base for name, app in self.apps.items()}

    def app(self, site: str) -> SiteApp:
        if site not in self.apps:
            raise RuntimeError(f"replica site {site!r} is not running (call start() first)")
        return self.apps[site]

    # -- request log
    def _record(self, rec: RequestRecord) -> None:
        with self._lock:
            self._log.append(rec)

    def requests(self, site: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self._log if site is None or r.site == site]

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def counts(self) -> dict[str, Any]:
        """Summary for assertions and the demo: totals by site/status, conditionals, robots violations."""
        log = self.requests()
        disallowed = [r for r in log if self.apps[r.site].is_disallowed(urlsplit(r.path).path)]
        return {
            "total": len(log),
            "bytes": sum(r.bytes for r in log),
            "by_site": dict(Counter(r.site for r in log)),
            "by_status": dict(Counter(r.status for r in log)),
            "conditional": sum(r.conditional for r in log),
            "not_modified": sum(r.status == 304 for r in log),
            "disallowed": len(disallowed),
            "disallowed_paths": sorted({r.path for r in disallowed}),
        }


# --------------------------------------------------------------------------- descriptions


def sources(cluster: ReplicaCluster) -> list[dict[str, Any]]:
    """Registry entries for the running sites (valid for `warta.sources.Registry`)."""
    u = cluster.urls
    fast = {"concurrency": 2, "delay": 0.0}  # loopback: politeness delays would only slow tests
    out: list[dict[str, Any]] = []
    if "mmc" in u:
        out.append(_entry("mmc", u["mmc"], {
            "probe_sitemaps": False,
            "listings": [{"url": u["mmc"] + "berita", "max_pages": 5}],
        }, allow=[r"/berita/\d+/[a-z0-9-]+$"], deny=[r"/galeri", r"/agenda"], body="div.post-content",
            notes="Replica of a regency media-centre portal: listings only, no feed or sitemap.", politeness=dict(fast)))
    if "wp" in u:
        out.append(_entry("wp", u["wp"], {
            "feeds": [u["wp"] + "feed/"],
            "sitemaps": [u["wp"] + "sitemap_index.xml"],
        }, allow=[r"/20\d\d/\d\d/\d\d/[a-z0-9-]+/$"],
            deny=[r"/tag/", r"/category/", r"/feed/", r"[?&]replytocom=", r"/wp-(admin|json|login)"],
            body="div.entry-content", notes="Replica of a WordPress regional outlet.", politeness=dict(fast)))
    if "bawaslu" in u:
        # /internal/ and /arsip-dokumen/ are deliberately not denied here: they
        # match the allow pattern, so only robots.txt keeps the crawler out.
        out.append(_entry("bawaslu", u["bawaslu"], {
            "sitemaps": [u["bawaslu"] + "news-sitemap.xml"],
            "listings": [{"url": u["bawaslu"] + "berita", "max_pages": 3}],
        }, allow=[r"/berita/[a-z0-9-]+$"], deny=[r"/files/", r"\.pdf$"], body="div.isi-berita",
            notes="Replica of a Bawaslu regency site: robots rules, news sitemap, soft-404s.", politeness=dict(fast)))
    if "portal" in u:
        out.append(_entry("portal", u["portal"], {
            "feeds": [u["portal"] + "rss.xml"],
            "probe_sitemaps": False,
            "listings": [{"url": u["portal"] + "indeks", "max_pages": 5}],
        }, allow=[r"/(pilkada|daerah|amp)/[a-z0-9-]+"], deny=[r"/kalender", r"/cari"], body="div.detail-text",
            notes="Replica of an ad-heavy news portal: AMP pages, tracking parameters, calendar trap.", politeness=dict(fast)))
    return out


def _entry(site: str, base: str, discovery: dict[str, Any], *, allow: list[str], deny: list[str], body: str,
           notes: str, politeness: dict[str, Any]) -> dict[str, Any]:
    info = SITES[site]
    return {
        "id": info.source_id,
        "name": f"{info.title} (replika)",
        "type": info.source_type,
        "base_url": base,
        "region": {"province": info.province, "kabkota": _canonical_kabkota(info.kabkota, info.province)},
        "timezone": info.timezone,
        "verified": True,
        "discovery": discovery,
        "allow": allow,
        "deny": deny,
        "politeness": politeness,
        "selectors": {"body": body},
        "notes": notes,
    }


def _canonical_kabkota(kabkota: str, province: str) -> str:
    """The corpus writes short names ("Kotawaringin Barat"); the pipeline emits the gazetteer's."""
    from warta.gazetteer import resolve_kabkota

    return resolve_kabkota(kabkota, province) if kabkota else ""


def sources_yaml(cluster: ReplicaCluster) -> str:
    return yaml.safe_dump({"sources": sources(cluster)}, allow_unicode=True, sort_keys=False)


def expected_articles(cluster: ReplicaCluster) -> list[ExpectedArticle]:
    out = []
    for name, app in cluster.apps.items():
        for c in app.copies:
            a = c.article
            out.append(ExpectedArticle(
                site=name, source_id=SITES[name].source_id, url=app.article_url(c), key=a.key, cluster=a.cluster,
                topic=a.topic, title=c.title, election_related=a.election, province=a.province,
                kabkota=_canonical_kabkota(a.kabkota, a.province),
                published_at=c.published, modified_at=c.modified, author=c.author, credit=c.credit,
                dateline=c.dateline, paragraphs=c.paragraphs,
            ))
    return out


def non_article_urls(cluster: ReplicaCluster) -> list[str]:
    """URLs that must never be stored as an article's url or canonical_url."""
    return [app.url(p) for app in cluster.apps.values() for p in app.non_article_paths()]


def disallowed_urls(cluster: ReplicaCluster) -> list[str]:
    """Robots-disallowed URLs the replica links to: the crawler must never request them."""
    app = cluster.apps.get("bawaslu")
    return [app.url(p) for p in app.disallowed_paths()] if isinstance(app, BawasluSite) else []


def soft404_urls(cluster: ReplicaCluster) -> list[str]:
    app = cluster.apps.get("bawaslu")
    return [app.url(p) for p in app.soft404_paths()] if isinstance(app, BawasluSite) else []


def amp_urls(cluster: ReplicaCluster) -> dict[str, str]:
    """AMP URL -> canonical URL, for every portal article."""
    app = cluster.apps.get("portal")
    if not isinstance(app, PortalSite):
        return {}
    return {app.url(app.amp_path(c)): app.article_url(c) for c in app.copies}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warta.replica.server",
                                     description="Serve the four replica sites on loopback until interrupted.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-base", type=int, default=0,
                        help="fixed ports PORT_BASE..PORT_BASE+3 (default: free ports chosen by the OS)")
    parser.add_argument("--sources", metavar="PATH", help="also write a sources.yaml for these sites to PATH")
    args = parser.parse_args(argv)
    ports = {name: args.port_base + i for i, name in enumerate(SITE_NAMES)} if args.port_base else None
    cluster = ReplicaCluster(args.host, ports)
    urls = cluster.start()
    try:
        for name, url in urls.items():
            print(f"{name:8} {url}", flush=True)
        if args.sources:
            with open(args.sources, "w", encoding="utf-8") as f:
                f.write(sources_yaml(cluster))
            print(f"sources  {args.sources}", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
