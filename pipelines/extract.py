"""One HTML page → `Extracted`: text, metadata, dates and what kind of page it is.

trafilatura does the heavy lifting (main text, title, author, description,
categories/tags, image). What it cannot know is added here: robust decoding
of pages that lie about their charset, a BeautifulSoup fallback for bodies it
misses, the Indonesian clean-up (pipelines.clean), Indonesian dates
(pipelines.dates) and the page kind, so listings and soft-404s never enter
the index as articles.

trafilatura runs with `deduplicate=False` on purpose: its LRU deduplication
is process-global, so the second crawl of a page (or a syndicated copy) would
lose paragraphs it had "seen" before.
"""

from __future__ import annotations

import json
import re
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup
from lxml import etree
from lxml import html as lxml_html

from pipelines.clean import clean_body
from pipelines.dates import Elements, elements_by_tag, find_dates
from warta.models import Extracted
from warta.textnorm import tokens

if TYPE_CHECKING:
    from trafilatura.settings import Document, Extractor

# Below this many words trafilatura's body is checked against the fallback.
MIN_BODY_WORDS = 40
# A page with less own text than this is "empty" (unless it is a listing or soft 404).
EMPTY_WORDS = 15
# A soft 404 says "not found" and has little else; a real article is longer.
SOFT404_MAX_WORDS = 150

# --------------------------------------------------------------------------- decoding

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
# UTF-8 read as cp1252/latin-1: "Ã©", "â€œ", "Â ".
_MOJIBAKE_RE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{1,3}"
)


def _to_cp1252_bytes(s: str) -> bytes:
    """Inverse of a browser's cp1252 reading: undefined bytes come back as latin-1."""
    out = bytearray()
    for ch in s:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 255:
                raise
            out.append(ord(ch))
    return bytes(out)


def fix_mojibake(text: str) -> str:
    """Re-decode UTF-8 sequences that were read as cp1252 ("Ã©" → "é", "â€œ" → "“")."""

    def repair(m: re.Match[str]) -> str:
        try:
            return _to_cp1252_bytes(m.group(0)).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return m.group(0)

    return _MOJIBAKE_RE.sub(repair, text)


def _badness(text: str) -> int:
    return text.count("\ufffd") * 2 + len(_MOJIBAKE_RE.findall(text))


def decode_html(data: bytes | str, declared: str = "") -> str:
    """Text of a page whatever its header or meta tag claims.

    Valid UTF-8 is trusted over any declaration (a page declaring latin-1 but
    sending UTF-8 is common; the reverse cannot be valid UTF-8 by accident).
    Otherwise the declared charsets and charset_normalizer's guess compete on
    the fewest replacement characters and mojibake sequences.
    """
    if isinstance(data, str):
        # isascii() is O(1) on str, and mojibake needs non-ASCII characters.
        return fix_mojibake(data) if not data.isascii() and _MOJIBAKE_RE.search(data) else data
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # Mojibake opens with a character in U+00C2-U+00F4, which UTF-8 writes with a 0xC3
        # byte: a page without one has none, and its text need not be scanned for it.
        return decode_html(text) if b"\xc3" in data else text
    candidates = [c for c in (declared, *_meta_charsets(data), _guess_charset(data), "cp1252") if c]
    best = ""
    best_score = None
    for enc in candidates:
        try:
            text = data.decode(enc, errors="replace")
        except LookupError:
            continue  # an invented charset name in a meta tag
        score = _badness(text)
        if best_score is None or score < best_score:
            best, best_score = text, score
        if score == 0:
            break
    return best


def _meta_charsets(data: bytes) -> list[str]:
    return [m.decode("ascii", "ignore") for m in _META_CHARSET_RE.findall(data[:8192])]


def _guess_charset(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    return best.encoding if best else ""


# --------------------------------------------------------------------------- tree helpers


def _parse(text: str) -> etree._Element | None:
    text = _XML_DECL_RE.sub("", text)
    if not text.strip():
        return None
    try:
        return lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def _prune(tree: etree._Element, xpaths: list[str] | tuple[str, ...]) -> None:
    for xp in xpaths:
        try:
            found = tree.xpath(xp)
        except etree.XPathError:
            continue  # a bad selector in sources.yaml must not cost the page
        for el in found:
            if isinstance(el, lxml_html.HtmlElement) and el.getparent() is not None:
                el.drop_tree()


def _attr(tree: etree._Element, xpath: str) -> str:
    found = tree.xpath(xpath)
    return str(found[0]).strip() if found else ""


def _first_attr(elements: list[etree._Element], name: str,
                which: Callable[[etree._Element], bool] = lambda el: True) -> str:
    """`_attr(tree, f"//{tag}[which]/@{name}")` given the page's elements of that tag:
    the first such attribute in document order."""
    found = next((v for el in elements if (v := el.get(name)) is not None and which(el)), None)
    return found.strip() if found is not None else ""


# The elements that the metadata, date and page-kind checks read, found in one walk of
# the page: a walk of an lxml document costs about the same whatever it looks for, and
# those checks made a dozen walks.
_ELEMENTS = ("meta", "link", "script", "title", "body", "h1", "h2", "h3", "h4", "a")


def _text_nodes(elements: list[etree._Element]) -> list[str]:
    """`//tag//text()` given the page's elements of that tag: each text node once, in document order."""
    tag = elements[0].tag if elements else ""
    return [t for el in elements if next(el.iterancestors(tag), None) is None for t in el.xpath(".//text()")]


def _words(text: str) -> int:
    return len(text.split())


# --------------------------------------------------------------------------- trafilatura + fallback


@dataclass
class _Raw:
    text: str = ""
    title: str = ""
    author: str = ""
    description: str = ""
    sitename: str = ""
    tags: tuple[str, ...] = ()
    image: str = ""
    pagetype: str = ""


@lru_cache(maxsize=1)
def _options() -> Extractor:
    """trafilatura's options for `_trafilatura`, read from its configuration parser once
    rather than by bare_extraction on every page."""
    from trafilatura.settings import Extractor

    # fast=True: no readability/jusText comparison run on every page (a third of
    # trafilatura's time); a short or missing body gets `_fallback` instead.
    # with_metadata=False: `_metadata` reads the same fields without the date and
    # licence searches, which nothing here uses (the body does not depend on them:
    # trafilatura only needs the page URL for links, which are off).
    return Extractor(output_format="python", comments=False, with_metadata=False, fast=True, dedup=False,
                     tables=True, images=False, links=False)


def _trafilatura(tree: etree._Element, url: str, elements: Elements) -> _Raw:
    from trafilatura import bare_extraction

    options = copy(_options())
    options.url = options.source = url or None  # the page's own, as Extractor(url=...) would set them
    # No copy of the tree: bare_extraction copies a tree it is given before changing it.
    try:
        doc = bare_extraction(tree, options=options)
        meta = _metadata(tree, url, elements)
    except Exception:  # trafilatura has no narrow error type; a crash means "nothing extracted"
        return _Raw()
    if doc is None:
        return _Raw()
    tags = [*(meta.categories or []), *(meta.tags or [])]
    return _Raw(
        text=doc.text or "", title=meta.title or "", author=meta.author or "",
        description=meta.description or "", sitename=meta.sitename or "",
        tags=tuple(tags), image=meta.image or "", pagetype=meta.pagetype or "",
    )


def _metadata(tree: etree._Element, url: str, elements: Elements) -> Document:
    """trafilatura's `extract_metadata` for the fields `_Raw` keeps, step for step.

    Left out: htmldate's date search and the licence search (pipelines.dates finds
    the dates), and the hostname. Category/tag links are only searched for when the
    page has a link that trafilatura's href filter would accept at all.
    """
    from trafilatura import metadata as tm

    meta = tm.examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    try:
        meta = tm.extract_meta_json(tree, meta)
    except Exception:  # trafilatura's JSON-LD reader has its own bugs; it logs and goes on too
        pass
    if not meta.title:
        meta.title = tm.extract_title(tree)
    if not meta.author:
        meta.author = tm.extract_author(tree)
    if not meta.sitename:
        meta.sitename = tm.extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    else:  # the page URL is only read for a site name; trafilatura looks it up before
        page_url = meta.url or tm.extract_url(tree, url or None)
        m = tm.META_URL.match(page_url) if page_url else None
        if m:
            meta.sitename = m[1]
    # Every href `_catstags` could accept contains one of these.
    hrefs = "\n".join(h for a in elements["a"] if (h := a.get("href")) is not None and ("/categor" in h or "/tag" in h))
    if not meta.categories:
        meta.categories = _catstags("category", tree, hrefs)
    if not meta.tags:
        meta.tags = _catstags("tag", tree, hrefs)
    meta.clean_and_trim()
    return meta


def _catstags(kind: str, tree: etree._Element, hrefs: str) -> list[str]:
    """`extract_catstags`, whose link XPaths (a quarter of its metadata time) can only
    find links whose href has "/category/", "/tags/"...: without one, only its meta fallback runs."""
    from trafilatura import metadata as tm

    if re.search("/" + kind.rstrip("y") + "(?:y|ies|s)?/", hrefs):
        return tm.extract_catstags(kind, tree)
    if kind != "category":
        return []
    found = tree.xpath('.//head//meta[@property="article:section" or contains(@name, "subject")][@content]')
    return [r for r in dict.fromkeys(tm.line_processing(e.attrib["content"]) for e in found if e.attrib["content"]) if r]


_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg")
_CONTENT_CLASS_RE = re.compile(
    r"(entry-content|post-content|article-content|article-body|content-detail|detail-content|isi-berita|"
    r"isi_berita|single-content|post-body|td-post-content|news-content|konten)",
    re.IGNORECASE,
)


def _fallback(tree: etree._Element, body_selector: str) -> str:
    """Paragraph text of the body container: the selector, <article>, a content class, or the densest block."""
    soup = BeautifulSoup(lxml_html.tostring(tree, encoding="unicode"), "lxml")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    node = None
    if body_selector:
        try:
            node = soup.select_one(body_selector)
        except ValueError:  # soupsieve rejects the selector
            node = None
    node = (
        node
        or soup.find(attrs={"itemprop": "articleBody"})
        or soup.find(class_=_CONTENT_CLASS_RE)
        or soup.find("article")
        or _densest(soup)
    )
    if node is None:
        return ""
    blocks = node.find_all(["p", "h2", "h3", "h4", "li", "blockquote"])
    if blocks:
        texts = [" ".join(b.get_text(" ").split()) for b in blocks if not b.find(["p", "li"])]
    else:
        texts = [" ".join(line.split()) for line in node.get_text("\n").split("\n")]
    return "\n".join(t for t in texts if t)


def _densest(soup: BeautifulSoup):  # -> bs4.Tag | None
    best, best_words = None, 0
    for parent in {p.parent for p in soup.find_all("p") if p.parent is not None}:
        n = sum(_words(p.get_text(" ")) for p in parent.find_all("p", recursive=False))
        if n > best_words:
            best, best_words = parent, n
    return best


# --------------------------------------------------------------------------- metadata


def canonical_url(tree: etree._Element, url: str, elements: Elements) -> str:
    """<link rel=canonical> (what an AMP page points to), else og:url, else the URL without AMP markers."""
    href = _canonical_link(elements["link"]) or _first_attr(elements["meta"], "content",
                                                            lambda m: m.get("property") == "og:url")
    if href:
        return _without_fragment(urljoin(url, href))
    if _is_amp(tree) and url:
        return _without_fragment(_strip_amp(url))
    return _without_fragment(url)


_REL_LOWER = str.maketrans("CANONIAL", "canonial")
_XML_SPACE = re.compile(r"[ \t\r\n]+")


def _canonical_link(links: list[etree._Element]) -> str:
    """The first <link> whose rel has the word "canonical" (ASCII case-insensitively), its href.

    The XPath `//link[contains(concat(" ", normalize-space(translate(@rel, "CANONIAL",
    "canonial")), " "), " canonical ")]/@href` as a loop over the page's <link> elements:
    the XPath tested every node of the page.
    """
    for link in links:
        rel, href = link.get("rel"), link.get("href")
        if rel is not None and href is not None and "canonical" in _XML_SPACE.split(rel.translate(_REL_LOWER)):
            return href.strip()
    return ""


def _is_amp(tree: etree._Element) -> bool:
    root = tree.getroottree().getroot()
    return "amp" in root.attrib or "\u26a1" in root.attrib


def _strip_amp(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/amp/?$", "/", parts.path)
    query = "&".join(q for q in parts.query.split("&") if q and q not in ("amp", "amp=1", "amp=true"))
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


_ID_WORDS = {"yang", "dan", "di", "dengan", "untuk", "dari", "ini", "dalam", "pada", "tidak", "akan", "itu"}
_EN_WORDS = {"the", "and", "of", "to", "in", "is", "that", "for", "with", "on", "was", "are"}


def _language(tree: etree._Element, body: str) -> str:
    declared = (
        _attr(tree, "/html/@lang")
        or _attr(tree, '//meta[@property="og:locale"]/@content')
        or _attr(tree, '//meta[translate(@http-equiv,"CONTENT-LANGUAGE","content-language")="content-language"]/@content')
    )
    if declared:
        return re.split(r"[-_]", declared.strip().lower())[0]
    toks = tokens(body)
    id_hits = sum(t in _ID_WORDS for t in toks)
    en_hits = sum(t in _EN_WORDS for t in toks)
    if id_hits + en_hits < 5:
        return ""
    return "id" if id_hits >= en_hits else "en"


_GENERIC_AUTHORS = re.compile(r"^(admin\w*|administrator|webmaster|superadmin|user|editor|author|guest)$", re.IGNORECASE)


_TITLE_SEP = re.compile(r"\s+(?:-|\||–|—|::)\s+")


def _clean_title(title: str, sitename: str, tree: etree._Element | None = None,
                 elements: Elements | None = None) -> str:
    title = " ".join(title.split())
    if tree is not None and elements is not None:
        # Government portals put the site name in <h1> (the logo) and the headline
        # lower down: when the extracted title is just one segment of <title>, the
        # longest segment of <title> is the headline.
        titles = [t for t in elements["title"] if (up := t.getparent()) is not None and up.tag == "head"]
        head = " ".join(" ".join(_text_nodes(titles)).split())  # //head/title//text()
        parts = [p for p in _TITLE_SEP.split(head) if p]
        key = title.casefold()
        if len(parts) > 1 and (key in {p.casefold() for p in parts} or key in _logo_texts(tree)):
            longest = max(parts, key=len)
            if len(longest) > len(title):
                return longest
    if sitename:
        for sep in (" - ", " | ", " – ", " — ", " :: "):
            suffix = f"{sep}{sitename}"
            if title.lower().endswith(suffix.lower()) and len(title) > len(suffix):
                return title[: -len(suffix)].strip()
    return title


def _logo_texts(tree: etree._Element) -> set[str]:
    # Only asked when the title is not a <title> segment: the XPath walks the whole page.
    return {" ".join(" ".join(e.xpath(".//text()")).split()).casefold() for e in tree.xpath(
        '//*[contains(@class, "logo")] | //h1[a[@href="/"]] | //a[@href="/"]')}


def _tags(raw: _Raw, elements: Elements) -> list[str]:
    found = [*raw.tags, *(c for m in elements["meta"]
                          if m.get("property") == "article:tag" and (c := m.get("content")) is not None)]
    out: list[str] = []
    seen: set[str] = set()
    for t in found:
        t = " ".join(str(t).split())
        if t and t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    return out


# --------------------------------------------------------------------------- page kind

_NOT_FOUND_RE = re.compile(
    r"halaman\s+(?:yang\s+anda\s+cari\s+)?(?:tidak|tak)\s+(?:ditemukan|tersedia|ada)|"
    r"page\s+(?:not|cannot\s+be)\s+found|\bnot\s+found\b|\b404\b|tidak\s+ditemukan|tidak\s+tersedia|"
    r"nothing\s+(?:was\s+)?found|konten\s+tidak\s+(?:ditemukan|tersedia)",
    re.IGNORECASE,
)
_LISTING_PATH_RE = re.compile(
    r"/(?:category|categories|kategori|tag|tags|topik|topic|label|author|penulis|arsip|archives?|indeks|index|"
    r"search|cari)(?:/|$)|/page/\d+/?$|[?&](?:s|q|page|paged)=",
    re.IGNORECASE,
)
_ARCHIVE_BODY_CLASS_RE = re.compile(r"\b(?:archive|category|tag|search|blog|home|paged|tax-\w+)\b")
_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle"}
_LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage"}


@dataclass(frozen=True)
class _Signals:
    article_markup: bool  # og:type=article, an Article JSON-LD node or article:published_time
    listing_markup: bool  # listing URL, WordPress archive body class, CollectionPage JSON-LD
    teasers: int  # distinct links under headings outside nav/footer/aside
    link_share: float  # share of body paragraphs that are link texts
    error_class: bool  # WordPress "error404" body class


def _jsonld_types(scripts: list[etree._Element]) -> set[str]:
    types: set[str] = set()
    for script in (el for el in scripts if "ld+json" in el.get("type", "")):
        for m in re.finditer(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")', script.text_content() or ""):
            try:
                value = json.loads(m.group(1))
            except ValueError:
                continue
            types.update(v.lower() for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))
    return types


_CHROME = ("nav", "footer", "aside", "header")


def _own_text(el: etree._Element) -> str:
    """text_content() (an XPath evaluation per call), read directly when `el` has no children, as most links."""
    return (el.text or "") if len(el) == 0 else el.text_content()


def _signals(elements: Elements, url: str, body: str) -> _Signals:
    ld = _jsonld_types(elements["script"])
    # Loops over the page's elements of a tag (as "//tag") rather than XPath predicates
    # tested on every node.
    og_type = _first_attr(elements["meta"], "content", lambda m: m.get("property") == "og:type").lower()
    article_markup = (
        og_type == "article" or bool(ld & _ARTICLE_TYPES)
        or any(m.get("property") == "article:published_time" for m in elements["meta"])
    )
    body_class = _first_attr(elements["body"], "class")
    listing_markup = (
        bool(_LISTING_PATH_RE.search(url or "")) or bool(_ARCHIVE_BODY_CLASS_RE.search(body_class))
        or bool(ld & _LISTING_TYPES)
    )
    headings = [h for tag in ("h1", "h2", "h3", "h4") for h in elements[tag]]
    teaser_links = {
        a.get("href") for h in headings if next(h.iterancestors(*_CHROME), None) is None
        for a in h.iter("a") if a.get("href") is not None
    }
    anchor_texts = {" ".join(_own_text(a).split()).casefold() for a in elements["a"]}
    paras = [p for p in body.split("\n\n") if p]
    linked = sum(p.casefold() in anchor_texts for p in paras)
    return _Signals(
        article_markup=article_markup,
        listing_markup=listing_markup,
        teasers=len({urljoin(url, h) for h in teaser_links}),
        link_share=linked / len(paras) if paras else 0.0,
        error_class=bool(re.search(r"\berror404\b", body_class)),
    )


def page_kind(elements: Elements, url: str, title: str, body: str) -> str:
    """article | listing | soft404 | empty — conservative: doubt means "article"."""
    sig = _signals(elements, url, body)
    words = _words(body)
    headline = f"{title} {' '.join(_text_nodes(elements['h1']))}"
    if sig.error_class:
        return "soft404"
    if words < SOFT404_MAX_WORDS and _NOT_FOUND_RE.search(headline):
        return "soft404"
    if words < SOFT404_MAX_WORDS and _NOT_FOUND_RE.search(body[:200]):
        return "soft404"
    if _is_listing(sig, words):
        return "listing"
    if words < EMPTY_WORDS:
        return "empty"
    return "article"


def _is_listing(sig: _Signals, words: int) -> bool:
    # A long body with article markup is an article, whatever its URL or sidebar looks like.
    if sig.article_markup and words >= 150 and sig.link_share < 0.5:
        return False
    if sig.listing_markup and (sig.teasers >= 3 or sig.link_share >= 0.3 or words < 150):
        return True
    # Without markup: many headline links and little own text per headline (teaser excerpts).
    return not sig.article_markup and sig.teasers >= 5 and (sig.link_share >= 0.3 or words / sig.teasers < 25)


# --------------------------------------------------------------------------- entry point


def extract_page(
    html: bytes | str,
    url: str,
    *,
    timezone: str = "WIB",
    prune_xpath: list[str] | tuple[str, ...] = (),
    body_selector: str = "",
    crawled_at: datetime | None = None,
    declared_encoding: str = "",
) -> Extracted:
    """Everything `Extracted` holds for one page. Never raises on bad HTML: an
    unparseable page comes back as page_kind="empty"."""
    tz_name = timezone  # the parameter shadows datetime.timezone, hence dt_timezone
    reference = crawled_at or datetime.now(dt_timezone.utc)
    tree = _parse(decode_html(html, declared_encoding))
    if tree is None:
        return Extracted(page_kind="empty", canonical_url=url, date_source="none")
    _prune(tree, prune_xpath)
    elements = elements_by_tag(tree, _ELEMENTS)  # nothing below changes the tree
    raw = _trafilatura(tree, url, elements)
    title = _clean_title(raw.title, raw.sitename, tree, elements)
    text, extractor = _choose_body(tree, raw.text, body_selector)
    cleaned = clean_body(_drop_title_line(text, title))
    published, modified, date_source = find_dates(tree, url, tz=tz_name, reference=reference, elements=elements)
    author = cleaned.author or ("" if _GENERIC_AUTHORS.match(raw.author.strip()) else raw.author.strip())
    return Extracted(
        title=title,
        body=cleaned.body,
        author=author,
        credit=cleaned.credit,
        dateline=cleaned.dateline,
        description=" ".join(raw.description.split()),
        tags=_tags(raw, elements),
        image=urljoin(url, raw.image) if raw.image else "",
        language=_language(tree, cleaned.body),
        canonical_url=canonical_url(tree, url, elements),
        published_at=published,
        modified_at=modified,
        date_source=date_source,
        extractor=extractor,
        page_kind=page_kind(elements, url, title, cleaned.body),
    )


def _choose_body(tree: etree._Element, text: str, body_selector: str) -> tuple[str, str]:
    if text and _words(text) >= MIN_BODY_WORDS and not _layout_table(text):
        return text, "trafilatura"
    fallback = _fallback(tree, body_selector)
    if _layout_table(text) and _words(fallback) >= MIN_BODY_WORDS:
        return fallback, "fallback"
    if _words(fallback) > _words(text):
        return fallback, "fallback"
    return text, "trafilatura"


def _layout_table(text: str) -> bool:
    """Old CMS pages lay the whole page out in a <table>: trafilatura returns "| cell |" rows."""
    lines = [line for line in text.split("\n") if line.strip()]
    return bool(lines) and sum(line.lstrip().startswith("|") for line in lines) / len(lines) >= 0.5


def _drop_title_line(text: str, title: str) -> str:
    lines = text.split("\n")
    key = " ".join(title.split()).casefold()
    if key and lines and " ".join(lines[0].split()).casefold() == key:
        lines = lines[1:]
    return "\n".join(lines)
