"""The queue of article URLs one crawl run still has to request, kept out of the Python heap.

The store's `urls` table is what survives a run (pending URLs resume after a
kill). This is the run's own working queue on top of it: every URL the spider
has considered in this run (so none is considered twice) and, in discovery
order, the ones that must be requested. A sitemap of 100k URLs used to become
100k `scrapy.Request` objects in Scrapy's in-memory scheduler at once; here
they wait as rows, and the spider turns them into requests a bounded batch at
a time.

It lives in a private temporary SQLite database (the empty file name): SQLite
keeps only its page cache in memory and spills the rest to a temp file that
disappears with the connection, so a killed run leaves nothing to clean up and
no schema changes in the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from warta.scratch import scratch_database


@dataclass(frozen=True)
class Queued:
    url: str
    source_id: str
    lastmod: str


class Frontier:
    def __init__(self, cache_kib: int = 4096) -> None:
        self._db = scratch_database(cache_kib)
        self._db.execute("CREATE TABLE seen (url TEXT PRIMARY KEY) WITHOUT ROWID")
        self._db.execute("CREATE TABLE queue (seq INTEGER PRIMARY KEY, url TEXT NOT NULL, source_id TEXT NOT NULL, "
                         "lastmod TEXT NOT NULL)")
        self._db.execute("CREATE INDEX queue_source ON queue(source_id, seq)")
        self._queued: dict[str, int] = {}  # source id -> URLs waiting

    def first_sight(self, url: str) -> bool:
        """True the first time this run considers `url`; False ever after."""
        return self._db.execute("INSERT OR IGNORE INTO seen(url) VALUES (?)", (url,)).rowcount == 1

    def push(self, url: str, source_id: str, lastmod: str) -> None:
        self._db.execute("INSERT INTO queue(url, source_id, lastmod) VALUES (?, ?, ?)", (url, source_id, lastmod))
        self._queued[source_id] = self._queued.get(source_id, 0) + 1

    def sources_waiting(self) -> list[str]:
        return [sid for sid, n in self._queued.items() if n]

    def take(self, source_id: str, limit: int) -> list[Queued]:
        """The source's `limit` longest-waiting URLs, in discovery order, removed from the queue."""
        if not self._queued.get(source_id) or limit <= 0:
            return []
        rows = self._db.execute("SELECT seq, url, lastmod FROM queue WHERE source_id=? ORDER BY seq LIMIT ?",
                                (source_id, limit)).fetchall()
        if rows:
            self._db.execute("DELETE FROM queue WHERE source_id=? AND seq <= ?", (source_id, rows[-1][0]))
        self._queued[source_id] -= len(rows)
        return [Queued(url, source_id, lastmod) for _, url, lastmod in rows]

    def __len__(self) -> int:
        return sum(self._queued.values())

    def close(self) -> None:
        self._db.close()
