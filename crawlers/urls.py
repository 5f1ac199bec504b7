"""URL canonicalisation and the cheap "is this worth fetching as an article?" checks.

Pure functions: the spider calls them before scheduling a request, so a tag
page, a calendar trap or a PDF never costs a request.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

import courlan

from warta.sources import Source

# Tracking parameters that never change the page (utm_* handled by prefix), in any case.
_TRACKING = ("fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid", "ref", "amp")

_BINARY = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|zip|rar|7z|gz|jpe?g|png|gif|webp|svg|mp3|mp4|avi|mov|apk|exe|csv)$", re.I
)
# Sections that list articles rather than being one.
_NON_ARTICLE_PATH = re.compile(
    r"/(tag|tags|category|kategori|author|penulis|search|cari|page|feed|rss|galeri|gallery|video|agenda|"
    r"kalender|calendar|event|events|wp-admin|wp-login|login|kontak|contact|tentang|about|redaksi|"
    r"pedoman|privacy|disclaimer|arsip|archive)(/|$|\?)",
    re.I,
)
# Calendar-style traps: endless ?month=/year=/date= navigation.
_TRAP_QUERY = {"bulan", "tahun", "month", "year", "date", "tanggal", "day", "hari", "replytocom", "share", "print"}
_AMP = re.compile(r"(/amp/?$|^/amp/|[?&]amp(=1)?$|\.amp$)", re.I)


def _split(url: str) -> SplitResult | None:
    # urlsplit raises ValueError on a malformed IPv6 host ("http://[::1"), which
    # any scraped href or <link rel=canonical> may hold.
    try:
        return urlsplit(url)
    except ValueError:
        return None


def canonicalize(url: str) -> str:
    """Lower-case host, sorted query, no fragment, no tracking parameters.

    An unparsable URL is returned stripped but otherwise as given (it has no
    canonical form); `rejection` turns it away, so one broken link cannot fail
    a whole page.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        # The query is cleaned here, not by courlan: its tracker pattern matches name
        # prefixes ("ga" in ?gambar=, ?galeri=, "cl?id" in ?cid=, "source", "uid"), so
        # distinct articles such as berita.php?cid=1 and ?cid=2 would share one URL.
        # First value per name and no blank values, as before.
        kept: dict[str, str] = {}
        for k, v in parse_qsl(parts.query):
            if k.lower() not in _TRACKING and not k.lower().startswith("utm_"):
                kept.setdefault(k, v)
        base = urlsplit(courlan.normalize_url(parts._replace(query="", fragment="")).split("#", 1)[0])
        if not kept:
            return urlunsplit(base)
        query = urlencode(sorted(kept.items(), key=lambda kv: kv[0]))
        return urlunsplit(base._replace(path=base.path or "/", query=query))
    except ValueError:
        return url


def is_amp(url: str) -> bool:
    parts = _split(url)
    if parts is None:
        return False
    return bool(_AMP.search(parts.path) or _AMP.search("?" + parts.query if parts.query else ""))


def same_site(url: str, source: Source) -> bool:
    parts = _split(url)
    return parts is not None and parts.netloc.lower() == source.domain


def rejection(url: str, source: Source) -> str:
    """Why `url` is not an article URL of `source` ("" when it may be one)."""
    parts = _split(url)
    if parts is None:
        return "unparsable URL"
    if parts.scheme not in ("http", "https"):
        return "not http"
    if not same_site(url, source):
        return "other domain"
    if _BINARY.search(parts.path):
        return "binary file"
    if any(re.search(p, url) for p in source.deny):
        return "denied by source pattern"
    if source.allow and not any(re.search(p, url) for p in source.allow):
        return "not allowed by source pattern"
    if not source.allow:
        if parts.path in ("", "/"):
            return "home page"
        if _NON_ARTICLE_PATH.search(parts.path):
            return "listing or section page"
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if keys & _TRAP_QUERY:
        return "calendar or navigation trap"
    if "page" in keys or "paged" in keys:
        return "listing or section page"
    return ""
