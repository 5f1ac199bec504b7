"""Reference evaluator of docs/search-semantics.md, in plain Python.

It is deliberately naive (a linear scan over token lists) so that it can be
checked against the document by reading it; the contract suite compares each
backend to it on id sets, totals, facet counts and date order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from indexer.base import FACET_FIELDS, LIST_FILTER_FIELDS, Filters
from warta.query import And, MatchAll, Node, Not, Or, Phrase, Term
from warta.textnorm import stem, stop_words

FACET_LIMIT = 100


@dataclass(frozen=True)
class _Fields:
    exact: tuple[tuple[str, ...], ...]  # title tokens, body tokens
    stems: frozenset[str]


def _fields(doc: dict[str, Any]) -> _Fields:
    return _Fields(
        exact=(tuple(doc["title_exact"].split()), tuple(doc["body_exact"].split())),
        stems=frozenset(doc["title_stem"].split()) | frozenset(doc["body_stem"].split()),
    )


def _contains_run(toks: tuple[str, ...], run: tuple[str, ...]) -> bool:
    n = len(run)
    return any(toks[i : i + n] == run for i in range(len(toks) - n + 1))


def matches(node: Node, doc: dict[str, Any]) -> bool:
    return _matches(node, _fields(doc))


def _matches(node: Node, f: _Fields) -> bool:
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, Term):
        if node.prefix:
            return any(t.startswith(node.token) for toks in f.exact for t in toks)
        if node.token not in stop_words() and stem(node.token) in f.stems:
            return True
        return any(node.token in toks for toks in f.exact)
    if isinstance(node, Phrase):
        return any(_contains_run(toks, node.tokens) for toks in f.exact)
    if isinstance(node, And):
        return all(_matches(c, f) for c in node.children)
    if isinstance(node, Or):
        return any(_matches(c, f) for c in node.children)
    if isinstance(node, Not):
        return not _matches(node.child, f)
    raise TypeError(f"unknown query node {node!r}")


def passes(filters: Filters, doc: dict[str, Any]) -> bool:
    if filters.sources and doc["source_id"] not in filters.sources:
        return False
    if filters.source_types and doc["source_type"] not in filters.source_types:
        return False
    for name in LIST_FILTER_FIELDS:
        wanted = getattr(filters, name)
        if wanted and not set(doc[name]) & set(wanted):
            return False
    lo, hi = filters.date_bounds_ms()
    if lo is not None or hi is not None:
        if doc["date_sort"] == 0:
            return False
        if lo is not None and doc["date_sort"] < lo:
            return False
        if hi is not None and doc["date_sort"] > hi:
            return False
    if filters.canonical_only() and not doc["is_canonical"]:
        return False
    return True


@dataclass
class ReferenceResult:
    ids: list[str]  # in date order: date_sort desc, id asc
    facets: dict[str, list[tuple[str, int]]]

    @property
    def total(self) -> int:
        return len(self.ids)


def facet_counts(docs: Iterable[dict[str, Any]]) -> dict[str, list[tuple[str, int]]]:
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
    for doc in docs:
        for name in FACET_FIELDS:
            value = doc[name]
            values = set(value) if isinstance(value, list) else {value}
            counters[name].update(v for v in values if v)
    return {
        name: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_LIMIT] for name, c in counters.items()
    }


def evaluate(docs: Iterable[dict[str, Any]], query: Node, filters: Filters = Filters()) -> ReferenceResult:
    hits = [d for d in docs if passes(filters, d) and matches(query, d)]
    hits.sort(key=lambda d: (-d["date_sort"], d["id"]))
    return ReferenceResult(ids=[d["id"] for d in hits], facets=facet_counts(hits))
