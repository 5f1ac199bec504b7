"""The project's per-page pipeline vs bare trafilatura on the same pages (issue 5). Target: ratio ≥ 0.6.

    .venv/bin/python bench/pipeline_vs_trafilatura.py [--pages 2000] [--seed 42] [--profile]

Pages: K synthetic regional-portal pages from bench/generate.py (chrome + article),
generated in memory before timing. Both sides run in this one process,
interleaved page by page (pipeline, then bare, on the same bytes), after a warm-up
of 20 pages (gazetteer and lexicon loading is excluded).

- pipeline: `pipelines.process.build_article` = extract (trafilatura + the project's
  heuristics, dates, metadata) + clean + enrich + content hash + MinHash signature;
  its trafilatura call differs from the defaults: `fast=True` (no readability/jusText
  comparison: the project has its own fallback for short bodies), `with_metadata=True`,
  `deduplicate=False`, `include_tables=True`, no comments/images/links;
- bare: `trafilatura.extract(html_bytes)` with its defaults.

ratio = throughput(pipeline) / throughput(bare) = time(bare) / time(pipeline), on wall
time as before; the same ratio on process CPU time is reported beside it
(`cpu_ratio`): on a shared 2-core machine the wall times absorb other jobs'
preemptions, CPU time does not.
Writes bench/results/pipeline_vs_trafilatura.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura  # noqa: E402

from generate import Generator, render_page, source_model  # noqa: E402
from pipelines.process import build_article  # noqa: E402

OUT = Path(__file__).with_name("results") / "pipeline_vs_trafilatura.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--profile", action="store_true", help="pyinstrument profile of the pipeline side")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    gen = Generator(args.seed)
    sources = {s.id: source_model(s) for s in gen.sources}
    pages = [(a.url, render_page(a), sources[a.source.id]) for a in gen.articles(args.pages + 20)]
    warm, pages = pages[:20], pages[20:]
    now = datetime.now(timezone.utc)
    for url, html, src in warm:
        build_article(html, url, src, crawled_at=now)
        trafilatura.extract(html)

    pipe_t: list[float] = []
    bare_t: list[float] = []
    pipe_cpu = bare_cpu = 0.0
    rejected = 0
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
    for url, html, src in pages:
        if profiler:
            profiler.start()
        c0, t0 = time.process_time(), time.perf_counter()
        built = build_article(html, url, src, crawled_at=now)
        c1, t1 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.stop()
        trafilatura.extract(html)
        c2, t2 = time.process_time(), time.perf_counter()
        pipe_cpu += c1 - c0
        bare_cpu += c2 - c1
        pipe_t.append(t1 - t0)
        bare_t.append(t2 - t1)
        rejected += bool(built.rejected)
    pipe, bare = sum(pipe_t), sum(bare_t)
    p95 = lambda xs: sorted(xs)[int(len(xs) * 0.95)]  # noqa: E731
    result = {
        "machine": f"{platform.machine()} {platform.python_version()}, {__import__('os').cpu_count()} cores",
        "pages": len(pages), "seed": args.seed,
        "mean_page_kb": round(statistics.mean(len(h) for _, h, _ in pages) / 1024, 1),
        "pipeline_pages_per_s": round(len(pages) / pipe, 1),
        "bare_trafilatura_pages_per_s": round(len(pages) / bare, 1),
        "pipeline_ms_mean": round(pipe / len(pages) * 1000, 2), "pipeline_ms_p95": round(p95(pipe_t) * 1000, 2),
        "bare_ms_mean": round(bare / len(pages) * 1000, 2), "bare_ms_p95": round(p95(bare_t) * 1000, 2),
        "ratio": round(bare / pipe, 3), "target_ratio": 0.6, "pipeline_rejected_pages": rejected,
        "pipeline_cpu_ms_mean": round(pipe_cpu / len(pages) * 1000, 2),
        "bare_cpu_ms_mean": round(bare_cpu / len(pages) * 1000, 2), "cpu_ratio": round(bare_cpu / pipe_cpu, 3),
        "trafilatura_version": trafilatura.__version__,
        "when": now.isoformat(timespec="seconds"),
    }
    if not profiler:  # profiled timings are inflated: not a result
        args.out.parent.mkdir(exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    if profiler:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
