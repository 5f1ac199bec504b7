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
(C ≈ 0.1–0.3). NUM_PERM = 128 costs 512 bytes per signature (plus LSH band
keys in memory: roughly 1 KB per article all told, ~100 MB for 100k
articles); 64 permutations would halve that but raise the error to ≈ 0.06,
too close to the cut for trimmed copies.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np
from datasketch import MinHash, MinHashLSH

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
    return hashlib.sha256(" ".join(tokens(body)).encode("utf-8")).hexdigest()


def shingles(body: str) -> set[str]:
    toks = tokens(body)
    return {" ".join(toks[i : i + SHINGLE_SIZE]) for i in range(len(toks) - SHINGLE_SIZE + 1)}


def _minhash(shingle_set: set[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, scheme=_SCHEME)
    m.update_batch(s.encode("utf-8") for s in sorted(shingle_set))
    return m


@dataclass(frozen=True)
class Signature:
    hashvalues: np.ndarray  # uint32[NUM_PERM]
    shingle_count: int

    def to_bytes(self) -> bytes:
        return _SIG_MAGIC + struct.pack("<I", self.shingle_count) + self.hashvalues.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, shingle_count: int | None = None) -> "Signature":
        if data[:4] != _SIG_MAGIC or len(data) != 8 + 4 * NUM_PERM:
            raise ValueError("not a warta MinHash signature (wrong header or NUM_PERM)")
        (stored_count,) = struct.unpack("<I", data[4:8])
        values = np.frombuffer(data[8:], dtype="<u4").astype(np.uint64)
        return cls(values, stored_count if shingle_count is None else shingle_count)

    def minhash(self) -> MinHash:
        return MinHash(hashvalues=self.hashvalues, scheme=_SCHEME)


def signature(body: str) -> Signature:
    sh = shingles(body)
    return Signature(_minhash(sh).hashvalues.copy(), len(sh))


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


@dataclass
class ClusterDecision:
    cluster_id: str
    is_canonical: bool
    matched_id: str = ""  # the canonical member the article was confirmed against
    containment: float = 0.0
    demoted: list[str] = field(default_factory=list)  # ids that lost canonical status


@dataclass
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
                 text_of: Callable[[str], str | None] | None = None):
        # Recall-weighted bands (32×4 at 0.5): a candidate costs one 128-value compare,
        # a missed copy costs a duplicate in the results. P(candidate) is 0.87 at J=0.5,
        # 0.997 at J=0.64 (a trimmed copy), 0.05 at J=0.2 (same topic, other story).
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
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
            self._lsh.insert(article_id, sig.minhash(), check_duplication=False)
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
        if article_id in self._lsh:
            self._lsh.remove(article_id)
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
            self._lsh.insert(member.article_id, member.sig.minhash(), check_duplication=False)
        current = self._canonical.get(cluster_id)
        if current is None or _order_key(member) < _order_key(self._members[current]):
            self._canonical[cluster_id] = member.article_id

    def _best_cluster(self, member: _Member) -> tuple[str, float] | None:
        candidates = self._lsh.query(member.sig.minhash())
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
