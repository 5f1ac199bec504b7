"""Enrichment and clustering quality against the hand-labelled set (tests/eval/labelled.yaml).

    python -m warta.evaluation [--file tests/eval/labelled.yaml] [--json]

Runs `pipelines.enrich.enrich` on every labelled article and scores each field:

* set-valued fields (kabkotas, provinces, election_types, topics, institutions,
  people) by micro-averaged precision/recall/F1 over all labels of all
  articles — institutions and people only over the articles that label them,
  people matched by name;
* primary_kabkota by accuracy ("" = no kabupaten/kota: a province-level or
  national story);
* election_related by accuracy and by P/R/F1 of the positive class;
* syndicated-copy clustering by pairwise P/R/F1: every pair of articles put in
  one cluster by `NearDuplicateIndex` (fed the bodies in publication order,
  with exact containment as the crawl does) against every pair sharing a
  label cluster; a *false merge* is a pair of different label clusters that
  share a predicted cluster.

Exit code 0 when every target passes, 1 when one fails, 2 when the labelled
file is missing or malformed (one line naming the file, article and field).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.classify import ELECTION_TYPES
from warta.yamlfile import load_yaml
from warta.errors import ConfigError, WartaError
from warta.regions import PROVINCES

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "tests" / "eval" / "labelled.yaml"

TOPICS = (
    "netralitas", "pelanggaran-penanganan", "politik-uang", "logistik", "dpt-data-pemilih", "kampanye", "debat",
    "pengamanan", "partisipasi-pemilih", "pemungutan-penghitungan", "rekapitulasi", "sengketa-mk", "hoaks",
)


# ---------------------------------------------------------------------------------------------- schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Home(_Strict):
    """The source's home region; checked (and its names made canonical) by `warta.sources.Region`."""

    province: str
    kabkota: str = ""

    @model_validator(mode="after")
    def _known(self) -> "Home":
        from warta.sources import Region

        try:
            Region(province=self.province, kabkota=self.kabkota)
        except ValidationError as e:
            raise ValueError(e.errors()[0].get("msg", "invalid region").replace("Value error, ", "")) from None
        return self

    def region(self):
        from warta.sources import Region

        return Region(province=self.province, kabkota=self.kabkota)


class PersonLabel(_Strict):
    name: str = Field(min_length=1)
    role: str = ""


def _no_dupes(values: list[str], what: str) -> list[str]:
    seen = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{what} {v!r} listed twice")
        seen.add(v)
    return values


class LabelledArticle(_Strict):
    id: str = Field(min_length=1)
    cluster: str = Field(min_length=1)
    contrast: str = ""
    title: str = Field(min_length=1)
    body: str = Field(min_length=1)
    dateline: str
    home: Home | None
    published: datetime | None = None
    kabkotas: list[str]
    primary_kabkota: str
    provinces: list[str]
    election_related: bool
    election_types: list[Literal[ELECTION_TYPES]]  # type: ignore[valid-type]
    topics: list[Literal[TOPICS]]  # type: ignore[valid-type]
    institutions: list[str] | None = None
    people: list[PersonLabel] | None = None

    @field_validator("kabkotas")
    @classmethod
    def _kabkota_names(cls, v: list[str]) -> list[str]:
        for k in v:
            if not (k.startswith("Kabupaten ") or k.startswith("Kota ")) or k != k.strip():
                raise ValueError(f"kabkota {k!r} must be written 'Kabupaten X' or 'Kota X'")
        return _no_dupes(v, "kabkota")

    @field_validator("provinces")
    @classmethod
    def _province_names(cls, v: list[str]) -> list[str]:
        for p in v:
            if p not in PROVINCES:
                raise ValueError(f"unknown province {p!r}")
        return _no_dupes(v, "province")

    @field_validator("election_types", "topics")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return _no_dupes(v, "value")

    @model_validator(mode="after")
    def _consistent(self) -> "LabelledArticle":
        if self.primary_kabkota and self.primary_kabkota not in self.kabkotas:
            raise ValueError(f"primary_kabkota {self.primary_kabkota!r} is not in kabkotas")
        if self.kabkotas and not self.primary_kabkota:
            raise ValueError("primary_kabkota is empty but kabkotas are labelled")
        if self.kabkotas and not self.provinces:
            raise ValueError("kabkotas are labelled but provinces is empty (roll-up missing)")
        if not self.election_related and (self.election_types or self.topics):
            raise ValueError("election_types/topics labelled on an article that is not election-related")
        return self


class LabelledSet(_Strict):
    articles: list[LabelledArticle] = Field(min_length=1)


def _loc(err: dict, raw: object) -> str:
    """'article 'x' field 'y'' from a pydantic error location."""
    loc = list(err.get("loc", ()))
    where = ""
    if len(loc) >= 2 and loc[0] == "articles" and isinstance(loc[1], int):
        idx = loc[1]
        art = raw.get("articles", [])[idx] if isinstance(raw, dict) else None
        aid = art.get("id") if isinstance(art, dict) else None
        where = f"article {aid!r}" if aid else f"article #{idx + 1}"
        loc = loc[2:]
    field = ".".join(str(p) for p in loc if not str(p).startswith(("literal[", "function-")))
    parts = [p for p in (where, f"field {field!r}" if field else "") if p]
    return " ".join(parts)


def load(path: str | Path = DEFAULT_FILE) -> list[LabelledArticle]:
    """Parse and validate the labelled set; ConfigError (one line) when it is malformed."""
    path = Path(path)
    raw = load_yaml(path)
    try:
        data = LabelledSet.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        msg = err.get("msg", "invalid").replace("Value error, ", "").replace("\n", " ")
        if err.get("type") == "literal_error":
            msg = f"{err.get('input')!r} is not one of {err.get('ctx', {}).get('expected', '')}"
        where = _loc(err, raw)
        raise ConfigError(f"{path}: {where + ': ' if where else ''}{msg}") from None
    seen: set[str] = set()
    for a in data.articles:
        if a.id in seen:
            raise ConfigError(f"{path}: article {a.id!r} field 'id': duplicate id")
        seen.add(a.id)
    return list(data.articles)


# ---------------------------------------------------------------------------------------------- metrics


@dataclass
class Metrics:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    correct: int = 0  # accuracy numerator (per article)
    total: int = 0  # articles scored
    false_merges: int = 0  # clustering only: pairs of distinct label clusters merged

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0

    def add_sets(self, predicted: Iterable[str], gold: Iterable[str]) -> None:
        p, g = set(predicted), set(gold)
        self.tp += len(p & g)
        self.fp += len(p - g)
        self.fn += len(g - p)
        self.correct += p == g
        self.total += 1

    def add_value(self, predicted: object, gold: object) -> None:
        self.correct += predicted == gold
        self.total += 1

    def add_bool(self, predicted: bool, gold: bool) -> None:
        self.add_value(predicted, gold)
        self.tp += predicted and gold
        self.fp += predicted and not gold
        self.fn += gold and not predicted

    def as_dict(self) -> dict:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1,
                "accuracy": self.accuracy}


def pairwise(predicted: dict[str, str], gold: dict[str, str]) -> Metrics:
    """Pairwise clustering scores: predicted/gold map article id -> cluster key."""
    m = Metrics()
    ids = sorted(gold)
    merged: set[frozenset[str]] = set()
    for a, b in combinations(ids, 2):
        same_p = predicted[a] == predicted[b]
        same_g = gold[a] == gold[b]
        m.tp += same_p and same_g
        m.fp += same_p and not same_g
        m.fn += same_g and not same_p
        m.correct += same_p == same_g
        m.total += 1
        if same_p and not same_g:
            merged.add(frozenset((gold[a], gold[b])))
    m.false_merges = len(merged)
    return m


def _norm(s: str) -> str:
    return " ".join(s.casefold().split())


# ---------------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    field: str
    stat: str  # precision | recall | f1 | accuracy | false_merges
    threshold: float

    def value(self, m: Metrics) -> float:
        return float(getattr(m, self.stat))

    def passed(self, m: Metrics) -> bool:
        v = self.value(m)
        return v <= self.threshold if self.stat == "false_merges" else v >= self.threshold - 1e-12

    def describe(self) -> str:
        op = "≤" if self.stat == "false_merges" else "≥"
        num = f"{self.threshold:g}" if self.stat == "false_merges" else f"{self.threshold:.2f}"
        short = {"precision": "P", "recall": "R", "f1": "F1", "accuracy": "acc", "false_merges": "false merges"}
        return f"{short[self.stat]} {op} {num}"


TARGETS = (
    Target("kabkotas", "precision", 0.95),
    Target("kabkotas", "recall", 0.90),
    Target("provinces", "precision", 0.97),
    Target("provinces", "recall", 0.95),
    Target("election_related", "accuracy", 0.95),
    Target("topics", "f1", 0.85),
    Target("clustering", "f1", 0.95),
    Target("clustering", "false_merges", 0),
)

FIELDS = ("kabkotas", "primary_kabkota", "provinces", "election_related", "election_types", "topics",
          "institutions", "people", "clustering")


# ---------------------------------------------------------------------------------------------- evaluation


def _enrich_fn():
    try:
        from pipelines.enrich import enrich
    except ImportError as e:
        raise WartaError(f"cannot import pipelines.enrich ({e}); enrichment modules are not available") from None
    return enrich


def _region(home: Home | None):
    return home.region() if home else None


def cluster_labels(articles: list[LabelledArticle]) -> dict[str, str]:
    """article id -> predicted cluster id from NearDuplicateIndex, fed in publication order."""
    from pipelines.dedupe import NearDuplicateIndex

    bodies = {a.id: a.body for a in articles}
    index = NearDuplicateIndex(text_of=bodies.get)
    order = sorted(articles, key=lambda a: (a.published is None, a.published.timestamp() if a.published else 0, a.id))
    for a in order:
        index.add(a.id, a.body, a.published)
    return {a.id: index.cluster_of(a.id) for a in articles}


def evaluate(path: str | Path = DEFAULT_FILE, *, details: list | None = None) -> dict[str, Metrics]:
    """Score enrichment and clustering on the labelled set; `details` collects per-article misses."""
    articles = load(path)
    enrich = _enrich_fn()
    out = {f: Metrics() for f in FIELDS}
    for a in articles:
        try:
            e = enrich(a.title, a.body, a.dateline, _region(a.home))
        except Exception as exc:  # noqa: BLE001 - name the article, keep the message on one line
            raise WartaError(f"enrich failed on article {a.id!r}: {type(exc).__name__}: {exc}") from exc
        primary = e.primary
        pred = {
            "kabkotas": set(e.kabkotas),
            "provinces": set(e.provinces),
            # Labels name specific races; the family ("pilkada", "pemilu") that
            # enrichment adds for filtering is not scored.
            "election_types": set(e.election_types) & set(ELECTION_TYPES),
            "topics": set(e.topics),
        }
        out["kabkotas"].add_sets(pred["kabkotas"], a.kabkotas)
        out["provinces"].add_sets(pred["provinces"], a.provinces)
        out["primary_kabkota"].add_value(primary.kabkota if primary else "", a.primary_kabkota)
        out["election_related"].add_bool(bool(e.election_related), a.election_related)
        out["election_types"].add_sets(pred["election_types"], a.election_types)
        out["topics"].add_sets(pred["topics"], a.topics)
        if a.institutions is not None:
            out["institutions"].add_sets({_norm(i) for i in e.institutions}, {_norm(i) for i in a.institutions})
        if a.people is not None:
            out["people"].add_sets({_norm(p.name) for p in e.people}, {_norm(p.name) for p in a.people})
        if details is not None:
            for field, gold in (("kabkotas", a.kabkotas), ("provinces", a.provinces),
                                ("election_types", a.election_types), ("topics", a.topics)):
                if pred[field] != set(gold):
                    details.append((a.id, field, sorted(pred[field] - set(gold)), sorted(set(gold) - pred[field])))
            if bool(e.election_related) != a.election_related:
                details.append((a.id, "election_related", [e.election_related], [a.election_related]))
            got = primary.kabkota if primary else ""
            if got != a.primary_kabkota:
                details.append((a.id, "primary_kabkota", [got], [a.primary_kabkota]))
    out["clustering"] = pairwise(cluster_labels(articles), {a.id: a.cluster for a in articles})
    return out


def failed_targets(metrics: dict[str, Metrics]) -> list[Target]:
    return [t for t in TARGETS if not t.passed(metrics[t.field])]


# ---------------------------------------------------------------------------------------------- output


def _table(metrics: dict[str, Metrics]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="warta enrichment evaluation")
    for col in ("field", "n", "P", "R", "F1", "acc", "tp/fp/fn", "target", "result"):
        table.add_column(col, justify="left" if col in ("field", "target") else "right")
    accuracy_only = {"primary_kabkota"}
    for f in FIELDS:
        m = metrics[f]
        targets = [t for t in TARGETS if t.field == f]
        verdict = " ".join(("[green]PASS[/]" if t.passed(m) else "[red]FAIL[/]") for t in targets) or "-"
        n = f"{m.total} pairs" if f == "clustering" else str(m.total)
        pr = ("-", "-", "-") if f in accuracy_only else (f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}")
        counts = "-" if f in accuracy_only else f"{m.tp}/{m.fp}/{m.fn}"
        if f == "clustering":
            counts += f" ({m.false_merges} false merges)"
        table.add_row(f, n, *pr, f"{m.accuracy:.3f}", counts, ", ".join(t.describe() for t in targets) or "-",
                      verdict)
    console = Console()
    if not console.is_terminal and console.width < 130:  # piped: don't squeeze the table
        console = Console(width=130)
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m warta.evaluation", description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", default=str(DEFAULT_FILE), help="labelled YAML (default: tests/eval/labelled.yaml)")
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ap.add_argument("--misses", action="store_true", help="also list every article whose labels were missed")
    args = ap.parse_args(argv)
    details: list = []
    try:
        metrics = evaluate(args.file, details=details)
    except WartaError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    failed = failed_targets(metrics)
    if args.json:
        print(json.dumps({
            "file": args.file,
            "metrics": {f: m.as_dict() for f, m in metrics.items()},
            "targets": [{**asdict(t), "value": t.value(metrics[t.field]), "passed": t.passed(metrics[t.field])}
                        for t in TARGETS],
            "passed": not failed,
        }, indent=2, ensure_ascii=False))
    else:
        _table(metrics)
        if args.misses:
            for aid, field, extra, missing in details:
                print(f"  {aid}: {field} +{extra} -{missing}")
        print("all targets met" if not failed else
              "FAILED: " + "; ".join(f"{t.field} {t.describe()}" for t in failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
