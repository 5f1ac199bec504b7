"""MinHash signatures of article bodies, and containment estimated from them.

A regency press release is re-published by several outlets, each trimming
a paragraph, adding its own dateline and credit. Such a copy has a Jaccard
similarity of only 0.64–0.75 with the original but a containment
(|A∩B| / min(|A|,|B|)) near 0.97, so near-duplicates are confirmed by containment.

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
"""

from __future__ import annotations

import functools
import hashlib
import struct
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix  # the pre-mix update_batch applies (see _minhash_values)

from warta.textnorm import tokens

NUM_PERM = 128
SHINGLE_SIZE = 3
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
