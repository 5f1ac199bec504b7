"""Near-duplicate clustering time at scale with `pipelines.dedupe.NearDuplicateIndex` (issue 5).

Target: 1M articles ≤ 10 min, sub-quadratic (compare the per-article time at 10k and 100k).

    .venv/bin/python bench/clustering.py [--sizes 10000,100000] [--workers 2] [--workdir /tmp/warta-bench]

Articles come from bench/generate.py (≈5 % syndicated copies, lightly edited).
Their MinHash signatures (`pipelines.dedupe.signature`, the crawl's own code)
are computed first, in `--workers` processes, and cached in the workdir; that
time is reported separately — during a crawl it is paid per page, inside the
pipeline. The timed part is what placing articles costs: every article, in
generation order, goes through `NearDuplicateIndex.add_signature` (LSH query,
containment confirmation against canonical + founder from the signatures,
insert), as a crawl without stored bodies at hand does.

Quality is checked against the generator's truth: a copy is "caught" when it
lands in its original's cluster; a false merge is an original placed in any
other article's cluster. Writes bench/results/clustering.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from datetime import datetime, timezone
from multiprocessing import Pool
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from generate import Generator  # noqa: E402
from pipelines.dedupe import NUM_PERM, NearDuplicateIndex, Signature, signature  # noqa: E402


def _sig(body: str) -> tuple[bytes, int]:
    s = signature(body)
    return s.hashvalues.astype("<u4").tobytes(), s.shingle_count


def corpus(n: int, seed: int, workers: int, workdir: Path) -> tuple[list, np.ndarray, np.ndarray, float]:
    """(meta [(n, copy_of, published_at)], hashvalues [n,128] uint32, shingle counts, signature seconds)"""
    meta, bodies = [], []
    for a in Generator(seed).articles(n):
        meta.append((a.n, a.copy_of, a.published_at))
        bodies.append(a.body)
    cache = workdir / f"sigs-{seed}-{n}.npz"
    if cache.exists():
        z = np.load(cache)
        return meta, z["h"], z["c"], float(z["t"])
    t0 = time.perf_counter()
    with Pool(workers) as pool:
        out = pool.map(_sig, bodies, chunksize=256)
    t = time.perf_counter() - t0
    h = np.frombuffer(b"".join(o[0] for o in out), dtype="<u4").reshape(n, NUM_PERM)
    c = np.array([o[1] for o in out], dtype=np.int64)
    np.savez(cache, h=h, c=c, t=t)
    return meta, h, c, t


def run(n: int, seed: int, workers: int, workdir: Path) -> dict:
    meta, h, c, sig_seconds = corpus(n, seed, workers, workdir)
    sigs = [Signature(h[i].astype(np.uint64), int(c[i])) for i in range(n)]
    idx = NearDuplicateIndex()
    cluster_of: dict[int, str] = {}
    ids = [f"a{i:08d}" for i in range(n)]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    lap = t0
    for i, (num, _copy_of, published) in enumerate(meta):
        d = idx.add_signature(ids[i], sigs[i], published)
        cluster_of[num] = d.cluster_id
        if (i + 1) % 50_000 == 0:
            now = time.perf_counter()
            print(f"  {i + 1:>9,} placed, last 50k: {now - lap:.1f} s", file=sys.stderr, flush=True)
            lap = now
    seconds = time.perf_counter() - t0
    copies = [(num, orig) for num, orig, _ in meta if orig is not None]
    # A copy is caught when it shares its original's cluster (whichever became the founder).
    caught = sum(1 for num, orig in copies if idx.cluster_of(ids[num]) == idx.cluster_of(ids[orig]))
    originals = [num for num, orig, _ in meta if orig is None]
    copy_ids = {num for num, _ in copies}
    orig_of = {num: orig for num, orig in copies}
    # An original wrongly merged: its cluster holds another original or another original's copy.
    by_cluster: dict[str, set[int]] = {}
    for num in range(n):
        root = orig_of.get(num, num)
        by_cluster.setdefault(idx.cluster_of(ids[num]), set()).add(root)
    false_merges = sum(len(roots) - 1 for roots in by_cluster.values() if len(roots) > 1)
    return {
        "n": n, "copies": len(copies), "originals": len(originals),
        "signature_seconds": round(sig_seconds, 1), "signature_workers": workers,
        "signature_ms_per_article_cpu": round(sig_seconds * workers / n * 1000, 3),
        "cluster_seconds": round(seconds, 2), "cluster_us_per_article": round(seconds / n * 1e6, 1),
        "clusters": len(by_cluster), "copies_caught": caught, "copy_recall": round(caught / max(1, len(copies)), 4),
        "false_merges": false_merges, "copy_ids_checked": len(copy_ids),
        "maxrss_mb_after": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "maxrss_mb_before_index": round(rss0 / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/warta-bench"))
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        r = run(n, args.seed, args.workers, args.workdir)
        print(json.dumps(r), file=sys.stderr)
        results.append(r)
    doc = {
        "machine": f"{platform.machine()} {platform.python_version()}, {os.cpu_count()} cores",
        "results": results, "target_1M_seconds": 600,
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if len(results) >= 2:
        a, b = results[0], results[-1]
        doc["per_article_time_growth"] = round(b["cluster_us_per_article"] / a["cluster_us_per_article"], 2)
        doc["size_growth"] = b["n"] / a["n"]
    out = BENCH / "results" / "clustering.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
