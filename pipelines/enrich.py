"""What an article is about: regions, election type, topics, institutions, people.

One pure function over the clean text, so the crawl, `reindex --reextract`
and the evaluation (`python -m warta.evaluation`) all run the same code.
"""

from __future__ import annotations

from dataclasses import asdict

from pipelines.classify import FAMILY_OF, classify, topics
from pipelines.enrichment_types import Enrichment
from pipelines.entities import institutions, people
from pipelines.regions import tag_regions
from warta.models import Article
from warta.sources import Region


def enrich(title: str, body: str, dateline: str, home: Region | None) -> Enrichment:
    regions = tag_regions(title, body, dateline, home)
    related, specific = classify(title, body)
    # The family goes with every specific race, so `--election-type pilkada`
    # finds all Pilkada coverage, not only stories that name no race.
    types = sorted(set(specific) | {FAMILY_OF.get(t, t) for t in specific})
    region_names = [r.kabkota or r.province for r in regions]
    return Enrichment(
        regions=regions,
        election_related=related,
        election_types=types,
        topics=topics(title, body) if related else [],
        institutions=institutions(title, body, region_names),
        people=people(body),
    )


def apply(article: Article, e: Enrichment) -> None:
    """Copy an enrichment into the article's flat, filterable fields."""
    article.provinces = e.provinces
    article.kabkotas = e.kabkotas
    primary = e.primary
    article.primary_province = primary.province if primary else ""
    article.primary_kabkota = primary.kabkota if primary else ""
    article.election_related = e.election_related
    article.election_types = list(e.election_types)
    article.topics = list(e.topics)
    article.institutions = list(e.institutions)
    article.people = [{k: v for k, v in asdict(p).items() if v} for p in e.people]
