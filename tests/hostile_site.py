"""Hostile loopback sites for reliability tests: each misbehaviour on its own server (its own
download slot), each listing one good article beside its bad ones.

    with HostileSites() as hs:
        entries = hs.sources()        # registry entries, one source per behaviour
        hs.good_urls()                # the articles a correct crawl still stores
        hs.hits("calendar")           # requests each site received

Behaviours (mode → source id `hostile-<mode>`):
  timeout    articles answer after SLOW seconds (longer than the test's download_timeout)
  flaky      listing 503 twice then 200; one article 500 twice then 200; one always 502
  reset      articles close the connection with a TCP RST
  drip       articles send their body one byte at a time
  malformed  broken markup, stray NULs, undecodable bytes
  charset    cp1252 bytes declared UTF-8, and UTF-8 without any declared charset
  huge       20 MB pages, with and without Content-Length (must be cut by DOWNLOAD_MAXSIZE)
  redirect   two articles redirecting to each other forever
  calendar   an endless "next month" chain (max_pages 500) with no article after the first page
  forbidden  403 for every path, robots.txt included
"""

from __future__ import annotations

import random
import socket
import struct
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from warta.replica.loopback import LoopbackServers

MODES = ("timeout", "flaky", "reset", "drip", "malformed", "charset", "huge", "redirect", "calendar", "forbidden")
SLOW = 4.0  # seconds the `timeout` site waits; tests use a download_timeout well below it
HUGE = 20 * 1024 * 1024

_WORDS = ("pemilihan kepala daerah bawaslu kabupaten pengawas kampanye tahapan logistik surat suara "
          "pemungutan penghitungan rekapitulasi kecamatan desa kelurahan petugas panitia relawan "
          "calon bupati wakil gubernur warga sosialisasi netralitas aparatur sipil negara pelanggaran "
          "laporan temuan sidang sengketa hasil partai koalisi debat publik gedung aula rapat pleno "
          "terbuka anggaran hibah distribusi gudang kotak segel tinta formulir saksi pemantau").split()

GOOD_TITLE = "Bawaslu {mode} awasi tahapan pilkada"


def article_html(mode: str, n: int, title: str | None = None, extra: str = "", charset_meta: str = "utf-8") -> str:
    """A plausible election article of ~220 words, unique per (mode, n)."""
    rng = random.Random(f"{mode}-{n}")
    paras = []
    for _ in range(6):
        paras.append(" ".join(rng.choice(_WORDS) for _ in range(38)).capitalize() + ".")
    title = title or f"Pengawas {mode} {n} meninjau {rng.choice(_WORDS)} {rng.choice(_WORDS)}"
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<!DOCTYPE html><html lang=\"id\"><head>{meta}<title>{title} | Hostile {mode}</title>"
            f'<meta property="article:published_time" content="2024-10-{10 + n:02d}T08:00:00+07:00"></head>'
            f"<body><header><a href=\"/\">Beranda</a></header><article><h1>{title}</h1>"
            f"<div class=\"isi\"><p>SAMPIT, {extra}</p>{body}</div></article>"
            f"<footer>Hak cipta</footer></body></html>")


def listing_html(links: list[str], next_href: str = "") -> str:
    items = "".join(f'<li><a href="{h}">Berita {i}</a></li>' for i, h in enumerate(links))
    nxt = f'<a rel="next" href="{next_href}">Berikutnya</a>' if next_href else ""
    return f"<html><head><title>Berita</title></head><body><ul>{items}</ul>{nxt}</body></html>"


GOOD = "/berita/99/artikel-baik"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ANN401
        pass  # the client hanging up on a slow or huge answer is the point; keep test output clean


class HostileSites(LoopbackServers):
    def __init__(self, modes: tuple[str, ...] = MODES) -> None:
        self.modes = modes
        self.stopping = threading.Event()
        super().__init__()
        self._hits: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    # -- lifecycle
    def start(self) -> dict[str, str]:
        for mode in self.modes:
            self._serve(mode, _Server(("127.0.0.1", 0), _handler(self, mode)), f"hostile-{mode}")
        return self.urls

    def stop(self) -> None:
        self.stopping.set()  # releases handlers that hold a connection open (slow drip, hangs)
        super().stop()

    @property
    def urls(self) -> dict[str, str]:
        return {m: f"http://127.0.0.1:{s.server_address[1]}/" for m, s in self._servers.items()}

    # -- bookkeeping
    def hit(self, mode: str, path: str) -> int:
        with self._lock:
            self._hits[(mode, path)] += 1
            return self._hits[(mode, path)]

    def hits(self, mode: str) -> int:
        with self._lock:
            return sum(n for (m, _), n in self._hits.items() if m == mode)

    def good_urls(self) -> dict[str, str]:
        """source id → the good article's canonical URL, for every site that has one."""
        out = {f"hostile-{m}": self.urls[m] + GOOD.lstrip("/") for m in self.modes if m != "forbidden"}
        out["hostile-flaky-recovered"] = self.urls["flaky"] + "berita/1/pulih" if "flaky" in self.modes else ""
        return {k: v for k, v in out.items() if v}

    def sources(self, template: dict[str, Any]) -> list[dict[str, Any]]:
        """Registry entries; `template` is a replica entry to borrow type/region/timezone from."""
        out = []
        for mode, base in self.urls.items():
            listing = base + ("agenda/2024/01" if mode == "calendar" else "berita")
            out.append({
                "id": f"hostile-{mode}",
                "name": f"Hostile {mode}",
                "type": template["type"],
                "base_url": base,
                "region": dict(template["region"]),
                "timezone": template["timezone"],
                "verified": True,
                "discovery": {"probe_sitemaps": False,
                              "listings": [{"url": listing, "max_pages": 500 if mode == "calendar" else 3}]},
                "allow": [r"/berita/\d+/[a-z0-9-]+$"],
                "deny": [],
                "politeness": {"concurrency": 2, "delay": 0.0},
                "selectors": {"body": "div.isi"},
                "notes": f"hostile test site: {mode}",
            })
        return out


BAD_LINKS = {
    "timeout": ["/berita/1/lambat-sekali", "/berita/2/lambat-juga"],
    "flaky": ["/berita/1/pulih", "/berita/2/rusak-terus"],
    "reset": ["/berita/1/putus", "/berita/2/putus-lagi"],
    "drip": ["/berita/1/menetes"],
    "malformed": ["/berita/1/rusak-markup", "/berita/2/biner"],
    "charset": ["/berita/1/salah-charset", "/berita/2/tanpa-charset"],
    "huge": ["/berita/1/raksasa", "/berita/2/raksasa-mengalir"],
    "redirect": ["/berita/1/putar-a"],
    "calendar": [],
    "forbidden": [],
}

CHARSET_TEXT = "“Politik uang” di Sampit – Rp 5 juta dibagikan, kata Señor Pérez"


def _handler(sites: HostileSites, mode: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: with Nagle on, each keep-alive
        # response waits ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def send(self, status: int, body: bytes | str, ctype: str = "text/html; charset=utf-8",
                 headers: dict[str, str] | None = None) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: C901 - one branch per behaviour
            path = urlsplit(self.path).path
            n = sites.hit(mode, path)
            if mode == "forbidden":
                return self.send(403, "<h1>403 Forbidden</h1>")
            if path == "/robots.txt":
                return self.send(404, "not found", "text/plain")
            if path == GOOD:
                return self.send(200, article_html(mode, 99, GOOD_TITLE.format(mode=mode)))
            if mode == "calendar":
                if path.startswith("/agenda/"):
                    y, m = (int(x) for x in path.split("/")[2:4])
                    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
                    links = [GOOD] if n == 1 and path == "/agenda/2024/01" else []
                    links += [f"/agenda/{y}/{m:02d}/{d:02d}" for d in range(1, 29)]
                    return self.send(200, listing_html(links, f"/agenda/{y}/{m:02d}"))
                return self.send(404, "tidak ada")
            if path == "/berita":
                if mode == "flaky" and n <= 2:
                    return self.send(503, "sibuk")
                return self.send(200, listing_html([*BAD_LINKS[mode], GOOD]))
            if path not in BAD_LINKS[mode] and path != "/berita/1/putar-b":
                return self.send(404, "tidak ada")
            return getattr(self, f"bad_{mode}")(path, n)

        # -- the misbehaviours
        def bad_timeout(self, path: str, n: int) -> None:
            sites.stopping.wait(SLOW)
            try:
                self.send(200, article_html("timeout", int(path.split("/")[2])))
            except OSError:
                pass

        def bad_flaky(self, path: str, n: int) -> None:
            if path == "/berita/1/pulih" and n > 2:
                return self.send(200, article_html("flaky", 1, "Bawaslu flaky pulih setelah gangguan"))
            self.send(500 if path.endswith("pulih") else 502, "galat server")

        def bad_reset(self, path: str, n: int) -> None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def bad_drip(self, path: str, n: int) -> None:
            page = article_html("drip", 1).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            try:
                for b in page:
                    if sites.stopping.wait(0.1):
                        break
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True

        def bad_malformed(self, path: str, n: int) -> None:
            if path.endswith("biner"):
                junk = bytes(random.Random(7).randrange(256) for _ in range(30_000))
                return self.send(200, junk)
            page = article_html("malformed", 1, "Bawaslu malformed <b>rapat <i>pleno")
            page = page.replace("</p>", "", 3).replace("</div>", "<div><span>", 1).replace("</html>", "")
            data = page.encode() + b"\x00\xff\xfe<<<>>> <p <a href='<script>'>" + b"\xc3\x28" * 50
            self.send(200, data)

        def bad_charset(self, path: str, n: int) -> None:
            if path.endswith("salah-charset"):  # cp1252 bytes, declared UTF-8 in header and meta
                page = article_html("charset", 1, "Bawaslu charset salah", CHARSET_TEXT)
                return self.send(200, page.encode("cp1252"), "text/html; charset=utf-8")
            page = article_html("charset", 2, "Bawaslu charset tanpa", CHARSET_TEXT, charset_meta="")
            self.send(200, page.encode("utf-8"), "text/html")

        def bad_huge(self, path: str, n: int) -> None:
            head = article_html("huge", 1).encode()
            chunk = b"<p>" + b"suara " * 10_000 + b"</p>\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if path.endswith("raksasa"):
                self.send_header("Content-Length", str(HUGE))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            sent = 0
            try:
                self.wfile.write(head)
                sent += len(head)
                while sent < HUGE and not sites.stopping.is_set():
                    part = chunk[: HUGE - sent]
                    self.wfile.write(part)
                    sent += len(part)
            except OSError:
                pass

        def bad_redirect(self, path: str, n: int) -> None:
            target = "/berita/1/putar-b" if path.endswith("putar-a") else "/berita/1/putar-a"
            self.send(302, "", headers={"Location": target})

    return Handler
