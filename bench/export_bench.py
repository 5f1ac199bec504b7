"""Export throughput and peak memory, CSV / JSON Lines / Parquet, from the SQLite FTS backend (issue 5).

Targets: ≥ 20,000 rows/s and peak RSS < 300 MB at 1M rows.

    .venv/bin/python bench/export_bench.py [--n 100000] [--workdir /tmp/warta-bench]   # --n 1000000 for 1M

The FTS database is filled first by bench/generate.py's fast path (reused if it
already holds N documents: `<workdir>/fts-<N>.sqlite`). Each format is exported in
its own subprocess, exactly as `warta export '' --include-copies --format F`
does (MatchAll, date order, no facets, no snippets, through
`indexer.export.export`, manifest included); the child reports its wall time
and `ru_maxrss` (peak RSS of the whole process: interpreter, imports, SQLite
page cache and the export), and the parent samples the child's RSS with psutil
every 50 ms as a cross-check. Writes bench/results/export_<N>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from indexer.base import Filters, SearchRequest
from indexer.export import export
from indexer.sqlite_fts import SqliteFtsBackend
from warta.query import parse
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
backend = SqliteFtsBackend({fts!r})
backend.ensure_ready()
req = SearchRequest(query=parse(""), filters=Filters(include_copies=True), sort="date", facets=False, snippets=False)
t0 = time.perf_counter()
m = export(backend, req, {fmt!r}, __import__("pathlib").Path({out!r}), query_text="", filters={{}})
el = time.perf_counter() - t0
print(json.dumps({{"rows": m.rows, "seconds": el, "complete": m.complete,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "rss_before_kb": base}}))
"""


def run_child(fts: Path, fmt: str, out: Path) -> dict:
    import psutil

    code = CHILD.format(root=str(ROOT), fts=str(fts), fmt=fmt, out=str(out))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=ROOT)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.05)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    if proc.wait() != 0:
        raise SystemExit(f"export {fmt} failed")
    r = json.loads(stdout.strip().splitlines()[-1])
    return {
        "format": fmt, "rows": r["rows"], "seconds": round(r["seconds"], 2),
        "rows_per_s": round(r["rows"] / r["seconds"]), "peak_rss_mb": round(r["maxrss_kb"] / 1024, 1),
        "rss_before_export_mb": round(r["rss_before_kb"] / 1024, 1),
        "psutil_sampled_peak_mb": round(peak / 2**20, 1), "file_mb": round(out.stat().st_size / 2**20, 1),
        "complete": r["complete"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/warta-bench"))
    ap.add_argument("--fts", type=Path, help="use this FTS database instead of <workdir>/fts-<N>.sqlite")
    ap.add_argument("--formats", default="csv,jsonl,parquet")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    fts = args.fts or args.workdir / f"fts-{args.n}.sqlite"
    from indexer.sqlite_fts import SqliteFtsBackend

    have = SqliteFtsBackend(fts).count() if fts.exists() else 0
    if have < args.n:
        from generate import fill_store

        print(f"filling {fts} with {args.n:,} documents …", file=sys.stderr)
        fill_store(args.workdir / f"store-{args.n}.sqlite", args.n, fts_path=fts)
    results = []
    for fmt in args.formats.split(","):
        out = args.workdir / f"export-{args.n}.{fmt}"
        r = run_child(fts, fmt, out)
        print(json.dumps(r), file=sys.stderr)
        results.append(r)
        out.unlink(missing_ok=True)
    doc = {
        "machine": f"{platform.machine()} {platform.python_version()}, {os.cpu_count()} cores",
        "n_docs_in_index": SqliteFtsBackend(fts).count(), "fts_db_mb": round(fts.stat().st_size / 2**20, 1),
        "results": results, "target_rows_per_s": 20_000, "target_peak_rss_mb_at_1M": 300,
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    out = BENCH / "results" / f"export_{args.n}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
