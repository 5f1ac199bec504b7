"""URL canonicalisation and the cheap "is this worth fetching as an article?" checks.

Pure functions: the spider calls them before scheduling a request, so a tag
page, a calendar trap or a PDF never costs a request.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import courlan
from w3lib.url import url_query_cleaner

from warta.sources import Source

# Tracking parameters that never change the page (utm_* handled by prefix).
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


def canonicalize(url: str) -> str:
    """Lower-case host, sorted query, no fragment, no tracking parameters."""
    url = url.strip()
    cleaned = url_query_cleaner(url, _TRACKING, remove=True, keep_fragments=False)
    query = [(k, v) for k, v in parse_qsl(urlsplit(cleaned).query, keep_blank_values=True)]
    if any(k.lower().startswith("utm_") for k, _ in query):
        cleaned = url_query_cleaner(cleaned, [k for k, _ in query if k.lower().startswith("utm_")], remove=True)
    return courlan.normalize_url(cleaned).split("#", 1)[0]


def is_amp(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_AMP.search(parts.path) or _AMP.search("?" + parts.query if parts.query else ""))


def same_site(url: str, source: Source) -> bool:
    return urlsplit(url).netloc.lower() == source.domain


def rejection(url: str, source: Source) -> str:
    """Why `url` is not an article URL of `source` ("" when it may be one)."""
    parts = urlsplit(url)
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
