"""Exact and near-duplicate detection for syndicated press releases.

A regency press release is re-published by several outlets, each trimming
a paragraph, adding its own dateline and credit. Such a copy has a Jaccard
similarity of only 0.64–0.75 with the original but a containment
(|A∩B| / min(|A|,|B|)) near 0.97. So MinHashLSH at a permissive threshold
finds candidates, and a containment check confirms them.

Clusters never chain: a new article joins a cluster only when it is confirmed
against that cluster's canonical member AND its founder (the article the
cluster is named after, cluster_id == founder id). Every member is thus
directly confirmed against the founder, so A~B, B~C with A≁C leaves C outside
A's cluster. The price: after an earlier-published article took over as
canonical, a later copy must match both, which favours precision.

Containment from signatures alone. The store keeps only the MinHash
signature and the shingle count of each body, so containment is estimated:
with J = |A∩B|/|A∪B| (estimated by MinHash) and |A∪B| = |A|+|B|-|A∩B|,

    |A∩B| = J·(|A|+|B|) / (1+J)   ⇒   C ≈ J·(|A|+|B|) / ((1+J)·min(|A|,|B|))

The estimate inherits MinHash's error: with 128 permutations the standard
error of J is ≤ sqrt(J(1-J)/128) ≈ 0.04 around J = 0.6, which moves C by
about ±0.05 for a copy trimmed to two thirds — comfortably above the 0.8
cut for real copies (C ≈ 0.95+) and below it for same-topic different stories
(C ≈ 0.1–0.3). NUM_PERM = 128 costs 512 bytes per signature; 64 permutations
would halve that but raise the error to ≈ 0.06, too close to the cut for
trimmed copies.

Candidate lookup keeps datasketch's banding (MinHashLSH's own optimal b×r for
the threshold and weights, 32×4) but not its storage: datasketch keeps a set
per band bucket and re-derives a MinHash object per insert and query, about
6.5 KB and 0.4 ms per article, which made 1M articles a 15-minute, 6.5 GB job.
`_BandTable` maps each band's exact values (a 128-bit int tagged with the band
number) to the ids in that bucket in one dict, so it returns exactly the
candidates MinHashLSH would.
"""

from __future__ import annotations

import functools
import hashlib
import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Literal

import numpy as np
from datasketch import MinHash, MinHashLSH
from datasketch.minhash import _fmix  # the pre-mix update_batch applies (see _minhash_values)

from warta.scratch import scratch_database
from warta.textnorm import tokens

NUM_PERM = 128
SHINGLE_SIZE = 3
LSH_THRESHOLD = 0.5
LSH_WEIGHTS = (0.1, 0.9)  # (false positive, false negative): containment confirms, so favour recall
CONTAINMENT_THRESHOLD = 0.8
# ~40 words: shorter bodies (photo posts, one-paragraph notices) share too much boilerplate wording.
MIN_SHINGLES = 38
_SCHEME = "affine32"  # datasketch 2.x default; stored signatures must be read back with the same scheme
_SIG_MAGIC = b"WMH1"


def content_hash(body: str) -> str:
    """sha256 of the folded token stream: whitespace, case and punctuation do not count."""
    return tokens_hash(tokens(body))


def tokens_hash(toks: list[str]) -> str:
    """`content_hash` of an already tokenised body (the pipeline tokenises once for hash and shingles)."""
    return hashlib.sha256(" ".join(toks).encode("utf-8")).hexdigest()


def shingles(body: str) -> set[str]:
    return token_shingles(tokens(body))


def token_shingles(toks: list[str]) -> set[str]:
    # zip of shifted views: the same windows as slicing at every index, without a slice per window.
    return set(map(" ".join, zip(*(toks[k:] for k in range(SHINGLE_SIZE)))))


@functools.lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    # Drawing the permutations (a seeded RandomState) cost more than hashing a short body:
    # draw them once and share them, as MinHash.bulk does.
    return MinHash(num_perm=NUM_PERM, scheme=_SCHEME).permutations


def _shingle_hashes(shingle_set: set[str]) -> np.ndarray:
    """datasketch's default sha1_hash32 of every shingle (first 4 bytes of SHA-1, little-endian),
    read in one numpy call instead of one struct.unpack per shingle: the same values."""
    sha1 = hashlib.sha1
    digests = b"".join([sha1(s.encode("utf-8")).digest()[:4] for s in shingle_set])
    return np.frombuffer(digests, dtype="<u4").astype(np.uint32)


def _minhash_values(shingle_set: set[str]) -> np.ndarray:
    """The hash values of datasketch's affine32 `MinHash.update_batch` over the shingles.

    Its own arithmetic (the MurmurHash3 pre-mix, then a*x + b wrapping at 32 bits, then
    the minimum per permutation), applied to the hashes as one array: a MinHash object
    and the round trip of the hashes through a Python list cost a third of the signature.
    tests/test_dedupe.py checks the values against datasketch.
    """
    hv = _shingle_hashes(shingle_set)
    if not hv.size:  # update_batch ignores an empty batch: every value stays at the maximum
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    a, b = _permutations()
    return (_fmix(hv.reshape(-1, 1), 32) * a + b).min(axis=0)


@dataclass(frozen=True, slots=True)
class Signature:
    hashvalues: np.ndarray  # uint32[NUM_PERM] (datasketch's affine32 values; half the memory of uint64)
    shingle_count: int

    def to_bytes(self) -> bytes:
        return _SIG_MAGIC + struct.pack("<I", self.shingle_count) + self.hashvalues.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, shingle_count: int | None = None) -> "Signature":
        if data[:4] != _SIG_MAGIC or len(data) != 8 + 4 * NUM_PERM:
            raise ValueError("not a warta MinHash signature (wrong header or NUM_PERM)")
        (stored_count,) = struct.unpack("<I", data[4:8])
        values = np.frombuffer(data[8:], dtype="<u4").astype(np.uint32)
        return cls(values, stored_count if shingle_count is None else shingle_count)

    def minhash(self) -> MinHash:
        return MinHash(hashvalues=self.hashvalues, scheme=_SCHEME, permutations=_permutations())


def signature(body: str) -> Signature:
    return token_signature(tokens(body))


def token_signature(toks: list[str]) -> Signature:
    sh = token_shingles(toks)
    return Signature(_minhash_values(sh), len(sh))


def signature_bytes(body: str) -> bytes:
    """Serialised signature (header, shingle count, NUM_PERM uint32), for the store."""
    return signature(body).to_bytes()


def estimated_jaccard(a: Signature, b: Signature) -> float:
    return float(np.count_nonzero(a.hashvalues == b.hashvalues)) / NUM_PERM


def estimated_containment(a: Signature, b: Signature) -> float:
    """|A∩B| / min(|A|,|B|) from the MinHash Jaccard and the set sizes (see module doc)."""
    small = min(a.shingle_count, b.shingle_count)
    if small == 0:
        return 0.0
    j = estimated_jaccard(a, b)
    return min(1.0, j * (a.shingle_count + b.shingle_count) / ((1 + j) * small))


def containment(a: set[str], b: set[str]) -> float:
    """Exact containment of two shingle sets (for tests and callers holding both bodies)."""
    small = min(len(a), len(b))
    return len(a & b) / small if small else 0.0


@functools.lru_cache(maxsize=8)
def _band_shape(threshold: float) -> tuple[int, int]:
    """(bands, rows) exactly as MinHashLSH picks them for this threshold, NUM_PERM and LSH_WEIGHTS."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
    return lsh.b, lsh.r


class _BandTable:
    """MinHashLSH's candidate lookup in one dict: band key -> id, or list of ids once shared.

    A bucket holds a bare id until a second article lands in it: nearly every
    bucket has one member, and a list per bucket would triple the memory.
    """

    def __init__(self, threshold: float):
        self.bands, self.rows = _band_shape(threshold)
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

    def __init__(self, bands: int, rows: int, cache_kib: int = 8192) -> None:
        self.bands, self.rows = bands, rows
        self._db = scratch_database(cache_kib)
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
        self._db.close()


@dataclass
class ClusterDecision:
    cluster_id: str
    is_canonical: bool
    matched_id: str = ""  # the canonical member the article was confirmed against
    containment: float = 0.0
    demoted: list[str] = field(default_factory=list)  # ids that lost canonical status


@dataclass(slots=True)  # one per stored article: no per-instance dict
class _Member:
    article_id: str
    sig: Signature
    cluster_id: str
    published_at: datetime | None
    body: str | None = None  # only while the article is being placed: exact containment


_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


def _order_key(m: _Member) -> tuple[datetime, str]:
    """Earliest published is canonical; undated articles rank last; ties go to the smallest id."""
    p = m.published_at
    if p is not None and p.tzinfo is None:
        p = p.replace(tzinfo=timezone.utc)
    return (p or _FAR_FUTURE, m.article_id)


class NearDuplicateIndex:
    """In-memory LSH over the signatures of stored articles; rebuilt each run via add_existing."""

    def __init__(self, threshold: float = LSH_THRESHOLD, containment_threshold: float = CONTAINMENT_THRESHOLD,
                 text_of: Callable[[str], str | None] | None = None,
                 band_table: Literal["memory", "disk"] = "memory"):
        # Recall-weighted bands (32×4 at 0.5): a candidate costs one 128-value compare,
        # a missed copy costs a duplicate in the results. P(candidate) is 0.87 at J=0.5,
        # 0.997 at J=0.64 (a trimmed copy), 0.05 at J=0.2 (same topic, other story).
        self._lsh: _BandTable | DiskBandTable = (
            DiskBandTable(*_band_shape(threshold)) if band_table == "disk" else _BandTable(threshold))
        self._containment_threshold = containment_threshold
        # With the stored bodies at hand, candidates are confirmed by exact
        # containment: the estimate's ±0.05 error splits copies near the 0.8 cut.
        self._text_of = text_of
        self._members: dict[str, _Member] = {}
        self._clusters: dict[str, set[str]] = {}
        self._canonical: dict[str, str] = {}
        # Canonical flags restored from the store are kept as stored, not recomputed.
        self._stored_canonical: set[str] = set()

    def __len__(self) -> int:
        return len(self._members)

    def close(self) -> None:
        if isinstance(self._lsh, DiskBandTable):
            self._lsh.close()

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._members

    def cluster_of(self, article_id: str) -> str:
        return self._members[article_id].cluster_id

    def canonical_of(self, cluster_id: str) -> str:
        return self._canonical[cluster_id]

    def members(self, cluster_id: str) -> set[str]:
        return set(self._clusters.get(cluster_id, ()))

    # ------------------------------------------------------------------ adding

    def add(self, article_id: str, body: str, published_at: datetime | None) -> ClusterDecision:
        """Place a new (or re-crawled) article; the store applies `demoted` to other rows."""
        return self.add_signature(article_id, signature(body), published_at, body=body)

    def add_signature(self, article_id: str, sig: Signature, published_at: datetime | None,
                      body: str | None = None) -> ClusterDecision:
        if article_id in self._members:
            self.remove(article_id)  # a re-crawl may have changed the body
        member = _Member(article_id, sig, article_id, published_at, body)
        best = self._best_cluster(member) if sig.shingle_count >= MIN_SHINGLES else None
        if best is None:
            # A re-crawled founder whose body no longer matches must not fall back into
            # the cluster still named after it.
            own = article_id if article_id not in self._clusters else f"{article_id}#{len(self._members)}"
            member.cluster_id = own
            self._insert(member, own)
            return ClusterDecision(own, True)
        cluster_id, score = best
        previous = self._canonical[cluster_id]
        member.cluster_id = cluster_id
        self._insert(member, cluster_id)
        now_canonical = self._canonical[cluster_id]
        return ClusterDecision(
            cluster_id=cluster_id,
            is_canonical=now_canonical == article_id,
            matched_id=previous,
            containment=score,
            demoted=[previous] if now_canonical != previous else [],
        )

    def add_existing(
        self,
        article_id: str,
        signature_bytes: bytes,
        shingle_count: int,
        cluster_id: str,
        is_canonical: bool,
        published_at: datetime | None,
    ) -> None:
        """Restore a stored article as it was decided; no re-clustering.

        `is_canonical` is trusted when true; a cluster loaded without any
        canonical flag gets its earliest member as canonical.
        """
        sig = Signature.from_bytes(signature_bytes, shingle_count)
        member = _Member(article_id, sig, cluster_id or article_id, published_at)
        self._members[article_id] = member
        self._clusters.setdefault(member.cluster_id, set()).add(article_id)
        if sig.shingle_count >= MIN_SHINGLES:
            self._lsh.insert(article_id, sig)
        current = self._canonical.get(member.cluster_id)
        earlier = current is not None and _order_key(member) < _order_key(self._members[current])
        if is_canonical or current is None or (earlier and current not in self._stored_canonical):
            self._canonical[member.cluster_id] = article_id
        if is_canonical:
            self._stored_canonical.add(article_id)

    def remove(self, article_id: str) -> list[str]:
        """Drop an article; returns the id promoted to canonical in its place, if any."""
        member = self._members.pop(article_id, None)
        if member is None:
            return []
        self._stored_canonical.discard(article_id)
        if member.sig.shingle_count >= MIN_SHINGLES:  # exactly the members `_insert` put in the table
            self._lsh.remove(article_id, member.sig)
        cluster = self._clusters[member.cluster_id]
        cluster.discard(article_id)
        if not cluster:
            del self._clusters[member.cluster_id]
            self._canonical.pop(member.cluster_id, None)
            return []
        if self._canonical.get(member.cluster_id) == article_id:
            successor = min((self._members[i] for i in cluster), key=_order_key).article_id
            self._canonical[member.cluster_id] = successor
            return [successor]
        return []

    # ------------------------------------------------------------------ internals

    def _insert(self, member: _Member, cluster_id: str) -> None:
        member.body = None  # placed: keep memory to the signature
        self._members[member.article_id] = member
        self._clusters.setdefault(cluster_id, set()).add(member.article_id)
        if member.sig.shingle_count >= MIN_SHINGLES:
            self._lsh.insert(member.article_id, member.sig)
        current = self._canonical.get(cluster_id)
        if current is None or _order_key(member) < _order_key(self._members[current]):
            self._canonical[cluster_id] = member.article_id

    def _best_cluster(self, member: _Member) -> tuple[str, float] | None:
        candidates = self._lsh.query(member.sig)
        scores: dict[str, float] = {}
        for cid in {self._members[c].cluster_id for c in candidates if c in self._members}:
            score = self._confirm(member, cid)
            if score is not None:
                scores[cid] = score
        if not scores:
            return None
        # Highest containment wins; ties go to the cluster with the earliest canonical.
        cid = min(scores, key=lambda c: (-scores[c], _order_key(self._members[self._canonical[c]])))
        return cid, scores[cid]

    def _confirm(self, member: _Member, cluster_id: str) -> float | None:
        """Containment against the canonical and the founder; None unless both pass."""
        pivots = {self._canonical[cluster_id]}
        if cluster_id in self._members:
            pivots.add(cluster_id)
        scores = [self._containment(member, self._members[p]) for p in pivots]
        worst = min(scores)
        return worst if worst >= self._containment_threshold else None

    def _containment(self, member: _Member, pivot: _Member) -> float:
        other = self._text_of(pivot.article_id) if self._text_of and member.body is not None else None
        if other is None:
            return estimated_containment(member.sig, pivot.sig)
        return containment(shingles(member.body or ""), shingles(other))
