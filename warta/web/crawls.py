"""Start a crawl from the web in a background subprocess: `python -m warta.cli crawl [--source …]`.

The same command a person or cron runs, so the web adds no second crawl path
(and the crawl survives nothing of the web server's state). One web-started
crawl at a time; its log goes to data/logs/web-crawl-<time>.log, never a pipe
(a full pipe once blocked a crawl forever, see docs/decisions.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

from warta.errors import WartaError
from warta.settings import PROJECT_ROOT, Settings, to_env
from warta.web.security import TOKEN_ENV


class CrawlBusy(WartaError):
    """A crawl started from the web is still running."""

    http_status = 409


class CrawlLauncher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, source_ids: list[str]) -> dict[str, object]:
        with self._lock:
            if self.running():
                raise CrawlBusy(f"a crawl started from the web is still running (pid {self._proc.pid})")  # type: ignore[union-attr]
            cmd = [sys.executable, "-m", "warta.cli", "crawl"]
            for s in source_ids:
                cmd += ["--source", s]
            env = {**os.environ, **to_env(self.settings)}
            env.pop(TOKEN_ENV, None)  # the crawl needs no web secret
            logs = Path(self.settings.data_dir) / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            log_path = logs / f"web-crawl-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}.log"
            with open(log_path, "ab") as log:
                self._proc = subprocess.Popen(cmd, cwd=str(PROJECT_ROOT), env=env, stdin=subprocess.DEVNULL,
                                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            return {"pid": self._proc.pid, "sources": source_ids or "all enabled", "log": str(log_path)}

    def stop(self, timeout: float = 30.0) -> None:
        """At shutdown: let a running crawl finish briefly, then end it (only our own child)."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
