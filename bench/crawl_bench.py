"""Crawl benchmarks (run by hand, never by the test suite).

    nice .venv/bin/python bench/crawl_bench.py                       # everything (~10-20 min on 2 cores)
    nice .venv/bin/python bench/crawl_bench.py --only throughput,nights --rss-sizes 10000

1. throughput: the project's crawl (`python -m crawlers.run`, the subprocess `warta crawl`
   starts; politeness off: no delay, 2 requests at a time per site (the registry maximum)) against a bare
   scrapy.Spider fetching the very URLs the project crawl fetched, same concurrency, run side
   by side: on the 4 replica sites and on a 2,000-article synthetic site (bench/big_site.py).
   pages/s = 200 responses / Scrapy's elapsed_time_seconds.
2. rss: peak RSS of the crawl process (with any children, psutil polled every 0.2 s) crawling
   a synthetic site of 10k / 30k / 100k article URLs into an empty store.
3. nights: bytes downloaded by a second crawl of an unchanged 10k site, and of one where 5 % of
   the articles changed, against the first night's (Scrapy's downloader/response_bytes and the
   site's own count of body bytes sent).

Writes bench/results/crawl.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.big_site import BigSite  # noqa: E402
from warta.replica.server import ReplicaCluster, sources as replica_sources  # noqa: E402
from warta.settings import PROJECT_ROOT, Settings, load_settings, to_env  # noqa: E402
from warta.store import Store  # noqa: E402

CONCURRENCY = 2  # per site, both crawlers: the registry caps a source at 2
RESULTS = ROOT / "bench" / "results" / "crawl.json"
_STATS = {"elapsed": r"'elapsed_time_seconds': ([\d.]+)", "response_bytes": r"'downloader/response_bytes': (\d+)",
          "responses": r"'downloader/response_count': (\d+)", "ok": r"'downloader/response_status_count/200': (\d+)",
          "not_modified": r"'downloader/response_status_count/304': (\d+)"}


def scrapy_stats(log: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, rx in _STATS.items():
        m = re.findall(rx, log)
        out[key] = float(m[-1]) if m else 0.0
    return out


class RssWatch:
    """Peak resident set size of a process and its descendants, polled from a thread."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.proc = psutil.Process(pid)
        self.every = every
        self.peak = 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self._stop.is_set():
            try:
                rss = self.proc.memory_info().rss + sum(c.memory_info().rss for c in self.proc.children(recursive=True))
            except psutil.Error:
                break
            self.peak = max(self.peak, rss)
            self.samples.append((round(time.monotonic() - t0, 1), rss))
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._t.join()
        return self.peak


def project_settings(data_dir: Path, entries: list[dict[str, Any]]) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    for e in entries:
        # Politeness off: loopback servers of our own only.
        e["politeness"] = {"concurrency": CONCURRENCY, "delay": 0.0}
    sources_file = data_dir / "sources.yaml"
    sources_file.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_settings().model_copy(update={"data_dir": data_dir, "sources_file": sources_file, "backend": "sqlite"})


def crawl_project(s: Settings, label: str) -> dict[str, Any]:
    """One crawl through the project's crawl subprocess (what run_crawl starts), without indexing."""
    store = Store(s.store_path)
    try:
        ids = [e["id"] for e in yaml.safe_load(s.sources_file.read_text(encoding="utf-8"))["sources"]]
        run_id = store.start_run(ids)
    finally:
        store.close()
    env = {**os.environ, **to_env(s), "SCRAPY_SETTINGS_MODULE": "crawlers.settings",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    log_path = s.data_dir / f"crawl-{label}.log"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "crawlers.run", "--run-id", str(run_id), "--sources",
                                 ",".join(ids), "--sources-file", str(s.sources_file), "--log-level", "INFO"],
                                env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log)
        watch = RssWatch(proc.pid)
        proc.wait()
        peak = watch.stop()
    wall = time.monotonic() - started
    text = log_path.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"crawl {label} exited {proc.returncode}; see {log_path}")
    store = Store(s.store_path)
    try:
        articles = store.count()
        status = store.run_status(run_id)
    finally:
        store.close()
    return {"label": label, "wall_s": round(wall, 2), "peak_rss_mb": round(peak / 2**20, 1), "articles": articles,
            "run_status": status, "log": str(log_path), **scrapy_stats(text),
            "rss_samples_mb": [(t, round(r / 2**20, 1)) for t, r in watch.samples[:: max(1, len(watch.samples) // 40)]]}


_BARE = '''
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from urllib.parse import urlsplit

urls = [u for u in open(sys.argv[1]).read().split("\\n") if u]
concurrency = int(sys.argv[2])
netlocs = sorted({urlsplit(u).netloc for u in urls})

class Bare(scrapy.Spider):
    """Fetches a URL list and does nothing with the pages: the floor any crawler stands on."""
    name = "bare"

    async def start(self):
        for u in urls:
            yield scrapy.Request(u, callback=self.parse, dont_filter=True, meta={"download_slot": urlsplit(u).netloc})

    def parse(self, response):
        pass

process = CrawlerProcess({
    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_SLOTS": {n: {"concurrency": concurrency, "delay": 0} for n in netlocs},
    "ROBOTSTXT_OBEY": False, "AUTOTHROTTLE_ENABLED": False, "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "INFO",
})
process.crawl(Bare)
process.start()
'''


def crawl_bare(urls: list[str], work: Path, label: str) -> dict[str, Any]:
    script, url_file, log_path = work / "bare_spider.py", work / f"urls-{label}.txt", work / f"bare-{label}.log"
    script.write_text(_BARE, encoding="utf-8")
    url_file.write_text("\n".join(urls), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, str(script), str(url_file), str(CONCURRENCY)], env=env, cwd=work,
                                stdout=log, stderr=log)
        watch = RssWatch(proc.pid)
        proc.wait()
        peak = watch.stop()
    wall = time.monotonic() - started
    return {"label": label, "wall_s": round(wall, 2), "peak_rss_mb": round(peak / 2**20, 1),
            **scrapy_stats(log_path.read_text(encoding="utf-8", errors="replace"))}


def pages_per_s(r: dict[str, Any]) -> float:
    return round(r["ok"] / r["elapsed"], 1) if r["elapsed"] else 0.0


def bench_throughput(work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with ReplicaCluster() as cluster:
        s = project_settings(work / "tp-replica", replica_sources(cluster))
        project = crawl_project(s, "replica")
        fetched = [cluster.urls[r.site].rstrip("/") + r.path for r in cluster.requests() if r.status == 200]
        bare = crawl_bare(fetched, work, "replica")
    out["replica"] = {"project": project, "bare": bare, "urls": len(fetched)}
    with BigSite(n=2000) as site:
        s = project_settings(work / "tp-big", [site.source_entry(CONCURRENCY)])
        project = crawl_project(s, "big2000")
        urls = [site.base.rstrip("/") + p for p in ("/robots.txt", "/sitemap_index.xml", "/sitemap-0.xml")]
        bare = crawl_bare(urls + site.article_urls(), work, "big2000")
    out["synthetic_2000"] = {"project": project, "bare": bare, "urls": len(urls) + 2000}
    for v in out.values():
        v["project_pages_per_s"], v["bare_pages_per_s"] = pages_per_s(v["project"]), pages_per_s(v["bare"])
        v["ratio_project_over_bare"] = round(v["project_pages_per_s"] / max(v["bare_pages_per_s"], 1e-9), 3)
    return out


def bench_rss(work: Path, sizes: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        with BigSite(n=n) as site:
            s = project_settings(work / f"rss-{n}", [site.source_entry(CONCURRENCY)])
            r = crawl_project(s, f"rss{n}")
        out[str(n)] = r
        print(f"  rss {n}: peak {r['peak_rss_mb']} MB, {r['articles']} articles, {pages_per_s(r)} pages/s", flush=True)
    return out


def bench_nights(work: Path, n: int) -> dict[str, Any]:
    with BigSite(n=n) as site:
        s = project_settings(work / "nights", [site.source_entry(CONCURRENCY)])
        nights = []
        for label, change in (("night1", 0.0), ("night2_unchanged", 0.0), ("night3_5pct_changed", 0.05)):
            if change:
                site.change(change)
            site.reset_counts()
            r = crawl_project(s, label)
            r["site"] = site.counts()
            nights.append(r)
    first = nights[0]
    out: dict[str, Any] = {"n": n, "nights": nights}
    for r in nights[1:]:
        out[f"{r['label']}_over_night1_scrapy_bytes"] = round(r["response_bytes"] / first["response_bytes"], 4)
        out[f"{r['label']}_over_night1_site_bytes"] = round(r["site"]["bytes"] / first["site"]["bytes"], 4)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="throughput,rss,nights")
    ap.add_argument("--rss-sizes", default="10000,30000,100000")
    ap.add_argument("--nights-n", type=int, default=10000)
    ap.add_argument("--work", default="")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="crawl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    # The machine is shared: the load average says how much of it the benchmark had.
    results["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0], "concurrency_per_site": CONCURRENCY,
                          "loadavg_start": [round(x, 2) for x in os.getloadavg()]}
    parts = args.only.split(",")
    if "throughput" in parts:
        results["throughput"] = bench_throughput(work)
    if "rss" in parts:
        results["rss"] = bench_rss(work, [int(x) for x in args.rss_sizes.split(",")])
    if "nights" in parts:
        results["nights"] = bench_nights(work, args.nights_n)
    results["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    results["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    # Re-read before writing: two benchmarks run side by side (say rss and nights) keep each other's parts.
    latest: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    mine = {k: v for k, v in results.items() if k in parts or k in ("machine", "measured_at")}
    if "rss" in mine:
        mine["rss"] = {**latest.get("rss", {}), **mine["rss"]}  # sizes measured in separate runs add up
    results = {**latest, **mine}
    RESULTS.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print_table(results)
    return 0


def print_table(r: dict[str, Any]) -> None:
    if "throughput" in r:
        print("\nthroughput (pages/s, 200 responses / Scrapy elapsed)      project     bare   ratio")
        for name, v in r["throughput"].items():
            print(f"  {name:52} {v['project_pages_per_s']:8} {v['bare_pages_per_s']:8} {v['ratio_project_over_bare']:7}")
    if "rss" in r:
        print("\npeak RSS of the crawl process (MB)")
        for n, v in r["rss"].items():
            print(f"  {int(n):>7} URLs  {v['peak_rss_mb']:8} MB   {v['articles']} articles  {v['elapsed']:.0f} s")
    if "nights" in r:
        nights = r["nights"]["nights"]
        print(f"\nbytes per night ({r['nights']['n']} articles)        scrapy bytes    site bytes   requests")
        for v in nights:
            print(f"  {v['label']:34} {int(v['response_bytes']):12} {v['site'].get('bytes', 0):12} {v['site'].get('requests', 0):9}")
        for k, v in r["nights"].items():
            if k.endswith("_bytes"):
                print(f"  {k}: {v}")


if __name__ == "__main__":
    sys.exit(main())
