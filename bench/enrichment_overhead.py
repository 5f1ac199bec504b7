"""How much enrichment (regions, election type, topics, institutions, people) adds
to the per-article pipeline time. Target (issue 3): at most +30%.

    .venv/bin/python bench/enrichment_overhead.py [--rounds 5]

Pages: every article page of the offline replica (real HTML with navigation,
share bars and comments), fetched once over loopback, then processed in memory.
Baseline: extraction + clean-up + dates + content hash + MinHash signature.
Writes bench/results/enrichment_overhead.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from pipelines.minhash import content_hash, signature
from pipelines.enrich import enrich
from pipelines.extract import extract_page
from warta.replica.server import ReplicaCluster, expected_articles, sources
from warta.sources import Registry

OUT = Path(__file__).with_name("results") / "enrichment_overhead.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with ReplicaCluster() as cluster:
        registry = Registry.model_validate({"sources": sources(cluster)})
        by_site = {s.id: s for s in registry.sources}
        pages = [(e.url, urllib.request.urlopen(e.url).read(), by_site[e.source_id])
                 for e in expected_articles(cluster)]
    now = datetime.now(timezone.utc)
    base_times, enrich_times = [], []
    # Round 0 warms up: the gazetteer and lexicons load once per process (~0.1 s), not per article.
    for round_no in range(args.rounds + 1):
        for url, html, source in pages:
            t0 = time.perf_counter()
            ex = extract_page(html, url, timezone=source.timezone, crawled_at=now)
            content_hash(ex.body)
            signature(ex.body)
            t1 = time.perf_counter()
            enrich(ex.title, ex.body, ex.dateline, source.region)
            t2 = time.perf_counter()
            if round_no:
                base_times.append(t1 - t0)
                enrich_times.append(t2 - t1)
    base, extra = statistics.mean(base_times), statistics.mean(enrich_times)
    result = {
        "machine": f"{platform.machine()} {platform.processor() or ''} {platform.python_version()}".strip(),
        "pages": len(pages), "rounds": args.rounds,
        "mean_page_kb": round(sum(len(h) for _, h, _ in pages) / len(pages) / 1024, 1),
        "baseline_ms_per_article": round(base * 1000, 3),
        "enrichment_ms_per_article": round(extra * 1000, 3),
        "enrichment_p95_ms": round(sorted(enrich_times)[int(len(enrich_times) * 0.95)] * 1000, 3),
        "overhead_ratio": round(extra / base, 4),
        "target_overhead_ratio": 0.30,
        "when": now.isoformat(timespec="seconds"),
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
