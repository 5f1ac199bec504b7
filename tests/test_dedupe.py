"""Near-duplicate clustering of syndicated press releases (pipelines.dedupe)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipelines.dedupe import (
    MIN_SHINGLES,
    NearDuplicateIndex,
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


def test_syndicated_copies_join_the_original_cluster():
    index = NearDuplicateIndex()
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


def test_different_stories_on_the_same_topic_never_merge():
    index = NearDuplicateIndex()
    index.add("sukamara", ORIGINAL, at(11))
    other = index.add("lamandau", OTHER_STORY, at(11))
    assert other.cluster_id == "lamandau" and other.is_canonical
    assert containment(shingles(ORIGINAL), shingles(OTHER_STORY)) < 0.2


def test_clusters_do_not_chain():
    a = "\n\n".join(SUKAMARA[:5])
    b = "\n\n".join(SUKAMARA)  # contains both a and c
    c = "\n\n".join(SUKAMARA[3:])
    assert containment(shingles(a), shingles(b)) >= 0.95
    assert containment(shingles(b), shingles(c)) >= 0.95
    assert containment(shingles(a), shingles(c)) < 0.8
    index = NearDuplicateIndex()
    assert index.add("a", a, at(10)).cluster_id == "a"
    assert index.add("b", b, at(11)).cluster_id == "a"
    decision_c = index.add("c", c, at(12))
    assert decision_c.cluster_id == "c"  # b~c alone must not pull c into a's cluster
    assert decision_c.is_canonical


def test_earlier_article_becomes_canonical_and_reports_demotion():
    index = NearDuplicateIndex()
    index.add("copy1", COPY_TRIMMED, at(12))
    decision = index.add("orig", ORIGINAL, at(11))
    assert decision.cluster_id == "copy1"
    assert decision.is_canonical
    assert decision.demoted == ["copy1"]
    assert index.canonical_of("copy1") == "orig"


def test_same_time_tie_goes_to_smallest_id_and_undated_ranks_last():
    index = NearDuplicateIndex()
    index.add("zz", ORIGINAL, None)
    tie = index.add("aa", COPY_TRIMMED, None)
    assert tie.is_canonical and tie.demoted == ["zz"]
    dated = index.add("mm", ORIGINAL, at(20))
    assert dated.is_canonical and dated.demoted == ["aa"]


def test_short_bodies_never_cluster():
    short = "Bupati membuka rapat koordinasi netralitas ASN di aula kantor bupati pada Senin pagi bersama camat dan lurah."
    assert len(shingles(short)) < MIN_SHINGLES
    index = NearDuplicateIndex()
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


def test_index_rebuilt_from_signatures_decides_like_the_live_one():
    live = NearDuplicateIndex()
    rows = []
    for aid, body, when in (("orig", ORIGINAL, at(11)), ("other", OTHER_STORY, at(11)), ("copy1", COPY_TRIMMED, at(12))):
        d = live.add(aid, body, when)
        rows.append((aid, signature_bytes(body), len(shingles(body)), d.cluster_id, d.is_canonical, when))
    rebuilt = NearDuplicateIndex()
    for row in rows:
        rebuilt.add_existing(*row)
    assert rebuilt.cluster_of("copy1") == "orig" and rebuilt.canonical_of("orig") == "orig"
    expected = live.add("copy2", COPY_REWORDED, at(13))
    got = rebuilt.add("copy2", COPY_REWORDED, at(13))
    assert (got.cluster_id, got.is_canonical, got.matched_id) == (expected.cluster_id, expected.is_canonical, expected.matched_id)
    assert got.cluster_id == "orig"


def test_readding_an_article_replaces_it_and_remove_promotes_successor():
    index = NearDuplicateIndex()
    index.add("orig", ORIGINAL, at(11))
    index.add("copy1", COPY_TRIMMED, at(12))
    index.add("copy1", COPY_TRIMMED, at(12))
    assert len(index) == 2 and index.members("orig") == {"orig", "copy1"}
    assert index.remove("orig") == ["copy1"]
    assert index.canonical_of("orig") == "copy1"


def test_recrawled_founder_with_a_new_body_leaves_its_old_cluster():
    index = NearDuplicateIndex()
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

    from pipelines.dedupe import LSH_THRESHOLD, LSH_WEIGHTS, NUM_PERM, DiskBandTable, _band_shape, _BandTable

    table = _BandTable(LSH_THRESHOLD) if kind == "memory" else DiskBandTable(*_band_shape(LSH_THRESHOLD))
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
