"""Near-duplicate clusters of syndicated press releases.

MinHashLSH at a permissive threshold finds candidates (`pipelines.near_storage`),
and a containment check confirms them (`pipelines.minhash`).

Clusters never chain: a new article joins a cluster only when it is confirmed
against that cluster's canonical member AND its founder (the article the
cluster is named after, cluster_id == founder id). Every member is thus
directly confirmed against the founder, so A~B, B~C with A≁C leaves C outside
A's cluster. The price: after an earlier-published article took over as
canonical, a later copy must match both, which favours precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Literal

from pipelines.minhash import Signature, containment, estimated_containment, shingles, signature
from pipelines.near_storage import (
    BandTable,
    DiskBandTable,
    DiskMembers,
    Member,
    Members,
    MemoryMembers,
    band_shape,
    order_key,
)
from warta.scratch import scratch_database

LSH_THRESHOLD = 0.5
CONTAINMENT_THRESHOLD = 0.8
# ~40 words: shorter bodies (photo posts, one-paragraph notices) share too much boilerplate wording.
MIN_SHINGLES = 38


@dataclass
class ClusterDecision:
    cluster_id: str
    is_canonical: bool
    matched_id: str = ""  # the canonical member the article was confirmed against
    containment: float = 0.0
    demoted: list[str] = field(default_factory=list)  # ids that lost canonical status


class NearDuplicateIndex:
    """LSH over the signatures of stored articles; rebuilt each run via add_existing.

    `storage="memory"` keeps everything in dicts (fast; ≈ 3.3 KB per article with the
    band table); `storage="disk"` keeps the band table and the members in one private
    temporary SQLite file, so a crawl's memory does not grow with the articles it adds.
    """

    def __init__(self, threshold: float = LSH_THRESHOLD, containment_threshold: float = CONTAINMENT_THRESHOLD,
                 text_of: Callable[[str], str | None] | None = None,
                 storage: Literal["memory", "disk"] = "memory"):
        # Recall-weighted bands (32×4 at 0.5): a candidate costs one 128-value compare,
        # a missed copy costs a duplicate in the results. P(candidate) is 0.87 at J=0.5,
        # 0.997 at J=0.64 (a trimmed copy), 0.05 at J=0.2 (same topic, other story).
        self._members: Members
        if storage == "disk":
            db = scratch_database(16384)
            self._lsh: BandTable | DiskBandTable = DiskBandTable(*band_shape(threshold), db=db)
            self._members = DiskMembers(db)
        else:
            self._lsh = BandTable(threshold)
            self._members = MemoryMembers()
        self._containment_threshold = containment_threshold
        # With the stored bodies at hand, candidates are confirmed by exact
        # containment: the estimate's ±0.05 error splits copies near the 0.8 cut.
        self._text_of = text_of

    def __len__(self) -> int:
        return len(self._members)

    def close(self) -> None:
        self._lsh.close()
        self._members.close()

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._members

    def _member(self, article_id: str) -> Member:
        member = self._members.get(article_id)
        if member is None:
            raise KeyError(article_id)
        return member

    def cluster_of(self, article_id: str) -> str:
        return self._member(article_id).cluster_id

    def canonical_of(self, cluster_id: str) -> str:
        canonical = self._members.canonical(cluster_id)
        if canonical is None:
            raise KeyError(cluster_id)
        return canonical

    def members(self, cluster_id: str) -> set[str]:
        return set(self._members.cluster(cluster_id))

    # ------------------------------------------------------------------ adding

    def add(self, article_id: str, body: str, published_at: datetime | None) -> ClusterDecision:
        """Place a new (or re-crawled) article; the store applies `demoted` to other rows."""
        return self.add_signature(article_id, signature(body), published_at, body=body)

    def add_signature(self, article_id: str, sig: Signature, published_at: datetime | None,
                      body: str | None = None) -> ClusterDecision:
        if article_id in self._members:
            self.remove(article_id)  # a re-crawl may have changed the body
        member = Member(article_id, sig, article_id, published_at, body)
        best = self._best_cluster(member) if sig.shingle_count >= MIN_SHINGLES else None
        if best is None:
            # A re-crawled founder whose body no longer matches must not fall back into
            # the cluster still named after it.
            own = article_id if not self._members.has_cluster(article_id) else f"{article_id}#{len(self._members)}"
            member.cluster_id = own
            self._insert(member, own)
            return ClusterDecision(own, True)
        cluster_id, score = best
        previous = self.canonical_of(cluster_id)
        member.cluster_id = cluster_id
        self._insert(member, cluster_id)
        now_canonical = self.canonical_of(cluster_id)
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
        member = Member(article_id, sig, cluster_id or article_id, published_at)
        self._members.put(member, stored_canonical=is_canonical)
        if sig.shingle_count >= MIN_SHINGLES:
            self._lsh.insert(article_id, sig)
        current = self._members.canonical(member.cluster_id)
        earlier = current is not None and order_key(member) < order_key(self._member(current))
        if is_canonical or current is None or (earlier and not self._members.is_stored_canonical(current)):
            self._members.set_canonical(member.cluster_id, article_id)

    def remove(self, article_id: str) -> list[str]:
        """Drop an article; returns the id promoted to canonical in its place, if any."""
        member = self._members.pop(article_id)
        if member is None:
            return []
        if member.sig.shingle_count >= MIN_SHINGLES:  # exactly the members `_insert` put in the table
            self._lsh.remove(article_id, member.sig)
        rest = self._members.cluster(member.cluster_id)
        if not rest:
            self._members.set_canonical(member.cluster_id, None)
            return []
        if self._members.canonical(member.cluster_id) == article_id:
            successor = min((self._member(i) for i in rest), key=order_key).article_id
            self._members.set_canonical(member.cluster_id, successor)
            return [successor]
        return []

    # ------------------------------------------------------------------ internals

    def _insert(self, member: Member, cluster_id: str) -> None:
        member.body = None  # placed: keep memory to the signature
        self._members.put(member)
        if member.sig.shingle_count >= MIN_SHINGLES:
            self._lsh.insert(member.article_id, member.sig)
        current = self._members.canonical(cluster_id)
        if current is None or order_key(member) < order_key(self._member(current)):
            self._members.set_canonical(cluster_id, member.article_id)

    def _best_cluster(self, member: Member) -> tuple[str, float] | None:
        found = (self._members.get(c) for c in self._lsh.query(member.sig))
        scores: dict[str, float] = {}
        for cid in {m.cluster_id for m in found if m is not None}:
            score = self._confirm(member, cid)
            if score is not None:
                scores[cid] = score
        if not scores:
            return None
        # Highest containment wins; ties go to the cluster with the earliest canonical.
        cid = min(scores, key=lambda c: (-scores[c], order_key(self._member(self.canonical_of(c)))))
        return cid, scores[cid]

    def _confirm(self, member: Member, cluster_id: str) -> float | None:
        """Containment against the canonical and the founder; None unless both pass."""
        pivots = {self.canonical_of(cluster_id)}
        if cluster_id in self._members:
            pivots.add(cluster_id)
        scores = [self._containment(member, self._member(p)) for p in pivots]
        worst = min(scores)
        return worst if worst >= self._containment_threshold else None

    def _containment(self, member: Member, pivot: Member) -> float:
        other = self._text_of(pivot.article_id) if self._text_of and member.body is not None else None
        if other is None:
            return estimated_containment(member.sig, pivot.sig)
        return containment(shingles(member.body or ""), shingles(other))
