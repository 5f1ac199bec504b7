"""Where the near-duplicate index keeps its LSH band table and its members: dicts or a scratch file.

Candidate lookup keeps datasketch's banding (MinHashLSH's own optimal b×r for
the threshold and weights, 32×4) but not its storage: datasketch keeps a set
per band bucket and re-derives a MinHash object per insert and query, about
6.5 KB and 0.4 ms per article, which made 1M articles a 15-minute, 6.5 GB job.
`BandTable` maps each band's exact values (a 128-bit int tagged with the band
number) to the ids in that bucket in one dict, so it returns exactly the
candidates MinHashLSH would.

The in-memory variants are the fastest (the clustering benchmark places 1M
articles in about two minutes); a crawl uses the disk variants, which keep its
memory flat however many articles a first crawl of a big site adds.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

import numpy as np
from datasketch import MinHashLSH

from pipelines.minhash import NUM_PERM, Signature
from warta.scratch import scratch_database

LSH_WEIGHTS = (0.1, 0.9)  # (false positive, false negative): containment confirms, so favour recall


@functools.lru_cache(maxsize=8)
def band_shape(threshold: float) -> tuple[int, int]:
    """(bands, rows) exactly as MinHashLSH picks them for this threshold, NUM_PERM and LSH_WEIGHTS."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
    return lsh.b, lsh.r


class BandTable:
    """MinHashLSH's candidate lookup in one dict: band key -> id, or list of ids once shared.

    A bucket holds a bare id until a second article lands in it: nearly every
    bucket has one member, and a list per bucket would triple the memory.
    """

    def __init__(self, threshold: float):
        self.bands, self.rows = band_shape(threshold)
        self._table: dict[int, str | list[str]] = {}

    def keys(self, sig: Signature) -> list[int]:
        # Exact band values as one int (no hashing, so no collisions to reason about);
        # the band number goes above the values' bits so equal values in different bands stay apart.
        raw = sig.hashvalues[: self.bands * self.rows].astype("<u4").tobytes()
        width = 4 * self.rows
        return [int.from_bytes(raw[i * width : (i + 1) * width], "little") | (i << (8 * width))
                for i in range(self.bands)]

    def query(self, sig: Signature) -> set[str]:
        found: set[str] = set()
        table = self._table
        for key in self.keys(sig):
            hit = table.get(key)
            if hit is None:
                continue
            if isinstance(hit, str):
                found.add(hit)
            else:
                found.update(hit)
        return found

    def insert(self, article_id: str, sig: Signature) -> None:
        table = self._table
        for key in self.keys(sig):
            hit = table.get(key)
            if hit is None:
                table[key] = article_id
            elif isinstance(hit, str):
                table[key] = [hit, article_id]
            else:
                hit.append(article_id)

    def remove(self, article_id: str, sig: Signature) -> None:
        table = self._table
        for key in self.keys(sig):
            hit = table.get(key)
            if hit == article_id:
                del table[key]
            elif isinstance(hit, list) and article_id in hit:
                hit.remove(article_id)
                if len(hit) == 1:
                    table[key] = hit[0]

    def close(self) -> None:
        pass


# Odd 64-bit multipliers of the band-key hash (any odd constants spread the band values).
_MUL = np.uint64(0x9E3779B97F4A7C15)
_BAND = np.uint64(0xC2B2AE3D27D4EB4F)


class DiskBandTable:
    """The LSH band table of the near-duplicate index, in a private temporary SQLite file.

    In memory (a dict of exact 128-bit band keys) it cost ~2.4 KB per article
    (measured: 3.8 KB of the index's 3.8 KB per article with, 1.3 KB without it),
    so a first crawl of a 100k-article site held ~240 MB for it alone. Here SQLite
    keeps only its page cache in memory; the rows go to a temp file that vanishes
    with the connection. Same banding as the in-memory table (same bands x rows);
    keys are 64-bit hashes of the band values, so a collision can only add a
    candidate (2^-64 per pair), which the index then confirms or rejects by
    containment like any other.
    """

    def __init__(self, bands: int, rows: int, db: sqlite3.Connection | None = None) -> None:
        self.bands, self.rows = bands, rows
        self._own = db is None
        self._db = scratch_database(8192) if db is None else db
        self._db.execute("CREATE TABLE bands (key INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (key, id)) "
                         "WITHOUT ROWID")
        self._band_no = np.arange(bands, dtype=np.uint64) * _BAND

    def keys(self, sig: Signature) -> list[int]:
        values = sig.hashvalues[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, self.rows)
        h = self._band_no.copy()
        with np.errstate(over="ignore"):  # wrapping uint64 arithmetic is the hash
            for j in range(self.rows):
                h = h * _MUL + values[:, j]
        return h.view(np.int64).tolist()  # SQLite integers are signed 64-bit

    def insert(self, article_id: str, sig: Signature) -> None:
        self._db.executemany("INSERT OR IGNORE INTO bands(key, id) VALUES (?, ?)",
                             [(k, article_id) for k in self.keys(sig)])

    def remove(self, article_id: str, sig: Signature) -> None:
        self._db.executemany("DELETE FROM bands WHERE key=? AND id=?", [(k, article_id) for k in self.keys(sig)])

    def query(self, sig: Signature) -> set[str]:
        keys = self.keys(sig)
        rows = self._db.execute(f"SELECT id FROM bands WHERE key IN ({','.join('?' * len(keys))})", keys)
        return {r[0] for r in rows}

    def close(self) -> None:
        if self._own:
            self._db.close()


@dataclass(slots=True)  # one per stored article: no per-instance dict
class Member:
    article_id: str
    sig: Signature
    cluster_id: str
    published_at: datetime | None
    body: str | None = None  # only while the article is being placed: exact containment


_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


def order_key(m: Member) -> tuple[datetime, str]:
    """Earliest published is canonical; undated articles rank last; ties go to the smallest id."""
    p = m.published_at
    if p is not None and p.tzinfo is None:
        p = p.replace(tzinfo=timezone.utc)
    return (p or _FAR_FUTURE, m.article_id)


class Members(Protocol):
    """Where the index keeps its members, clusters and canonical choices."""

    def __len__(self) -> int: ...
    def __contains__(self, article_id: str) -> bool: ...
    def get(self, article_id: str) -> Member | None: ...
    def put(self, member: Member, stored_canonical: bool = False) -> None: ...
    def pop(self, article_id: str) -> Member | None: ...
    def cluster(self, cluster_id: str) -> list[str]: ...
    def has_cluster(self, cluster_id: str) -> bool: ...
    def canonical(self, cluster_id: str) -> str | None: ...
    def set_canonical(self, cluster_id: str, article_id: str | None) -> None: ...
    def is_stored_canonical(self, article_id: str) -> bool: ...
    def close(self) -> None: ...


class MemoryMembers:
    """Plain dicts: fastest, ≈ 1.3 KB per article (the clustering benchmark, evaluation, tests)."""

    def __init__(self) -> None:
        self._members: dict[str, Member] = {}
        self._clusters: dict[str, set[str]] = {}
        self._canonical: dict[str, str] = {}
        # Canonical flags restored from the store are kept as stored, not recomputed.
        self._stored_canonical: set[str] = set()

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._members

    def get(self, article_id: str) -> Member | None:
        return self._members.get(article_id)

    def put(self, member: Member, stored_canonical: bool = False) -> None:
        self._members[member.article_id] = member
        self._clusters.setdefault(member.cluster_id, set()).add(member.article_id)
        if stored_canonical:
            self._stored_canonical.add(member.article_id)

    def pop(self, article_id: str) -> Member | None:
        member = self._members.pop(article_id, None)
        if member is not None:
            self._stored_canonical.discard(article_id)
            cluster = self._clusters[member.cluster_id]
            cluster.discard(article_id)
            if not cluster:
                del self._clusters[member.cluster_id]
        return member

    def cluster(self, cluster_id: str) -> list[str]:
        return list(self._clusters.get(cluster_id, ()))

    def has_cluster(self, cluster_id: str) -> bool:
        return cluster_id in self._clusters

    def canonical(self, cluster_id: str) -> str | None:
        return self._canonical.get(cluster_id)

    def set_canonical(self, cluster_id: str, article_id: str | None) -> None:
        if article_id is None:
            self._canonical.pop(cluster_id, None)
        else:
            self._canonical[cluster_id] = article_id

    def is_stored_canonical(self, article_id: str) -> bool:
        return article_id in self._stored_canonical

    def close(self) -> None:
        pass


class DiskMembers:
    """The same bookkeeping in the index's temporary SQLite file: memory stays flat however
    many articles a first crawl adds (in dicts each cost ≈ 1.3–1.6 KB: the signature array,
    the member, a set per cluster). Candidates are few per article, so the extra lookups
    cost microseconds next to a page's milliseconds of extraction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.execute("CREATE TABLE members (id TEXT PRIMARY KEY, cluster TEXT NOT NULL, sig BLOB NOT NULL, "
                   "shingles INTEGER NOT NULL, published TEXT, stored_canonical INTEGER NOT NULL) WITHOUT ROWID")
        db.execute("CREATE INDEX members_cluster ON members(cluster, id)")
        db.execute("CREATE TABLE canonical (cluster TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID")

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM members").fetchone()[0]

    def __contains__(self, article_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM members WHERE id=?", (article_id,)).fetchone() is not None

    def get(self, article_id: str) -> Member | None:
        row = self._db.execute("SELECT cluster, sig, shingles, published FROM members WHERE id=?",
                               (article_id,)).fetchone()
        if row is None:
            return None
        cluster_id, sig, shingle_count, published = row
        return Member(article_id, Signature(np.frombuffer(sig, dtype=np.uint32), shingle_count), cluster_id,
                       datetime.fromisoformat(published) if published else None)

    def put(self, member: Member, stored_canonical: bool = False) -> None:
        published = member.published_at.isoformat() if member.published_at else None
        self._db.execute("INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?, ?, ?)",
                         (member.article_id, member.cluster_id, member.sig.hashvalues.tobytes(),
                          member.sig.shingle_count, published, int(stored_canonical)))

    def pop(self, article_id: str) -> Member | None:
        member = self.get(article_id)
        if member is not None:
            self._db.execute("DELETE FROM members WHERE id=?", (article_id,))
        return member

    def cluster(self, cluster_id: str) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM members WHERE cluster=?", (cluster_id,))]

    def has_cluster(self, cluster_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM members WHERE cluster=? LIMIT 1", (cluster_id,)).fetchone() is not None

    def canonical(self, cluster_id: str) -> str | None:
        row = self._db.execute("SELECT id FROM canonical WHERE cluster=?", (cluster_id,)).fetchone()
        return row[0] if row else None

    def set_canonical(self, cluster_id: str, article_id: str | None) -> None:
        if article_id is None:
            self._db.execute("DELETE FROM canonical WHERE cluster=?", (cluster_id,))
        else:
            self._db.execute("INSERT OR REPLACE INTO canonical VALUES (?, ?)", (cluster_id, article_id))

    def is_stored_canonical(self, article_id: str) -> bool:
        row = self._db.execute("SELECT stored_canonical FROM members WHERE id=?", (article_id,)).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        self._db.close()
