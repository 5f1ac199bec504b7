"""The `warta` command line: crawl, search, export, reindex, stats, demo, sources.

Every expected failure is a `WartaError`: `main()` prints it on one line and
exits non-zero, so a journalist never sees a traceback for a typo.
"""

from __future__ import annotations

import json
import sqlite3
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
saved_app = typer.Typer(help="Saved searches: a digest of their new matches after every crawl.",
                        no_args_is_help=True)
app.add_typer(saved_app, name="saved")
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
    if result.skipped:
        console.print(f"skipped (another crawl of this source is running): {', '.join(result.skipped)}")
    console.print(f"indexed {result.indexed} articles into {s.backend}; crawl log: {result.log_path}")
    for d in result.digests:
        if d.error:
            err.print(f"warning: saved search {d.name!r}: {d.error}", markup=False, soft_wrap=True)
        else:
            mail = f"; e-mail {d.email}" if d.email else ""
            console.print(f"digest {d.name!r}: {d.count} new articles → {d.html_path}{mail}", markup=False,
                          soft_wrap=True)
    if result.digest_error:
        err.print(f"warning: digests not made: {result.digest_error}", markup=False, soft_wrap=True)
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


# ---- saved searches and digests -----------------------------------------


@saved_app.command("add")
def saved_add(name: str = typer.Argument(..., help="A short name (also the digest folder name)."),
              query: str = typer.Argument(..., help="Query, same language as `warta search` ('' for all)."),
              source: list[str] = _F["source"], source_type: list[str] = _F["source_type"],
              province: list[str] = _F["province"], kabkota: list[str] = _F["kabkota"],
              election_type: list[str] = _F["election_type"], topic: list[str] = _F["topic"],
              institution: list[str] = _F["institution"], person: list[str] = _F["person"],
              date_from: Optional[str] = _F["date_from"],
              date_to: Optional[str] = _F["date_to"], include_copies: bool = _F["include_copies"]) -> None:
    """Save a search; after each crawl its new matches go into a digest (HTML, JSON, e-mail)."""
    from warta import saved
    from warta.store import Store

    s = settings()
    registry = load_registry(s.sources_file)
    store = Store(s.store_path)
    try:
        saved.add(store, registry, name, query, sources=source, source_types=source_type, provinces=province,
                  kabkotas=kabkota, election_types=election_type, topics=topic, institutions=institution,
                  people=person, date_from=date_from, date_to=date_to, include_copies=include_copies)
    finally:
        store.close()
    console.print(f"saved {name!r}: articles that arrive from now on and match it go into "
                  f"{s.data_dir / 'digests' / name}/", markup=False, soft_wrap=True)


@saved_app.command("list")
def saved_list(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List the saved searches."""
    from warta import saved
    from warta.store import Store

    store = Store(settings().store_path)
    try:
        rows = saved.all_saved(store)
        latest = {r.name: store.latest_digest(r.name) for r in rows}
    finally:
        store.close()
    if as_json:
        out = [{**r.to_dict(), "latest_digest": latest[r.name]} for r in rows]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    t = Table("name", "query", "filters", "saved (UTC)", "latest digest")
    for r in rows:
        d = latest[r.name]
        filters = "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in r.filters.items()
                            if v and k != "include_copies")
        t.add_row(_esc(r.name), _esc(r.query or "(all)"), _esc(filters),
                  r.created_at, f"run {d['run_id']}, {len(d['article_ids'])} articles" if d else "—")
    console.print(t)
    console.print(f"{len(rows)} saved searches")


@saved_app.command("remove")
def saved_remove(name: str = typer.Argument(...)) -> None:
    """Remove a saved search (its digest files stay on disk)."""
    from warta import saved
    from warta.store import Store

    store = Store(settings().store_path)
    try:
        saved.remove(store, name)
    finally:
        store.close()
    console.print(f"removed {name!r}", markup=False)


@app.command()
def digest(name: str = typer.Argument(..., help="A saved search."),
           rebuild: bool = typer.Option(False, "--rebuild", help="Re-render the latest digest from the store "
                                        "(e.g. after `reindex --reextract`)."),
           send: bool = typer.Option(False, "--send", help="E-mail it (again) via the configured SMTP server."),
           as_json: bool = typer.Option(False, "--json", help="Print the digest JSON.")) -> None:
    """Show (or rebuild, or re-send) the latest digest of a saved search."""
    from warta import digest as dg
    from warta.store import Store

    s = settings()
    store = Store(s.store_path)
    try:
        d, outcome = dg.latest(s, store, name, rebuild=rebuild)
    finally:
        store.close()
    if send:
        if not dg.email_configured(s):
            raise WartaError("e-mail is not configured: set smtp_host and smtp_to in the settings file")
        outcome.email = dg.send_email(s, d)
        if outcome.email != "sent":
            raise WartaError(f"digest e-mail {outcome.email}")
    if as_json:
        sys.stdout.write(json.dumps(d.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"[bold]{len(d.articles)}[/bold] new articles for {_esc(repr(d.name))} "
                  f"(run {d.run_id}, {d.created_at})")
    for a in d.articles:
        console.print(f"\n[bold]{_esc(a.title)}[/bold]")
        console.print(f"[dim]{(a.published_at or '')[:10]} · {_esc(a.source_id)} · {_esc(a.url)}")
        console.print(_esc(a.lead))
    console.print(f"\nHTML: {outcome.html_path}\nJSON: {outcome.json_path}", markup=False)
    if outcome.email:
        console.print(f"e-mail: {outcome.email}", markup=False)


# ---- scheduler --------------------------------------------------------------


@app.command()
def schedule(interval_seconds: Optional[int] = typer.Option(
                 None, "--interval-seconds", min=1, help="Crawl every N seconds instead of the nightly cron "
                 "(tests, demos)."),
             max_runs: Optional[int] = typer.Option(None, "--max-runs", min=1,
                                                    help="Stop after this many scheduled crawls have finished."),
             run_now: bool = typer.Option(False, "--run-now", help="Also crawl once right away."),
             source: list[str] = typer.Option([], "--source", "-s",
                                              help="Schedule only this source id (repeatable).")) -> None:
    """Run the crawl on its schedule (settings `schedule.cron`, Asia/Jakarta) until SIGTERM / Ctrl-C."""
    from warta.scheduler import run_scheduler

    raise typer.Exit(run_scheduler(settings(), interval_seconds=interval_seconds, max_runs=max_runs,
                                   run_now=run_now, source_ids=source or None, console=console))


# ---- monitoring -----------------------------------------------------------

_HEALTH_STYLE = {"ok": "green", "warn": "yellow", "fail": "red"}


@app.command()
def health(fail_on_warn: bool = typer.Option(False, "--fail-on-warn", help="Exit 1 on a warning too."),
           quiet_runs: int = typer.Option(3, "--quiet-runs", min=1,
                                          help="Warn after this many crawls in a row without a new article."),
           as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Health of every enabled source from its recent crawls. Exit 2 on a failure, 1 on a warning with
    --fail-on-warn, else 0 (the usual monitoring-plugin convention)."""
    from warta.health import source_health, worst
    from warta.store import Store

    s = settings()
    registry = load_registry(s.sources_file)
    store = Store(s.store_path)
    try:
        rows = source_health(store, registry, quiet_runs=quiet_runs)
    finally:
        store.close()
    overall = worst(rows)
    if as_json:
        sys.stdout.write(json.dumps({"status": overall, "sources": [h.to_dict() for h in rows]},
                                    ensure_ascii=False, indent=2) + "\n")
    else:
        t = Table("source", "status", "reason", "last crawl", "new", "empty runs", "pages", "errors",
                  title=f"source health: {overall}")
        for h in rows:
            style = _HEALTH_STYLE[h.status]
            t.add_row(h.source_id, f"[{style}]{h.status}[/{style}]", _esc(h.reason), h.last_run_at or "—",
                      str(h.last_new), str(h.consecutive_empty), str(h.pages_fetched), str(h.errors))
        console.print(t)
    if overall == "fail":
        raise typer.Exit(2)
    if overall == "warn" and fail_on_warn:
        raise typer.Exit(1)


@app.command()
def runs(limit: int = typer.Option(20, "--limit", min=1, help="How many recent runs."),
         as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Recent crawl runs with each source's counts (pages, new / updated / duplicate articles, bytes, errors)."""
    from dataclasses import asdict

    from warta.store import Store

    store = Store(settings().store_path)
    try:
        rows = [{**r, "sources": store.run_sources(r["id"])} for r in store.runs(limit)]
    finally:
        store.close()
    if as_json:
        out = [{**r, "sources": [{**x, "stats": asdict(x["stats"])} for x in r["sources"]]} for r in rows]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    t = Table("run", "started (UTC)", "ended", "status", "source", "source status", "pages", "new", "updated",
              "dup", "bytes", "errors", "reason")

    def when(ts: str | None) -> str:
        return ts.replace("T", " ").removesuffix("+00:00") if ts else "…"

    for r in rows:
        first = True
        for x in r["sources"] or [None]:
            ended = when(r["ended_at"])
            if ended[:10] == when(r["started_at"])[:10]:
                ended = ended[11:]  # same day: the time is enough
            head = [str(r["id"]), when(r["started_at"]), ended, r["status"]] if first else ["", "", "", ""]
            first = False
            if x is None:
                t.add_row(*head, *[""] * 9)
                continue
            st = x["stats"]
            t.add_row(*head, x["source_id"], x["status"], str(st.pages_fetched), str(st.new), str(st.updated),
                      str(st.duplicate), str(st.bytes), str(st.errors), _esc(x["reason"][:80]))
        t.add_section()
    console.print(t)
    if not rows:
        console.print("no runs yet")


@app.command()
def demo(data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where the demo store goes "
                                                 "(default: a fresh temporary folder).")) -> None:
    """Start the offline replica sites, crawl them twice, index, and run example searches."""
    from warta.demo import run_demo

    raise typer.Exit(run_demo(data_dir, console))


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
          port: int = typer.Option(8000, "--port", min=1, max=65535)) -> None:
    """Start the web app and JSON API (state-changing actions need WARTA_WEB_TOKEN)."""
    from warta.web.server import serve as run_server

    run_server(settings(), host=host, port=port)


def main() -> None:
    try:
        app()
    except WartaError as e:
        err.print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(e.exit_code)
    except (OSError, sqlite3.Error) as e:
        # A full or read-only disk can surface anywhere (a log, a lock, a digest
        # file): still one line, not a traceback. Other errors are bugs and keep theirs.
        from warta.store import storage_error

        mapped = storage_error(e, getattr(_state.get("settings"), "data_dir", None) or "the data folder")
        if mapped is None:
            raise
        err.print(f"error: {mapped}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(mapped.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
