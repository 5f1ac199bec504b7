"""Typed results of enrichment (issue 3): what an article is about.

Pure data: the region tagger (`pipelines.regions`), the classifiers
(`pipelines.classify`) and the entity extractors (`pipelines.entities`) each
fill a part; `pipelines.enrich.enrich` combines them.

Region values are the gazetteer's canonical names: provinces as officially
written ("Kalimantan Tengah"), kabupaten/kota with their kind
("Kabupaten Kotawaringin Barat", "Kota Palangka Raya"), so "Kabupaten Bogor"
and "Kota Bogor" never collide.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RegionTag:
    province: str  # canonical province name
    kabkota: str = ""  # canonical kabupaten/kota name; "" for a province-level tag
    code: str = ""  # Kemendagri code: "62" (province) or "62.01" (kabupaten/kota)
    primary: bool = False


@dataclass(frozen=True)
class Person:
    name: str  # as written, without title/rank ("Antonius", "Yusfandi Usman")
    role: str = ""  # "Ketua Bawaslu Kobar", "Kapolres", "Pj Bupati Kobar"
    institution: str = ""  # normalised institution, e.g. "Bawaslu Kabupaten Kotawaringin Barat"
    quote: str = ""  # a quote attributed to them, where the pattern is clear


@dataclass
class Enrichment:
    regions: list[RegionTag] = field(default_factory=list)
    election_related: bool = False
    election_types: list[str] = field(default_factory=list)  # see pipelines.classify.ELECTION_TYPES
    topics: list[str] = field(default_factory=list)  # ids from config/lexicon/topics.yaml
    institutions: list[str] = field(default_factory=list)  # normalised, e.g. "Bawaslu Kabupaten Balangan"
    people: list[Person] = field(default_factory=list)

    @property
    def provinces(self) -> list[str]:
        """Every province tagged or rolled up from a tagged kabupaten/kota."""
        return sorted({r.province for r in self.regions})

    @property
    def kabkotas(self) -> list[str]:
        return sorted({r.kabkota for r in self.regions if r.kabkota})

    @property
    def primary(self) -> RegionTag | None:
        return next((r for r in self.regions if r.primary), None)
