"""Page rendering for the four replica sites, built from `content/articles.yaml`.

Each site imitates one family of real Indonesian regional publishers closely
enough that the crawler needs the same discovery, robots, canonicalisation and
boilerplate handling it needs on the web: a regency media-centre portal (no
feed, no sitemap), a WordPress outlet, a Bawaslu site with robots rules and
soft-404s, and a noisy news portal with AMP pages and a calendar trap.

Rendering is pure: `SiteApp.handle(path, query)` returns a `Page`; the HTTP
layer (server.py) adds conditional-request handling and logging.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable
from urllib.parse import parse_qs

import yaml

SITE_NAMES: tuple[str, ...] = ("mmc", "wp", "bawaslu", "portal")

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
OFFSETS = {"WIB": 7, "WITA": 8, "WIT": 9}

# The replica's "today": fixed so rendered pages (and their ETags) never change
# between runs, and the calendar trap has a stable starting month.
TODAY = date(2024, 12, 12)


@dataclass(frozen=True)
class SiteInfo:
    name: str
    source_id: str
    title: str
    brand: str
    source_type: str
    timezone: str
    province: str
    kabkota: str

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(hours=OFFSETS[self.timezone]), self.timezone)


SITES: dict[str, SiteInfo] = {
    "mmc": SiteInfo("mmc", "replica-mmc", "Media Center Kabupaten Kotawaringin Barat", "MMC Kobar",
                    "government", "WIB", "Kalimantan Tengah", "Kotawaringin Barat"),
    "wp": SiteInfo("wp", "replica-wp", "Banua Warta", "banuawarta.id",
                   "news", "WITA", "Kalimantan Selatan", ""),
    "bawaslu": SiteInfo("bawaslu", "replica-bawaslu", "Bawaslu Kabupaten Kutai Kartanegara", "Bawaslu Kukar",
                        "election_body", "WITA", "Kalimantan Timur", "Kutai Kartanegara"),
    "portal": SiteInfo("portal", "replica-portal", "Kalteng Terkini", "KaltengTerkini",
                       "news", "WIB", "Kalimantan Tengah", ""),
}


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class CorpusArticle:
    key: str
    cluster: str
    topic: str
    title: str
    province: str
    kabkota: str
    election: bool
    event: date
    dateline: str
    tags: tuple[str, ...]
    caption: str
    paragraphs: tuple[str, ...]
    sites: tuple[str, ...]


@dataclass(frozen=True)
class Copy:
    """One article as published on one site (syndicated stories have several)."""

    article: CorpusArticle
    site: str
    slug: str
    title: str
    published: datetime
    modified: datetime
    author: str
    editor: str
    credit: str
    dateline: str
    paragraphs: tuple[str, ...]  # rendered text, without the dateline prefix or credit
    number: int  # numeric post id (mmc URLs, WordPress ?p=)

    @property
    def key(self) -> str:
        return self.article.key


@dataclass(frozen=True)
class Comment:
    name: str
    text: str


@dataclass(frozen=True)
class Corpus:
    articles: tuple[CorpusArticle, ...]
    copies: tuple[Copy, ...]
    comments: tuple[Comment, ...]

    def for_site(self, site: str) -> list[Copy]:
        """Newest first, as every listing and feed shows them."""
        return sorted((c for c in self.copies if c.site == site), key=lambda c: c.published, reverse=True)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def hari(d: date, site: str) -> str:
    """The event date as each site writes it inside running text."""
    day = DAYS[d.weekday()]
    if site == "mmc":
        return f"{day} ({d:%d/%m/%Y})"
    if site == "wp":
        return f"{day} ({d.day}/{d.month}/{d.year})"
    if site == "portal":
        return f"{day} ({d.day}/{d.month})"
    return f"{day}, {d.day} {MONTHS[d.month - 1]} {d.year}"


def long_date(dt: datetime, tz_name: str, sep: str = " ") -> str:
    """'Rabu, 27 November 2024 10:15 WIB' with a site-specific separator before the time."""
    return f"{DAYS[dt.weekday()]}, {dt.day} {MONTHS[dt.month - 1]} {dt.year}{sep}{dt:%H:%M} {tz_name}"


def _parse_local(value: str, tz: timezone) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=tz)


@lru_cache(maxsize=1)
def load_corpus() -> Corpus:
    raw = yaml.safe_load(resources.files("warta.replica").joinpath("content/articles.yaml").read_text("utf-8"))
    articles: list[CorpusArticle] = []
    copies: list[Copy] = []
    for item in raw["articles"]:
        event = item["event"] if isinstance(item["event"], date) else date.fromisoformat(item["event"])
        art = CorpusArticle(
            key=item["key"], cluster=item.get("cluster", item["key"]), topic=item.get("topic", ""),
            title=item["title"], province=item["region"]["province"], kabkota=item["region"].get("kabkota", ""),
            election=bool(item["election"]), event=event, dateline=item["dateline"],
            tags=tuple(item.get("tags", [])), caption=item.get("caption", ""),
            paragraphs=tuple(item["paragraphs"]), sites=tuple(item["sites"]),
        )
        articles.append(art)
        for site, v in item["sites"].items():
            info = SITES[site]
            paras = list(art.paragraphs)
            if v.get("intro"):
                paras[0] = v["intro"]
            if v.get("trim_last"):
                paras = paras[:-1]
            when = hari(event, site)
            published = _parse_local(v["date"], info.tz)
            title = v.get("title", art.title)
            copies.append(Copy(
                article=art, site=site, slug=v.get("slug") or slugify(title), title=title,
                published=published,
                modified=_parse_local(v["updated"], info.tz) if v.get("updated") else published,
                author=v.get("author", ""), editor=v.get("editor", "Redaksi"), credit=v.get("credit", ""),
                dateline=v.get("dateline", art.dateline),
                paragraphs=tuple(p.replace("{hari}", when) for p in paras), number=0,
            ))
    # Post ids grow with publication time, as in a real CMS; the gaps stand for
    # posts that exist on the real site but not in the replica.
    numbered: list[Copy] = []
    for site in SITE_NAMES:
        own = sorted((c for c in copies if c.site == site), key=lambda c: c.published)
        base = {"mmc": 4100, "wp": 21500, "bawaslu": 900, "portal": 73000}[site]
        for i, c in enumerate(own):
            numbered.append(_replace(c, number=base + i * 7 + (i * i) % 5))
        slugs = [c.slug for c in own]
        if len(slugs) != len(set(slugs)):
            raise ValueError(f"duplicate slug on replica site {site!r}")
    comments = tuple(Comment(c["name"], c["text"]) for c in raw.get("comments", []))
    return Corpus(tuple(articles), tuple(numbered), comments)


def _replace(c: Copy, **changes: Any) -> Copy:
    from dataclasses import replace

    return replace(c, **changes)


# --------------------------------------------------------------------------- pages


@dataclass
class Page:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    last_modified: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "page"  # article | listing | feed | sitemap | robots | soft404 | disallowed | binary | redirect | notfound


def e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_page(body: str, kind: str = "page", status: int = 200, last_modified: datetime | None = None) -> Page:
    return Page(status, body.encode("utf-8"), kind=kind, last_modified=last_modified)


def _xml_page(body: str, kind: str, content_type: str = "application/xml; charset=utf-8",
              last_modified: datetime | None = None) -> Page:
    return Page(200, body.encode("utf-8"), content_type=content_type, kind=kind, last_modified=last_modified)


def _rfc822(dt: datetime) -> str:
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    off = dt.utcoffset() or timedelta(0)
    hours, minutes = divmod(int(off.total_seconds()) // 60, 60)
    return (f"{days[dt.weekday()]}, {dt.day:02d} {months[dt.month - 1]} {dt.year} "
            f"{dt:%H:%M:%S} {'+' if off >= timedelta(0) else '-'}{abs(hours):02d}{minutes:02d}")


# A 1x1 GIF so article images render in a browser during `warta demo`.
_PIXEL = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")

# Smallest well-formed PDF: the crawler must recognise it by type and skip it.
_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
        b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
        b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n")


class SiteApp:
    """Routes requests of one site; subclasses render the site's own markup."""

    name = ""
    disallowed_prefixes: tuple[str, ...] = ()

    def __init__(self, base_url: str, corpus: Corpus | None = None) -> None:
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        self.corpus = corpus or load_corpus()
        self.info = SITES[self.name]
        self.copies = self.corpus.for_site(self.name)

    # -- urls
    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")

    def article_path(self, c: Copy) -> str:
        raise NotImplementedError

    def article_url(self, c: Copy) -> str:
        return self.url(self.article_path(c))

    def non_article_paths(self) -> list[str]:
        raise NotImplementedError

    def is_disallowed(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.disallowed_prefixes)

    # -- routing
    def handle(self, path: str, query: str) -> Page:
        if path.startswith("/uploads/") and path.endswith((".jpg", ".png", ".gif")):
            return Page(200, _PIXEL, content_type="image/gif", kind="binary")
        page = self.route(path, parse_qs(query, keep_blank_values=True))
        return page or self.not_found()

    def route(self, path: str, q: dict[str, list[str]]) -> Page | None:
        raise NotImplementedError

    def not_found(self) -> Page:
        body = (f"<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>"
                f"<body><h1>404 Not Found</h1><p>{e(self.info.title)}</p></body></html>")
        return _html_page(body, kind="notfound", status=404)

    def redirect(self, location: str, status: int = 301) -> Page:
        return Page(status, b"", headers={"Location": location}, kind="redirect")

    def by_path(self) -> dict[str, Copy]:
        return {self.article_path(c): c for c in self.copies}

    def neighbour(self, c: Copy) -> Copy:
        """An older story on the same site for "Baca Juga" (the newest points at the second)."""
        i = self.copies.index(c)
        return self.copies[i + 1] if i + 1 < len(self.copies) else self.copies[i - 1]

    @staticmethod
    def page_number(q: dict[str, list[str]]) -> int | None:
        raw = q.get("page", ["1"])[0]
        return int(raw) if raw.isdigit() and int(raw) >= 1 else None

    def latest_modified(self) -> datetime:
        return max(c.modified for c in self.copies)

    def image_path(self, c: Copy) -> str:
        return f"/uploads/{c.published:%Y/%m}/{c.slug[:40]}.jpg"


def _page_slice(items: list[Copy], page: int, size: int) -> list[Copy] | None:
    chunk = items[(page - 1) * size: page * size]
    return chunk if chunk or page == 1 else None


def _excerpt(c: Copy, words: int = 28) -> str:
    text = c.paragraphs[0].split()
    return " ".join(text[:words]) + (" …" if len(text) > words else "")


# --------------------------------------------------------------------------- mmc


class MmcSite(SiteApp):
    """Regency media-centre portal: listings only, no feed, no sitemap, no robots.txt."""

    name = "mmc"
    per_page = 5

    def article_path(self, c: Copy) -> str:
        return f"/berita/{c.number}/{c.slug}"

    def pages(self) -> int:
        return -(-len(self.copies) // self.per_page)

    def non_article_paths(self) -> list[str]:
        return ["/", "/berita", *[f"/berita?page={n}" for n in range(1, self.pages() + 1)], "/galeri", "/agenda"]

    def chrome(self, title: str, main: str, head: str = "") -> str:
        nav = "".join(f'<li><a href="{h}">{e(t)}</a></li>' for h, t in
                      (("/", "Beranda"), ("/berita", "Berita"), ("/galeri", "Galeri"), ("/agenda", "Agenda")))
        return (
            f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{head}</head><body>'
            f'<header class="site-header"><div class="logo"><a href="/">{e(self.info.title)}</a></div>'
            f'<p class="tagline">Portal Informasi Resmi Pemerintah Kabupaten Kotawaringin Barat</p>'
            f'<nav class="main-nav"><ul>{nav}</ul></nav></header>'
            f'<main class="container">{main}</main>'
            f'<footer class="site-footer"><p>&copy; 2024 Dinas Komunikasi, Informatika, Statistik dan Persandian '
            f'Kabupaten Kotawaringin Barat. Jl. Sutan Syahrir, Pangkalan Bun.</p></footer></body></html>'
        )

    def route(self, path: str, q: dict[str, list[str]]) -> Page | None:
        if path == "/":
            items = "".join(self._item(c) for c in self.copies[:5])
            return _html_page(self.chrome(self.info.title, f'<h2>Berita Terkini</h2><ul class="list-berita">{items}</ul>'
                                          f'<p><a href="/berita">Indeks Berita</a></p>'), "listing")
        if path == "/berita":
            return self.listing(q)
        if path == "/galeri":
            figs = "".join(f'<figure><img src="{self.image_path(c)}" alt="{e(c.title)}">'
                           f'<figcaption>{e(c.article.caption)}</figcaption></figure>' for c in self.copies[:8])
            return _html_page(self.chrome("Galeri Foto", f'<h1>Galeri Foto Kegiatan</h1><div class="galeri">{figs}</div>'))
        if path == "/agenda":
            rows = "".join(f"<tr><td>{d}</td><td>{e(t)}</td><td>{e(p)}</td></tr>" for d, t, p in (
                ("Senin, 16 Desember 2024", "Rapat Koordinasi Evaluasi Pilkada", "Aula Setda Kobar"),
                ("Rabu, 18 Desember 2024", "Musrenbang Tematik Penurunan Stunting", "Bappeda Kobar"),
                ("Jumat, 20 Desember 2024", "Senam Bersama dan Pasar Murah", "Bundaran Pancasila"),
            ))
            return _html_page(self.chrome("Agenda Kegiatan", "<h1>Agenda Kegiatan Pemerintah Daerah</h1>"
                                          f'<table class="agenda"><tr><th>Tanggal</th><th>Kegiatan</th><th>Tempat</th></tr>{rows}</table>'))
        m = re.fullmatch(r"/berita/(\d+)/([a-z0-9-]+)", path)
        if m:
            c = self.by_path().get(path)
            return self.article(c) if c else None
        return None

    def _item(self, c: Copy) -> str:
        return (f'<li class="item"><a href="{self.article_path(c)}"><img src="{self.image_path(c)}" alt=""></a>'
                f'<h3><a href="{self.article_path(c)}">{e(c.title)}</a></h3>'
                f'<span class="tanggal">{e(long_date(c.published, "WIB", " - "))}</span>'
                f'<p>{e(_excerpt(c))}</p></li>')

    def listing(self, q: dict[str, list[str]]) -> Page | None:
        page = self.page_number(q)
        chunk = _page_slice(self.copies, page, self.per_page) if page else None
        if chunk is None or page is None:
            return None
        head, pager = "", []
        if page > 1:
            head += f'<link rel="prev" href="/berita?page={page - 1}">'
            pager.append(f'<a rel="prev" href="/berita?page={page - 1}">&laquo; Sebelumnya</a>')
        pager += [f'<a href="/berita?page={n}">{n}</a>' if n != page else f"<span>{n}</span>"
                  for n in range(1, self.pages() + 1)]
        if page < self.pages():
            head += f'<link rel="next" href="/berita?page={page + 1}">'
            pager.append(f'<a rel="next" href="/berita?page={page + 1}">Selanjutnya &raquo;</a>')
        items = "".join(self._item(c) for c in chunk)
        main = (f'<h1>Berita</h1><ul class="list-berita">{items}</ul>'
                f'<div class="pagination">{" ".join(pager)}</div>')
        return _html_page(self.chrome(f"Berita - Halaman {page} - {self.info.brand}", main, head), "listing")

    def article(self, c: Copy) -> Page:
        paras = [e(p) for p in c.paragraphs]
        paras[0] = f"{e(c.dateline)}, {e(self.info.brand)} &ndash; {paras[0]}"
        paras[-1] = f"{paras[-1]} {e(c.credit)}"
        other = self.neighbour(c)
        body = [f"<p>{p}</p>" for p in paras]
        body.insert(len(body) // 2, f'<p><strong>Baca Juga:</strong> <a href="{self.article_path(other)}">{e(other.title)}</a></p>')
        main = (
            f'<article class="post"><h1 class="post-title">{e(c.title)}</h1>'
            f'<div class="post-meta"><span class="tanggal">{e(long_date(c.published, "WIB", " - "))}</span> | '
            f'<span class="penulis">{e(c.author)}</span> | Dibaca {100 + c.number % 900} kali</div>'
            f'<figure class="post-image"><img src="{self.image_path(c)}" alt="{e(c.title)}">'
            f'<figcaption>Foto: {e(c.article.caption)}</figcaption></figure>'
            f'<div class="post-content">{"".join(body)}</div>'
            f'<div class="share">Bagikan: <a href="https://www.facebook.com/sharer.php">Facebook</a> '
            f'<a href="https://twitter.com/intent/tweet">Twitter</a> <a href="https://wa.me/">WhatsApp</a> '
            f'<a href="https://t.me/share">Telegram</a></div></article>'
            f'<aside><h3>Berita Lainnya</h3><ul>{"".join(self._item(o) for o in self.copies[:3] if o is not c)}</ul></aside>'
        )
        head = f'<meta name="description" content="{e(_excerpt(c, 24))}">'
        return _html_page(self.chrome(f"{c.title} - {self.info.brand}", main, head), "article", last_modified=c.modified)


# --------------------------------------------------------------------------- wp


class WpSite(SiteApp):
    """WordPress outlet: feed, Yoast-style sitemaps, categories, tags, comments."""

    name = "wp"
    per_page = 5
    disallowed_prefixes = ("/wp-admin/",)
    static_pages = {
        "tentang-kami": ("Tentang Kami", "Banua Warta adalah media daring yang memberitakan peristiwa di Kalimantan "
                                        "Selatan dan sekitarnya, dikelola oleh tim jurnalis di Banjarmasin."),
        "redaksi": ("Redaksi", "Pemimpin Redaksi: Lukman Hakim. Redaktur: Nadia Putri, Rahmad Syarifudin. "
                               "Reporter daerah: Bayu Saputro."),
        "kontak": ("Kontak", "Alamat redaksi: Jl. A. Yani Km 4, Banjarmasin. Surel: redaksi@banuawarta.id."),
    }

    def article_path(self, c: Copy) -> str:
        return f"/{c.published:%Y/%m/%d}/{c.slug}/"

    def category_of(self, c: Copy) -> str:
        return "pilkada" if c.article.election else "daerah"

    def in_category(self, cat: str) -> list[Copy]:
        return [c for c in self.copies if self.category_of(c) == cat]

    def tags(self) -> dict[str, list[Copy]]:
        out: dict[str, list[Copy]] = {}
        for c in self.copies:
            for t in c.article.tags:
                out.setdefault(slugify(t), []).append(c)
        return out

    def comments_for(self, c: Copy) -> list[tuple[int, Comment]]:
        pool = self.corpus.comments
        n = 2 + c.number % 2
        return [(c.number * 10 + i, pool[(c.number + i * 3) % len(pool)]) for i in range(n)]

    def non_article_paths(self) -> list[str]:
        out = ["/", "/feed/", "/sitemap_index.xml", "/post-sitemap.xml", "/page-sitemap.xml", "/robots.txt"]
        for cat in ("pilkada", "daerah"):
            n = -(-len(self.in_category(cat)) // self.per_page)
            out.append(f"/category/{cat}/")
            out += [f"/category/{cat}/page/{i}/" for i in range(2, n + 1)]
        out += [f"/tag/{t}/" for t in self.tags()]
        out += [f"/{p}/" for p in self.static_pages]
        for c in self.copies:
            cid = self.comments_for(c)[0][0]
            out.append(f"{self.article_path(c)}?replytocom={cid}")
        return out

    def chrome(self, title: str, main: str, head: str = "", body_class: str = "") -> str:
        menu = "".join(f'<li class="menu-item"><a href="{h}">{e(t)}</a></li>' for h, t in (
            ("/", "Beranda"), ("/category/pilkada/", "Pilkada"), ("/category/daerah/", "Daerah"),
            ("/tentang-kami/", "Tentang Kami"), ("/redaksi/", "Redaksi"), ("/kontak/", "Kontak")))
        return (
            f'<!DOCTYPE html><html lang="id-ID"><head><meta charset="UTF-8"><title>{e(title)}</title>'
            f'<meta name="generator" content="WordPress 6.4.2">'
            f'<link rel="alternate" type="application/rss+xml" title="Banua Warta &raquo; Feed" href="{self.url("feed/")}">'
            f'{head}</head><body class="{body_class}">'
            f'<div id="page" class="site"><header id="masthead" class="site-header">'
            f'<p class="site-title"><a href="{self.base}" rel="home">Banua Warta</a></p>'
            f'<p class="site-description">Kabar Banua, Cepat dan Berimbang</p>'
            f'<nav id="site-navigation" class="main-navigation"><ul id="primary-menu">{menu}</ul></nav>'
            f'<form role="search" class="search-form" action="/"><input type="search" name="s" placeholder="Cari &hellip;"></form>'
            f'</header><div id="content" class="site-content"><main id="main" class="site-main">{main}</main>'
            f'<aside id="secondary" class="widget-area"><section class="widget"><h2 class="widget-title">Iklan</h2>'
            f'<div class="iklan-sidebar"><img src="/uploads/iklan/banner-300x250.jpg" alt="Iklan"></div></section></aside></div>'
            f'<footer id="colophon" class="site-footer"><div class="site-info">&copy; 2024 Banua Warta. '
            f'PT Banua Warta Media. Semua hak dilindungi.</div></footer></div></body></html>'
        )

    def route(self, path: str, q: dict[str, list[str]]) -> Page | None:
        if path == "/robots.txt":
            text = (f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
                    f"Sitemap: {self.url('sitemap_index.xml')}\n")
            return Page(200, text.encode(), content_type="text/plain; charset=utf-8", kind="robots")
        if path == "/":
            if "p" in q:  # the feed's guid form, which WordPress redirects to the permalink
                hit = [c for c in self.copies if str(c.number) == q["p"][0]]
                return self.redirect(self.article_url(hit[0])) if hit else None
            return self.archive("Banua Warta – Kabar Banua", self.copies, 1, "/")
        if path == "/feed/":
            return self.feed()
        if path == "/sitemap_index.xml":
            return self.sitemap_index()
        if path == "/post-sitemap.xml":
            return self.urlset([(self.article_url(c), c.modified) for c in reversed(self.copies)])
        if path == "/page-sitemap.xml":
            return self.urlset([(self.base, self.latest_modified())] +
                               [(self.url(f"{p}/"), datetime(2023, 6, 1, tzinfo=self.info.tz)) for p in self.static_pages])
        m = re.fullmatch(r"/category/(pilkada|daerah)/(?:page/(\d+)/)?", path)
        if m:
            page = int(m.group(2) or 1)
            return self.archive(f"Arsip {m.group(1).title()}", self.in_category(m.group(1)), page,
                                f"/category/{m.group(1)}/")
        m = re.fullmatch(r"/tag/([a-z0-9-]+)/", path)
        if m and m.group(1) in self.tags():
            return self.archive(f"Tag: {m.group(1).replace('-', ' ')}", self.tags()[m.group(1)], 1, path)
        m = re.fullmatch(r"/([a-z0-9-]+)/", path)
        if m and m.group(1) in self.static_pages:
            t, text = self.static_pages[m.group(1)]
            return _html_page(self.chrome(f"{t} – Banua Warta",
                                          f'<article class="page"><h1 class="entry-title">{e(t)}</h1>'
                                          f'<div class="entry-content"><p>{e(text)}</p></div></article>', body_class="page"))
        if re.fullmatch(r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+", path) and path + "/" in self.by_path():
            return self.redirect(self.url(path + "/"))
        c = self.by_path().get(path)
        if c:
            return self.article(c, noindex="replytocom" in q)
        return None

    def _card(self, c: Copy) -> str:
        return (f'<article class="post type-post"><h2 class="entry-title"><a href="{self.article_path(c)}" rel="bookmark">'
                f'{e(c.title)}</a></h2><div class="entry-meta"><time datetime="{c.published.isoformat()}">'
                f'{e(long_date(c.published, "WITA"))}</time></div><div class="entry-summary"><p>{e(_excerpt(c))}</p></div></article>')

    def archive(self, title: str, items: list[Copy], page: int, base_path: str) -> Page | None:
        chunk = _page_slice(items, page, self.per_page)
        if chunk is None:
            return None
        pages = -(-len(items) // self.per_page)
        head, nav = "", []
        if base_path != "/" and page > 1:
            prev = base_path if page == 2 else f"{base_path}page/{page - 1}/"
            head += f'<link rel="prev" href="{self.url(prev)}">'
            nav.append(f'<a class="prev page-numbers" href="{prev}">&laquo; Sebelumnya</a>')
        if base_path != "/" and page < pages:
            head += f'<link rel="next" href="{self.url(f"{base_path}page/{page + 1}/")}">'
            nav.append(f'<a class="next page-numbers" href="{base_path}page/{page + 1}/">Berikutnya &raquo;</a>')
        main = (f'<header class="page-header"><h1 class="page-title">{e(title)}</h1></header>'
                f'{"".join(self._card(c) for c in chunk)}<nav class="navigation pagination">{" ".join(nav)}</nav>')
        return _html_page(self.chrome(title, main, head, "archive"), "listing")

    def article(self, c: Copy, noindex: bool = False) -> Page:
        url = self.article_url(c)
        paras = [e(p) for p in c.paragraphs]
        paras[0] = f"<strong>{e(c.dateline.upper())}, {e(self.info.brand)}</strong> &ndash; {paras[0]}"
        other = self.neighbour(c)
        blocks = [f"<p>{p}</p>" for p in paras]
        blocks.insert(2, f'<div class="baca-juga"><strong>Baca Juga:</strong> <a href="{self.article_path(other)}">'
                         f'{e(other.title)}</a></div>')
        blocks.insert(5, '<div class="iklan-dalam-artikel"><span class="label">Iklan</span>'
                         '<img src="/uploads/iklan/banner-728x90.jpg" alt=""></div>')
        blocks.append(f"<p>{e(c.credit)}</p>")
        related = [o for o in self.in_category(self.category_of(c)) if o is not c][:3]
        comments = self.comments_for(c)
        comment_items = "".join(
            f'<li id="comment-{cid}" class="comment"><article class="comment-body"><footer class="comment-meta">'
            f'<b class="fn">{e(cm.name)}</b> <time>{e(long_date(c.published + timedelta(hours=3 + i), "WITA"))}</time></footer>'
            f'<div class="comment-content"><p>{e(cm.text)}</p></div>'
            f'<a rel="nofollow" class="comment-reply-link" href="{self.article_path(c)}?replytocom={cid}#respond">Balas</a>'
            f'</article></li>' for i, (cid, cm) in enumerate(comments))
        tags = " ".join(f'<a href="/tag/{slugify(t)}/" rel="tag">{e(t)}</a>' for t in c.article.tags)
        ld = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": c.title,
            "datePublished": c.published.isoformat(), "dateModified": c.modified.isoformat(),
            "author": {"@type": "Person", "name": c.author},
            "publisher": {"@type": "Organization", "name": "Banua Warta"},
            "mainEntityOfPage": url, "image": self.url(self.image_path(c)),
            "articleSection": "Pilkada" if c.article.election else "Daerah", "inLanguage": "id-ID",
        }
        # "</" inside JSON would end the script element early.
        ld_json = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
        related_items = "".join(f'<li><a href="{self.article_path(o)}">{e(o.title)}</a></li>' for o in related)
        head = (
            f'<link rel="canonical" href="{url}">'
            f'{"<meta name=robots content=noindex>" if noindex else ""}'
            f'<meta property="og:type" content="article"><meta property="og:title" content="{e(c.title)}">'
            f'<meta property="og:url" content="{url}"><meta property="og:image" content="{self.url(self.image_path(c))}">'
            f'<meta property="og:description" content="{e(_excerpt(c, 24))}">'
            f'<meta property="article:published_time" content="{c.published.isoformat()}">'
            f'<meta property="article:modified_time" content="{c.modified.isoformat()}">'
            f'<link rel="shortlink" href="{self.url(f"?p={c.number}")}">'
            f'<script type="application/ld+json">{ld_json}</script>'
        )
        main = (
            f'<article id="post-{c.number}" class="post type-post single"><header class="entry-header">'
            f'<h1 class="entry-title">{e(c.title)}</h1><div class="entry-meta"><span class="posted-on">'
            f'<time class="entry-date published" datetime="{c.published.isoformat()}">{e(long_date(c.published, "WITA"))}</time>'
            f'</span> <span class="byline">Oleh <span class="author vcard">{e(c.author)}</span></span></div></header>'
            f'<figure class="post-thumbnail"><img src="{self.image_path(c)}" alt=""><figcaption>{e(c.article.caption)}</figcaption></figure>'
            f'<div class="entry-content">{"".join(blocks)}</div>'
            f'<footer class="entry-footer"><span class="tags-links">Tag: {tags}</span></footer>'
            f'<div class="sharedaddy"><h3 class="sd-title">Share:</h3><a href="https://www.facebook.com/sharer.php">Facebook</a> '
            f'<a href="https://twitter.com/intent/tweet">X</a> <a href="https://wa.me/">WhatsApp</a></div>'
            f'<div class="author-box"><p>Banua Warta adalah media daring di bawah PT Banua Warta Media yang berkantor di Banjarmasin.</p></div>'
            f'</article>'
            f'<section class="related-posts"><h3>Berita Terkait</h3><ul>'
            f'{related_items}</ul></section>'
            f'<div id="comments" class="comments-area"><h2 class="comments-title">{len(comments)} tanggapan untuk '
            f'&ldquo;{e(c.title)}&rdquo;</h2><ol class="comment-list">{comment_items}</ol>'
            f'<div id="respond" class="comment-respond"><h3 class="comment-reply-title">Tinggalkan Balasan</h3>'
            f'<form action="/wp-comments-post.php" method="post" class="comment-form"><p class="comment-notes">'
            f'Alamat email Anda tidak akan dipublikasikan. Ruas yang wajib ditandai *</p>'
            f'<textarea name="comment"></textarea><input type="submit" value="Kirim Komentar"></form></div></div>'
        )
        return _html_page(self.chrome(f"{c.title} – Banua Warta", main, head, "single single-post"),
                          "article", last_modified=c.modified)

    def feed(self) -> Page:
        items = []
        for c in self.copies[:10]:
            items.append(
                f"<item><title>{e(c.title)}</title><link>{self.article_url(c)}</link>"
                f"<comments>{self.article_url(c)}#comments</comments>"
                f"<dc:creator><![CDATA[{c.author}]]></dc:creator><pubDate>{_rfc822(c.published)}</pubDate>"
                + "".join(f"<category><![CDATA[{t}]]></category>" for t in c.article.tags)
                + f'<guid isPermaLink="false">{self.url(f"?p={c.number}")}</guid>'
                f"<description><![CDATA[{_excerpt(c, 40)}]]></description></item>")
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Banua Warta</title>'
            f'<atom:link href="{self.url("feed/")}" rel="self" type="application/rss+xml"/>'
            f"<link>{self.base}</link><description>Kabar Banua, Cepat dan Berimbang</description>"
            f"<lastBuildDate>{_rfc822(self.latest_modified())}</lastBuildDate><language>id</language>"
            f"{''.join(items)}</channel></rss>")
        return _xml_page(body, "feed", "application/rss+xml; charset=UTF-8", self.latest_modified())

    def sitemap_index(self) -> Page:
        entries = "".join(f"<sitemap><loc>{self.url(n)}</loc><lastmod>{self.latest_modified().isoformat()}</lastmod></sitemap>"
                          for n in ("post-sitemap.xml", "page-sitemap.xml"))
        return _xml_page('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                         f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>', "sitemap")

    def urlset(self, entries: list[tuple[str, datetime]]) -> Page:
        urls = "".join(f"<url><loc>{e(u)}</loc><lastmod>{m.isoformat()}</lastmod></url>" for u, m in entries)
        return _xml_page('<?xml version="1.0" encoding="UTF-8"?><urlset '
                         f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>', "sitemap")


# --------------------------------------------------------------------------- bawaslu


class BawasluSite(SiteApp):
    """Bawaslu regency site: robots-disallowed drafts, news sitemap, soft-404s, PDFs."""

    name = "bawaslu"
    per_page = 6
    disallowed_prefixes = ("/internal/", "/arsip-dokumen/")
    # Deleted posts still linked from the index: the CMS answers 200 with an error page.
    gone = (
        ("bawaslu-kukar-gelar-bimtek-pengawas-ad-hoc-gelombang-kedua", "Bawaslu Kukar Gelar Bimtek Pengawas Ad Hoc Gelombang Kedua"),
        ("rekrutmen-pengawas-tps-diperpanjang-hingga-akhir-pekan", "Rekrutmen Pengawas TPS Diperpanjang hingga Akhir Pekan"),
    )
    pdf = "/files/sk-pembentukan-pengawas-tps-pilkada-2024.pdf"

    def article_path(self, c: Copy) -> str:
        return f"/berita/{c.slug}"

    def pages(self) -> int:
        return -(-len(self.copies) // self.per_page)

    def disallowed_paths(self) -> list[str]:
        first, second = self.copies[0], self.copies[1]
        return [f"/internal/berita/{first.slug}", f"/internal/berita/draf-{second.slug}",
                f"/arsip-dokumen/berita/{self.copies[2].slug}", f"/arsip-dokumen/berita/{self.copies[3].slug}"]

    def soft404_paths(self) -> list[str]:
        return [f"/berita/{slug}" for slug, _ in self.gone]

    def non_article_paths(self) -> list[str]:
        return (["/", "/berita", *[f"/berita?page={n}" for n in range(2, self.pages() + 1)], "/publikasi",
                 "/news-sitemap.xml", "/robots.txt", self.pdf] + self.soft404_paths() + self.disallowed_paths())

    def chrome(self, title: str, main: str, head: str = "") -> str:
        nav = "".join(f'<a href="{h}">{e(t)}</a>' for h, t in (("/", "Beranda"), ("/berita", "Berita"), ("/publikasi", "Publikasi")))
        return (
            f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{e(title)}</title>{head}</head><body>'
            f'<div class="topbar">Badan Pengawas Pemilihan Umum &middot; Bersama Rakyat Awasi Pemilu, Bersama Bawaslu Tegakkan Keadilan Pemilu</div>'
            f'<header><h1 class="logo"><a href="/">{e(self.info.title)}</a></h1><nav class="menu">{nav}</nav></header>'
            f'<div class="wrapper">{main}</div>'
            f'<footer><p>Sekretariat Bawaslu Kabupaten Kutai Kartanegara, Jl. Pesut, Timbau, Tenggarong.</p>'
            f'<p>Hak Cipta &copy; 2024 Bawaslu Kabupaten Kutai Kartanegara</p></footer></body></html>'
        )

    def route(self, path: str, q: dict[str, list[str]]) -> Page | None:
        if path == "/robots.txt":
            text = (f"User-agent: *\nDisallow: /internal/\nDisallow: /arsip-dokumen/\n\n"
                    f"Sitemap: {self.url('news-sitemap.xml')}\n")
            return Page(200, text.encode(), content_type="text/plain; charset=utf-8", kind="robots")
        if path == "/":
            items = "".join(self._row(c) for c in self.copies[:4])
            return _html_page(self.chrome(self.info.title, f'<section><h2>Berita Terbaru</h2><ul>{items}</ul>'
                                          f'<a href="/berita">Lihat semua berita</a></section>'), "listing")
        if path == "/berita":
            return self.listing(q)
        if path == "/publikasi":
            return _html_page(self.chrome("Publikasi", '<h2>Publikasi</h2><ul>'
                                          f'<li><a href="{self.pdf}">SK Pembentukan Pengawas TPS Pilkada 2024 (PDF)</a></li></ul>'))
        if path == "/news-sitemap.xml":
            return self.news_sitemap()
        if path == self.pdf:
            return Page(200, _PDF, content_type="application/pdf", kind="binary",
                        headers={"Content-Disposition": 'inline; filename="sk-pengawas-tps.pdf"'})
        if path in self.soft404_paths():
            return self.soft404()
        if path in self.disallowed_paths():
            return self.disallowed(path)
        c = self.by_path().get(path)
        return self.article(c) if c else None

    def _row(self, c: Copy) -> str:
        return (f'<li><a href="{self.article_path(c)}">{e(c.title)}</a> '
                f'<small>{e(long_date(c.published, "WITA"))}</small></li>')

    def listing(self, q: dict[str, list[str]]) -> Page | None:
        page = self.page_number(q)
        chunk = _page_slice(self.copies, page, self.per_page) if page else None
        if chunk is None or page is None:
            return None
        rows = [self._row(c) for c in chunk]
        side = ""
        if page == 1:
            # Links a careless crawler would follow: deleted posts, robots-disallowed
            # drafts and archives that look like articles, and a PDF.
            rows.insert(2, f'<li><a href="{self.soft404_paths()[0]}">{e(self.gone[0][1])}</a> <small>Rabu, 10 Juli 2024</small></li>')
            rows.append(f'<li><a href="{self.soft404_paths()[1]}">{e(self.gone[1][1])}</a> <small>Senin, 8 Juli 2024</small></li>')
            d = self.disallowed_paths()
            side = (f'<aside class="sidebar"><h3>Pengumuman</h3><ul><li><a href="{self.pdf}">Unduh SK Pengawas TPS (PDF)</a></li></ul>'
                    f'<h3>Dokumen Internal</h3><ul><li><a href="{d[0]}">Draf rilis</a></li><li><a href="{d[1]}">Draf rilis (revisi)</a></li></ul>'
                    f'<h3>Arsip</h3><ul><li><a href="{d[2]}">Arsip berita</a></li><li><a href="{d[3]}">Arsip berita</a></li></ul></aside>')
        head, pager = "", ""
        if page < self.pages():
            head = f'<link rel="next" href="/berita?page={page + 1}">'
            pager += f'<a rel="next" href="/berita?page={page + 1}">Berikutnya</a>'
        if page > 1:
            pager = f'<a rel="prev" href="/berita?page={page - 1}">Sebelumnya</a> ' + pager
        main = f'<section class="daftar-berita"><h2>Berita</h2><ul>{"".join(rows)}</ul><div class="pager">{pager}</div></section>{side}'
        return _html_page(self.chrome(f"Berita | {self.info.brand}", main, head), "listing")

    def article_html(self, c: Copy, title_prefix: str = "", note: str = "") -> str:
        paras = [e(p) for p in c.paragraphs]
        paras[0] = f"{e(c.dateline)} &ndash; {paras[0]}"
        others = [o for o in self.copies if o is not c][:4]
        main = (
            f'<div class="breadcrumb"><a href="/">Beranda</a> / <a href="/berita">Berita</a> / {e(c.title)}</div>'
            f'<article class="detail-berita"><h2 class="judul">{e(title_prefix + c.title)}</h2>'
            f'<div class="info">Diposting pada {e(long_date(c.published, "WITA"))} | Kategori: Berita</div>{note}'
            f'<img src="{self.image_path(c)}" alt=""><p class="keterangan-foto">{e(c.article.caption)}</p>'
            f'<div class="isi-berita">{"".join(f"<p>{p}</p>" for p in paras)}'
            f'<p>Penulis : {e(c.author)}</p><p>Editor : {e(c.editor)}</p></div>'
            f'<div class="bagikan">Bagikan: Facebook | Twitter | WhatsApp</div></article>'
            f'<section class="berita-lainnya"><h3>Berita Lainnya</h3><ul>{"".join(self._row(o) for o in others)}</ul></section>'
        )
        return self.chrome(f"{title_prefix}{c.title} | {self.info.brand}", main,
                           f'<meta name="description" content="{e(_excerpt(c, 24))}">')

    def article(self, c: Copy) -> Page:
        return _html_page(self.article_html(c), "article", last_modified=c.modified)

    def disallowed(self, path: str) -> Page:
        slug = path.rsplit("/", 1)[1].removeprefix("draf-")
        c = next(o for o in self.copies if o.slug == slug)
        prefix = "[DRAF] " if path.startswith("/internal/") else ""
        note = '<p class="catatan">Dokumen ini untuk penggunaan internal.</p>' if prefix else ""
        return _html_page(self.article_html(c, prefix, note), "disallowed", last_modified=c.modified)

    def soft404(self) -> Page:
        main = ('<section class="error-page"><h2>Halaman tidak ditemukan</h2><p>Maaf, berita yang Anda cari tidak tersedia '
                'atau telah dipindahkan. Silakan kembali ke <a href="/">beranda</a> atau gunakan menu pencarian.</p>'
                f'<h3>Berita Terbaru</h3><ul>{"".join(self._row(o) for o in self.copies[:3])}</ul></section>')
        return _html_page(self.chrome(f"Halaman tidak ditemukan | {self.info.brand}", main), "soft404")

    def news_sitemap(self) -> Page:
        urls = []
        for c in self.copies:
            urls.append(
                f"<url><loc>{self.article_url(c)}</loc><news:news><news:publication><news:name>Bawaslu Kutai Kartanegara"
                f"</news:name><news:language>id</news:language></news:publication>"
                f"<news:publication_date>{c.published.isoformat()}</news:publication_date>"
                f"<news:title>{e(c.title)}</news:title></news:news></url>")
        # A deleted post the sitemap plugin still lists: the soft-404 must be caught on this path too.
        urls.append(
            f"<url><loc>{self.url(self.soft404_paths()[1])}</loc><news:news><news:publication><news:name>Bawaslu Kutai Kartanegara"
            f"</news:name><news:language>id</news:language></news:publication><news:publication_date>2024-07-08T10:00:00+08:00"
            f"</news:publication_date><news:title>{e(self.gone[1][1])}</news:title></news:news></url>")
        return _xml_page('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                         f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{"".join(urls)}</urlset>', "sitemap",
                         last_modified=self.latest_modified())


# --------------------------------------------------------------------------- portal


class PortalSite(SiteApp):
    """Ad-heavy news portal: AMP twins, tracking parameters, RSS, a calendar trap."""

    name = "portal"
    per_page = 8
    calendar_range = (1970, 2099)

    def section(self, c: Copy) -> str:
        return "pilkada" if c.article.election else "daerah"

    def article_path(self, c: Copy) -> str:
        return f"/{self.section(c)}/{c.slug}"

    def amp_path(self, c: Copy) -> str:
        return f"/amp/{c.slug}"

    def pages(self) -> int:
        return -(-len(self.copies) // self.per_page)

    def tracked_path(self, c: Copy, i: int) -> str:
        """How the portal's own listings link an article: tracking tags and comment anchors."""
        if i % 3 == 0:
            return f"{self.article_path(c)}?utm_source=indeks&utm_medium=list&utm_campaign=kt{i}"
        if i % 3 == 1:
            return f"{self.article_path(c)}#comments"
        return self.article_path(c)

    def non_article_paths(self) -> list[str]:
        months = ["2024-12", "2024-11", "2023-01", "1999-07"]
        out = ["/", "/pilkada", "/daerah", "/indeks", *[f"/indeks?page={n}" for n in range(2, self.pages() + 1)],
               "/rss.xml", "/robots.txt", *[f"/kalender?bulan={m}" for m in months]]
        out += [self.amp_path(c) for c in self.copies]
        out += [f"{self.article_path(c)}?utm_source=indeks&utm_medium=list&utm_campaign=kt{i}"
                for i, c in enumerate(self.copies) if i % 3 == 0]
        out += [f"{self.article_path(c)}?utm_source=terpopuler&utm_medium=sidebar" for c in self.copies[:5]]
        return out

    def chrome(self, title: str, main: str, head: str = "") -> str:
        latest = self.copies[:5]
        ticker = " &bull; ".join(f'<a href="{self.article_path(c)}">{e(c.title)}</a>' for c in latest)
        popular = "".join(f'<li><a href="{self.article_path(c)}?utm_source=terpopuler&amp;utm_medium=sidebar">{e(c.title)}</a></li>'
                          for c in self.copies[:5])
        menu = ("<a href=\"/\">Beranda</a><a href=\"/pilkada\">Pilkada</a><a href=\"/daerah\">Daerah</a>"
                "<span>Palangka Raya</span><span>Kotim</span><span>Kobar</span><span>Barito</span><span>Ekonomi</span>"
                "<span>Olahraga</span><span>Hiburan</span><span>Gaya Hidup</span><span>Opini</span>"
                "<a href=\"/indeks\">Indeks</a>"
                f"<a href=\"/kalender?bulan={TODAY:%Y-%m}\">Kalender</a>")
        trending = " ".join(f"<span>#{e(t)}</span>" for t in ("Pilkada2024", "DebatPaslon", "BanjirKahayan", "Kalteng"))
        return (
            f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f'<link rel="alternate" type="application/rss+xml" href="{self.url("rss.xml")}">{head}</head><body>'
            f'<div class="topbar"><span class="tanggal-hari-ini">{DAYS[TODAY.weekday()]}, {TODAY.day} {MONTHS[TODAY.month - 1]} {TODAY.year}</span>'
            f'<span>Login</span><span>Daftar</span><span>Ikuti kami: Facebook Instagram YouTube TikTok</span></div>'
            f'<div class="ads ads-top"><span>ADVERTISEMENT</span><img src="/uploads/ads/leaderboard.jpg" alt=""></div>'
            f'<header><div class="logo"><a href="/">Kalteng<b>Terkini</b></a></div>'
            f'<nav class="menu-utama">{menu}</nav><div class="trending">Trending: {trending}</div></header>'
            f'<div class="breaking">Breaking News: {ticker}</div>'
            f'<div class="layout"><main>{main}</main>'
            f'<aside class="sidebar"><div class="ads">Iklan<img src="/uploads/ads/sidebar.jpg" alt=""></div>'
            f'<h3>Terpopuler</h3><ol>{popular}</ol><div class="ads">ADVERTISEMENT</div></aside></div>'
            f'<footer><p>Redaksi &middot; Pedoman Media Siber &middot; Kode Etik &middot; Karir &middot; Kontak</p>'
            f'<p>&copy; 2024 KaltengTerkini. Dilarang mengambil dan/atau menayangkan ulang sebagian atau keseluruhan '
            f'artikel di atas tanpa izin tertulis.</p></footer></body></html>'
        )

    def route(self, path: str, q: dict[str, list[str]]) -> Page | None:
        if path == "/robots.txt":
            return Page(200, b"User-agent: *\nDisallow: /cari\n", content_type="text/plain; charset=utf-8", kind="robots")
        if path == "/":
            return self.listing("KaltengTerkini - Berita Kalimantan Tengah Terkini", self.copies[:8], None, None)
        if path == "/indeks":
            page = self.page_number(q)
            chunk = _page_slice(self.copies, page, self.per_page) if page else None
            if chunk is None or page is None:
                return None
            return self.listing(f"Indeks Berita - Halaman {page}", chunk, page, "/indeks")
        if path in ("/pilkada", "/daerah"):
            return self.listing(f"Berita {path[1:].title()}", [c for c in self.copies if self.article_path(c).startswith(path + "/")],
                                None, None)
        if path == "/rss.xml":
            return self.rss()
        if path == "/kalender":
            return self.calendar(q.get("bulan", [f"{TODAY:%Y-%m}"])[0])
        m = re.fullmatch(r"/amp/([a-z0-9-]+)", path)
        if m:
            c = next((o for o in self.copies if o.slug == m.group(1)), None)
            return self.amp(c) if c else None
        c = self.by_path().get(path)
        return self.article(c) if c else None

    def listing(self, title: str, items: list[Copy], page: int | None, base: str | None) -> Page:
        offset = ((page or 1) - 1) * self.per_page
        cards = "".join(
            f'<div class="card"><a href="{e(self.tracked_path(c, offset + i))}"><img src="{self.image_path(c)}" alt=""></a>'
            f'<h2><a href="{e(self.tracked_path(c, offset + i))}">{e(c.title)}</a></h2>'
            f'<span class="date">{e(long_date(c.published, "WIB", " | "))}</span>'
            f'<a class="komentar" href="{self.article_path(c)}#comments">Komentar</a></div>'
            for i, c in enumerate(items))
        head, pager = "", ""
        if page and base:
            if page < self.pages():
                head += f'<link rel="next" href="{base}?page={page + 1}">'
                pager += f'<a rel="next" class="next" href="{base}?page={page + 1}">Selanjutnya</a>'
            if page > 1:
                pager = f'<a rel="prev" href="{base}?page={page - 1}">Sebelumnya</a> ' + pager
        main = f'<h1 class="judul-halaman">{e(title)}</h1><div class="daftar">{cards}</div><div class="paging">{pager}</div>'
        return _html_page(self.chrome(title, main, head), "listing")

    def article(self, c: Copy) -> Page:
        url = self.article_url(c)
        paras = [e(p) for p in c.paragraphs]
        paras[0] = f"<strong>{e(c.dateline.upper())}, {e(self.info.brand)}</strong> &ndash; {paras[0]}"
        paras[-1] = f"{paras[-1]} {e(c.credit)}"
        others = [o for o in self.copies if o is not c][:3]
        blocks = [f"<p>{p}</p>" for p in paras]
        blocks.insert(2, '<div class="baca-juga"><span>Baca Juga</span><ul>'
                         + "".join(f'<li><a href="{self.article_path(o)}?utm_source=bacajuga&amp;utm_medium=artikel">{e(o.title)}</a></li>'
                                   for o in others[:2]) + "</ul></div>")
        blocks.insert(4, '<div class="ads ads-inarticle"><span>ADVERTISEMENT</span><p>Scroll untuk melanjutkan membaca</p></div>')
        head = (f'<link rel="canonical" href="{url}"><link rel="amphtml" href="{self.url(self.amp_path(c))}">'
                f'<meta property="og:title" content="{e(c.title)}"><meta property="og:url" content="{url}">'
                f'<meta itemprop="datePublished" content="{c.published.isoformat()}">'
                f'<meta name="description" content="{e(_excerpt(c, 24))}">')
        main = (
            f'<div class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/{self.section(c)}">{self.section(c).title()}</a></div>'
            f'<article class="detail"><h1 class="detail-title">{e(c.title)}</h1>'
            f'<div class="detail-info"><span class="author">Penulis: {e(c.author)}</span> | <span class="editor">Editor: {e(c.editor)}</span>'
            f'<br><span class="date">{e(long_date(c.published, "WIB", " | "))}</span></div>'
            f'<div class="share-top">Bagikan: Facebook Twitter WhatsApp Line Salin Tautan</div>'
            f'<figure><img src="{self.image_path(c)}" alt=""><figcaption>{e(c.article.caption)} (Foto: Istimewa)</figcaption></figure>'
            f'<div class="detail-text">{"".join(blocks)}</div>'
            f'<div class="tags">Tags: {" ".join(f"<span>{e(t)}</span>" for t in c.article.tags)}</div>'
            f'<div class="share-bottom">Bagikan artikel ini: Facebook Twitter WhatsApp Telegram</div>'
            f'<div class="ads">Iklan</div></article>'
            f'<div id="comments" class="komentar"><h3>Komentar</h3><p>Gunakan bahasa yang santun. Komentar yang mengandung '
            f'SARA akan dihapus.</p></div>'
        )
        return _html_page(self.chrome(f"{c.title} - KaltengTerkini", main, head), "article", last_modified=c.modified)

    def amp(self, c: Copy) -> Page:
        paras = [e(p) for p in c.paragraphs]
        paras[0] = f"{e(c.dateline.upper())}, {e(self.info.brand)} &ndash; {paras[0]}"
        paras[-1] = f"{paras[-1]} {e(c.credit)}"
        body = (
            f'<!doctype html><html amp lang="id"><head><meta charset="utf-8"><title>{e(c.title)} - KaltengTerkini</title>'
            f'<link rel="canonical" href="{self.article_url(c)}"><meta name="viewport" content="width=device-width">'
            f'<script async src="https://cdn.ampproject.org/v0.js"></script><style amp-boilerplate>body{{visibility:hidden}}</style></head>'
            f'<body><header><a href="/">KaltengTerkini</a></header><article><h1>{e(c.title)}</h1>'
            f'<p class="date">{e(long_date(c.published, "WIB", " | "))}</p><p class="author">Penulis: {e(c.author)}</p>'
            f'{"".join(f"<p>{p}</p>" for p in paras)}</article>'
            f'<amp-ad width="300" height="250" type="adsense"><div>ADVERTISEMENT</div></amp-ad></body></html>'
        )
        return _html_page(body, "article", last_modified=c.modified)

    def rss(self) -> Page:
        items = []
        for i, c in enumerate(self.copies[:10]):
            # Part of the feed points at AMP pages, as some portal CMSes do.
            link = self.url(self.amp_path(c)) if i % 3 == 1 else self.article_url(c)
            items.append(f"<item><title>{e(c.title)}</title><link>{e(link)}</link><guid>{e(link)}</guid>"
                         f"<pubDate>{_rfc822(c.published)}</pubDate><description>{e(_excerpt(c, 40))}</description></item>")
        body = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>KaltengTerkini</title>'
                f"<link>{self.base}</link><description>Berita Kalimantan Tengah Terkini</description><language>id</language>"
                f"{''.join(items)}</channel></rss>")
        return _xml_page(body, "feed", "application/rss+xml; charset=utf-8", self.latest_modified())

    def calendar(self, bulan: str) -> Page | None:
        m = re.fullmatch(r"(\d{4})-(\d{2})", bulan)
        if not m or not 1 <= int(m.group(2)) <= 12 or not self.calendar_range[0] <= int(m.group(1)) <= self.calendar_range[1]:
            return None
        year, month = int(m.group(1)), int(m.group(2))
        prev = f"{year - (month == 1)}-{12 if month == 1 else month - 1:02d}"
        nxt = f"{year + (month == 12)}-{1 if month == 12 else month + 1:02d}"
        first = date(year, month, 1)
        days = ((date(year + (month == 12), 1 if month == 12 else month + 1, 1)) - first).days
        cells = "".join(f"<td>{d}</td>" for d in range(1, days + 1))
        events = "".join(f'<li>{c.published.day} &ndash; <a href="{self.article_path(c)}">{e(c.title)}</a></li>'
                         for c in self.copies if (c.published.year, c.published.month) == (year, month))
        main = (f'<h1>Kalender {MONTHS[month - 1]} {year}</h1><div class="nav-bulan">'
                f'<a href="/kalender?bulan={prev}">&laquo; {prev}</a> <a href="/kalender?bulan={nxt}">{nxt} &raquo;</a></div>'
                f'<table class="kalender"><tr>{cells}</tr></table><ul>{events}</ul>')
        return _html_page(self.chrome(f"Kalender {MONTHS[month - 1]} {year}", main), "listing")


SITE_CLASSES: dict[str, type[SiteApp]] = {"mmc": MmcSite, "wp": WpSite, "bawaslu": BawasluSite, "portal": PortalSite}


def make_site(name: str, base_url: str, corpus: Corpus | None = None) -> SiteApp:
    return SITE_CLASSES[name](base_url, corpus)


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def iter_copies(sites: Iterable[str] | None = None) -> list[Copy]:
    wanted = set(sites or SITE_NAMES)
    return [c for c in load_corpus().copies if c.site in wanted]


__all__ = ["SITE_NAMES", "SITES", "SiteInfo", "CorpusArticle", "Copy", "Comment", "Corpus", "Page", "SiteApp",
           "load_corpus", "make_site", "slugify", "hari", "long_date", "etag_for", "iter_copies"]
