"""Build the search document both backends index from a stored Article.

Everything that must agree between backends is computed here, once: token
and stem fields, the Asia/Jakarta month used for facets, and the integer date
sort key with its id tie-break.
"""

from __future__ import annotations

from typing import Any

from indexer.base import JAKARTA, LIST_FILTER_FIELDS
from warta.models import Article
from warta.textnorm import exact_text, stem_text

# Fields kept for display and export (both backends return them as Hit.doc).
STORED_FIELDS = (
    "id", "url", "canonical_url", "source_id", "source_type", "domain", "title", "body",
    "description", "author", "credit", "dateline", "published_at", "date_sort", "month",
    "provinces", "kabkotas", "primary_province", "primary_kabkota", "election_related",
    "election_types", "topics", "institutions", "people", "people_detail", "cluster_id", "is_canonical", "copies",
    "language", "word_count",
)
KEYWORD_LIST_FIELDS = LIST_FILTER_FIELDS


def build_document(article: Article, copies: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """`copies`: the other members of the article's cluster ({source_id, url}),
    listed on the canonical member so a collapsed hit names its other outlets."""
    published = article.published_at
    date_sort = int(published.timestamp() * 1000) if published else 0
    month = published.astimezone(JAKARTA).strftime("%Y-%m") if published else ""
    return {
        "id": article.id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "source_id": article.source_id,
        "source_type": article.source_type,
        "domain": article.domain,
        "title": article.title,
        "body": article.body,
        "description": article.description,
        "author": article.author,
        "credit": article.credit,
        "dateline": article.dateline,
        "published_at": published.isoformat() if published else None,
        "date_sort": date_sort,
        "month": month,
        "provinces": sorted(set(article.provinces)),
        "kabkotas": sorted(set(article.kabkotas)),
        "primary_province": article.primary_province,
        "primary_kabkota": article.primary_kabkota,
        "election_related": bool(article.election_related),
        "election_types": sorted(set(article.election_types)),
        "topics": sorted(set(article.topics)),
        "institutions": sorted(set(article.institutions)),
        "people": sorted({p["name"] for p in article.people if p.get("name")}),
        "people_detail": article.people,
        "cluster_id": article.cluster_id or article.id,
        "is_canonical": bool(article.is_canonical),
        "copies": copies or [],
        "language": article.language,
        "word_count": article.word_count,
        "title_exact": exact_text(article.title),
        "body_exact": exact_text(article.body),
        "title_stem": stem_text(article.title),
        "body_stem": stem_text(article.body),
    }
