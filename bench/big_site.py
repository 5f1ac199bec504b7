"""A synthetic news site of N articles on loopback, rendered lazily from a seed (no disk).

    with BigSite(n=100_000) as site:          # starts a ThreadingHTTPServer on a free port
        site.base                              # "http://127.0.0.1:PORT/"
        site.article_urls()                    # every article URL, in sitemap order
        site.change(0.05)                      # 5 % of the articles get a new version (lastmod, body)
        site.counts()                          # requests / bytes / statuses seen so far

Pages are rendered per request from (seed, index, version), so 100k URLs cost no memory
beyond the set of changed indexes. The site answers like the replica: ETag and Last-Modified
on every 200, 304 to a matching conditional request, sitemaps with <lastmod> (10,000 URLs
per sitemap file, listed by a sitemap index), a robots.txt naming the index.
Used by bench/crawl_bench.py only; never by the test suite.
"""

from __future__ import annotations

import hashlib
import html
import random
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import _RACES, _TOPIC_TITLES, _WORDS  # noqa: E402 - after the path fix
from warta.replica.loopback import LoopbackServers  # noqa: E402

PER_SITEMAP = 10_000
BASE_TIME = datetime(2024, 11, 1, tzinfo=timezone.utc)
_PLACES = ("Sampit", "Pangkalan Bun", "Tenggarong", "Banjarmasin", "Palangka Raya", "Samarinda", "Martapura",
           "Kuala Kapuas", "Muara Teweh", "Balikpapan")


class BigSite(LoopbackServers):
    def __init__(self, n: int, seed: int = 7, host: str = "127.0.0.1") -> None:
        self.n = n
        self.seed = seed
        self.host = host
        self.versions: dict[int, int] = {}  # index -> version, only for changed articles
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._base = ""
        super().__init__()

    # ---- content -------------------------------------------------------------------------

    def slug(self, i: int) -> str:
        r = random.Random(self.seed * 1_000_003 + i)
        return "-".join(r.sample(_WORDS, 5))

    def path(self, i: int) -> str:
        return f"/berita/{i}/{self.slug(i)}"

    def article_urls(self) -> list[str]:
        return [self.base.rstrip("/") + self.path(i) for i in range(self.n)]

    def modified(self, i: int) -> datetime:
        # Spread over a month; a changed article is a day newer per version.
        return BASE_TIME + timedelta(seconds=(i * 37) % (30 * 86400)) + timedelta(days=self.versions.get(i, 0))

    def change(self, share: float, seed: int = 1) -> list[int]:
        picked = random.Random(seed).sample(range(self.n), int(self.n * share))
        for i in picked:
            self.versions[i] = self.versions.get(i, 0) + 1
        return picked

    def article(self, i: int) -> bytes:
        v = self.versions.get(i, 0)
        r = random.Random(f"{self.seed}-{i}-{v}")
        place = r.choice(_PLACES)
        title = r.choice(_TOPIC_TITLES).format(inst="Bawaslu " + place, race=r.choice(_RACES), place=place)
        paras = [" ".join(r.choices(_WORDS, k=r.randint(35, 60))).capitalize() + "." for _ in range(r.randint(5, 8))]
        paras[0] = f"{place.upper()} - {paras[0]}"
        if v:
            paras.append(f"Pembaruan ke-{v}: {' '.join(r.choices(_WORDS, k=30))}.")
        e = html.escape
        published = self.modified(i) - timedelta(days=v)
        related = "".join(f'<li><a href="{self.path((i + k) % self.n)}">Berita {k}</a></li>' for k in range(1, 6))
        return (
            f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{e(title)} | Warta Sintetis</title>'
            f'<meta property="article:published_time" content="{published.isoformat()}">'
            f'<link rel="canonical" href="{self.base.rstrip("/")}{self.path(i)}"></head><body>'
            f'<header><a href="/">Beranda</a> <a href="/berita">Berita</a></header>'
            f'<article><h1>{e(title)}</h1><div class="info">{published:%d/%m/%Y %H:%M} WIB</div>'
            f'<div class="isi">{"".join(f"<p>{e(p)}</p>" for p in paras)}</div></article>'
            f'<aside><h3>Berita Lainnya</h3><ul>{related}</ul></aside>'
            f'<footer>Hak cipta 2024 Warta Sintetis</footer></body></html>'
        ).encode("utf-8")

    def sitemap(self, k: int) -> bytes:
        lo, hi = k * PER_SITEMAP, min(self.n, (k + 1) * PER_SITEMAP)
        base = self.base.rstrip("/")
        urls = "".join(f"<url><loc>{base}{self.path(i)}</loc><lastmod>{self.modified(i).isoformat()}</lastmod></url>"
                       for i in range(lo, hi))
        return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{urls}</urlset>").encode()

    def sitemap_index(self) -> bytes:
        count = -(-self.n // PER_SITEMAP)
        items = "".join(f"<sitemap><loc>{self.base}sitemap-{k}.xml</loc></sitemap>" for k in range(count))
        return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>').encode()

    def route(self, path: str) -> tuple[int, bytes, str, datetime | None]:
        if path == "/robots.txt":
            return 200, f"User-agent: *\nDisallow: /cari\nSitemap: {self.base}sitemap_index.xml\n".encode(), \
                "text/plain; charset=utf-8", None
        if path == "/sitemap_index.xml":
            return 200, self.sitemap_index(), "application/xml", None
        if path.startswith("/sitemap-") and path.endswith(".xml"):
            k = int(path[len("/sitemap-"):-4])
            if 0 <= k * PER_SITEMAP < self.n:
                return 200, self.sitemap(k), "application/xml", None
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "berita" and parts[2].isdigit():
            i = int(parts[2])
            if i < self.n and parts[3] == self.slug(i):
                return 200, self.article(i), "text/html; charset=utf-8", self.modified(i)
        return 404, b"tidak ada", "text/plain; charset=utf-8", None

    # ---- HTTP ----------------------------------------------------------------------------

    def _record(self, status: int, sent: int, conditional: bool) -> None:
        with self._lock:
            self._counts["requests"] += 1
            self._counts["bytes"] += sent
            self._counts[f"status_{status}"] += 1
            self._counts["conditional"] += conditional

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    def start(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle on, the body waits for the
            # client's delayed ACK of the headers: 40+ ms per response on loopback, which
            # capped any crawler (bare Scrapy too) at ~14 pages/s at 2 connections.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base-class signature
                pass

            def do_GET(self) -> None:
                status, body, ctype, modified = site.route(self.path.split("?")[0])
                headers = {"Content-Type": ctype}
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if status == 200:
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    headers["ETag"] = etag
                    if modified:
                        headers["Last-Modified"] = format_datetime(modified, usegmt=True)
                    if inm is not None:
                        fresh = etag in [t.strip() for t in inm.split(",")]
                    else:
                        fresh = bool(ims and modified and modified <= parsedate_to_datetime(ims))
                    if fresh:
                        status, body = 304, b""
                        headers.pop("Content-Type")
                site._record(status, len(body), bool(inm or ims))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer((self.host, 0), Handler)
        self._base = f"http://{self.host}:{server.server_address[1]}/"
        self._serve("big", server, "big-site")
        return self.base

    @property
    def base(self) -> str:
        assert self._base, "start() first"
        return self._base

    def source_entry(self, concurrency: int = 8) -> dict[str, Any]:
        """A registry entry (warta.sources) for this site, politeness off: loopback only."""
        return {
            "id": "bench-big", "name": "Warta Sintetis (bench)", "type": "news", "base_url": self.base,
            "region": {"province": "Kalimantan Tengah", "kabkota": ""}, "timezone": "WIB", "verified": True,
            "discovery": {"sitemaps": [self.base + "sitemap_index.xml"]},
            "allow": [r"/berita/\d+/[a-z-]+$"], "deny": [],
            "politeness": {"concurrency": concurrency, "delay": 0.0},
            "selectors": {"body": "div.isi"}, "notes": "bench/big_site.py",
        }
