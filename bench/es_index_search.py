"""Elasticsearch backend overhead vs the raw client on the same documents and queries (issue 5).

Targets: indexing through `ElasticsearchBackend.index` ≥ 0.8 × the throughput of
`elasticsearch.helpers.bulk`; search p50 through `ElasticsearchBackend.search`
≤ 1.2 × the same raw query.

    .venv/bin/python bench/es_index_search.py [--n 20000] [--rounds 2] [--search-rounds 9] [--heap 512m] [--out FILE]

Starts its own Elasticsearch 8.19.8 (`warta.es_local.LocalElasticsearch`, free
loopback port, heap `--heap`) and stops it at the end. Documents: N articles from
bench/generate.py through `indexer.document.build_document` (the same dicts
`warta index` sends), built once before timing.

Indexing, per round, each side into a fresh index with the project's mapping
(es_mapping.json, 1 shard, 0 replicas), the order alternating between rounds:
- backend: `ElasticsearchBackend.index(docs)` (streaming_bulk, 500-doc chunks,
  require_alias, refresh at the end);
- raw: `helpers.bulk(client, actions, chunk_size=500)` of the same `_id`/`_source`,
  then one refresh (the backend refreshes too: read-your-writes).

The first `--warmup-rounds` rounds (JVM/JIT warm-up: the first was 2-3x slower)
are reported but not counted.

Search: the 30 queries of bench/sqlite_search.py (10 hits, all facets, snippets),
through the backend vs `client.search` with the body the backend builds
(`build_search_body` + size/track_total_hits/aggs), interleaved, plus the backend
with snippets off (to separate the snippet cost), `--search-rounds`
timed runs each after a warm-up, the three sides taking turns at going first.
The documents built for indexing are dropped and the heap frozen (`gc.freeze`)
before searching, so the benchmark's own data does not make collections slow.
Writes bench/results/es_index_search.json (or `--out`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from elasticsearch import Elasticsearch, helpers  # noqa: E402

from generate import Generator, load_places, to_article  # noqa: E402
from indexer.base import SearchRequest  # noqa: E402
from indexer.document import build_document  # noqa: E402
from indexer.elasticsearch_backend import ElasticsearchBackend, build_search_body, facet_aggs, load_mapping  # noqa: E402
from sqlite_search import queries  # noqa: E402
from warta.es_local import LocalElasticsearch  # noqa: E402
from warta.query import parse  # noqa: E402


def index_backend(url: str, alias: str, docs: list[dict]) -> float:
    b = ElasticsearchBackend(url, alias)
    b.ensure_ready()
    t0 = time.perf_counter()
    written = b.index(docs)
    t = time.perf_counter() - t0
    assert written == len(docs), written
    b.close()
    return t


def index_raw(client: Elasticsearch, name: str, docs: list[dict]) -> float:
    spec = load_mapping()
    client.indices.create(index=name, settings=spec["settings"], mappings=spec["mappings"],
                          wait_for_active_shards="1")
    t0 = time.perf_counter()
    ok, errors = helpers.bulk(client, ({"_op_type": "index", "_index": name, "_id": d["id"], "_source": d}
                                       for d in docs), chunk_size=500, max_chunk_bytes=20 * 1024 * 1024)
    client.indices.refresh(index=name)
    t = time.perf_counter() - t0
    assert ok == len(docs) and not errors
    return t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--rounds", type=int, default=3, help="timed indexing rounds per side")
    ap.add_argument("--warmup-rounds", type=int, default=1, help="untimed-in-result first rounds (JVM warm-up)")
    ap.add_argument("--search-rounds", type=int, default=9)
    ap.add_argument("--heap", default="512m")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "es_index_search.json")
    args = ap.parse_args()

    cluster_of: dict[int, str] = {}
    t0 = time.perf_counter()
    docs = [build_document(to_article(a, cluster_of)) for a in Generator(args.seed).articles(args.n)]
    build_s = time.perf_counter() - t0
    payload_mb = sum(len(json.dumps(d, ensure_ascii=False)) for d in docs[:2000]) / min(2000, len(docs)) \
        * len(docs) / 2**20
    print(f"built {len(docs):,} documents in {build_s:.1f} s (~{payload_mb:.0f} MB of JSON)", file=sys.stderr)

    with LocalElasticsearch(heap=args.heap) as es:
        url = es.url
        client = Elasticsearch(url, request_timeout=120)
        backend_t, raw_t = [], []
        total_rounds = args.warmup_rounds + args.rounds
        for r in range(total_rounds):
            order = ("backend", "raw") if r % 2 == 0 else ("raw", "backend")
            for side in order:
                if side == "backend":
                    alias = f"bench-backend-{r}"
                    backend_t.append(index_backend(url, alias, docs))
                else:
                    raw_t.append(index_raw(client, f"bench-raw-{r}", docs))
                print(f"round {r} {side}: {(backend_t if side == 'backend' else raw_t)[-1]:.1f} s", file=sys.stderr)
            if r < total_rounds - 1:  # keep the last pair for the search part
                client.indices.delete(index=f"bench-raw-{r}")
                names = sorted(client.indices.get_alias(name=f"bench-backend-{r}").body)
                client.indices.delete(index=",".join(names))
        alias = f"bench-backend-{total_rounds - 1}"
        warm_b, warm_r = backend_t[:args.warmup_rounds], raw_t[:args.warmup_rounds]
        backend_t, raw_t = backend_t[args.warmup_rounds:], raw_t[args.warmup_rounds:]
        backend = ElasticsearchBackend(url, alias)
        places = load_places()
        # The 20k documents built for indexing (≈ 200 MB of dicts) are not part of a
        # search: left in the heap, every full collection walks them, and that lands
        # on whichever call allocates most (the backend's). Drop them and freeze the rest.
        n = len(docs)
        del docs
        gc.collect()
        gc.freeze()
        be_ms, raw_ms, nosnip_ms, per_query = [], [], [], []
        for label, q, filters, sort in queries(places):
            req = SearchRequest(query=parse(q), filters=filters, sort=sort, size=10, facets=True, snippets=True)
            body = build_search_body(req)
            body.update(size=11, track_total_hits=True, aggs=facet_aggs())
            req_ns = SearchRequest(query=req.query, filters=filters, sort=sort, size=10, facets=True, snippets=False)

            def raw(body: dict[str, Any] = body) -> Any:
                # Exactly what the backend sends, request parameter included.
                return client.search(index=alias, allow_partial_search_results=False, **body)

            bt: list[float] = []
            rt: list[float] = []
            nt: list[float] = []
            sides: list[tuple[Callable[[], Any], list[float]]] = [
                (lambda: backend.search(req), bt), (raw, rt), (lambda: backend.search(req_ns), nt)]
            for call, _ in sides:  # warm-up
                call()
            for r in range(args.search_rounds):
                # Each side takes each place in the round in turn: no side always follows another.
                for call, times in sides[r % 3:] + sides[: r % 3]:
                    t = time.perf_counter()
                    call()
                    times.append((time.perf_counter() - t) * 1000)
            page, resp = backend.search(req), raw()
            assert page.total == resp["hits"]["total"]["value"]
            be_ms += bt
            raw_ms += rt
            nosnip_ms += nt
            per_query.append({"label": label, "total": page.total, "backend_median_ms": round(statistics.median(bt), 2),
                              "raw_median_ms": round(statistics.median(rt), 2),
                              "backend_no_snippets_median_ms": round(statistics.median(nt), 2)})
            print(f"{label:32} {page.total:>7,}  backend {statistics.median(bt):6.1f} ms  raw "
                  f"{statistics.median(rt):6.1f} ms", file=sys.stderr)
        backend.close()
        client.close()

    b_rate, r_rate = n / statistics.median(backend_t), n / statistics.median(raw_t)
    pct = lambda xs, p: round(sorted(xs)[min(len(xs) - 1, int(len(xs) * p))], 2)  # noqa: E731
    doc = {
        "machine": f"{platform.machine()} {platform.python_version()}, {os.cpu_count()} cores",
        "es": "8.19.8 (LocalElasticsearch, single node)", "heap": args.heap, "docs": n,
        "approx_payload_mb": round(payload_mb, 1), "document_build_seconds": round(build_s, 1),
        "index_rounds": args.rounds, "warmup_rounds": args.warmup_rounds,
        "warmup_backend_seconds": [round(t, 2) for t in warm_b], "warmup_raw_seconds": [round(t, 2) for t in warm_r],
        "backend_index_seconds": [round(t, 2) for t in backend_t], "raw_bulk_seconds": [round(t, 2) for t in raw_t],
        "backend_docs_per_s": round(b_rate), "raw_bulk_docs_per_s": round(r_rate),
        "index_ratio": round(b_rate / r_rate, 3), "target_index_ratio": 0.8,
        "search_queries": len(per_query), "search_rounds": args.search_rounds,
        "backend_search_p50_ms": pct(be_ms, 0.5), "raw_search_p50_ms": pct(raw_ms, 0.5),
        "backend_search_p95_ms": pct(be_ms, 0.95), "raw_search_p95_ms": pct(raw_ms, 0.95),
        "search_p50_ratio": round(pct(be_ms, 0.5) / pct(raw_ms, 0.5), 3), "target_search_ratio": 1.2,
        "backend_no_snippets_p50_ms": pct(nosnip_ms, 0.5),
        "no_snippets_p50_ratio": round(pct(nosnip_ms, 0.5) / pct(raw_ms, 0.5), 3),
        "per_query": per_query, "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in doc.items() if k != "per_query"}, indent=2))


if __name__ == "__main__":
    main()
