"""`warta demo`: the nightly job's code path, offline, against the project's own replica sites.

It starts the loopback replica, crawls it twice (the second run shows the
incremental crawl downloading no unchanged article), indexes into the
embedded backend, checks the result against the replica's ground truth and
prints example searches. The exit code says whether every check passed.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from indexer.base import SearchRequest
from indexer.factory import backend_session
from pipelines.clean import boilerplate_left
from warta.query import parse
from warta.settings import Settings, load_settings
from warta.store import Store

EXAMPLE_QUERIES = ('bawaslu netralitas', '"politik uang"', "pilkada AND (debat OR kampanye) -hoaks", "logistik*")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def demo_settings(data_dir: Path, source_dicts: list[dict]) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    for s in source_dicts:
        # The replica is ours and on loopback: no politeness delay needed.
        s["politeness"] = {"concurrency": 2, "delay": 0.0}
    sources_file = data_dir / "replica-sources.yaml"
    sources_file.write_text(yaml.safe_dump({"sources": source_dicts}, allow_unicode=True, sort_keys=False),
                            encoding="utf-8")
    return load_settings().model_copy(update={"data_dir": data_dir, "sources_file": sources_file,
                                              "backend": "sqlite"})


def article_downloads(records: list, article_paths: set[tuple[str, str]]) -> tuple[int, int, int]:
    """(requests, full article downloads, 304 answers) from the replica's request log."""
    downloads = sum(1 for r in records if (r.site, urlsplit(r.path).path) in article_paths and r.status == 200)
    not_modified = sum(1 for r in records if r.status == 304)
    return len(records), downloads, not_modified


def verify(store: Store, expected: list, non_articles: list[str]) -> list[Check]:
    stored = list(store.iter_articles())
    by_url = {a.canonical_url: a for a in stored}
    want = {e.url for e in expected}
    found = want & set(by_url)
    checks = [Check("replica articles found", len(found) >= 0.95 * len(want),
                    f"{len(found)}/{len(want)} ({100 * len(found) / max(1, len(want)):.1f}%)")]
    bad = sorted(set(by_url) & set(non_articles)) + sorted(set(by_url) - want)
    checks.append(Check("no listing/tag/soft-404/robots-disallowed page stored", not bad,
                        f"{len(bad)} stored" + (f": {bad[:3]}" if bad else "")))
    dirty = [(a.canonical_url, m) for a in stored for m in boilerplate_left(a.body)]
    checks.append(Check("no boilerplate marker left in any body", not dirty,
                        f"{len(dirty)} markers in {len(stored)} bodies" + (f": {dirty[:2]}" if dirty else "")))
    clusters: dict[str, set[str]] = defaultdict(set)
    for e in expected:
        if e.url in by_url:
            clusters[e.cluster].add(by_url[e.url].cluster_id)
    split = [k for k, ids in clusters.items() if len(ids) > 1]
    owners: dict[str, set[str]] = defaultdict(set)
    for k, ids in clusters.items():
        for cid in ids:
            owners[cid].add(k)
    merged = [cid for cid, keys in owners.items() if len(keys) > 1]
    multi = sum(1 for e_key in {e.cluster for e in expected}
                if sum(1 for e in expected if e.cluster == e_key) > 1)
    checks.append(Check("every syndicated copy in its cluster, no false merge", not split and not merged,
                        f"{multi} syndicated stories, {len(split)} split, {len(merged)} wrongly merged"))
    return checks


def run_demo(data_dir: Path | None, console: Console) -> int:
    from warta.cli import crawl_and_report
    from warta.replica.server import ReplicaCluster, expected_articles, non_article_urls, sources

    data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="warta-demo-"))
    cluster = ReplicaCluster()
    bases = cluster.start()
    try:
        console.print(f"replica sites: {', '.join(f'{k} {v}' for k, v in bases.items())}")
        console.print(f"demo store: {data_dir}")
        s = demo_settings(data_dir, sources(cluster))
        expected = expected_articles(cluster)
        article_paths = {(e.site, urlsplit(e.url).path) for e in expected}
        runs = []
        codes = []
        for n in (1, 2):
            console.print(f"\n[bold]crawl {n}[/bold]")
            cluster.reset_log()
            codes.append(crawl_and_report(s, None))
            runs.append(article_downloads(cluster.requests(), article_paths))
        store = Store(s.store_path)
        try:
            checks = verify(store, expected, non_article_urls(cluster))
        finally:
            store.close()
    finally:
        cluster.stop()
    (r1, d1, _), (r2, d2, nm2) = runs
    checks.append(Check("second crawl downloads no unchanged article", d2 == 0,
                        f"run 1: {r1} requests, {d1} article downloads; "
                        f"run 2: {r2} requests, {d2} article downloads, {nm2} answered 304"))
    checks.append(Check("both crawls succeeded", codes == [0, 0], f"exit codes {codes}"))
    t = Table("check", "result", "numbers", title="demo checks")
    for c in checks:
        t.add_row(c.name, "[green]PASS[/green]" if c.ok else "[red]FAIL[/red]", c.detail)
    console.print(t)
    with backend_session(s) as backend:
        for q in EXAMPLE_QUERIES:
            page = backend.search(SearchRequest(parse(q), size=3, facets=False))
            console.print(f"\n[bold]warta search {escape(repr(q))}[/bold]: {page.total} articles")
            for h in page.hits:
                console.print(f"  • {escape(h.doc.get('title') or '')} [dim]({h.doc.get('source_id')})")
    console.print(f"\nTry it: WARTA_DATA_DIR={data_dir} WARTA_SOURCES={s.sources_file} warta search 'pilkada'")
    return 0 if all(c.ok for c in checks) else 1
