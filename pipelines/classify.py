"""First-pass election classification from a small lexicon (issue 3 replaces it with the full tagger).

Pure function of the clean text, so `reindex --reextract` can re-run it.
"""

from __future__ import annotations

import re

from warta.textnorm import fold

# election type -> patterns on folded text; a hit on any marks the type.
_TYPES: dict[str, tuple[str, ...]] = {
    "pilkada-gubernur": (r"\b(calon|paslon|pemilihan|pilkada|debat)\b.{0,60}\bgubernur\b", r"\bpilgub\b"),
    "pilkada-bupati": (r"\b(calon|paslon|pemilihan|pilkada|debat)\b.{0,60}\bbupati\b", r"\bpilbup\b"),
    "pilkada-walikota": (r"\b(calon|paslon|pemilihan|pilkada|debat)\b.{0,60}\bwali ?kota\b", r"\bpilwali\b"),
    "pemilu-presiden": (r"\b(pilpres|capres|cawapres|calon presiden|pemilihan presiden)\b",),
    "pemilu-legislatif": (r"\b(pileg|caleg|calon legislatif|dprd|dpr ri|dpd ri|pemilihan legislatif)\b",),
}
_ELECTION = re.compile(
    r"\b(pemilu|pilkada|pemilihan (umum|kepala daerah|serentak)|bawaslu|kpu|panwaslu|panwascam|pps|ppk|kpps|"
    r"tps|dpt|daftar pemilih|paslon|pasangan calon|kampanye|pencoblosan|pemungutan suara|rekapitulasi|"
    r"politik uang|netralitas|caleg|capres|pilpres|pileg|dkpp)\b"
)


def classify(title: str, body: str) -> tuple[bool, list[str]]:
    """(election_related, election_types)."""
    text = fold(f"{title}\n{body}")
    hits = len(_ELECTION.findall(text))
    related = hits >= 2 or bool(_ELECTION.search(fold(title)))
    types = [t for t, pats in _TYPES.items() if any(re.search(p, text) for p in pats)] if related else []
    if related and not types and re.search(r"\bpilkada\b|pemilihan (kepala daerah|serentak)", text):
        types = ["pilkada"]
    return related, sorted(types)
