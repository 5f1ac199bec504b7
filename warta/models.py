"""Typed records that cross module boundaries.

`Article` is the one record every stage passes on: the spider builds it from a
response, pipelines fill it, the store keeps it, backends index a document
derived from it (`indexer.document`).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

SourceType = Literal["government", "election_body", "news"]


def article_id(canonical_url: str) -> str:
    """Stable id: a re-crawl of the same canonical URL updates, never adds."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:24]


@dataclass
class Extracted:
    """What extraction + clean-up get out of one HTML page (pure function output)."""

    title: str = ""
    body: str = ""  # clean plain text, paragraphs separated by a blank line
    author: str = ""
    credit: str = ""  # credit lines moved out of the body ("Penulis : X", "(humas)")
    dateline: str = ""  # "Pangkalan Bun", "BALANGAN", "TENGGARONG"
    description: str = ""
    tags: list[str] = field(default_factory=list)
    image: str = ""
    language: str = ""
    canonical_url: str = ""
    published_at: datetime | None = None
    modified_at: datetime | None = None
    date_source: str = ""  # jsonld | meta | text | url | feed | none
    extractor: str = ""  # trafilatura | fallback
    page_kind: str = "article"  # article | listing | soft404 | empty


@dataclass
class Article:
    id: str
    url: str
    canonical_url: str
    source_id: str
    source_type: str
    domain: str
    title: str
    body: str
    description: str = ""
    author: str = ""
    credit: str = ""
    dateline: str = ""
    tags: list[str] = field(default_factory=list)
    image: str = ""
    language: str = ""
    published_at: datetime | None = None
    modified_at: datetime | None = None
    crawled_at: datetime | None = None
    date_source: str = ""
    # Region fields: issue 2 fills them from the source's home region; the
    # region tagger (issue 3) fills the same fields from the text.
    provinces: list[str] = field(default_factory=list)
    kabkotas: list[str] = field(default_factory=list)
    primary_province: str = ""
    primary_kabkota: str = ""
    election_related: bool = False
    election_types: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    institutions: list[str] = field(default_factory=list)
    people: list[dict[str, str]] = field(default_factory=list)  # {name, role, institution, quote}
    content_hash: str = ""
    cluster_id: str = ""
    is_canonical: bool = True
    word_count: int = 0
    extractor: str = ""
    extractor_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("published_at", "modified_at", "crawled_at"):
            v = d[k]
            d[k] = v.isoformat() if v else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Article":
        d = dict(d)
        for k in ("published_at", "modified_at", "crawled_at"):
            v = d.get(k)
            d[k] = datetime.fromisoformat(v) if isinstance(v, str) and v else None
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in d.items() if k in names})
