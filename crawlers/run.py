"""Run one crawl in this process: `python -m crawlers.run --run-id N [--sources a,b] [--sources-file F]`.

The CLI starts this as a subprocess for every crawl, because Twisted's
reactor cannot be restarted inside one process (scrapy#2941) and a crashed
crawl must not take the CLI or the scheduler down with it.
"""

from __future__ import annotations

import argparse
import os
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from warta.errors import WartaError
from warta.settings import load_settings
from warta.sources import load_registry


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawlers.run")
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--sources", default="")
    ap.add_argument("--sources-file", default="")
    ap.add_argument("--log-level", default="WARNING")
    args = ap.parse_args(argv)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    try:
        registry = load_registry(args.sources_file or load_settings().sources_file)
        settings = get_project_settings()
        # Per-source politeness overrides become Scrapy download slots.
        settings.set("DOWNLOAD_SLOTS", {
            s.domain: {"concurrency": s.politeness.concurrency, "delay": s.politeness.delay}
            for s in registry.sources
        })
        settings.set("LOG_LEVEL", args.log_level)
        process = CrawlerProcess(settings)
        process.crawl("warta", sources=args.sources, sources_file=args.sources_file, run_id=args.run_id)
        process.start()
    except WartaError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
