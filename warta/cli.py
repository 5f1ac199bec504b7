"""The `warta` command line: crawl, search, export, reindex, stats, demo, sources.

Every expected failure is a `WartaError`: `main()` prints it on one line and
exits non-zero, so a journalist never sees a traceback for a typo.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from indexer.base import SearchRequest
from indexer.factory import backend_session
from warta import __version__
from warta.errors import WartaError
from warta.filters import build_filters, describe
from warta.query import parse
from warta.settings import Settings, load_settings
from warta.sources import load_registry

app = typer.Typer(help="Crawl, search and export Indonesian regional election news.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
sources_app = typer.Typer(help="The sources registry (config/sources.yaml).", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
# Piped output (logs, CI) gets a fixed width so tables are not squeezed to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

_state: dict[str, object] = {}


def settings() -> Settings:
    if "settings" not in _state:
        _state["settings"] = load_settings(_state.get("config"))  # type: ignore[arg-type]
    return _state["settings"]  # type: ignore[return-value]


@app.callback()
def _root(config: Optional[Path] = typer.Option(None, "--config", help="Settings file (default config/warta.yaml)."),
          version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        console.print(f"warta {__version__}")
        raise typer.Exit()
    _state["config"] = config


# ---- sources --------------------------------------------------------------


@sources_app.command("list")
def sources_list(file: Optional[Path] = typer.Option(None, "--file", help="Sources file to read.")) -> None:
    """List the configured sources."""
    registry = load_registry(file or settings().sources_file)
    t = Table("id", "type", "province", "kabupaten/kota", "tz", "discovery", "verified", "enabled")
    for s in registry.sources:
        d = s.discovery
        how = ", ".join(k for k, v in (("feeds", d.feeds), ("sitemaps", d.sitemaps or d.probe_sitemaps),
                                        ("listings", d.listings)) if v)
        t.add_row(s.id, s.type, s.region.province, s.region.kabkota or "—", s.timezone, how,
                  "yes" if s.verified else "no", "yes" if s.enabled else "no")
    console.print(t)
    console.print(f"{len(registry.sources)} sources, {len(registry.enabled())} enabled")


@sources_app.command("validate")
def sources_validate(file: Optional[Path] = typer.Option(None, "--file", help="Sources file to check.")) -> None:
    """Check the sources file against its schema."""
    path = file or settings().sources_file
    registry = load_registry(path)
    console.print(f"{path}: {len(registry.sources)} sources valid")


# ---- crawl ----------------------------------------------------------------


def crawl_and_report(s: Settings, source_ids: list[str] | None) -> int:
    """Run one crawl with a progress display and a summary table; returns the exit code."""
    from warta.crawl import run_crawl

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=err, transient=True) as prog:
        task = prog.add_task("crawling", info="")

        def show(rows: list[dict]) -> None:
            fetched = sum(r["stats"].pages_fetched for r in rows)
            new = sum(r["stats"].new for r in rows)
            prog.update(task, info=f"{fetched} pages fetched, {new} new articles")

        result = run_crawl(s, source_ids, progress=show)
    t = Table("source", "status", "requests", "200", "304", "skipped", "new", "updated", "dup", "not article",
              "robots", "errors", "bytes", title=f"run {result.run_id}")
    for r in result.sources:
        st = r["stats"]
        t.add_row(r["source_id"], r["status"], str(st.requests), str(st.pages_fetched), str(st.not_modified),
                  str(st.skipped_known), str(st.new), str(st.updated), str(st.duplicate), str(st.not_article),
                  str(st.robots_disallowed), str(st.errors), str(st.bytes))
    console.print(t)
    for r in result.sources:
        if r["reason"]:
            console.print(f"{r['source_id']}: {r['status']}: {_esc(r['reason'])}", soft_wrap=True)
    console.print(f"indexed {result.indexed} articles into {s.backend}; crawl log: {result.log_path}")
    if result.index_error:
        err.print(f"warning: {result.index_error}; {result.pending_index} articles wait in the store "
                  "and are indexed on the next run")
    if result.all_failed:
        err.print("error: every source failed (see the reasons above)")
        return 1
    return 3 if result.index_error else 0


@app.command()
def crawl(source: list[str] = typer.Option([], "--source", "-s", help="Crawl only this source id (repeatable)."),
          sources_file: Optional[Path] = typer.Option(None, "--sources-file", help="Another sources file.")) -> None:
    """Crawl the configured sources, store new articles and index them."""
    s = settings()
    if sources_file:
        s = s.model_copy(update={"sources_file": sources_file})
    raise typer.Exit(crawl_and_report(s, source or None))


# ---- search / export ------------------------------------------------------

_F = {
    "source": typer.Option([], "--source", help="Source id (repeatable)."),
    "source_type": typer.Option([], "--source-type", help="government | election_body | news"),
    "province": typer.Option([], "--province", help="Province name (repeatable)."),
    "kabkota": typer.Option([], "--kabkota", help="Kabupaten/kota name (repeatable)."),
    "election_type": typer.Option([], "--election-type", help="e.g. pilkada-bupati, pemilu-legislatif"),
    "topic": typer.Option([], "--topic", help="Topic id, e.g. netralitas, politik-uang (repeatable)."),
    "institution": typer.Option([], "--institution", help="e.g. 'Bawaslu Kabupaten Balangan' (repeatable)."),
    "person": typer.Option([], "--person", help="A person's name as extracted (repeatable)."),
    "date_from": typer.Option(None, "--from", help="First day, YYYY-MM-DD (Asia/Jakarta)."),
    "date_to": typer.Option(None, "--to", help="Last day, YYYY-MM-DD (Asia/Jakarta)."),
    "include_copies": typer.Option(False, "--include-copies", help="Show every syndicated copy."),
}


def _request(query: str, source, source_type, province, kabkota, election_type, topic, institution,  # noqa: ANN001
             person, date_from, date_to, include_copies, **kw) -> tuple[SearchRequest, dict]:  # noqa: ANN003
    registry = load_registry(settings().sources_file)
    filters = build_filters(registry, sources=source, source_types=source_type, provinces=province,
                            kabkotas=kabkota, election_types=election_type, topics=topic, institutions=institution,
                            people=person, date_from=date_from, date_to=date_to, include_copies=include_copies)
    return SearchRequest(query=parse(query), filters=filters, **kw), describe(filters)


@app.command()
def search(query: str = typer.Argument("", help='e.g. bawaslu "politik uang" -hoaks netral*'),
           source: list[str] = _F["source"], source_type: list[str] = _F["source_type"],
           province: list[str] = _F["province"], kabkota: list[str] = _F["kabkota"],
           election_type: list[str] = _F["election_type"], topic: list[str] = _F["topic"],
           institution: list[str] = _F["institution"], person: list[str] = _F["person"],
           date_from: Optional[str] = _F["date_from"],
           date_to: Optional[str] = _F["date_to"], include_copies: bool = _F["include_copies"],
           sort: str = typer.Option("relevance", "--sort", help="relevance | date"),
           limit: int = typer.Option(10, "--limit", min=1, max=1000),
           cursor: Optional[str] = typer.Option(None, "--cursor", help="next_cursor of the previous page."),
           as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Search stored articles."""
    if sort not in ("relevance", "date"):
        raise WartaError(f"unknown sort {sort!r}: use relevance or date")
    req, fdesc = _request(query, source, source_type, province, kabkota, election_type, topic, institution, person,
                          date_from, date_to, include_copies, sort=sort, size=limit, cursor=cursor)
    with backend_session(settings()) as backend:
        page = backend.search(req)
    if as_json:
        out = {"query": query, "filters": fdesc, "total": page.total, "next_cursor": page.next_cursor,
               "facets": page.facets,
               "hits": [{"id": h.id, "score": h.score, "snippet": h.snippet,
                         **{k: h.doc.get(k) for k in ("title", "url", "source_id", "published_at", "provinces",
                                                      "kabkotas", "election_types", "topics", "institutions", "people",
                                                      "cluster_id", "copies")}}
                        for h in page.hits]}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"[bold]{page.total}[/bold] articles")
    for h in page.hits:
        d = h.doc
        date = (d.get("published_at") or "")[:10]
        console.print(f"\n[bold]{_esc(d.get('title') or '')}[/bold]")
        console.print(f"[dim]{date} · {d.get('source_id')} · {', '.join(d.get('kabkotas') or [])} · {d.get('url')}")
        copies = d.get("copies") or []
        if copies:
            console.print(f"[dim]also in: {', '.join(sorted({c['source_id'] for c in copies}))}")
        console.print(_highlight(h.snippet, h.highlights))
    if page.facets:
        t = Table("facet", "top values", title="facets")
        for name, values in page.facets.items():
            t.add_row(name, ", ".join(f"{_esc(v)} ({n})" for v, n in values[:6]))
        console.print(t)
    if page.next_cursor:
        console.print(f"\nnext page: --cursor {page.next_cursor}")


def _esc(text: str) -> str:
    """Scraped text is data: rich markup in it must print literally."""
    from rich.markup import escape

    return escape(text)


def _highlight(snippet: str, marks: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for a, b in marks:
        out.append(_esc(snippet[pos:a]))
        out.append(f"[bold yellow]{_esc(snippet[a:b])}[/bold yellow]")
        pos = b
    out.append(_esc(snippet[pos:]))
    return "".join(out)


@app.command()
def export(query: str = typer.Argument("", help="Query (same language as search)."),
           source: list[str] = _F["source"], source_type: list[str] = _F["source_type"],
           province: list[str] = _F["province"], kabkota: list[str] = _F["kabkota"],
           election_type: list[str] = _F["election_type"], topic: list[str] = _F["topic"],
           institution: list[str] = _F["institution"], person: list[str] = _F["person"],
           date_from: Optional[str] = _F["date_from"],
           date_to: Optional[str] = _F["date_to"], include_copies: bool = _F["include_copies"],
           fmt: str = typer.Option(..., "--format", "-f", help="csv | jsonl | parquet"),
           out: Path = typer.Option(..., "--output", "-o", help="File to write."),
           sort: str = typer.Option("date", "--sort", help="date | relevance")) -> None:
    """Export every matching article (streamed) with a manifest beside the file."""
    from indexer.export import check_target, export as run_export, manifest_path

    check_target(fmt, out)

    req, fdesc = _request(query, source, source_type, province, kabkota, election_type, topic, institution, person,
                          date_from, date_to, include_copies, sort=sort, facets=False, snippets=False)
    with backend_session(settings()) as backend, Progress(
            SpinnerColumn(), TextColumn("exporting"), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
            transient=True) as prog:
        task = prog.add_task("export", total=None)
        manifest = run_export(backend, req, fmt, out, query_text=query, filters=fdesc,
                              on_row=lambda: prog.advance(task))
    console.print(f"{manifest.rows} rows → {out} (manifest: {manifest_path(out)})")


# ---- maintenance ----------------------------------------------------------


@app.command()
def reindex(reextract: bool = typer.Option(False, "--reextract", help="First re-run extraction and enrichment "
                                           "on the stored raw HTML, so improvements reach old articles.")) -> None:
    """Rebuild the search backend from the store."""
    from indexer.sync import rebuild
    from warta.store import Store

    s = settings()
    store = Store(s.store_path)
    try:
        if reextract:
            from pipelines.process import reextract as run_reextract

            registry = load_registry(s.sources_file)
            with Progress(TextColumn("re-extracting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True) as prog:
                task = prog.add_task("reextract", total=store.count())
                counts = run_reextract(store, {x.id: x for x in registry.sources},
                                       progress=lambda k: prog.advance(task, k))
            console.print(f"re-extracted: {counts.updated} updated, {counts.unchanged} unchanged, "
                          f"{counts.skipped} skipped (no raw HTML or source no longer configured)")
        with backend_session(s) as backend, Progress(
                TextColumn("reindexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                transient=True) as prog:
            task = prog.add_task("reindex", total=store.count())
            n = rebuild(store, backend, progress=lambda k: prog.advance(task, k))
    finally:
        store.close()
    console.print(f"reindexed {n} articles into {s.backend}")


@app.command()
def stats() -> None:
    """What the store holds and what the backend has indexed."""
    from warta.store import Store

    s = settings()
    store = Store(s.store_path)
    try:
        st = store.stats()
        pending = store.pending_count(s.backend)
        runs = store.runs(5)
    finally:
        store.close()
    t = Table("what", "count")
    t.add_row("articles", str(st["articles"]))
    t.add_row("syndication clusters", str(st["clusters"]))
    t.add_row("non-canonical copies", str(st["copies"]))
    t.add_row(f"waiting for {s.backend}", str(pending))
    t.add_row("raw HTML (compressed bytes)", str(st["raw_bytes"]))
    for state, n in st["urls"]:
        t.add_row(f"URLs {state}", str(n))
    for sid, n in st["by_source"]:
        t.add_row(f"articles from {sid}", str(n))
    console.print(t)
    for r in runs:
        console.print(f"run {r['id']}: {r['kind']} {r['status']} {r['started_at']} → {r['ended_at'] or '…'}")


@app.command()
def demo(data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where the demo store goes "
                                                 "(default: a fresh temporary folder).")) -> None:
    """Start the offline replica sites, crawl them twice, index, and run example searches."""
    from warta.demo import run_demo

    raise typer.Exit(run_demo(data_dir, console))


def main() -> None:
    try:
        app()
    except WartaError as e:
        err.print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
