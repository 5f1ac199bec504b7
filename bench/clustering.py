"""Near-duplicate clustering time at scale with `pipelines.dedupe.NearDuplicateIndex` (issue 5).

Target: 1M articles ≤ 10 min, sub-quadratic (compare the per-article time at 10k and 100k).

    .venv/bin/python bench/clustering.py [--sizes 10000,100000] [--workers 2] [--workdir /tmp/warta-bench]

Articles come from bench/generate.py (≈5 % syndicated copies, lightly edited),
streamed in blocks so no more than one block of bodies is ever held.
Their MinHash signatures (`pipelines.minhash.signature`, the crawl's own code)
are computed first, in `--workers` processes, and cached in the workdir
(`corpus-SEED-N.npz`: one uint32 matrix plus copy-of and date columns); that
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
from typing import Any, Iterator

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from generate import Generator  # noqa: E402
from pipelines.dedupe import NearDuplicateIndex  # noqa: E402
from pipelines.minhash import NUM_PERM, Signature, signature  # noqa: E402


def _sig(body: str) -> tuple[bytes, int]:
    s = signature(body)
    return s.hashvalues.astype("<u4").tobytes(), s.shingle_count


def _blocks(n: int, seed: int, block: int) -> Iterator[tuple[list[tuple[int, int, int]], list[str]]]:
    """The corpus in blocks of (meta, bodies): at 1M the bodies alone would take ~2.5 GB."""
    meta: list[tuple[int, int, int]] = []
    bodies: list[str] = []
    for a in Generator(seed).articles(n):
        meta.append((a.n, -1 if a.copy_of is None else a.copy_of, int(a.published_at.timestamp())))
        bodies.append(a.body)
        if len(bodies) == block:
            yield meta, bodies
            meta, bodies = [], []
    if bodies:
        yield meta, bodies


def corpus(n: int, seed: int, workers: int, workdir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """(copy_of int64[n] (-1: original), published epoch seconds int64[n], hashvalues uint32[n, NUM_PERM],
    shingle counts int64[n], signature seconds), streamed from the generator and cached in the workdir."""
    cache = workdir / f"corpus-{seed}-{n}.npz"
    if cache.exists():
        z = np.load(cache)
        return z["copy_of"], z["published"], z["h"], z["c"], float(z["t"])
    copy_of = np.full(n, -1, dtype=np.int64)
    published = np.zeros(n, dtype=np.int64)
    h = np.zeros((n, NUM_PERM), dtype=np.uint32)
    c = np.zeros(n, dtype=np.int64)
    t0 = time.perf_counter()
    with Pool(workers) as pool:
        pending: tuple[list[tuple[int, int, int]], Any] | None = None

        def collect(p: tuple[list[tuple[int, int, int]], Any]) -> None:
            meta, result = p
            for (num, orig, pub), (hv, count) in zip(meta, result.get()):
                copy_of[num], published[num], c[num] = orig, pub, count
                h[num] = np.frombuffer(hv, dtype="<u4")

        # The main process generates block k+1 while the workers sign block k.
        for meta, bodies in _blocks(n, seed, 20_000):
            submitted = (meta, pool.map_async(_sig, bodies, chunksize=256))
            if pending is not None:
                collect(pending)
            pending = submitted
            print(f"  {meta[-1][0] + 1:>9,} generated, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        if pending is not None:
            collect(pending)
    t = time.perf_counter() - t0
    np.savez(cache, copy_of=copy_of, published=published, h=h, c=c, t=t)
    return copy_of, published, h, c, t


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def run(n: int, seed: int, workers: int, workdir: Path) -> dict:
    copy_of, published, h, c, sig_seconds = corpus(n, seed, workers, workdir)
    # Rows of the one uint32 matrix, not copies: the signatures as a store would hand them over.
    sigs = [Signature(h[i], int(c[i])) for i in range(n)]
    dates = [datetime.fromtimestamp(int(p), timezone.utc) for p in published]
    idx = NearDuplicateIndex()
    ids = [f"a{i:08d}" for i in range(n)]
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    lap = t0
    for i in range(n):
        idx.add_signature(ids[i], sigs[i], dates[i])
        if (i + 1) % 50_000 == 0:
            now = time.perf_counter()
            print(f"  {i + 1:>9,} placed, last 50k: {now - lap:.1f} s", file=sys.stderr, flush=True)
            lap = now
    seconds = time.perf_counter() - t0
    rss1 = _rss_mb()
    copies = [(num, int(orig)) for num, orig in enumerate(copy_of) if orig >= 0]
    # A copy is caught when it shares its original's cluster (whichever became the founder).
    caught = sum(1 for num, orig in copies if idx.cluster_of(ids[num]) == idx.cluster_of(ids[orig]))
    orig_of = dict(copies)
    # An original wrongly merged: its cluster holds another original or another original's copy.
    by_cluster: dict[str, set[int]] = {}
    for num in range(n):
        root = orig_of.get(num, num)
        by_cluster.setdefault(idx.cluster_of(ids[num]), set()).add(root)
    false_merges = sum(len(roots) - 1 for roots in by_cluster.values() if len(roots) > 1)
    return {
        "n": n, "copies": len(copies), "originals": n - len(copies),
        "signature_seconds": round(sig_seconds, 1), "signature_workers": workers,
        "signature_ms_per_article_cpu": round(sig_seconds * workers / n * 1000, 3),
        "cluster_seconds": round(seconds, 2), "cluster_us_per_article": round(seconds / n * 1e6, 1),
        "clusters": len(by_cluster), "copies_caught": caught, "copy_recall": round(caught / max(1, len(copies)), 4),
        "false_merges": false_merges,
        "index_rss_mb": round(rss1 - rss0, 1), "index_bytes_per_article": round((rss1 - rss0) * 2**20 / n),
        "maxrss_mb_after": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_mb_before_index": round(rss0, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/warta-bench"))
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "clustering.json")
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
    out = args.out
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
