"""Institutions and people named in an article (issue 3).

`institutions` finds election bodies, government, police, military,
prosecutors and parties (config/lexicon/institutions.yaml) and normalises the
regional unit written after them through the gazetteer ("Bawaslu Kobar" ->
"Bawaslu Kabupaten Kotawaringin Barat"). Without the gazetteer the unit is
kept as written, with case and spacing normalised.

`people` finds people introduced with their role ("Ketua Bawaslu Kobar,
Antonius", "Kapolres AKBP Yusfandi Usman", "Eko selaku Anggota Bawaslu"),
strips ranks, titles and degrees from the name, and attaches a quote where the
attribution is unambiguous. Precision over recall: a mention whose name or
boundary is doubtful is dropped, because a wrong name in a facet is worse than
a missing one.

Both are pure functions of the clean text; patterns are compiled once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal, Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.classify import LEXICON_DIR, _fold, load_yaml_model
from pipelines.enrichment_types import Person

INSTITUTIONS_FILE = LEXICON_DIR / "institutions.yaml"

# ---------------------------------------------------------------- lexicon schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Institution(_Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)
    unit: Literal["region", "number", "none"] = "none"
    national: str = ""
    kind: Literal["province", "kabupaten", "kota", ""] = ""
    province_format: str = ""
    kabkota_format: str = ""
    context: Literal["election", ""] = ""

    @model_validator(mode="after")
    def _formats(self) -> "Institution":
        for fmt in (self.province_format, self.kabkota_format):
            try:
                fmt.format(name="", kabkota="", short="", province="")
            except (KeyError, IndexError, ValueError) as e:
                raise ValueError(f"bad format {fmt!r} for {self.name!r}: {e}") from None
        if self.unit == "region" and not (self.province_format or self.kabkota_format):
            raise ValueError(f"{self.name!r} has unit: region but no province_format or kabkota_format")
        return self


class RoleHead(_Strict):
    role: str = Field(min_length=1)
    implies: str = ""


class Roles(_Strict):
    prefixes: list[str] = Field(default_factory=list)
    heads: list[RoleHead] = Field(min_length=1)
    ranks: list[str] = Field(default_factory=list)
    titles: list[str] = Field(default_factory=list)
    degrees: list[str] = Field(default_factory=list)


class InstitutionLexicon(_Strict):
    institutions: list[Institution] = Field(min_length=1)
    roles: Roles

    @model_validator(mode="after")
    def _implies_known(self) -> "InstitutionLexicon":
        names = {i.name for i in self.institutions}
        for h in self.roles.heads:
            if h.implies and h.implies not in names:
                raise ValueError(f"role {h.role!r} implies unknown institution {h.implies!r}")
        return self


def load_institutions(path: str | Path = INSTITUTIONS_FILE) -> InstitutionLexicon:
    return load_yaml_model(path, InstitutionLexicon)


# ---------------------------------------------------------------- regions


@dataclass(frozen=True)
class Region:
    level: str  # "province" | "kabupaten" | "kota"
    name: str  # canonical ("Kabupaten Kotawaringin Barat", "Kalimantan Tengah")
    short: str  # without the kind ("Kotawaringin Barat")
    province: str


_NOT_KEY = re.compile(r"[^0-9a-z]")


def _key(name: str) -> str:
    return _NOT_KEY.sub("", name.casefold())


class RegionResolver:
    """Names as written -> canonical regions, built once from warta.gazetteer.

    Its own index (rather than Gazetteer.kabkota) because most candidates tried
    here are not regions ("Antonius"), and the gazetteer's error path computes
    spelling suggestions, which is far too slow to run per capitalised word.
    """

    def __init__(self, places: Sequence[object], weak: frozenset[str] = frozenset()) -> None:
        # name keys that are also ordinary words or given names ("Batu", "Lingga"): never proof of a region
        self.weak = weak
        self.index: dict[str, list[Region]] = {}
        for p in places:
            r = Region(getattr(p, "level"), getattr(p, "name"), getattr(p, "short"), getattr(p, "province"))
            for form in {r.name, r.short, *getattr(p, "aliases", ())}:
                bucket = self.index.setdefault(_key(form), [])
                if r not in bucket:
                    bucket.append(r)

    def resolve(self, name: str, kind: str = "", context: frozenset[str] = frozenset()) -> Region | None:
        """One region for `name`, or None when unknown or still ambiguous after kind and context."""
        hits = self.index.get(_key(name), [])
        if kind:
            typed = self.index.get(_key(f"{'Kabupaten' if kind == 'kabupaten' else 'Kota'} {name}"), []) \
                if kind in ("kabupaten", "kota") else []
            hits = [h for h in dict.fromkeys(hits + typed) if h.level == kind]
        if len(hits) > 1 and context:
            near = [h for h in hits if h.name in context] or [h for h in hits if h.province in context]
            hits = near or hits
        if len(hits) > 1:
            # "Gorontalo" is a province, a kabupaten and a kota: only a kind word decides.
            return None
        return hits[0] if hits else None


@lru_cache(maxsize=1)
def region_resolver() -> RegionResolver | None:
    """The resolver from warta.gazetteer, or None while that module is missing or broken."""
    try:
        from warta.gazetteer import load_gazetteer
    except ImportError:
        return None
    try:
        gaz = load_gazetteer()
    except Exception:  # a broken gazetteer file is reported by the region tagger; entities degrade
        return None
    places = list(getattr(gaz, "provinces", ())) + list(getattr(gaz, "kabkotas", ()))
    weak = frozenset(getattr(getattr(gaz, "aliases", None), "weak", ()) or ())
    return RegionResolver(places, weak) if places else None


# ---------------------------------------------------------------- compiled lexicon


def _alias_rx(alias: str) -> str:
    body = re.escape(alias).replace(r"\ ", r"\s+")
    # An all-capitals acronym only in capitals ("PAN", not "pan"); names in any case.
    if alias.upper() == alias and any(c.isalpha() for c in alias):
        return body
    return f"(?i:{body})"


_CAP = r"[A-Z][\w'’-]*"
_UNIT = re.compile(
    r"\s*(?:\((?P<paren>[^()\n]{1,40})\)\s*)?"
    r"(?:(?P<nat>RI|Republik\s+Indonesia|Pusat)\b"
    r"|(?P<num>\d{2,4}(?:\s*/\s*[A-Z][\w.]*(?:\s+[A-Z][\w]*)?)?)"
    r"|(?:(?P<kind>Provinsi|Prov\.|Kabupaten|Kab\.|Kota)\s+)?(?P<run>" + _CAP + r"(?:\s+" + _CAP + r"){0,4}))?"
)
_CAP_RX = re.compile(_CAP)
_KIND_WORD = {"provinsi": "province", "prov.": "province", "kabupaten": "kabupaten", "kab.": "kabupaten",
              "kota": "kota"}


class _Lex:
    def __init__(self, lex: InstitutionLexicon) -> None:
        self.lex = lex
        self.by_name = {i.name: i for i in lex.institutions}
        alias_of: dict[str, Institution] = {}
        for inst in lex.institutions:
            for a in inst.aliases:
                alias_of[a] = inst
        # Aliases are found from capitalised words: a dict lookup of the first word, then a
        # match of the few aliases starting with it, instead of one 150-way alternation
        # tried at every character.
        self.by_first: dict[str, list[tuple[re.Pattern[str], Institution, bool]]] = {}
        for a in sorted(alias_of, key=len, reverse=True):  # longest first: "Pemerintah Kabupaten" before "Pemkab"
            first = re.split(r"[\s/]", a)[0].casefold()
            exact = a.upper() == a  # an all-capitals acronym only in capitals ("PAN", not "Pan")
            rx = re.compile(re.escape(a).replace(r"\ ", r"\s+") + r"(?![\w-])", 0 if exact else re.IGNORECASE)
            self.by_first.setdefault(first, []).append((rx, alias_of[a], exact))
        r = lex.roles
        heads = sorted(r.heads, key=lambda h: len(h.role), reverse=True)
        self.implies = {h.role.casefold(): h.implies for h in heads}
        prefixes = "|".join(re.escape(p) for p in sorted(r.prefixes, key=len, reverse=True))
        # The lookahead of the characters a role can start with comes first so that sre
        # rejects most positions with one test, not with the whole pattern (half its time).
        firsts = re.escape("".join(sorted({x[0] for x in [*r.prefixes, *(h.role for h in heads)] if x})))
        self.role_head = re.compile(
            rf"(?=[{firsts}])(?<![\w.])(?P<head>(?:(?:{prefixes})\s+)*(?P<core>"
            + "|".join(re.escape(h.role).replace(r"\ ", r"\s+") for h in heads) + r"))(?![\w-])"
        )
        self.ranks = re.compile(
            r"(?:(?:" + "|".join(re.escape(x) for x in sorted(r.ranks + r.titles, key=len, reverse=True))
            + r")(?![\w])\s*)+"
        )
        self.degrees = re.compile(
            r"(?:\s*,?\s*(?:" + "|".join(re.escape(x) for x in sorted(r.degrees, key=len, reverse=True))
            + r")\.?(?![\w]))+"
        )
        # Capitalised words that are never (part of) a person's name here.
        stop = {
            "kabupaten", "kab", "kota", "provinsi", "desa", "kelurahan", "kecamatan", "daerah", "dinas", "badan",
            "kantor", "bagian", "bidang", "divisi", "seksi", "sekretariat", "sekretaris", "umum", "negeri", "tinggi",
            "resor", "sektor", "pemilu", "pilkada", "pemilihan", "pemerintah", "komisi", "dewan", "partai", "panitia",
            "tim", "republik", "indonesia", "universitas", "hotel", "aula", "gedung", "jalan", "sungai", "ketua",
            "anggota", "kepala", "wakil", "komisioner", "koordinator", "asisten", "bupati", "gubernur", "wali",
            "walikota", "camat", "lurah", "kades", "pj", "plt", "plh", "penjabat", "polisi", "satpol", "pp",
            "pengadilan", "kejaksaan", "kepolisian", "mahkamah", "serentak", "tahun", "senin", "selasa", "rabu",
            "kamis", "jumat", "sabtu", "minggu", "januari", "februari", "maret", "april", "mei", "juni", "juli",
            "agustus", "september", "oktober", "november", "desember", "dalam", "dan", "di", "ke", "dari", "pada",
            "para", "saat", "sementara", "menurut", "selain", "sedangkan", "adapun", "kegiatan", "rapat", "rakor",
            "acara", "masyarakat", "warga", "kami", "kita", "ia", "dia", "beliau", "mereka", "itu", "ini", "hal",
            "sebagai", "selaku", "yang", "bersama", "calon", "paslon", "pasangan", "nomor", "urut", "pengawas",
            "penyelenggara", "kapolres", "kapolda", "dandim", "kajari", "kaban", "kadis", "sekda", "kasat",
            "pelaksana", "harian", "kesatuan", "bangsa", "politik", "pemberdayaan", "kependudukan", "pencatatan",
            "sipil", "komunikasi", "informatika", "kesehatan", "pendidikan", "perhubungan", "sosial", "perwakilan",
            "forum", "koordinasi", "pimpinan", "aparatur", "negara", "istana", "presiden", "menteri", "mantan",
            "komandan", "danlanud", "danlanal", "danyon", "dansat", "lanud", "lanal", "korwil", "binda", "kapolsek",
            "kasdim", "danramil", "koramil", "babinsa", "bhabinkamtibmas", "pju", "perwira", "satuan", "unit",
            "pangkalan", "pelabuhan", "bandara", "kabag", "kabid", "kasi", "kanit", "kasubag", "kasubbag",
        }
        for inst in lex.institutions:
            for a in inst.aliases:
                stop.update(w.casefold() for w in re.findall(r"[\w-]+", a))
        for h in r.heads:
            stop.update(w.casefold() for w in h.role.split())
        self.stop = frozenset(stop)


@lru_cache(maxsize=1)
def _lex() -> _Lex:
    return _Lex(load_institutions())


_ELECTION_CONTEXT = re.compile(r"\b(?:pemilu|pilkada|pemilihan|kpu|bawaslu|tps|pemungutan suara|paslon|kampanye)\b")


def _tidy(word: str) -> str:
    # "KOBAR" -> "Kobar", but short acronyms ("HST", "OKU") stay as they are.
    return word.title() if word.isupper() and len(word) >= 5 else word


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int  # end of the alias and its unit
    inst: Institution
    value: str  # normalised


def _format(inst: Institution, region: Region) -> str:
    if region.level == "province":
        fmt = inst.province_format
    else:
        fmt = inst.kabkota_format
    if not fmt:
        return ""
    return fmt.format(name=inst.name, kabkota=region.name, short=region.short, province=region.province)


def _unit(inst: Institution, text: str, pos: int, resolver: RegionResolver | None,
          context: frozenset[str]) -> tuple[str, int]:
    """(normalised institution, end of what was consumed) for the text right after an alias."""
    m = _UNIT.match(text, pos)
    if inst.unit == "none" or m is None or m.end() == pos:
        return inst.name, pos
    if m.group("nat"):
        return (inst.national or f"{inst.name} RI"), m.end()
    if m.group("num"):
        if inst.unit != "number":
            return inst.name, pos
        end = m.end()
        last = re.search(r"\s+(\S+)$", m.group("num"))
        if last and _lex().ranks.match(last.group(1)):
            end = m.start("num") + last.start()  # "Dandim 1014/Pbn Letkol Inf X": the rank opens the name
        return f"{inst.name} {m.group('num').split('/')[0].strip()}", end
    run = m.group("run")
    if inst.unit != "region" or not run:
        return inst.name, pos
    kind_word = m.group("kind")
    kind = _KIND_WORD.get(kind_word.casefold(), "") if kind_word else inst.kind
    words = run.split()
    if resolver is not None:
        for n in range(min(len(words), 4), 0, -1):
            region = resolver.resolve(" ".join(words[:n]), kind, context)
            if region is not None:
                value = _format(inst, region)
                if value:
                    return value, _end_of_words(text, m.start("run"), n)
        return inst.name, pos
    # No gazetteer: keep one word as written; a longer run may already be a person's name.
    first = words[0]
    if first.casefold() in _lex().stop:
        return inst.name, pos
    prefix = f"{kind_word.rstrip('.').title()} " if kind_word and kind_word[0] in "KP" else ""
    prefix = {"Kab ": "Kabupaten ", "Prov ": "Provinsi "}.get(prefix, prefix)
    return f"{inst.name} {prefix}{_tidy(first)}", _end_of_words(text, m.start("run"), 1)


def _end_of_words(text: str, start: int, n: int) -> int:
    """End of the n-th capitalised word of a unit run starting at `start`."""
    pos = start
    for i, wm in enumerate(_CAP_RX.finditer(text, start)):
        pos = wm.end()
        if i + 1 == n:
            break
    return pos


# A capitalised word: `(?<![\w-])[A-Z][\w-]*`, with the capital first (the lookbehind then
# checks the character before it) so that sre skips from capital to capital.
_WORD_START = re.compile(r"[A-Z](?<![\w-].)[\w-]*")
_WORD_PART_END = re.compile(r"[-/]")


def _mentions(text: str, context: frozenset[str]) -> list[_Mention]:
    lx = _lex()
    resolver = region_resolver()
    election: bool | None = None
    out = []
    pos_done = 0
    for wm in _WORD_START.finditer(text):
        if wm.start() < pos_done:
            continue
        word = wm.group(0)
        cands = lx.by_first.get(word.casefold())
        if not cands:
            # "PDI-P", "Pengawas Kelurahan/Desa": the first word may end at a hyphen or slash
            # (tested first: most capitalised words have neither, and this runs for each of them)
            if "-" not in word and "/" not in word:
                continue
            cands = lx.by_first.get(_WORD_PART_END.split(word, 1)[0].casefold())
            if not cands:
                continue
        for rx, inst, _exact in cands:
            m = rx.match(text, wm.start())
            if not m:
                continue
            if inst.context == "election":
                if election is None:
                    election = bool(_ELECTION_CONTEXT.search(_fold(text)))
                if not election:
                    break
            value, end = _unit(inst, text, m.end(), resolver, context)
            out.append(_Mention(m.start(), max(end, m.end()), inst, value))
            pos_done = m.end()
            break
    return out


def institutions(title: str, body: str, regions: Sequence[str] = ()) -> list[str]:
    """Normalised institutions in order of first mention, each once.

    `regions` are the article's tagged regions (canonical names); they settle
    an ambiguous unit ("Bawaslu Banjar": Kabupaten Banjar or Kota Banjar).
    A bare mention ("Bawaslu") is kept bare rather than guessed from them.
    """
    context = frozenset(regions)
    seen: dict[str, None] = {}
    for m in _mentions(f"{title}\n{body}", context):
        seen.setdefault(m.value, None)
    # A bare name adds nothing when a unit of the same body is listed ("KPU" next to "KPU Kabupaten ...").
    specific = {v.split(" ", 1)[0] for v in seen if " " in v}
    return [v for v in seen if " " in v or v not in specific]


# ---------------------------------------------------------------- people

# Possessive repeats: what may follow a name word (a space, a comma, the end) never starts
# with a lower-case letter, hyphen or apostrophe, so giving those back never leads to a
# match; without them sre tried every shorter word at every capital before failing.
_NAME_WORD = r"(?:[A-Z][a-z]++(?:[-'’][A-Za-z][a-z]*+)*+|[A-Z]\.(?:\s?[A-Z]\.)*|Muh\.|Moh\.|Mhd\.)"
_NAME = re.compile(rf"{_NAME_WORD}(?:[ ]+{_NAME_WORD}){{0,4}}")
# Lowercase words that may sit inside a role written before a comma.
_ROLE_FILLER = re.compile(r"(?:dan|se-|serta|&|/|,?\s*koordinator divisi|divisi|bidang|seksi|bagian|urusan)$")
_AFTER_NAME = re.compile(r"\s*(?:$|[,.;:!?)(\n”\"]|[a-z])")
_SAY = (r"(?:kata|katanya|ujar|ujarnya|tegas|tegasnya|tutur|tuturnya|jelas|jelasnya|ungkap|ungkapnya|imbuh|"
        r"imbuhnya|pungkas|pungkasnya|terang|terangnya|papar|paparnya|tandas|tandasnya|sebut|sebutnya|ucap|"
        r"ucapnya|tambah|tambahnya|lanjut|lanjutnya|harap|harapnya|pesan|pesannya)")
_QUOTE_BEFORE = re.compile(
    r"[“\"](?P<q>[^“”\"\n]{8,}?)[,.!?]?\s*[”\"]\s*,?\s*(?P<verb>" + _SAY + r")\b\s*(?P<subj>[^\n]{0,120})"
)
# Found from the verb, then the subject is looked for in the 160 characters
# before it: a leading lazy group would be tried at every position of the text.
_QUOTE_AFTER = re.compile(
    r"\b(?:mengatakan|menegaskan|menjelaskan|menyampaikan|mengungkapkan|menuturkan|menambahkan|menyebutkan|"
    r"mengingatkan|berpesan|memaparkan|menekankan)\s*[,:]\s*[“\"](?P<q>[^“”\"\n]{8,}?)[”\"]"
)
# What every _QUOTE_AFTER match contains: most bodies have none, and this scan costs a third of that one.
_QUOTE_OPENED = re.compile(r"[,:]\s*[“\"]")


@dataclass
class _P:
    name: str
    role: str
    institution: str
    start: int
    end: int
    quote: str = ""


def _clean_name(raw: str) -> str:
    lx = _lex()
    words = raw.split()
    kept: list[str] = []
    for w in words:
        if w.casefold().rstrip(".") in lx.stop:
            break
        kept.append(w)
    name = " ".join(kept).strip()
    if not name or not re.search(r"[a-z]{2}", name):
        return ""
    return name


def _is_region(name: str) -> bool:
    """True when the name, or any word or word pair of it, is a region ("Kobar", "Pangkalan Bun" is not)."""
    resolver = region_resolver()
    if resolver is None:
        return False
    words = name.split()
    spans = [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(i + 3, len(words) + 1))]
    return any(k in resolver.index and k not in resolver.weak for k in map(_key, spans))


def _take_name(text: str, pos: int) -> tuple[str, int] | None:
    """A person's name at `pos` (after ranks/titles), ending at a clear boundary."""
    lx = _lex()
    rm = lx.ranks.match(text, pos)
    if rm:
        pos = rm.end()
    m = _NAME.match(text, pos)
    if not m:
        return None
    raw = m.group(0)
    name = _clean_name(raw)
    if not name:
        return None
    end = pos + len(name)
    if len(name) != len(raw):
        # Cut at a role word ("Antonius Ketua Bawaslu Kobar"): the name stands before it.
        pass
    dm = lx.degrees.match(text, end)
    if dm and dm.end() > end:
        end = dm.end()
    if not _AFTER_NAME.match(text, end) and len(name) == len(raw):
        return None
    if _is_region(name) or len(name.split()) > 4:
        return None
    return name, end


# Compiled once: _role_and_name runs for every role head of every article.
_DESIGNATOR = re.compile(r"\s+(?:I{1,3}|IV|[A-Z][a-z]+(?=\s+(?:Pemkab|Pemkot|Pemprov|Polres|Setda)))\b")
_SPACES = re.compile(r"\s+")
_COMMA = re.compile(r"\s*,\s*")
_ROLE_TAIL = re.compile(r"[^,.;:!?“”\"\n()]{1,90}?,\s*")


def _role_and_name(text: str, hm: re.Match[str], mentions: dict[int, _Mention],
                   resolver: RegionResolver | None, context: frozenset[str]) -> _P | None:
    """Parse "<role head> [institution/region | words up to a comma] [,] [rank] <Name>"."""
    lx = _lex()
    pos = hm.end()
    institution = ""
    known_tail = True  # the tail is an institution or a region, so the name may follow without a comma
    core = re.sub(r"\s+", " ", hm.group("core")).casefold()
    implied = lx.by_name.get(lx.implies.get(core, ""))
    # "Asisten I", "Kasat Reskrim": a short designator that belongs to the role.
    dm = _DESIGNATOR.match(text, pos)
    if dm:
        pos = dm.end()
    skip = _SPACES.match(text, pos)
    start_tail = skip.end() if skip else pos
    mention = mentions.get(start_tail)
    if mention is not None:
        institution, pos = mention.value, mention.end
    elif implied is not None and implied.unit == "region":
        value, end = _unit(implied, text, pos, resolver, context)
        if end > pos:
            institution, pos = value, end
        else:
            institution = ""
    elif implied is not None and implied.unit == "number":
        value, end = _unit(implied, text, pos, resolver, context)
        institution, pos = value, end
    comma = _COMMA.match(text, pos)
    if comma:
        pos = comma.end()
    else:
        # Words up to a comma form the role ("Kepala Dinas Pemberdayaan Masyarakat dan Desa Kobar, Sri").
        tail = _ROLE_TAIL.match(text, pos)
        if tail:
            words = text[pos:tail.end()].rstrip(", ").split()
            ok, division = True, False
            for w in words:
                # "divisi hukum dan penyelesaian sengketa": lowercase words are part of a division's name
                division = division or w.casefold() in ("divisi", "bidang", "seksi", "koordinator")
                if not (w[0].isupper() or w[0].isdigit() or _ROLE_FILLER.match(w) or division):
                    ok = False
                    break
            if ok and words:
                known_tail = False
                if mention is None:
                    inner = next((m for s, m in mentions.items() if pos <= s < tail.end()), None)
                    institution = inner.value if inner else institution
                pos = tail.end()
        if known_tail and not (mention or implied or lx.ranks.match(text, _skip_ws(text, pos))):
            return None
    taken = _take_name(text, _skip_ws(text, pos))
    if taken is None:
        return None
    name, end = taken
    if implied is not None and not institution:
        institution = implied.name  # "Kapolres AKBP X": the Polres, unit unknown
    role = re.sub(r"\s+", " ", text[hm.start():pos]).strip(" ,")
    return _P(name, role, institution, hm.start(), end)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


# Every name word starts with a capital: sre tests that before trying the whole pattern.
_SELAKU = re.compile(rf"(?=[A-Z])(?P<name>{_NAME_WORD}(?:[ ]+{_NAME_WORD}){{0,3}})\s*,?\s+(?:selaku|sebagai)\s+")


def people(body: str) -> list[Person]:
    """People with their role and, where the attribution is clear, a quote; in order of first mention."""
    lx = _lex()
    resolver = region_resolver()
    context: frozenset[str] = frozenset()
    mentions = {m.start: m for m in _mentions(body, context)}
    found: list[_P] = []
    for hm in lx.role_head.finditer(body):
        # A role head inside an earlier mention ("Wakil Ketua" after "Ketua") is not a new person.
        if found and hm.start() < found[-1].end:
            continue
        p = _role_and_name(body, hm, mentions, resolver, context)
        if p:
            found.append(p)
    # The pattern is tried at every capitalised word; without its verb it cannot match.
    appositions = _SELAKU.finditer(body) if "selaku" in body or "sebagai" in body else ()
    for sm in appositions:
        name = _clean_name(sm.group("name"))
        if not name or _is_region(name) or len(name) != len(sm.group("name")):
            continue
        hm = lx.role_head.match(body, sm.end())
        if not hm:
            continue
        pos = hm.end()
        inst = ""
        mm = mentions.get(_skip_ws(body, pos))
        if mm:
            inst, pos = mm.value, mm.end
        role = re.sub(r"\s+", " ", body[hm.start():pos]).strip(" ,")
        found.append(_P(name, role, inst, sm.start(), pos))
    found.sort(key=lambda p: p.start)
    _attach_quotes(body, found)
    return _merge(found)


def _same(a: str, b: str) -> bool:
    """'Yohanes' and 'Yohanes Saputra' are one person; 'Siti' matches 'Siti Rahmah'."""
    ta, tb = a.casefold().split(), b.casefold().split()
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return all(t in long_ for t in short)


def _paragraph_of(body: str, pos: int) -> tuple[int, int]:
    start = body.rfind("\n", 0, pos) + 1
    end = body.find("\n", pos)
    return start, len(body) if end < 0 else end


def _attach_quotes(body: str, found: list[_P]) -> None:
    for qm in _QUOTE_BEFORE.finditer(body):
        quote = qm.group("q").strip().rstrip(",")
        verb, subj = qm.group("verb"), qm.group("subj")
        subj_pos = qm.start("subj")
        target: _P | None = None
        if verb.endswith("nya"):
            # "…,” ujarnya.": the one person named in this or the previous paragraph.
            p_start, _ = _paragraph_of(body, qm.start())
            prev_start, _ = _paragraph_of(body, max(p_start - 2, 0))
            near = {p.name: p for p in found if prev_start <= p.start < qm.start()}
            if len(near) == 1 and not re.match(r"\s*[A-Z]", subj):
                target = next(iter(near.values()))
        else:
            target = next((p for p in found if p.start == subj_pos or p.start == _skip_ws(body, subj_pos)), None)
            if target is None:
                taken = _take_name(body, _skip_ws(body, subj_pos))
                if taken is not None:
                    name = taken[0]
                    matches = [p for p in found if _same(p.name, name)]
                    if matches:
                        target = matches[-1]
                    elif len(name) >= 3:
                        target = _P(name, "", "", subj_pos, taken[1])
                        found.append(target)
                        found.sort(key=lambda p: p.start)
        if target is not None and not target.quote:
            target.quote = quote
    for qm in _QUOTE_AFTER.finditer(body) if _QUOTE_OPENED.search(body) else ():
        lead_start = max(body.rfind("\n", 0, qm.start()) + 1, qm.start() - 160)
        quote = qm.group("q").strip().rstrip(",")
        inside = [p for p in found if lead_start <= p.start and p.end <= qm.start("q")]
        if len(inside) == 1 and not inside[0].quote:
            inside[0].quote = quote


def _merge(found: list[_P]) -> list[Person]:
    out: list[_P] = []
    for p in found:
        same = next((o for o in out if _same(o.name, p.name)), None)
        if same is None:
            out.append(replace(p))
            continue
        if len(p.name) > len(same.name):
            same.name = p.name
        same.role = same.role or p.role
        same.institution = same.institution or p.institution
        same.quote = same.quote or p.quote
    return [Person(name=p.name, role=p.role, institution=p.institution, quote=p.quote) for p in out]
