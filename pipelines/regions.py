"""Region tagging: which provinces and kabupaten/kota an article is ABOUT.

    tag_regions(title, body, dateline, home) -> [RegionTag(primary=True), ...]

Evidence, strongest first: the dateline ("Pangkalan Bun, ..." -> the seat of
Kotawaringin Barat), the title, the lead paragraph, institutions that name a
region ("Bawaslu Kobar", "Pemkab Balangan", "Polres Kotim"), and how often a
region comes back. One passing mention deep in the body is not enough. The
source's home region is a prior: it breaks ties and ambiguous names, and is the
answer only when the text names no region at all (and is not a national story).

Matching runs on unstemmed, case-folded word tokens against every name, alias
and seat in the gazetteer, compiled once into a dictionary of token n-grams.
Proper names are capitalised in Indonesian prose, so a body mention must be
capitalised (or follow a cue): "batu", "malang", "puncak acara" are words, not places.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field

from pipelines.enrichment_types import RegionTag
from warta.gazetteer import Gazetteer, Place, load_gazetteer, name_key
from warta.sources import Region
from warta.textnorm import caseless_search

_TOKEN = re.compile(r"\w+")

# A zone's weight per mention: where a name sits says how central it is.
DATELINE, TITLE, LEAD, BODY = "dateline", "title", "lead", "body"
ZONE_WEIGHT = {DATELINE: 4.0, TITLE: 3.0, LEAD: 2.0, BODY: 1.0}
CUE_BONUS = 1.0  # "Bawaslu Kobar": the article deals with that region's institution
MIN_SCORE = 2.0  # one plain body mention (1.0) is a passing mention
MIN_SHARE = 0.2  # ...and so is anything far below the article's main region
LIST_SIZE = 4  # a paragraph naming this many kabupaten/kota is an enumeration
LIST_WEIGHT = 0.5
HOME_BONUS = 1.0  # tie-breaker for the source's home region, only where the text names it

# Words right before a name that fix its kind (and let a weak name count).
KIND_KABUPATEN = {"kabupaten", "kab", "pemkab", "bupati", "wabup", "pilbup", "cabup", "cawabup", "kabupatan"}
KIND_KOTA = {"kota", "pemkot", "walikota", "wawali", "pilwali", "pilwalkot", "cawali", "kotamadya"}
KIND_PROVINCE = {"provinsi", "prov", "pemprov", "gubernur", "wagub", "pilgub", "cagub", "cawagub", "polda",
                 "kapolda", "kejati", "kajati"}
# Institutions named after their region: a strong sign the article is about it.
INSTITUTION = {
    "bawaslu", "kpu", "kpud", "panwaslu", "polres", "polresta", "kapolres", "kapolresta", "dprd", "kejari",
    "kajari", "kodim", "dandim", "pn", "setda", "sekda", "pj", "pilkada", "disdukcapil", "diskominfo", "kominfo",
    "kesbangpol", "bappeda", "bpbd", "rsud", "mmc", "pemerintah", "se",
    "pemkab", "bupati", "wabup", "pilbup", "pemkot", "walikota", "wawali", "pilwali", "pilwalkot",
    "pemprov", "gubernur", "wagub", "pilgub", "polda", "kapolda", "kejati",
}
# Words right before a name that make it something else: a river, a street, a people, a village.
NOT_REGION = {
    "sungai", "sei", "danau", "das", "jalan", "jl", "gang", "gg", "jembatan", "suku", "bahasa", "orang", "urang",
    "etnis", "adat", "tari", "lagu", "kecamatan", "kec", "desa", "kelurahan", "dusun", "nasi", "masakan",
    "pt", "cv", "km", "kmp", "hotel", "tanjung", "teluk",
}
# National stories (KPU RI, Bawaslu RI) get no home-region fallback.
_is_national = caseless_search(r"\b(?:kpu|bawaslu|dkpp|polri|kemendagri)\s+ri\b|\bmahkamah konstitusi\b|\bnasional\b|"
                               r"\bseluruh indonesia\b|\b38 provinsi\b")


@dataclass(frozen=True)
class _Form:
    """One way a region is written, e.g. "kobar" -> Kabupaten Kotawaringin Barat."""

    places: tuple[Place, ...]  # several when ambiguous ("bogor", "mura", "martapura")
    weak: bool  # counts only in a dateline or after a cue


@dataclass
class _Index:
    forms: dict[str, _Form]  # space-joined case-folded tokens -> form
    max_len: dict[str, int]  # first token -> longest form starting with it


@dataclass
class _Mention:
    candidates: tuple[Place, ...]
    zone: str
    paragraph: int
    position: int
    kind: str  # "kabupaten" | "kota" | "province" | ""
    cue: bool  # an institution or "se-" before it
    weak: bool = False  # a name that needs a cue, counted because it is the dateline


@dataclass
class _Scores:
    score: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    first: dict[str, int] = field(default_factory=dict)
    dateline: dict[str, float] = field(default_factory=dict)  # the part of score the dateline gave


# ---------------------------------------------------------------------- index


def _tokens(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(text)]


def _add(raw: dict[str, list[tuple[Place, bool]]], surface: str, place: Place, weak: bool) -> None:
    toks = _tokens(surface)
    if not toks:
        return
    keys = {" ".join(toks)}
    if len(toks) > 1:
        keys.add("".join(toks))  # "Palangka Raya" is also written "Palangkaraya", "Toli-Toli" "Tolitoli"
    for key in keys:
        raw.setdefault(key, []).append((place, weak))


@functools.lru_cache(maxsize=4)
def _index(g: Gazetteer) -> _Index:
    weak = g.aliases.weak
    shorts = {name_key(p.short) for p in g.provinces + g.kabkotas}
    raw: dict[str, list[tuple[Place, bool]]] = {}
    for p in g.provinces + g.kabkotas:
        for surface in (p.short, *p.aliases):
            _add(raw, surface, p, name_key(surface) in weak)
    for p in g.kabkotas:
        seat = name_key(p.capital)
        # A seat named like another region ("Kupang", the old seat of Kabupaten Kupang) is that region.
        if p.level == "kabupaten" and seat not in shorts and seat not in g.aliases.not_capitals:
            _add(raw, p.capital, p, seat in weak)
    for town, kabkota in g.aliases.places.items():
        _add(raw, town, g.by_name[kabkota], name_key(town) in weak)
    forms: dict[str, _Form] = {}
    max_len: dict[str, int] = {}
    for key, entries in raw.items():
        places = tuple(dict.fromkeys(p for p, _ in entries))
        forms[key] = _Form(places, weak=all(w for _, w in entries))
        first, n = key.split(" ", 1)[0], key.count(" ") + 1
        max_len[first] = max(max_len.get(first, 0), n)
    return _Index(forms, max_len)


# ---------------------------------------------------------------------- scanning


def _scan(text: str, zone: str, paragraph: int, offset: int, index: _Index, out: list[_Mention]) -> None:
    """Append every region mention in `text` (longest match wins)."""
    words = _TOKEN.findall(text)
    # ASCII text (most paragraphs): case-folding cannot change its tokens, so they are
    # folded in one call, joined (a token has no space), rather than found a second time.
    low = " ".join(words).lower().split() if text.isascii() else [w.casefold() for w in words]
    max_len = index.max_len
    end = 0  # tokens before this belong to the previous match
    # Only tokens that start some name can start a match: one set test per token, in C,
    # instead of a Python loop step for every word of the article.
    for i in [k for k, t in enumerate(low) if t in max_len]:
        if i < end:
            continue
        n = min(max_len[low[i]], len(low) - i)
        while n and " ".join(low[i : i + n]) not in index.forms:
            n -= 1
        if not n:
            continue
        form = index.forms[" ".join(low[i : i + n])]
        mention = _mention(form, words, low, i, zone, paragraph, offset)
        if mention:
            out.append(mention)
        end = i + n


def _mention(form: _Form, words: list[str], low: list[str], i: int, zone: str, paragraph: int,
             offset: int) -> _Mention | None:
    prev = low[i - 1] if i else ""
    prev2 = low[i - 2] if i > 1 else ""
    if prev in NOT_REGION:
        return None
    kind = ("kabupaten" if prev in KIND_KABUPATEN else "kota" if prev in KIND_KOTA
            else "province" if prev in KIND_PROVINCE else "")
    if prev == "kota" and prev2 == "wali":
        kind = "kota"
    cue = prev in INSTITUTION or prev2 in INSTITUTION or (prev == "kota" and prev2 == "wali")
    if form.weak and zone != DATELINE and not (kind or cue):
        return None
    # Names are capitalised in running text; a lower-case hit is an ordinary word.
    if zone in (LEAD, BODY) and not (kind or cue) and not words[i][0].isupper():
        return None
    return _Mention(form.places, zone, paragraph, offset + i, kind, cue, weak=form.weak and not (kind or cue))


def _mentions(title: str, body: str, dateline: str, index: _Index, national: bool) -> list[_Mention]:
    out: list[_Mention] = []
    if dateline:
        _scan(dateline, DATELINE, -1, 0, index, out)
        if national:  # "JAKARTA – KPU RI ...": the newsroom's city, not the story's region
            out = [m for m in out if not m.weak]
        dated = {p.name for m in out for p in m.candidates}
    _scan(title, TITLE, -1, 1_000, index, out)
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    lead_end = 1 if not paragraphs or len(paragraphs[0]) >= 40 else 2  # a one-line opener: the lead goes on
    for k, para in enumerate(paragraphs):
        start = len(out)
        _scan(para, LEAD if k < lead_end else BODY, k, 10_000 * (k + 1), index, out)
        if k == 0 and dateline and len(out) > start and out[start].position < 10_004 \
                and dated & {p.name for p in out[start].candidates}:
            del out[start]  # the body opens with the dateline itself: already counted
    return out


# ---------------------------------------------------------------------- resolving


def _narrow(m: _Mention, known: set[str], home: Region | None) -> tuple[Place, ...]:
    """The candidates a mention can mean, given its cue, the article's other regions and home."""
    cands = m.candidates
    if len(cands) > 1 and m.kind:
        cands = tuple(p for p in cands if p.level == m.kind) or cands
    if len(cands) > 1 and not m.kind and any(p.level == "province" for p in cands):
        cands = tuple(p for p in cands if p.level == "province")  # bare "Jambi", "Gorontalo": the province
    for prefer in (
        lambda p: p.name in known,
        lambda p: p.province in known,
        lambda p: home is not None and p.name in (home.kabkota, home.province),
        lambda p: home is not None and p.province == home.province,
    ):
        if len(cands) <= 1:
            break
        cands = tuple(p for p in cands if prefer(p)) or cands
    return cands


def _score(mentions: list[_Mention], home: Region | None) -> tuple[_Scores, _Scores]:
    """(kabupaten/kota scores, province scores from direct mentions) by canonical name."""
    unambiguous = {m.candidates[0].name for m in mentions if len(m.candidates) == 1}
    unambiguous |= {m.candidates[0].province for m in mentions if len(m.candidates) == 1}
    per_paragraph: dict[int, set[str]] = defaultdict(set)
    resolved: list[tuple[_Mention, Place]] = []
    for m in mentions:
        cands = _narrow(m, unambiguous, home)
        if len(cands) == 1:
            resolved.append((m, cands[0]))
            if cands[0].level != "province" and m.paragraph >= 0:
                per_paragraph[m.paragraph].add(cands[0].name)
    kab, prov = _Scores(), _Scores()
    for m, place in resolved:
        weight = ZONE_WEIGHT[m.zone]
        if m.paragraph >= 0 and len(per_paragraph[m.paragraph]) >= LIST_SIZE:
            weight *= LIST_WEIGHT
        weight += CUE_BONUS if m.cue else 0.0
        target = prov if place.level == "province" else kab
        target.score[place.name] += weight
        target.first.setdefault(place.name, m.position)
        if m.zone == DATELINE:
            target.dateline[place.name] = target.dateline.get(place.name, 0.0) + weight
    return kab, prov


# ---------------------------------------------------------------------- choosing


def _selected(scores: _Scores, home_name: str, top: float) -> dict[str, float]:
    out = {}
    for name, s in scores.score.items():
        if name == home_name:
            s += HOME_BONUS
        if s >= MIN_SCORE and s >= MIN_SHARE * top:
            out[name] = s
    return out


def _fallback(kab: _Scores, prov: _Scores, g: Gazetteer, home: Region | None, national: bool) -> list[RegionTag]:
    """Nothing clears the bar: the best faint mention, else the home region, else nothing."""
    faint = {**prov.score, **kab.score}
    if faint:
        best = max(faint, key=lambda n: (faint[n], n == (home.kabkota if home else ""), -_first(n, kab, prov)))
        return [_tag(g.by_name[best], g, primary=True)]
    if home is None or national:
        return []
    place = g.by_name[home.kabkota or home.province]
    return [_tag(place, g, primary=True)]


def _first(name: str, kab: _Scores, prov: _Scores) -> int:
    return kab.first.get(name, prov.first.get(name, 1 << 30))


def _tag(place: Place, g: Gazetteer, primary: bool = False) -> RegionTag:
    if place.level == "province":
        return RegionTag(province=place.name, code=place.code, primary=primary)
    return RegionTag(province=place.province, kabkota=place.name, code=place.code, primary=primary)


def tag_regions(title: str, body: str, dateline: str, home: Region | None) -> list[RegionTag]:
    """The regions the article is about: the primary first, then the others by weight.

    Each kabupaten/kota tag carries its province; a province gets a tag of its own
    (kabkota "") when it is the primary region or none of its kabupaten/kota is tagged.
    """
    g = load_gazetteer()
    national = _is_national(f"{title}\n{body}")
    kab, prov = _score(_mentions(title, body, dateline, _index(g), national), home)
    top = max([*kab.score.values(), *prov.score.values(), 0.0])
    kabs = _selected(kab, home.kabkota if home else "", top)
    provs = _selected(prov, home.province if home and not home.kabkota else "", top)
    if not kabs and not provs:
        return _fallback(kab, prov, g, home, national)
    ranked = sorted({**provs, **kabs}.items(),
                    key=lambda kv: (-kv[1], not _is_home(kv[0], home), kv[0] in provs, _first(kv[0], kab, prov)))
    primary = ranked[0][0]
    ranked = [(n, s) for n, s in ranked if not _seat_dateline_only(g.by_name[n], primary, kab, g)]
    covered = {g.by_name[n].province for n in kabs}
    tags = []
    for name, _ in ranked:
        place = g.by_name[name]
        if place.level == "province" and place.name in covered and name != primary:
            continue  # already rolled up from one of its kabupaten/kota
        tags.append(_tag(place, g, primary=name == primary))
    return tags


def _seat_dateline_only(place: Place, primary: str, kab: _Scores, g: Gazetteer) -> bool:
    """A province story datelined in the provincial capital is not about that city."""
    if place.level == "province" or g.by_name[primary].level != "province" or place.province != primary:
        return False
    seat = g.by_name[primary].capital
    return name_key(place.short) == name_key(seat) and kab.score[place.name] - kab.dateline.get(place.name, 0.0) < MIN_SCORE


def _is_home(name: str, home: Region | None) -> bool:
    return home is not None and name in (home.kabkota, home.province)
