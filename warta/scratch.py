"""A private temporary SQLite database for per-run working data kept out of the Python heap."""

from __future__ import annotations

import sqlite3


def scratch_database(cache_kib: int) -> sqlite3.Connection:
    """SQLite keeps only its page cache (`cache_kib`) in memory and spills the rest to a
    temporary file that disappears with the connection (the empty file name), so a killed
    run leaves nothing to clean up. Nothing in it must survive a crash: no journal, no syncs."""
    db = sqlite3.connect("", isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    return db
