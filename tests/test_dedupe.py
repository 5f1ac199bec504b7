"""Near-duplicate clustering of syndicated press releases (pipelines.dedupe)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipelines.dedupe import MIN_SHINGLES, NearDuplicateIndex
from pipelines.minhash import (
    Signature,
    containment,
    content_hash,
    estimated_containment,
    shingles,
    signature,
    signature_bytes,
)

TEXTS = Path(__file__).parent / "fixtures" / "texts"
WIB = timezone(timedelta(hours=7))


@pytest.fixture(params=["memory", "disk"])
def new_index(request):
    """Both storages of NearDuplicateIndex must decide identically."""
    made = []

    def make(**kwargs):
        made.append(NearDuplicateIndex(storage=request.param, **kwargs))
        return made[-1]

    yield make
    for index in made:
        index.close()


def _paras(name: str) -> list[str]:
    return [p for p in (TEXTS / name).read_text(encoding="utf-8").split("\n\n") if p.strip()]


SUKAMARA = _paras("rakor_sukamara.txt")
LAMANDAU = _paras("rakor_lamandau.txt")
ORIGINAL = "\n\n".join(SUKAMARA)
# An outlet's copy: own dateline instead of the media centre's, last two paragraphs trimmed, own credit.
COPY_TRIMMED = "\n\n".join(
    [SUKAMARA[0].replace("MMC Sukamara –", "SUKAMARA, kabarsukamara.id –"), *SUKAMARA[1:6], "(Rina/kabarsukamara.id)"]
)
# Another copy: a different intro sentence, one middle paragraph dropped, an editor line.
COPY_REWORDED = "\n\n".join(
    [
        "Sukamara (Humas) – Rapat koordinasi netralitas pegawai kembali digelar pemerintah kabupaten menjelang pemungutan suara.",
        *SUKAMARA[1:3],
        *SUKAMARA[4:],
        "Editor: Yusuf",
    ]
)
OTHER_STORY = "\n\n".join(LAMANDAU)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2024, 11, day, hour, tzinfo=WIB)


def test_content_hash_ignores_case_spacing_and_punctuation():
    assert content_hash("Rapat  Koordinasi,\n\nNetralitas ASN.") == content_hash("rapat koordinasi netralitas asn")
    assert content_hash("rapat koordinasi netralitas asn") != content_hash("rapat koordinasi netralitas pns")
    assert len(content_hash("x")) == 64


def test_trimmed_copy_has_low_jaccard_but_high_containment():
    a, b = shingles(ORIGINAL), shingles(COPY_TRIMMED)
    jaccard = len(a & b) / len(a | b)
    assert jaccard < 0.8  # a plain Jaccard cut at 0.8 would miss it
    assert containment(a, b) >= 0.95


def test_estimated_containment_tracks_exact_containment():
    for body in (COPY_TRIMMED, COPY_REWORDED, OTHER_STORY):
        exact = containment(shingles(ORIGINAL), shingles(body))
        estimate = estimated_containment(signature(ORIGINAL), signature(body))
        assert abs(exact - estimate) < 0.1, (exact, estimate)


def test_syndicated_copies_join_the_original_cluster(new_index):
    index = new_index()
    first = index.add("orig", ORIGINAL, at(11))
    assert first.cluster_id == "orig" and first.is_canonical and first.matched_id == ""
    trimmed = index.add("copy1", COPY_TRIMMED, at(12))
    reworded = index.add("copy2", COPY_REWORDED, at(13))
    for decision in (trimmed, reworded):
        assert decision.cluster_id == "orig"
        assert not decision.is_canonical
        assert decision.matched_id == "orig"
        assert decision.containment >= 0.8
        assert decision.demoted == []
    assert index.members("orig") == {"orig", "copy1", "copy2"}


def test_different_stories_on_the_same_topic_never_merge(new_index):
    index = new_index()
    index.add("sukamara", ORIGINAL, at(11))
    other = index.add("lamandau", OTHER_STORY, at(11))
    assert other.cluster_id == "lamandau" and other.is_canonical
    assert containment(shingles(ORIGINAL), shingles(OTHER_STORY)) < 0.2


def test_clusters_do_not_chain(new_index):
    a = "\n\n".join(SUKAMARA[:5])
    b = "\n\n".join(SUKAMARA)  # contains both a and c
    c = "\n\n".join(SUKAMARA[3:])
    assert containment(shingles(a), shingles(b)) >= 0.95
    assert containment(shingles(b), shingles(c)) >= 0.95
    assert containment(shingles(a), shingles(c)) < 0.8
    index = new_index()
    assert index.add("a", a, at(10)).cluster_id == "a"
    assert index.add("b", b, at(11)).cluster_id == "a"
    decision_c = index.add("c", c, at(12))
    assert decision_c.cluster_id == "c"  # b~c alone must not pull c into a's cluster
    assert decision_c.is_canonical


def test_earlier_article_becomes_canonical_and_reports_demotion(new_index):
    index = new_index()
    index.add("copy1", COPY_TRIMMED, at(12))
    decision = index.add("orig", ORIGINAL, at(11))
    assert decision.cluster_id == "copy1"
    assert decision.is_canonical
    assert decision.demoted == ["copy1"]
    assert index.canonical_of("copy1") == "orig"


def test_same_time_tie_goes_to_smallest_id_and_undated_ranks_last(new_index):
    index = new_index()
    index.add("zz", ORIGINAL, None)
    tie = index.add("aa", COPY_TRIMMED, None)
    assert tie.is_canonical and tie.demoted == ["zz"]
    dated = index.add("mm", ORIGINAL, at(20))
    assert dated.is_canonical and dated.demoted == ["aa"]


def test_short_bodies_never_cluster(new_index):
    short = "Bupati membuka rapat koordinasi netralitas ASN di aula kantor bupati pada Senin pagi bersama camat dan lurah."
    assert len(shingles(short)) < MIN_SHINGLES
    index = new_index()
    index.add("s1", short, at(11))
    second = index.add("s2", short, at(12))
    assert second.cluster_id == "s2" and second.is_canonical


def test_signature_round_trip():
    sig = signature(ORIGINAL)
    data = signature_bytes(ORIGINAL)
    back = Signature.from_bytes(data)
    assert back.shingle_count == sig.shingle_count == len(shingles(ORIGINAL))
    assert (back.hashvalues == sig.hashvalues).all()
    with pytest.raises(ValueError):
        Signature.from_bytes(b"garbage")


def test_index_rebuilt_from_signatures_decides_like_the_live_one(new_index):
    live = new_index()
    rows = []
    for aid, body, when in (("orig", ORIGINAL, at(11)), ("other", OTHER_STORY, at(11)), ("copy1", COPY_TRIMMED, at(12))):
        d = live.add(aid, body, when)
        rows.append((aid, signature_bytes(body), len(shingles(body)), d.cluster_id, d.is_canonical, when))
    rebuilt = new_index()
    for row in rows:
        rebuilt.add_existing(*row)
    assert rebuilt.cluster_of("copy1") == "orig" and rebuilt.canonical_of("orig") == "orig"
    expected = live.add("copy2", COPY_REWORDED, at(13))
    got = rebuilt.add("copy2", COPY_REWORDED, at(13))
    assert (got.cluster_id, got.is_canonical, got.matched_id) == (expected.cluster_id, expected.is_canonical, expected.matched_id)
    assert got.cluster_id == "orig"


def test_readding_an_article_replaces_it_and_remove_promotes_successor(new_index):
    index = new_index()
    index.add("orig", ORIGINAL, at(11))
    index.add("copy1", COPY_TRIMMED, at(12))
    index.add("copy1", COPY_TRIMMED, at(12))
    assert len(index) == 2 and index.members("orig") == {"orig", "copy1"}
    assert index.remove("orig") == ["copy1"]
    assert index.canonical_of("orig") == "copy1"


def test_recrawled_founder_with_a_new_body_leaves_its_old_cluster(new_index):
    index = new_index()
    index.add("orig", ORIGINAL, at(11))
    index.add("copy1", COPY_TRIMMED, at(12))
    again = index.add("orig", OTHER_STORY, at(11))
    assert again.cluster_id != "orig" and again.is_canonical
    assert index.members("orig") == {"copy1"} and index.canonical_of("orig") == "copy1"


def _variants() -> dict[str, str]:
    """Originals, copies and other stories, plus single-paragraph cuts: many partial band overlaps."""
    bodies = {"orig": ORIGINAL, "trim": COPY_TRIMMED, "reword": COPY_REWORDED, "other": OTHER_STORY}
    for i, para in enumerate(SUKAMARA + LAMANDAU):
        bodies[f"p{i}"] = para
        bodies[f"drop{i}"] = "\n\n".join(p for p in SUKAMARA + LAMANDAU if p != para)
    return bodies


@pytest.mark.parametrize("kind", ["memory", "disk"])
def test_band_table_returns_exactly_minhashlsh_candidates(kind):
    from datasketch import MinHashLSH

    from pipelines.dedupe import LSH_THRESHOLD
    from pipelines.minhash import NUM_PERM
    from pipelines.near_storage import LSH_WEIGHTS, BandTable, DiskBandTable, band_shape

    table = BandTable(LSH_THRESHOLD) if kind == "memory" else DiskBandTable(*band_shape(LSH_THRESHOLD))
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
    assert (table.bands, table.rows) == (lsh.b, lsh.r)
    sigs = {k: signature(v) for k, v in _variants().items()}
    for k, s in sigs.items():
        table.insert(k, s)
        lsh.insert(k, s.minhash())
    for s in sigs.values():
        assert table.query(s) == set(lsh.query(s.minhash()))
    for k in list(sigs)[::2]:
        table.remove(k, sigs[k])
        lsh.remove(k)
    for s in sigs.values():
        assert table.query(s) == set(lsh.query(s.minhash()))


def test_signature_is_datasketch_minhash_of_the_shingles():
    from datasketch import MinHash

    for body in (ORIGINAL, COPY_REWORDED, "Café à Palangka Raya, “pemilu” damai dan jujur sekali lagi."):
        m = MinHash(num_perm=128, scheme="affine32")
        m.update_batch(s.encode("utf-8") for s in shingles(body))
        assert (signature(body).hashvalues == m.hashvalues).all()


def test_disk_storage_decides_exactly_like_memory():
    bodies = _variants()
    indexes = [NearDuplicateIndex(storage="memory"), NearDuplicateIndex(storage="disk")]
    try:
        for i, (aid, body) in enumerate(bodies.items()):
            when = at(11 + i % 3, 8 + i % 5) if i % 4 else None
            got = [index.add(aid, body, when) for index in indexes]
            assert got[0] == got[1], aid
        for aid in list(bodies)[::3]:
            assert indexes[0].remove(aid) == indexes[1].remove(aid)
        clusters = {indexes[0].cluster_of(a) for a in bodies if a in indexes[0]}
        assert len(clusters) > 3 and any(len(indexes[0].members(c)) > 1 for c in clusters)
        for c in clusters:
            assert indexes[0].members(c) == indexes[1].members(c)
            assert indexes[0].canonical_of(c) == indexes[1].canonical_of(c)
    finally:
        for index in indexes:
            index.close()


def test_disk_storage_keeps_no_python_objects_per_article():
    import tracemalloc

    import numpy as np

    from pipelines.minhash import NUM_PERM

    rng = np.random.default_rng(7)

    def python_heap_growth(storage: str) -> int:
        index = NearDuplicateIndex(storage=storage)
        sigs = [Signature(rng.integers(0, 2**32, NUM_PERM, dtype=np.uint32), 200) for _ in range(3000)]
        for i, sig in enumerate(sigs[:500]):
            index.add_signature(f"a{i}", sig, at(11))
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i, sig in enumerate(sigs[500:], start=500):
            index.add_signature(f"a{i}", sig, at(11))
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        index.close()
        return grown

    # 2,500 articles: in dicts ≈ 1 KB+ each; on disk only SQLite's page cache (outside the Python heap) grows.
    assert python_heap_growth("memory") > 2500 * 1000
    assert python_heap_growth("disk") < 100_000
