"""HTTP servers on loopback, each served by a daemon thread, started and stopped together.

The replica sites, the hostile sites of the reliability tests and the
benchmark's synthetic site all need the same lifecycle; only their handlers
differ.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Any


class LoopbackServers:
    """A context manager: `start()` (subclasses: bind, then `_serve` each server), `stop()`."""

    def __init__(self) -> None:
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> Any:
        raise NotImplementedError

    def _serve(self, name: str, server: ThreadingHTTPServer, thread_name: str) -> None:
        server.daemon_threads = True
        self._servers[name] = server
        t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=thread_name,
                             daemon=True)
        t.start()
        self._threads.append(t)

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
