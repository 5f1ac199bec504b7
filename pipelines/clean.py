"""Indonesian clean-up of what trafilatura leaves in an article body.

Regional outlets and regency media centres put their furniture inside the
article's own container, where no generic extractor can tell it from text:
inline "Baca Juga: …" links, "Iklan" slots, share-button labels, photo
captions ("Foto: …"), and credit lines ("Penulis : X", "(humas kesbangpol)",
"(Name/outlet.com)"). Credits are not thrown away: writers go to `author`,
everything else (editor, source, office) to `credit`.

Only whole lines (paragraphs) are removed, plus a few bracketed inline forms
("(Foto: Humas)"); a sentence that merely contains "foto" or "iklan" stays.

Dateline choice: the place is returned title-cased when the page wrote it in
capitals ("PANGKALAN BUN –", "BALANGAN, shalokalindonesia.com –" →
"Pangkalan Bun", "Balangan") and as written otherwise, so one place is one
facet value whatever the outlet's style. The dateline text stays in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warta.textnorm import caseless_search

# --------------------------------------------------------------------------- markers
# Every marker is line-anchored or bracketed: a stored body must contain none.
_F = re.IGNORECASE | re.MULTILINE
_SHARE_WORDS = r"(?:facebook|twitter|whatsapp|telegram|linkedin|pinterest|line|email|e-mail|print|cetak|copy|salin)"

BOILERPLATE_MARKERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^\W*(?:baca|lihat|simak)\s*(?:juga|pula)\b", _F),
    re.compile(r"^\W*(?:iklan|advertisement|advertisment|adv|sponsored|konten sponsor)\W*$", _F),
    re.compile(r"(?:scroll|gulir)\s+(?:ke\s*bawah\s+)?(?:untuk\s+)?(?:lanjut|melanjutkan|terus)\s+membaca", _F),
    re.compile(r"^\W*gulir\s+ke\s+bawah", _F),
    re.compile(r"scroll\s+to\s+continue", _F),
    re.compile(r"^\W*(?:bagikan|share|bagikan ke|share on|share via|salin tautan|salin link|copy link)\b[^\n]{0,30}$", _F),
    re.compile(rf"^[ \t]*{_SHARE_WORDS}(?:[ \t|,/·•]+{_SHARE_WORDS})+[ \t:]*$", _F),
    re.compile(r"^[ \t]*(?:facebook|twitter|whatsapp|telegram|linkedin|pinterest)[ \t:]*$", _F),
    re.compile(r"^\W*(?:(?:foto|photo|ilustrasi|dokumentasi|dok)\s*[:/|]|dok\.\s)", _F),
    re.compile(r"\(\s*(?:foto|photo|dok)\s*[:/][^)\n]*\)", _F),
    re.compile(
        r"^\W*(?:penulis|reporter|pewarta|wartawan|editor|redaktur|penyunting|sumber|laporan|"
        r"fotografer|kontributor)\s*[:：]",
        _F,
    ),
    re.compile(r"leave a (?:reply|comment)|your email address will not be published", _F),
    re.compile(r"tinggalkan (?:balasan|komentar)|alamat email anda tidak akan", _F),
    re.compile(r"^\W*close this search box", _F),
    # A line that is only the publication date ("Selasa, 23 Juli 2024 | 07:30 WIB"): page chrome.
    re.compile(
        r"^[ \t]*(?:(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad),?[ \t]+)?\d{1,2}[ \t]+[a-z]{3,9}\.?[ \t]+"
        r"\d{4}(?:[ \t]*[|,\-–][ \t]*)?(?:(?:pukul[ \t]+)?\d{1,2}[:.]\d{2}(?:[ \t]*(?:wib|wita|wit))?)?[ \t]*$",
        _F,
    ),
)


def _alternation(patterns: list[re.Pattern[str]]) -> str:
    return "|".join(f"(?:{pat.pattern})" for pat in patterns)


# Most paragraphs hold no marker: two scans rule them all out instead of one per
# marker (an alternation matches exactly where one of its branches does). In a
# one-line paragraph "^" can only match at its start, so the line-anchored markers
# are tried there alone.
_LINE_MARKERS = re.compile(_alternation([p for p in BOILERPLATE_MARKERS if p.pattern.startswith("^")]), _F)
_has_floating_marker = caseless_search(
    _alternation([p for p in BOILERPLATE_MARKERS if not p.pattern.startswith("^")]), re.MULTILINE)


def boilerplate_left(body: str) -> list[str]:
    """The marker matches still present in `body` (empty for a clean body)."""
    return [m.group(0).strip() for pat in BOILERPLATE_MARKERS for m in pat.finditer(body)]


# --------------------------------------------------------------------------- result


@dataclass
class Cleaned:
    body: str  # paragraphs separated by a blank line
    author: str = ""
    credit: str = ""
    dateline: str = ""
    removed: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- credits

_AUTHOR_LABELS = ("penulis", "reporter", "pewarta", "wartawan", "jurnalis", "ditulis oleh", "oleh", "laporan", "kontributor")
_CREDIT_LABELS = ("editor", "redaktur", "penyunting", "sumber", "fotografer", "publisher", "penerbit", "uploader")
_LABEL_ALT = "|".join(sorted(_AUTHOR_LABELS + _CREDIT_LABELS, key=len, reverse=True))
_LABEL_RE = re.compile(rf"(?<![\w])({_LABEL_ALT})\s*[:：]\s*", re.IGNORECASE)
_CREDIT_LINE_RE = re.compile(rf"^\W*(?:{_LABEL_ALT})\s*[:：]", re.IGNORECASE)
# Trailing "(humas kesbangpol)", "(mmckobar)", "(Name/outlet.com)" after the last sentence.
_TRAILING_PAREN_RE = re.compile(r"(?:(?<=[.!?\"”’'])|^)\s*\(([^()\n]{1,60})\)\s*$")
_KNOWN_CREDIT_WORDS = re.compile(
    r"\b(?:humas|mmc\w*|ant|antara|adv|advertorial|red|rls|hms|prokopim|diskominfo|kominfo|infopublik|"
    r"release|rilis|redaksi|pers)\b",
    re.IGNORECASE,
)
_MAX_CREDIT_LINE = 120


def _credit_pairs(line: str) -> list[tuple[str, str]] | None:
    """("penulis", "Bayu"), ("editor", "Rina") from "Penulis : Bayu | Editor: Rina"."""
    if len(line) > _MAX_CREDIT_LINE or not _CREDIT_LINE_RE.match(line):
        return None
    labels = list(_LABEL_RE.finditer(line))
    pairs = []
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(line)
        value = line[m.end() : end].strip(" |/,;-–()")
        if value:
            pairs.append((m.group(1).lower(), value))
    return pairs or None


def _paren_credit(content: str) -> bool:
    content = content.strip()
    if not content or ". " in content:
        return False
    if content.strip("*") == "":
        return True
    return bool(
        content[0].islower()
        or "/" in content
        or _KNOWN_CREDIT_WORDS.search(content)
        or (content.isupper() and len(content) <= 12)
    )


def _author_from_slash_credit(content: str) -> str:
    """"Rahmad Sidikin/shalokalindonesia.com" names its writer before the slash."""
    if "/" not in content:
        return ""
    name, outlet = (s.strip() for s in content.split("/", 1))
    looks_like_name = bool(re.fullmatch(r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}", name))
    if looks_like_name and not _KNOWN_CREDIT_WORDS.search(name) and ("." in outlet or outlet.isupper()):
        return name
    return ""


@dataclass
class _Credits:
    authors: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)

    def add_author(self, name: str) -> None:
        if name and name not in self.authors:
            self.authors.append(name)

    def add_credit(self, text: str) -> None:
        if text and text not in self.credits:
            self.credits.append(text)


# --------------------------------------------------------------------------- lines

_RELATED_HEADING_RE = re.compile(
    r"^\W*(?:berita|artikel|baca)\s+(?:terkait|lainnya|terbaru|populer|terpopuler)\W*$|"
    r"^\W*(?:related\s+(?:posts?|articles?|news)|you may also like|komentar|comments?)\W*$",
    re.IGNORECASE,
)
_CHROME_LINE_RE = re.compile(r"^\W*(?:follow(?:\s+us)?|ikuti\s+kami|search|cari|tags?|topik)\s*:?\s*$", re.IGNORECASE)
_TAGS_LINE_RE = re.compile(r"^\W*(?:tags?|topik|label)\s*:\s*\S", re.IGNORECASE)
_INLINE_PHOTO_RE = re.compile(r"\s*\(\s*(?:foto|photo|dok)\s*[:/][^)\n]*\)", re.IGNORECASE)


def _strip_boilerplate(para: str, removed: list[str]) -> str:
    """The paragraph without its boilerplate: "" when the whole line is furniture."""
    if _CHROME_LINE_RE.match(para) or _TAGS_LINE_RE.match(para):
        removed.append(para)
        return ""
    if "\n" not in para and not _LINE_MARKERS.match(para) and not _has_floating_marker(para):
        return para
    for pat in BOILERPLATE_MARKERS:
        m = pat.search(para)
        if not m:
            continue
        # Line-anchored markers are line furniture by definition; a floating one
        # ("scroll untuk lanjut membaca") injected into a long paragraph is cut out alone.
        if pat.pattern.startswith("^") or _word_count(para) <= 25:
            removed.append(para)
            return ""
        removed.append(m.group(0))
        para = " ".join(pat.sub(" ", para).split())
    return para


def _paragraphs(text: str) -> list[str]:
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return [line for line in lines if line]


def _word_count(text: str) -> int:
    return len(text.split())


# --------------------------------------------------------------------------- dateline

_DASH_RE = re.compile(r"\s+(?:--|[–—-])\s+|\s+[–—]|(?<=\))\s*[–—-]\s+")
_OUTLET_PAREN_RE = re.compile(r"\((?:antara|antaranews|ant|mmc\w*|humas\w*|[\w.]+\.\w{2,})\)", re.IGNORECASE)
_DOMAIN_RE = re.compile(r"\w\.(?:com|id|co|net|org|news|info|web|go|my)\b", re.IGNORECASE)
# Words that open an outlet/office byline ("MMC Kobar", "Bawaslu Kabupaten Seruyan").
_OUTLET_WORDS = {
    "mmc", "bawaslu", "kpu", "kpud", "humas", "pemkab", "pemkot", "pemprov", "diskominfo", "kominfo",
    "prokopim", "antara", "polres", "polda", "infopublik", "dprd", "setda", "media", "redaksi",
}
# Words no place name contains: a lead opening with them ("Ketua Bawaslu Kukar, …") has no dateline.
_NOT_PLACE_WORDS = _OUTLET_WORDS | {
    "center", "centre", "ketua", "anggota", "bupati", "wakil", "walikota", "wali", "kepala", "sekretaris",
    "camat", "lurah", "pj", "kapolres", "dandim", "gubernur", "kabupaten", "provinsi", "komisioner",
    "tim", "badan", "dinas", "kantor", "partai", "pasangan", "calon", "paslon", "pemerintah", "rapat",
    "kegiatan", "acara", "dalam", "pada", "sementara", "selain", "menurut", "para", "seluruh",
}
_PLACE_WORD_RE = re.compile(r"[A-Z][A-Za-z'’.-]*")
_ALLCAPS_COMMA_RE = re.compile(r"^([A-Z][A-Z'’.-]+(?:\s+[A-Z][A-Z'’.-]+){0,3}),\s")


def _is_outlet(part: str) -> bool:
    words = part.split()
    return bool(_DOMAIN_RE.search(part)) or (bool(words) and words[0].lower().strip(".") in _OUTLET_WORDS)


def _is_place(part: str) -> bool:
    words = part.split()
    if not 1 <= len(words) <= 4 or len(part) > 40 or re.search(r"\d", part):
        return False
    if any(w.lower().strip(".") in _NOT_PLACE_WORDS for w in words):
        return False
    return all(_PLACE_WORD_RE.fullmatch(w) for w in words)


def _capwords(place: str) -> str:
    if not place.isupper():
        return place
    return re.sub(r"[A-Za-z]+", lambda m: m.group(0).capitalize(), place.lower())


def detect_dateline(first_paragraph: str) -> str:
    """The place a story was filed from, or "" when the lead has no dateline."""
    head = first_paragraph[:100]
    dash = _DASH_RE.search(head)
    if dash and dash.start() <= 70:
        prefix = _OUTLET_PAREN_RE.sub(" ", head[: dash.start()])
        if _word_count(prefix) <= 8:
            return _place_from_prefix(prefix)
    m = _ALLCAPS_COMMA_RE.match(head)
    if m and _is_place(m.group(1)) and not _is_outlet(m.group(1)):
        return _capwords(m.group(1))
    return ""


def _place_from_prefix(prefix: str) -> str:
    from pipelines.dates import parse_indonesian_date

    for raw in prefix.split(","):
        part = " ".join(raw.split()).strip(" .")
        if not part:
            continue
        if _is_outlet(part) or re.search(r"\d", part) or parse_indonesian_date(part, allow_yearless=False):
            continue
        # The first part that is neither outlet nor date must be the place, or there is no dateline.
        return _capwords(part) if _is_place(part) else ""
    return ""


# --------------------------------------------------------------------------- main


def clean_body(text: str) -> Cleaned:
    """Strip Indonesian boilerplate from an extracted body and lift out its credits."""
    removed: list[str] = []
    credits = _Credits()
    kept: list[str] = []
    credit_end: int | None = None  # index in `kept` just after the last credit
    for para in _paragraphs(text):
        para = _strip_inline(para, removed)
        if not para:
            continue
        if _take_credit_line(para, credits):
            removed.append(para)
            credit_end = len(kept)
            continue
        para = _strip_boilerplate(para, removed)
        if not para:
            continue
        before = len(credits.credits) + len(removed)
        para = _take_trailing_credit(para, credits, removed)
        if para:
            kept.append(para)
        if len(credits.credits) + len(removed) != before:
            credit_end = len(kept)
    kept = _drop_after_credit(kept, credit_end, removed)
    kept = _drop_duplicates(kept, removed)
    kept = _drop_related_tail(kept, removed)
    body = "\n\n".join(kept)
    return Cleaned(
        body=body,
        author=", ".join(credits.authors),
        credit="; ".join(credits.credits),
        dateline=detect_dateline(kept[0]) if kept else "",
        removed=removed,
    )


def _strip_inline(para: str, removed: list[str]) -> str:
    def drop(m: re.Match[str]) -> str:
        removed.append(m.group(0).strip())
        return ""

    if "(" not in para:  # the inline form is bracketed; most paragraphs have no bracket
        return para.strip()
    return _INLINE_PHOTO_RE.sub(drop, para).strip()


def _take_credit_line(para: str, credits: _Credits) -> bool:
    pairs = _credit_pairs(para)
    if pairs is None:
        whole = re.fullmatch(r"\(([^()]{1,60})\)", para)
        if whole and _paren_credit(whole.group(1)):
            _take_paren(whole.group(1), credits)
            return True
        return False
    for label, value in pairs:
        if label in _AUTHOR_LABELS:
            credits.add_author(value)
        else:
            credits.add_credit(f"{label.capitalize()}: {value}")
    return True


def _take_paren(content: str, credits: _Credits) -> None:
    content = content.strip()
    if content.strip("*"):
        credits.add_credit(content)
        credits.add_author(_author_from_slash_credit(content))


def _take_trailing_credit(para: str, credits: _Credits, removed: list[str]) -> str:
    # The regex tries every position of the paragraph; its match ends the paragraph with ")".
    m = _TRAILING_PAREN_RE.search(para) if para.rstrip().endswith(")") else None
    if not m or not _paren_credit(m.group(1)) or m.start() == 0:
        return para
    _take_paren(m.group(1), credits)
    removed.append(m.group(0).strip())
    return para[: m.start()].rstrip()


_MAX_TAIL_WORDS = 60


def _drop_after_credit(paras: list[str], credit_end: int | None, removed: list[str]) -> list[str]:
    """A closing credit ends the story: a short tail after it is an author box or a caption."""
    if credit_end is None or credit_end >= len(paras) or credit_end < 0.6 * len(paras):
        return paras
    tail = paras[credit_end:]
    if sum(_word_count(p) for p in tail) > _MAX_TAIL_WORDS:
        return paras
    removed.extend(tail)
    return paras[:credit_end]


def _drop_duplicates(paras: list[str], removed: list[str]) -> list[str]:
    """A photo caption repeated under the story is the same line twice: keep the first."""
    seen: set[str] = set()
    out = []
    for p in paras:
        key = p.casefold()
        if key in seen and _word_count(p) >= 4:
            removed.append(p)
            continue
        seen.add(key)
        out.append(p)
    return out


def _drop_related_tail(paras: list[str], removed: list[str]) -> list[str]:
    """A "Berita Terkait" heading in the second half starts a list of other stories."""
    for i, p in enumerate(paras):
        if i >= len(paras) / 2 and _RELATED_HEADING_RE.match(p):
            removed.extend(paras[i:])
            return paras[:i]
    return paras
