"""Publication dates for Indonesian pages.

dateparser and htmldate miss the house styles of regional outlets: a weekday
with a bracketed numeric date ("Selasa (04/06/2024)", "Jumat (18/11)" without
a year), Indonesian month abbreviations (Agt/Ags/Nop/Peb/Okt/Des) and the
three Indonesian time zones (WIB/WITA/WIT). So the common shapes are parsed
here with explicit rules, dateparser only handles what is left, and a page's
dates are looked for in order of trust:

    JSON-LD datePublished > meta tags > visible text near the title > URL

Every datetime returned is timezone-aware. A naive time is read in the zone
the page names (WIB/WITA/WIT) or else in the source's own zone. A string
without a day and a month ("10:15 WIB") is never a date: dateparser would
happily return today for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Iterable, Iterator, Mapping, NamedTuple

from lxml import html as lxml_html

TZ_OFFSETS = {"WIB": 7, "WITA": 8, "WIT": 9}

# How far back a year-less date ("Jumat (18/11)") may be placed by its weekday.
YEAR_INFERENCE_SPAN = 7
# Dates before this are misparses (copyright years, ids), not news.
EARLIEST_YEAR = 1995

MONTHS: dict[str, int] = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agus": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}

# Python weekday(): Monday == 0.
WEEKDAYS: dict[str, int] = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "jum’at": 4,
    "sabtu": 5, "minggu": 6, "ahad": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_ALT = "|".join(sorted((re.escape(w) for w in WEEKDAYS), key=len, reverse=True))

_WEEKDAY_RE = re.compile(rf"\b({_WEEKDAY_ALT})\b", re.IGNORECASE)
_TZ_RE = re.compile(r"\b(WITA|WIB|WIT)\b")
_TIME_RE = re.compile(r"(?<![\d/.])([01]?\d|2[0-3])[:.]([0-5]\d)(?:[:.]([0-5]\d))?(?![\d/])")
# "27 November 2024", "27 Nov. 2024", "27 Nop 24", "27 November" (no year)
_DMY_TEXT_RE = re.compile(
    rf"\b(\d{{1,2}})\s*(?:-|\s)\s*({_MONTH_ALT})\.?(?:\s*(?:-|\s|,)\s*(\d{{4}}|\d{{2}}(?!\d|[:.]\d)))?\b",
    re.IGNORECASE,
)
# "November 27, 2024" (English-locale WordPress themes)
_MDY_TEXT_RE = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)
# "04/06/2024", "4-6-24", "18/11" (no year); Indonesian order is day/month.
_DMY_NUM_RE = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d/-]|\.\d)")
_ISO_RE = re.compile(
    r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
_RELATIVE_RE = re.compile(
    r"\b(\d{1,3})\s+(detik|menit|jam|hari|minggu|pekan|bulan|tahun)\s+(?:yang\s+)?lalu\b", re.IGNORECASE
)
_URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])(?:[/-](0?[1-9]|[12]\d|3[01]))?(?=[/-]|$)")
_URL_COMPACT_RE = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])(?=[/-])")


def tz_for(name: str) -> tzinfo:
    """Fixed offset of WIB/WITA/WIT; unknown names fall back to WIB (most sources)."""
    return timezone(timedelta(hours=TZ_OFFSETS.get(name.upper(), 7)), name.upper() or "WIB")


@dataclass(frozen=True)
class _Parts:
    day: int
    month: int
    year: int | None
    span: tuple[int, int]


def _expand_year(y: str) -> int:
    n = int(y)
    return n + 2000 if len(y) == 2 else n


def _date_parts(text: str) -> _Parts | None:
    """The first day/month(/year) in `text`, by the earliest match of any shape."""
    found: list[_Parts] = []
    m = _DMY_TEXT_RE.search(text)
    if m:
        found.append(_Parts(int(m[1]), MONTHS[m[2].lower()], _expand_year(m[3]) if m[3] else None, m.span()))
    m = _MDY_TEXT_RE.search(text)
    if m:
        found.append(_Parts(int(m[2]), MONTHS[m[1].lower()], int(m[3]), m.span()))
    for m in _DMY_NUM_RE.finditer(text):
        # A year-less "d.m" is indistinguishable from a time ("10.15"); only "/" and "-" count then.
        if m[4] is None and m[2] == ".":
            continue
        if 1 <= int(m[3]) <= 12 and 1 <= int(m[1]) <= 31:  # "UU 7/2017" is no date; look further
            found.append(_Parts(int(m[1]), int(m[3]), _expand_year(m[4]) if m[4] else None, m.span()))
            break
    valid = [p for p in found if 1 <= p.month <= 12 and 1 <= p.day <= 31]
    return min(valid, key=lambda p: p.span[0]) if valid else None


def _time_after(text: str, start: int) -> tuple[int, int, int]:
    # Only a time right after the date belongs to it; one further on is another event's.
    m = _TIME_RE.search(text[start : start + 40])
    if not m:
        return (0, 0, 0)
    return (int(m[1]), int(m[2]), int(m[3] or 0))


def _infer_year(day: int, month: int, weekday: int | None, reference: datetime) -> int | None:
    """Year of a year-less date: with a weekday, the latest year (≤ reference) where
    the weekday matches; without one, the latest year where the date is not in the future."""
    limit = reference.date() + timedelta(days=1)  # a page in WIT can be a day ahead of UTC
    for year in range(reference.year, reference.year - YEAR_INFERENCE_SPAN - 1, -1):
        try:
            d = date(year, month, day)
        except ValueError:
            continue  # 29/02 in a non-leap year
        if d > limit:
            continue
        if weekday is None or d.weekday() == weekday:
            return year
    return None


def _parse_iso(text: str, tz: tzinfo) -> datetime | None:
    m = _ISO_RE.search(text)
    if not m:
        return None
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    hh, mm, ss = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    zone = tz
    if m[7]:
        try:
            zone = timezone.utc if m[7] == "Z" else _offset(m[7])
        except ValueError:
            return None  # "+99:99": no real zone, so no instant to trust
    else:
        named = _TZ_RE.search(text, m.end())
        if named:
            zone = tz_for(named[1])
    try:
        return datetime(y, mo, d, hh, mm, ss, tzinfo=zone)
    except ValueError:
        return None


def _offset(spec: str) -> tzinfo:
    sign = -1 if spec[0] == "-" else 1
    digits = spec[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def _parse_relative(text: str, reference: datetime) -> datetime | None:
    m = _RELATIVE_RE.search(text)
    if not m:
        return None
    n, unit = int(m[1]), m[2].lower()
    days = {"hari": 1, "minggu": 7, "pekan": 7, "bulan": 30, "tahun": 365}
    if unit in days:
        return reference - timedelta(days=n * days[unit])
    seconds = {"detik": 1, "menit": 60, "jam": 3600}[unit]
    return reference - timedelta(seconds=n * seconds)


def _dateparser_fallback(text: str, tz: tzinfo, reference: datetime) -> datetime | None:
    import dateparser

    settings: dict[str, Any] = {
        "RELATIVE_BASE": reference.replace(tzinfo=None),
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
        # A string without day, month and year is not a publication date.
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        parsed = dateparser.parse(text, languages=["id", "en"], settings=settings)
    except Exception:  # dateparser raises a zoo of errors on odd input; none is ours to handle
        return None
    return parsed.replace(tzinfo=tz) if parsed else None


def parse_indonesian_date(
    text: str, *, tz: str = "WIB", reference: datetime | None = None, allow_yearless: bool = True
) -> datetime | None:
    """One date in free text ("Rabu, 27 Nov 2024 10:15 WIB", "Jumat (18/11)", ISO).

    `tz` is the source's zone, used when the text names none. `reference` (the
    crawl time, default now) bounds year inference and relative dates; nothing
    later than one day after it is returned. `allow_yearless=False` refuses
    "18/11" without a weekday, for scanning noisy page text.
    """
    if not text or not text.strip():
        return None
    reference = _aware(reference or datetime.now(timezone.utc))
    text = " ".join(text.split())
    named = _TZ_RE.search(text)
    zone = tz_for(named[1]) if named else tz_for(tz)
    result = _parse_iso(text, zone) or _parse_parts(text, zone, reference, allow_yearless)
    if result is None:
        relative = _parse_relative(text, reference)
        result = relative.astimezone(zone) if relative else None
    if result is None and re.search(r"\d{4}", text):
        result = _dateparser_fallback(text, zone, reference)
    return result if result and _plausible(result, reference) else None


def _parse_parts(text: str, zone: tzinfo, reference: datetime, allow_yearless: bool) -> datetime | None:
    parts = _date_parts(text)
    if parts is None:
        return None
    year = parts.year
    if year is None:
        # Only a weekday right before the date names it ("Jumat (18/11)", "Jumat, 18/11").
        wd = _WEEKDAY_RE.search(text[max(0, parts.span[0] - 12) : parts.span[0]])
        if wd is None and not allow_yearless:
            return None
        year = _infer_year(parts.day, parts.month, WEEKDAYS[wd[1].lower()] if wd else None, reference)
        if year is None:
            return None
    hh, mm, ss = _time_after(text, parts.span[1])
    try:
        return datetime(year, parts.month, parts.day, hh, mm, ss, tzinfo=zone)
    except ValueError:
        return None


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _plausible(dt: datetime, reference: datetime) -> bool:
    return dt.year >= EARLIEST_YEAR and dt <= reference + timedelta(days=1)


# --------------------------------------------------------------------------- page level


class FoundDates(NamedTuple):
    """A tuple, so `published, modified, source = find_dates(...)` works."""

    published: datetime | None
    modified: datetime | None
    source: str  # jsonld | meta | text | url | none


_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "report"}

_META_PUBLISHED = (
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished",
    "publishdate", "publish-date", "pubdate", "publish_date", "dc.date.issued", "dc.date",
    "dcterms.created", "sailthru.date", "parsely-pub-date", "date", "content_publishedtime",
)
_META_MODIFIED = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "lastmod")

_DATE_CLASS_RE = re.compile(
    r"(date|time|tanggal|tgl|posted|published|publish|entry-meta|post-meta|meta-info|byline|waktu)", re.IGNORECASE
)


def _walk_jsonld(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in node:
                yield from _walk_jsonld(node[key])


def _types(node: dict[str, Any]) -> set[str]:
    t = node.get("@type", "")
    return {x.lower() for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)}


def _document(tree: Any) -> Any:
    """The whole document, as an XPath "//" sees it, of an element or an ElementTree."""
    return tree.getroottree() if hasattr(tree, "getroottree") else tree


# A page's elements by tag name, each list in document order: what "//tag" finds.
Elements = Mapping[str, list[Any]]
_DATE_ELEMENTS = ("script", "meta", "h1")


def elements_by_tag(tree: Any, tags: Iterable[str]) -> dict[str, list[Any]]:
    """The elements of each of `tags` in the whole document of `tree`, from one walk.

    A walk of an lxml document costs about the same whatever it looks for, so a
    caller with several questions about a page asks them of these lists.
    """
    found: dict[str, list[Any]] = {tag: [] for tag in tags}
    for el in _document(tree).iter(*found) if found else ():  # no tag at all would mean every element
        found[el.tag].append(el)
    return found


_JSONLD_LOWER = str.maketrans("JSONLD", "jsonld")  # XPath's translate(@type, "JSONLD", "jsonld")


def _jsonld_dates(scripts: list[Any], tz: str, reference: datetime) -> tuple[datetime | None, datetime | None]:
    nodes: list[dict[str, Any]] = []
    # A loop over the page's <script> elements (as "//script"): the XPath tested every node.
    for script in (el for el in scripts if "ld+json" in el.get("type", "").translate(_JSONLD_LOWER)):
        try:
            nodes.extend(_walk_jsonld(json.loads(script.text_content() or "", strict=False)))
        except (ValueError, TypeError):
            continue  # broken JSON-LD is common; the meta tags are the next witness
    # An Article node's date beats a WebPage node's (that one is often the page's last edit).
    nodes.sort(key=lambda n: 0 if _types(n) & _ARTICLE_TYPES else 1)
    published = modified = None
    for node in nodes:
        if published is None and isinstance(node.get("datePublished") or node.get("dateCreated"), str):
            published = parse_indonesian_date(node.get("datePublished") or node["dateCreated"], tz=tz, reference=reference)
        if modified is None and isinstance(node.get("dateModified"), str):
            modified = parse_indonesian_date(node["dateModified"], tz=tz, reference=reference)
    return published, modified


def _meta_values(tree: Any, metas: list[Any], names: tuple[str, ...]) -> Iterator[str]:
    wanted = set(names)
    for el in metas:
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        if key in wanted and el.get("content") is not None:
            yield el.get("content")
    # <time itemprop="datePublished" datetime="…">, <abbr itemprop=…>; the elements that own an
    # itemprop attribute, as `//*[@itemprop and not(self::meta)]` in two thirds of its time.
    for el in tree.xpath("//@itemprop/parent::*[not(self::meta)]"):
        if el.get("itemprop", "").strip().lower() in wanted:
            yield el.get("datetime") or el.get("content") or el.text_content()


def _first_parsed(values: Iterator[str], tz: str, reference: datetime) -> datetime | None:
    for v in values:
        dt = parse_indonesian_date(v or "", tz=tz, reference=reference, allow_yearless=False)
        if dt:
            return dt
    return None


def _text_candidates(h1s: list[Any]) -> Iterator[str]:
    """Strings near the title (the page's first <h1>) that may carry the date, most specific first.

    Only the title's own block (up to three levels up, outside header/nav) and
    the text right after the title are searched: sidebars carry other stories'
    dates and a site's top bar carries today's.
    """
    if not h1s:
        return
    scope = h1s[0].getparent()
    for _ in range(3):
        if scope is None or scope.tag in ("body", "html"):
            break
        for el in scope.iter():
            if not isinstance(el.tag, str) or el.xpath("ancestor-or-self::header[not(.//h1)] | ancestor-or-self::nav"):
                continue
            if el.tag == "time" and el.get("datetime"):
                yield el.get("datetime")
            if _DATE_CLASS_RE.search(f'{el.get("class", "")} {el.get("id", "")}') and len(el.text_content()) < 200:
                yield el.text_content()
        scope = scope.getparent()
    yield _text_after(h1s[0], 600)


def _text_after(el: Any, limit: int) -> str:
    out: list[str] = []
    size = 0
    for t in el.xpath("following::text()[not(ancestor::script) and not(ancestor::style)]"):
        out.append(t)
        size += len(t)
        if size >= limit:
            break
    return " ".join(out)[:limit]


def _text_date(h1s: list[Any], tz: str, reference: datetime) -> datetime | None:
    for text in _text_candidates(h1s):
        dt = parse_indonesian_date(text or "", tz=tz, reference=reference, allow_yearless=False)
        if dt:
            return dt
    return None


def _htmldate_date(tree: Any, tz: str, reference: datetime) -> datetime | None:
    try:
        from htmldate import find_date

        found = find_date(
            lxml_html.tostring(tree, encoding="unicode"), extensive_search=False, original_date=True,
            outputformat="%Y-%m-%d", max_date=reference.strftime("%Y-%m-%d"),
        )
    except Exception:  # htmldate is a best-effort last witness; its failures must not fail extraction
        return None
    dt = parse_indonesian_date(found, tz=tz, reference=reference) if found else None
    # htmldate reads any date-classed element; the crawl day itself is most likely
    # the site's top-bar clock, not the story's date.
    if dt is None or dt.date() == reference.astimezone(tz_for(tz)).date():
        return None
    return dt


def url_date(url: str, *, tz: str = "WIB", reference: datetime | None = None) -> datetime | None:
    """/2024/06/04/slug or /20240604-slug; a /2024/06/ month path gives the 1st of that month."""
    path = re.sub(r"^https?://[^/]+", "", url or "")
    m = _URL_DATE_RE.search(path) or _URL_COMPACT_RE.search(path)
    if not m:
        return None
    try:
        dt = datetime(int(m[1]), int(m[2]), int(m[3] or 1), tzinfo=tz_for(tz))
    except ValueError:
        return None
    return dt if _plausible(dt, _aware(reference or datetime.now(timezone.utc))) else None


def find_dates(
    html: str | bytes | Any, url: str = "", *, tz: str = "WIB", reference: datetime | None = None,
    elements: Elements | None = None,
) -> FoundDates:
    """Published and modified dates of a page, and which witness gave the published one.

    `html` may be a string, bytes or an already parsed lxml tree; `elements`, the
    tree's <script>, <meta> and <h1> elements as `elements_by_tag` finds them, when
    the caller has them already.
    """
    reference = _aware(reference or datetime.now(timezone.utc))
    tree = _as_tree(html)
    if tree is None:
        published = url_date(url, tz=tz, reference=reference)
        return FoundDates(published, None, "url" if published else "none")
    if elements is None:
        elements = elements_by_tag(tree, _DATE_ELEMENTS)
    metas = elements["meta"]
    published, modified = _jsonld_dates(elements["script"], tz, reference)
    if modified is None:
        modified = _first_parsed(_meta_values(tree, metas, _META_MODIFIED), tz, reference)
    steps = (
        ("jsonld", lambda: published),
        ("meta", lambda: _first_parsed(_meta_values(tree, metas, _META_PUBLISHED), tz, reference)),
        ("text", lambda: _text_date(elements["h1"], tz, reference) or _htmldate_date(tree, tz, reference)),
        ("url", lambda: url_date(url, tz=tz, reference=reference)),
    )
    for source, get in steps:
        found = get()
        if found:
            return FoundDates(found, modified, source)
    return FoundDates(None, modified, "none")


def _as_tree(html: str | bytes | Any) -> Any:
    if not isinstance(html, (str, bytes)):
        return html
    if not html.strip():
        return None
    if isinstance(html, str):
        html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        return lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
