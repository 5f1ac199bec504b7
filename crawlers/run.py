"""Run one crawl in this process: `python -m crawlers.run --run-id N [--sources a,b] [--sources-file F]`.

The CLI starts this as a subprocess for every crawl, because Twisted's
reactor cannot be restarted inside one process (scrapy#2941) and a crashed
crawl must not take the CLI or the scheduler down with it.

This process takes the per-source locks (`warta.locks`) and holds them until
it exits, so two crawls never fetch the same source at once — whoever
started them (CLI, scheduler, cron, a second machine user). A source locked
by another crawl is recorded in this run as `skipped`, not failed.
"""

from __future__ import annotations

import argparse
import os
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from warta.errors import WartaError
from warta.locks import SKIP_REASON, Lock, try_lock
from warta.settings import load_settings
from warta.sources import load_registry
from warta.store import SourceStats, Store


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawlers.run")
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--sources", default="")
    ap.add_argument("--sources-file", default="")
    ap.add_argument("--log-level", default="WARNING")
    args = ap.parse_args(argv)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    try:
        warta_settings = load_settings()
        registry = load_registry(args.sources_file or warta_settings.sources_file)
        wanted = [registry.get(s) for s in args.sources.split(",") if s] or registry.enabled()
        held = lock_sources(warta_settings.data_dir, int(args.run_id), [s.id for s in wanted])
        if not held:
            return 0  # every source is being crawled by someone else; the run says so
        settings = get_project_settings()
        # Per-source politeness overrides become Scrapy download slots.
        settings.set("DOWNLOAD_SLOTS", {
            s.domain: {"concurrency": s.politeness.concurrency, "delay": s.politeness.delay}
            for s in registry.sources
        })
        settings.set("LOG_LEVEL", args.log_level)
        process = CrawlerProcess(settings)
        # `held` stays referenced until the process exits: the locks live as long as the crawl.
        process.crawl("warta", sources=",".join(held), sources_file=args.sources_file, run_id=args.run_id)
        process.start()
    except WartaError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    return 0


def lock_sources(data_dir, run_id: int, source_ids: list[str]) -> dict[str, Lock]:  # noqa: ANN001
    """Lock what we can; record the others as skipped. Closes the run if nothing is left to crawl."""
    held: dict[str, Lock] = {}
    skipped: list[str] = []
    for sid in source_ids:
        lock = try_lock(data_dir, sid, note=f"run {run_id}")
        if lock is None:
            skipped.append(sid)
        else:
            held[sid] = lock
    if skipped:
        store = Store(load_settings().store_path)
        try:
            for sid in skipped:
                store.save_source_stats(run_id, sid, SourceStats(), "skipped", SKIP_REASON)
            if not held:
                store.finish_run(run_id, "skipped")
        finally:
            store.close()
        print(f"skipped ({SKIP_REASON}): {', '.join(skipped)}", file=sys.stderr)
    return held


if __name__ == "__main__":
    sys.exit(main())
