"""The hand-labelled evaluation set (tests/eval/labelled.yaml) and warta.evaluation's metric maths."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from warta import evaluation
from warta.errors import ConfigError
from warta.evaluation import (
    ELECTION_TYPES,
    TARGETS,
    TOPICS,
    LabelledArticle,
    Metrics,
    Target,
    failed_targets,
    load,
    pairwise,
)

LABELLED = Path(__file__).parent / "eval" / "labelled.yaml"


@pytest.fixture(scope="module")
def articles() -> list[LabelledArticle]:
    return load(LABELLED)


# ------------------------------------------------------------------------------------------ the set


def test_set_is_valid_and_large_enough(articles):
    assert len(articles) >= 90
    assert len({a.id for a in articles}) == len(articles)


def test_articles_are_press_length_with_dateline_in_the_lead(articles):
    for a in articles:
        words = len(a.body.split())
        assert 80 <= words <= 300, f"{a.id}: {words} words"
        lead = a.body.split("\n\n")[0]
        if a.dateline:
            assert a.dateline.casefold() in lead.casefold(), f"{a.id}: dateline {a.dateline!r} not in the lead"


def test_labels_use_canonical_gazetteer_names_and_roll_up(articles):
    gazetteer = pytest.importorskip("warta.gazetteer").load_gazetteer()
    for a in articles:
        for k in a.kabkotas:
            place = gazetteer.kabkota(k)
            assert place.name == k, f"{a.id}: {k!r} is not canonical ({place.name!r})"
            assert place.province in a.provinces, f"{a.id}: {k} rolls up to {place.province}, not labelled"


def test_coverage(articles):
    provinces = {p for a in articles for p in a.provinces}
    kabkotas = {k for a in articles for k in a.kabkotas}
    assert len(provinces) >= 30
    assert {"Papua Selatan", "Papua Tengah", "Papua Pegunungan", "Papua Barat Daya"} <= provinces  # 2022 provinces
    assert len(kabkotas) >= 60
    kalimantan = [a for a in articles if any(p.startswith("Kalimantan") for p in a.provinces)]
    assert len(kalimantan) >= len(articles) // 3

    # Same name, two kinds: both kinds must be present as labels somewhere.
    for name in ("Bogor", "Malang", "Kupang", "Bima", "Solok", "Tegal"):
        kinds = {k for k in kabkotas if k.endswith(" " + name)}
        assert kinds == {f"Kabupaten {name}", f"Kota {name}"}, name
    assert "Kabupaten Kapuas" in kabkotas and "Kabupaten Kapuas Hulu" in kabkotas

    assert sum(len(a.kabkotas) >= 2 for a in articles) >= 3  # several regions in one story
    assert sum(len(a.provinces) >= 2 for a in articles) >= 1
    national = [a for a in articles if not a.provinces]
    assert len(national) >= 3
    assert any(a.dateline == "Jakarta" for a in national)
    # Source's home region differs from what the story is about.
    elsewhere = [a for a in articles if a.home and a.home.kabkota and a.home.kabkota not in a.kabkotas]
    assert len(elsewhere) >= 5
    assert any(a.home and a.home.province not in a.provinces and a.provinces for a in articles)


def test_label_vocabulary_coverage(articles):
    assert sum(not a.election_related for a in articles) >= 15
    types = Counter(t for a in articles for t in a.election_types)
    assert set(types) == set(ELECTION_TYPES)
    topics = Counter(t for a in articles for t in a.topics)
    for t in TOPICS:
        assert topics[t] >= 3, f"topic {t} labelled {topics[t]} times"


def test_syndicated_groups_and_same_topic_contrasts(articles):
    clusters: dict[str, list[LabelledArticle]] = defaultdict(list)
    for a in articles:
        clusters[a.cluster].append(a)
    groups = [m for m in clusters.values() if len(m) > 1]
    assert len(groups) >= 5
    assert all(2 <= len(m) <= 3 for m in groups)
    for members in groups:
        assert len({a.body for a in members}) == len(members), "copies must be edited, not identical"
        first = members[0]
        for a in members[1:]:  # a copy carries the same labels
            assert (a.kabkotas, a.provinces, a.topics, a.election_types) == (
                first.kabkotas, first.provinces, first.topics, first.election_types)

    contrasts: dict[str, list[LabelledArticle]] = defaultdict(list)
    for a in articles:
        if a.contrast:
            contrasts[a.contrast].append(a)
    real = [m for m in contrasts.values()
            if len({a.cluster for a in m}) >= 2 and len({a.primary_kabkota for a in m}) >= 2]
    assert len(real) >= 3
    for m in real:  # a contrast group is about one topic
        assert set.intersection(*(set(a.topics) for a in m)), [a.id for a in m]


# ------------------------------------------------------------------------------------------ validation


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(body, encoding="utf-8")
    return p


GOOD = """\
articles:
  - id: a1
    cluster: a1
    title: "Judul"
    dateline: "Sampit"
    home: {province: "Kalimantan Tengah", kabkota: ""}
    kabkotas: ["Kabupaten Kotawaringin Timur"]
    primary_kabkota: "Kabupaten Kotawaringin Timur"
    provinces: ["Kalimantan Tengah"]
    election_related: true
    election_types: ["pilkada-bupati"]
    topics: [TOPIC]
    body: "SAMPIT - isi berita."
"""


def test_good_minimal_file_loads(tmp_path):
    (a,) = load(_write(tmp_path, GOOD.replace("TOPIC", '"logistik"')))
    assert a.topics == ["logistik"] and a.institutions is None


@pytest.mark.parametrize(
    "text, expected",
    [
        (GOOD.replace("TOPIC", '"logistic"'), ["'a1'", "topics"]),
        (GOOD.replace("TOPIC", '"logistik"').replace('"pilkada-bupati"', '"pilbup"'), ["'a1'", "election_types"]),
        (GOOD.replace("TOPIC", '"logistik"').replace('["Kabupaten Kotawaringin Timur"]', '["Kotim"]'),
         ["'a1'", "kabkotas"]),
        (GOOD.replace("TOPIC", '"logistik"').replace('["Kalimantan Tengah"]', '["Kalteng"]'), ["'a1'", "provinces"]),
        (GOOD.replace("TOPIC", '"logistik"').replace("    cluster: a1\n", ""), ["'a1'", "cluster"]),
        (GOOD.replace("TOPIC", '"logistik"').replace("true", "false"), ["'a1'", "not election-related"]),
        (GOOD.replace("TOPIC", '"logistik"').replace('primary_kabkota: "Kabupaten Kotawaringin Timur"',
                                                     'primary_kabkota: "Kota Palangka Raya"'), ["'a1'", "primary"]),
        (GOOD.replace("TOPIC", '"logistik"').replace('province: "Kalimantan Tengah"', 'province: "Borneo"'),
         ["'a1'", "home"]),
        (GOOD.replace("TOPIC", '"logistik"') + GOOD.replace("TOPIC", '"logistik"').replace("articles:\n", ""),
         ["'a1'", "duplicate"]),
        ("articles: [\n", ["invalid YAML"]),
    ],
)
def test_malformed_file_gives_one_line_error_naming_file_article_and_field(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load(path)
    msg = str(exc.value)
    assert "\n" not in msg
    assert str(path) in msg
    for part in expected:
        assert part in msg, msg


def test_cli_exits_2_on_a_malformed_file(tmp_path, capsys):
    path = _write(tmp_path, GOOD.replace("TOPIC", '"nope"'))
    assert evaluation.main(["--file", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'a1'" in err


# ------------------------------------------------------------------------------------------ metric maths


def test_set_metrics_are_micro_averaged():
    m = Metrics()
    m.add_sets({"a", "b"}, {"a"})  # tp 1, fp 1
    m.add_sets(set(), {"c", "d"})  # fn 2
    m.add_sets({"e"}, {"e"})  # tp 1, exact
    assert (m.tp, m.fp, m.fn) == (2, 1, 2)
    assert m.precision == pytest.approx(2 / 3)
    assert m.recall == pytest.approx(2 / 4)
    assert m.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert m.accuracy == pytest.approx(1 / 3)


def test_empty_metrics_do_not_divide_by_zero():
    m = Metrics()
    assert (m.precision, m.recall, m.accuracy) == (1.0, 1.0, 1.0)
    m.add_sets(set(), set())
    assert m.f1 == 1.0 and m.accuracy == 1.0


def test_boolean_metrics_count_accuracy_and_positive_class():
    m = Metrics()
    for pred, gold in [(True, True), (True, False), (False, True), (False, False)]:
        m.add_bool(pred, gold)
    assert (m.tp, m.fp, m.fn, m.correct, m.total) == (1, 1, 1, 2, 4)
    assert m.accuracy == 0.5 and m.precision == 0.5 and m.recall == 0.5


def test_pairwise_clustering_scores_and_false_merges():
    gold = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "c1": "C"}
    # a3 split off; b1 and c1 wrongly merged with each other.
    pred = {"a1": "x", "a2": "x", "a3": "y", "b1": "z", "c1": "z"}
    m = pairwise(pred, gold)
    assert (m.tp, m.fp, m.fn) == (1, 1, 2)  # (a1,a2) | (b1,c1) | (a1,a3), (a2,a3)
    assert m.false_merges == 1
    assert m.total == 10
    perfect = pairwise(gold, gold)
    assert (perfect.precision, perfect.recall, perfect.false_merges) == (1.0, 1.0, 0)
    # All singletons: no pair predicted, no pair to find -> nothing wrong.
    singles = {"a": "a", "b": "b"}
    assert pairwise(singles, singles).f1 == 1.0


def test_false_merges_count_distinct_label_cluster_pairs():
    gold = {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}
    pred = {k: "one" for k in gold}  # 4 cross pairs, but only one pair of clusters merged
    assert pairwise(pred, gold).false_merges == 1


def test_targets_compare_in_the_right_direction():
    m = Metrics(tp=95, fp=5, fn=10)
    assert Target("x", "precision", 0.95).passed(m)
    assert not Target("x", "recall", 0.95).passed(m)
    assert Target("c", "false_merges", 0).passed(Metrics())
    assert not Target("c", "false_merges", 0).passed(Metrics(false_merges=1))


def test_cli_exit_code_follows_targets(monkeypatch, capsys):
    perfect = {f: Metrics(tp=1, correct=1, total=1) for f in evaluation.FIELDS}
    monkeypatch.setattr(evaluation, "evaluate", lambda path, details=None: perfect)
    assert evaluation.main([]) == 0
    assert "PASS" in capsys.readouterr().out
    bad = dict(perfect, topics=Metrics(tp=1, fp=9, correct=0, total=1))
    monkeypatch.setattr(evaluation, "evaluate", lambda path, details=None: bad)
    assert evaluation.main(["--json"]) == 1
    assert '"passed": false' in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ quality gate


def test_targets_are_met():
    """Pins enrichment and clustering quality: fails until the taggers reach every target."""
    metrics = evaluation.evaluate(LABELLED)
    failed = failed_targets(metrics)
    report = "; ".join(f"{t.field} {t.describe()} (got {t.value(metrics[t.field]):.3f})" for t in failed)
    assert not failed, report
    assert {t.field for t in TARGETS} <= set(metrics)
