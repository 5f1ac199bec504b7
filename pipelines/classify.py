"""Election classification and topics (issue 3): is an article about the 2024 elections, which race, what about.

Two elections are covered:

- **Pemilu 2024** (14 February 2024): president and vice-president
  (``pemilu-presiden``) and the legislatures DPR, DPD, DPRD provinsi and
  DPRD kabupaten/kota (``pemilu-legislatif``);
- **Pilkada Serentak 2024** (27 November 2024): governors
  (``pilkada-gubernur``), regents (``pilkada-bupati``) and mayors
  (``pilkada-walikota``).

The generic ids ``pemilu`` and ``pilkada`` mean "about that election, with no
specific race": logistics of Pemilu 2024, a pilkada security meeting. A
generic id is only used when none of its family's races is identified, so an
article is never both ``pilkada`` and ``pilkada-bupati``; it can be both
``pemilu`` and ``pilkada-bupati`` when it is about the general election as a
whole and a regent race.

All cues are data (config/lexicon/elections.yaml, config/lexicon/topics.yaml),
matched on folded text with patterns compiled once per process. Everything here
is a pure function of (title, body), so `reindex --reextract` can re-run it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Iterator, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from warta.yamlfile import compose_yaml
from warta.errors import ConfigError
from warta.textnorm import fold

LEXICON_DIR = Path(__file__).resolve().parent.parent / "config" / "lexicon"
ELECTIONS_FILE = LEXICON_DIR / "elections.yaml"
TOPICS_FILE = LEXICON_DIR / "topics.yaml"

ELECTION_TYPES = ("pemilu-presiden", "pemilu-legislatif", "pilkada-gubernur", "pilkada-bupati", "pilkada-walikota")
GENERIC_TYPES = ("pemilu", "pilkada")
FAMILY_OF = {t: t.split("-")[0] for t in ELECTION_TYPES}

@lru_cache(maxsize=8)
def _fold(text: str) -> str:
    """warta.textnorm.fold, cached: classify, topics and entities fold the same title and
    body, and the pipeline's content hash folds the same body again."""
    return fold(text)


# ---------------------------------------------------------------- YAML loading


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_pattern(p: str) -> str:
    try:
        re.compile(p)
    except re.error as e:
        raise ValueError(f"invalid regular expression {p!r}: {e}") from None
    if not p.strip():
        raise ValueError("empty pattern")
    return p


# Checked item by item, so an error names the very pattern ("topics.1.patterns.3") and its line.
Patterns = list[Annotated[str, AfterValidator(_check_pattern)]]


M = TypeVar("M", bound=BaseModel)


def _node_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at a pydantic error location (deepest node that exists)."""
    node, line = root, None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
            if node is None:
                # the key itself is missing or unknown: point at the mapping
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    if node is not None:
        line = node.start_mark.line + 1
    return line


def load_yaml_model(path: str | Path, model: type[M]) -> M:
    """Read and validate a lexicon file; any problem is one ConfigError line naming file, line and field."""
    path = Path(path)
    raw, root = compose_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        loc = tuple(first["loc"])
        line = _node_line(root, loc)
        field = ".".join(str(x) for x in loc) or "(top level)"
        msg = first["msg"].removeprefix("Value error, ")
        at = f" line {line}:" if line else ""
        raise ConfigError(f"{path}:{at} field {field!r}: {msg}") from None


# ---------------------------------------------------------------- lexicon schemas


class ElectionLexicon(_Strict):
    threshold: int = Field(ge=1)
    title_weak_threshold: int = Field(ge=1)
    strong: Patterns = Field(min_length=1)
    weak: Patterns = Field(default_factory=list)
    family_min: int = Field(ge=1)
    family_share: float = Field(ge=0, le=1)
    families: dict[str, Patterns]
    family_exclude: dict[str, Patterns] = Field(default_factory=dict)
    family_fallback: dict[str, Patterns] = Field(default_factory=dict)
    type_min: int = Field(ge=1)
    types: dict[str, Patterns]

    @model_validator(mode="after")
    def _known_ids(self) -> "ElectionLexicon":
        for fam in list(self.families) + list(self.family_exclude) + list(self.family_fallback):
            if fam not in GENERIC_TYPES:
                raise ValueError(f"unknown election family {fam!r}; expected one of {', '.join(GENERIC_TYPES)}")
        for t in self.types:
            if t not in ELECTION_TYPES:
                raise ValueError(f"unknown election type {t!r}; expected one of {', '.join(ELECTION_TYPES)}")
        return self


class Label(_Strict):
    id: str = Field(min_length=1)  # Indonesian
    en: str = Field(min_length=1)


class Topic(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    label: Label
    strong: Patterns = Field(default_factory=list)
    patterns: Patterns = Field(default_factory=list)
    min_score: int | None = Field(default=None, ge=1)  # None: the file's min_score

    @model_validator(mode="after")
    def _some_pattern(self) -> "Topic":
        if not self.strong and not self.patterns:
            raise ValueError(f"topic {self.id!r} has no patterns")
        return self


class TopicLexicon(_Strict):
    title_weight: int = Field(default=3, ge=1)
    share: float = Field(default=0.7, ge=0, le=1)
    min_score: int = Field(default=4, ge=1)
    topics: list[Topic] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "TopicLexicon":
        seen: set[str] = set()
        for t in self.topics:
            if t.id in seen:
                raise ValueError(f"duplicate topic id {t.id!r}")
            seen.add(t.id)
        return self


def load_elections(path: str | Path = ELECTIONS_FILE) -> ElectionLexicon:
    return load_yaml_model(path, ElectionLexicon)


def load_topics(path: str | Path = TOPICS_FILE) -> TopicLexicon:
    return load_yaml_model(path, TopicLexicon)


# ---------------------------------------------------------------- compiled matchers


def _alt(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _lead_char(atom: str) -> str | None:
    """The character every match of `atom` starts with, when the pattern says so plainly."""
    if not atom or not atom[0].isalnum() or atom[1:2] in ("?", "*", "+", "{"):
        return None
    return atom[0]


def _outside(pattern: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth) of each character of `pattern` that is neither
    escaped nor inside a [character class]; a bracket has the depth outside it."""
    depth, i = 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            j = i + 1 + (pattern[i + 1 : i + 2] == "^")
            j += pattern[j : j + 1] == "]"  # a "]" first in a class is literal
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        depth -= ch == ")"
        yield i, ch, depth
        depth += ch == "("
        i += 1


def _alternatives(pattern: str) -> list[str]:
    """`pattern` split at its top-level "|", empty alternatives kept ("a|b (c|d)|" -> ["a", "b (c|d)", ""])."""
    cuts = [i for i, ch, depth in _outside(pattern) if ch == "|" and depth == 0]
    return [pattern[i + 1 : j] for i, j in zip([-1, *cuts], [*cuts, len(pattern)])]


def _atoms(pattern: str) -> list[str]:
    """Split a pattern at its top-level "|" ("a|b (c|d)" -> ["a", "b (c|d)"])."""
    return [a for a in _alternatives(pattern) if a]


def _unfold(atom: str) -> list[str]:
    """`atom` with its leading group spelled out: "(ca|bakal ?ca)gub" -> ["cagub", "bakal ?cagub"],
    "(tindak )?pidana" -> ["tindak pidana", "pidana"].

    The parts match what the atom matches, tried in the same order, and each has a
    plain leading character for `_dispatched`: an atom that opens with a group is
    otherwise tried at every word of the text (a few of them cost more than the
    other 450 together). Left whole where spelling out could change the pattern:
    groups referred to by number or name, lazy or counted repeats, an empty part.
    """
    if not atom.startswith("(") or atom.startswith("(?") or "(?P" in atom or re.search(r"\\[1-9]", atom):
        return [atom]
    close = next(i for i, ch, depth in _outside(atom) if ch == ")" and depth == 0)
    rest = atom[close + 1 :]
    parts = _alternatives(atom[1:close])
    if rest[:1] == "?" and rest[1:2] not in ("?", "+"):
        parts, rest = [*parts, ""], rest[1:]  # greedy: with the group first, then without
    elif rest[:1] in ("?", "*", "+", "{"):
        return [atom]
    unfolded = [u for part in parts for u in _unfold(part + rest)]
    return [atom] if "" in unfolded else unfolded


def _dispatched(atoms: list[str]) -> str:
    """`a1|a2|...` with the same first-listed-wins result, factored by leading character.

    sre tries a branch's alternatives one by one at every word start: with the
    ~300 topic phrases that was ~2 ms per body. As `k(?:ampanye|pu|...)` a branch
    whose first character differs is skipped at once. Only atoms that can match at
    the same position need their order kept, so a pattern without a plain leading
    character (even after `_unfold`) closes the groups before it and stays in its place.
    """
    parts: list[str] = []
    groups: dict[str, list[str]] = {}
    for atom in (u for a in atoms for u in _unfold(a)):
        lead = _lead_char(atom)
        if lead is None:
            parts.extend(re.escape(c) + _group(rests) for c, rests in groups.items())
            groups = {}
            parts.append(atom)
        else:
            groups.setdefault(lead, []).append(atom[1:])
    parts.extend(re.escape(c) + _group(rests) for c, rests in groups.items())
    return _group(parts)


def _group(alternatives: list[str]) -> str:
    return "(?:" + "|".join(f"(?:{a})" for a in alternatives) + ")"


def _split(patterns: list[str]) -> list[str]:
    return [a for p in patterns for a in _atoms(p)]


def _words(patterns: list[str]) -> re.Pattern[str] | None:
    """One regex for a list of patterns, each bounded by word boundaries."""
    return re.compile(rf"\b{_dispatched(_split(patterns))}\b") if patterns else None


@dataclass(frozen=True)
class _Weighted:
    """Strong and weak cues in one scan; at one position a strong cue wins, so
    "politik uang" counts once, as strong, not also as weak."""

    any: re.Pattern[str]
    strong: re.Pattern[str] | None  # anchored at a hit: did a strong cue match there?


def _weighted(strong: list[str], weak: list[str]) -> _Weighted:
    # No named groups in the scan (they defeat the dispatch): the rare hit is
    # re-matched against the strong cues alone, which the scan tries first.
    return _Weighted(re.compile(rf"\b{_dispatched(_split(strong) + _split(weak))}\b"),
                     re.compile(rf"{_dispatched(_split(strong))}\b") if strong else None)


def _score(rx: _Weighted, text: str) -> int:
    strong = rx.strong
    return sum(2 if strong is not None and strong.match(text, m.start()) else 1 for m in rx.any.finditer(text))


class _Counts:
    """How often each of several pattern lists matches a text, `len(_words(p).findall(text))`
    for each list p, in one scan of the text instead of one per list.

    Any list's match starts where one of all the lists' atoms matches: in an article,
    a handful of places. One scan finds them with a lookahead, which consumes nothing,
    so the lists' matches may overlap as they do when each list scans on its own. Only
    there is each list's own regex tried, from the end of its previous match on, as
    findall goes (cues are words: none matches the empty string).
    """

    def __init__(self, lists: dict[str, list[str]]) -> None:
        self.lists = {key: re.compile(rf"{_dispatched(_split(p))}\b") for key, p in lists.items() if p}
        atoms = dict.fromkeys(a for p in lists.values() for a in _split(p))
        self.starts = re.compile(rf"\b(?={_dispatched(list(atoms))}\b)") if atoms else None

    def __call__(self, text: str) -> dict[str, int]:
        counts = dict.fromkeys(self.lists, 0)
        ends = dict.fromkeys(self.lists, 0)
        for start in self.starts.finditer(text) if self.starts else ():
            at = start.start()
            for key, rx in self.lists.items():
                if at >= ends[key] and (m := rx.match(text, at)):
                    counts[key] += 1
                    ends[key] = m.end()
        return counts


class _Elections:
    def __init__(self, lex: ElectionLexicon) -> None:
        self.lex = lex
        self.cues = _weighted(lex.strong, lex.weak)
        self.strong = _words(lex.strong)
        # Everything `_types` counts, keyed "family:pemilu", "exclude:pemilu", "fallback:pilkada",
        # "type:pilkada-bupati"; a list that is missing or empty counts 0.
        self.counts = _Counts({
            **{f"family:{f}": p for f, p in lex.families.items()},
            **{f"exclude:{f}": p for f, p in lex.family_exclude.items()},
            **{f"fallback:{f}": p for f, p in lex.family_fallback.items()},
            **{f"type:{t}": p for t, p in lex.types.items()},
        })


class _Topics:
    """All topics in one regex: one pass over the text instead of one per topic.

    Each distinct alternative is one named group owned by every (topic, weight)
    that lists it, so "surat suara" counts for logistik and for
    pemungutan-penghitungan. Longer alternatives are tried first, so
    "pemungutan suara ulang" wins over "pemungutan suara".
    """

    def __init__(self, lex: TopicLexicon) -> None:
        self.lex = lex
        self.topics = list(lex.topics)
        self.min_scores = [t.min_score or lex.min_score for t in lex.topics]
        owners: dict[str, list[tuple[int, int]]] = {}
        for i, t in enumerate(lex.topics):
            for weight, pats in ((2, t.strong), (1, t.patterns)):
                for p in pats:
                    for a in _atoms(p):
                        lst = owners.setdefault(a, [])
                        if not any(o == i for o, _ in lst):
                            lst.append((i, weight))
        atoms = sorted(owners, key=len, reverse=True)
        # No capturing groups in the scanning regex: they defeat sre's first-character
        # check over the alternatives (measured 30x slower). The alternative that matched
        # is found afterwards, by its text for literal atoms and by re-matching otherwise.
        self.rx = re.compile(rf"\b{_dispatched(atoms)}\b")
        self.literal = {a: owners[a] for a in atoms if re.escape(a) == a.replace(" ", "\\ ") or a.isalnum()}
        self.patterned = [(re.compile(rf"(?:{a})\b"), owners[a]) for a in atoms if a not in self.literal]
        self.order = {a: k for k, a in enumerate(atoms)}

    def _owners(self, text: str, m: re.Match[str]) -> list[tuple[int, int]]:
        hit = m.group(0)
        lit = self.literal.get(hit)
        if lit is not None:
            return lit
        for rx, own in self.patterned:
            mm = rx.match(text, m.start())
            if mm and mm.end() == m.end():
                return own
        return []

    def scores(self, text: str) -> list[int]:
        out = [0] * len(self.topics)
        for m in self.rx.finditer(text):
            for i, w in self._owners(text, m):
                out[i] += w
        return out

@lru_cache(maxsize=1)
def _elections() -> _Elections:
    return _Elections(load_elections())


@lru_cache(maxsize=1)
def _topics() -> _Topics:
    return _Topics(load_topics())


def topic_ids() -> list[str]:
    return [t.id for t in _topics().topics]


def topic_labels() -> dict[str, dict[str, str]]:
    """id -> {"id": Indonesian label, "en": English label}, for display."""
    return {t.id: {"id": t.label.id, "en": t.label.en} for t in _topics().topics}


# ---------------------------------------------------------------- race from "Pilkada <region>"

# "Pilkada Kobar", "Pilkada Kota Palangka Raya", "Pilkada Kalteng": the level of
# the named region tells the race. Matched on the original text so the
# capitalised region name can be cut off before the next ordinary word.
# "P(?<=\bP)" is "\bP" with the letter first, so that sre jumps from one "P" to the next
# instead of trying every position of the text.
_PILKADA_REGION = re.compile(
    r"P(?<=\bP)(?:ilkada|ILKADA|emilihan Kepala Daerah)\s+(?:(Kabupaten|Kab\.|Kota|Provinsi|Prov\.)\s+)?"
    r"((?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*){0,3})"
)
_NOT_REGION = {"serentak", "tahun", "dan", "ini", "nanti", "mendatang", "lalu", "damai", "aman", "berintegritas"}


def _region_level(name: str) -> str:
    """'kabupaten' | 'kota' | 'provinsi' | '' for a region as written ("Kobar", "Kalteng")."""
    from pipelines.entities import region_resolver  # entities imports this module's loader

    resolver = region_resolver()
    if resolver is None:
        return ""
    words = name.split()
    for n in range(min(len(words), 4), 0, -1):
        region = resolver.resolve(" ".join(words[:n]))
        if region is not None:
            return "provinsi" if region.level == "province" else region.level
    return ""


_LEVEL_TYPE = {"kabupaten": "pilkada-bupati", "kab.": "pilkada-bupati", "kota": "pilkada-walikota",
               "provinsi": "pilkada-gubernur", "prov.": "pilkada-gubernur"}


def _races_from_region(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in _PILKADA_REGION.finditer(text):
        kind, name = m.group(1), m.group(2)
        if name.split()[0].casefold() in _NOT_REGION or name[0].isdigit():
            continue
        level = kind.casefold() if kind else _region_level(name)
        t = _LEVEL_TYPE.get(level)
        if t:
            out[t] = out.get(t, 0) + 1
    return out


# ---------------------------------------------------------------- public API


def classify(title: str, body: str) -> tuple[bool, list[str]]:
    """(election_related, election_types), types from ELECTION_TYPES plus the generic "pemilu"/"pilkada"."""
    e = _elections()
    lex = e.lex
    ftitle, fbody = _fold(title), _fold(body)
    title_strong = bool(e.strong and e.strong.search(ftitle))
    title_score = _score(e.cues, ftitle)
    score = title_score + _score(e.cues, fbody)
    related = title_strong or score >= lex.threshold or (title_score > 0 and score >= lex.title_weak_threshold)
    if not related:
        return False, []
    return True, _types(e, title, body, ftitle, fbody)


def _types(e: _Elections, title: str, body: str, ftitle: str, fbody: str) -> list[str]:
    lex = e.lex
    in_text = e.counts(f"{ftitle}\n{fbody}")
    in_title = e.counts(ftitle)
    fam_hits: dict[str, int] = {}
    fam_title: dict[str, bool] = {}
    for fam in lex.families:
        hits, title_hits = in_text.get(f"family:{fam}", 0), in_title.get(f"family:{fam}", 0)
        fam_hits[fam] = hits - in_text.get(f"exclude:{fam}", 0)
        fam_title[fam] = title_hits > 0 and in_title.get(f"exclude:{fam}", 0) < title_hits
    region_races = _races_from_region(f"{title}\n{body}")
    for t, n in region_races.items():
        fam_hits[FAMILY_OF[t]] = fam_hits.get(FAMILY_OF[t], 0) + n
    top = max(fam_hits.values(), default=0)
    if top <= 0:
        fam_hits = {f: in_text.get(f"fallback:{f}", 0) for f in lex.family_fallback}
        top = max(fam_hits.values(), default=0)
    families = {
        f for f, n in fam_hits.items()
        if fam_title.get(f) or (n >= lex.family_min and n >= lex.family_share * top) or (n > 0 and n == top)
    }
    out: list[str] = []
    for fam in GENERIC_TYPES:
        if fam not in families:
            continue
        races = []
        for t in ELECTION_TYPES:
            if FAMILY_OF[t] != fam:
                continue
            n = in_text.get(f"type:{t}", 0) + 2 * region_races.get(t, 0)
            if n >= lex.type_min or in_title.get(f"type:{t}", 0) > 0:
                races.append(t)
        out.extend(races or [fam])
    return sorted(out)


def topics(title: str, body: str) -> list[str]:
    """Topic ids (config/lexicon/topics.yaml) the article is substantially about: enough score, near the best.

    Callers give topics only to election-related articles (pipelines.enrich).
    """
    tp = _topics()
    lex = tp.lex
    in_title = tp.scores(_fold(title))
    in_body = tp.scores(_fold(body))
    total = [lex.title_weight * st + sb for st, sb in zip(in_title, in_body)]
    best = max(total, default=0)
    return [t.id for t, score, floor in zip(tp.topics, total, tp.min_scores)
            if score >= floor and score >= lex.share * best]
