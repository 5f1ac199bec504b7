"""Digests: after each crawl, the new articles matching each saved search, as HTML, JSON and e-mail.

"New" means stored since the search's last digest and already indexed (see
`Store.new_for_saved`). Matching runs the saved query and filters through
the configured backend and keeps the hits among those new ids, so a digest
means exactly what `warta search` means — syndicated copies collapsed to
their canonical member included: a copy of a press release already sent is
not news.

Scraped titles and bodies are untrusted: everything that reaches the HTML is
escaped, and only http(s) URLs become links.

Files: data_dir/digests/<name>/<run_id>.html and .json (written atomically,
JSON first, so a reader never sees half a file). A run without new matches
writes nothing and sends nothing.
"""

from __future__ import annotations

import html
import json
import os
import smtplib
import ssl
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from indexer.factory import backend_session
from warta import __version__
from warta.errors import WartaError
from warta.locks import hold
from warta.saved import SavedSearch, all_saved, get
from warta.settings import Settings
from warta.sources import load_registry
from warta.store import Store

LEAD_CHARS = 320
PASSWORD_ENV = "WARTA_SMTP_PASSWORD"


@dataclass
class DigestArticle:
    id: str
    title: str
    url: str
    source_id: str
    published_at: str | None
    kabkotas: list[str]
    provinces: list[str]
    topics: list[str]
    election_types: list[str]
    lead: str
    copies: list[dict[str, str]] = field(default_factory=list)  # other outlets of a syndicated story


@dataclass
class Digest:
    name: str
    query: str
    filters: dict[str, Any]
    run_id: int | None
    created_at: str
    articles: list[DigestArticle]

    def to_dict(self) -> dict[str, Any]:
        return {"warta_version": __version__, **asdict(self), "count": len(self.articles)}


@dataclass
class DigestOutcome:
    name: str
    count: int
    html_path: Path | None = None
    json_path: Path | None = None
    email: str = ""  # "" (not configured) | "sent" | "failed: why"
    error: str = ""  # the saved search itself could not run (e.g. its source left the registry)


def digest_dir(settings: Settings, name: str) -> Path:
    return settings.data_dir / "digests" / name


# ---- after a crawl -----------------------------------------------------------


def deliver_digests(settings: Settings, store: Store, run_id: int | None) -> list[DigestOutcome]:
    """Build, write and send the digest of every saved search that has new matches."""
    searches = all_saved(store)
    if not searches:
        return []
    registry = load_registry(settings.sources_file)
    outcomes: list[DigestOutcome] = []
    # One digest phase at a time: two crawls ending together must not both
    # send the articles that arrived since the last digest.
    with hold(settings.data_dir, "digests", note=f"run {run_id}"):
        pending = [(s, *store.new_for_saved(s.name, settings.backend)) for s in searches]
        if not any(ids for _, ids, _ in pending):
            return []
        with backend_session(settings) as backend:
            for saved, new_ids, upto in pending:
                if not new_ids:
                    continue
                try:
                    request = saved.request(registry, sort="date", size=500, facets=False, snippets=False)
                except WartaError as e:
                    # Not marked seen: once the search is fixed, its articles still come.
                    outcomes.append(DigestOutcome(saved.name, 0, error=str(e)))
                    continue
                wanted = set(new_ids)
                hits = [h for h in backend.iter_hits(request) if h.id in wanted]
                if hits:
                    digest = _digest(saved, run_id, store, [h.id for h in hits])
                    outcomes.append(_publish(settings, store, digest))
                store.mark_saved_seen(saved.name, upto)
    return outcomes


def _digest(saved: SavedSearch, run_id: int | None, store: Store, ids: list[str]) -> Digest:
    articles = []
    for aid in ids:
        a = store.get(aid)
        if a is None:
            continue
        # A collapsed hit stands for its syndicated copies: name the other outlets.
        copies = store.cluster_copies(a.cluster_id or a.id, a.id) if a.is_canonical else []
        articles.append(DigestArticle(
            id=a.id, title=a.title, url=a.canonical_url, source_id=a.source_id,
            published_at=a.published_at.isoformat() if a.published_at else None, kabkotas=a.kabkotas,
            provinces=a.provinces, topics=a.topics, election_types=a.election_types, lead=_lead(a.body),
            copies=copies,
        ))
    return Digest(saved.name, saved.query, saved.filters, run_id,
                  datetime.now(timezone.utc).isoformat(timespec="seconds"), articles)


def _lead(body: str) -> str:
    if len(body) <= LEAD_CHARS:
        return body
    cut = body[:LEAD_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def _publish(settings: Settings, store: Store, digest: Digest) -> DigestOutcome:
    html_path, json_path = write_files(settings, digest)
    digest_id = store.record_digest(digest.name, digest.run_id, [a.id for a in digest.articles], html_path,
                                    json_path)
    email = send_email(settings, digest) if email_configured(settings) else ""
    store.set_digest_email(digest_id, email)
    return DigestOutcome(digest.name, len(digest.articles), html_path, json_path, email)


def write_files(settings: Settings, digest: Digest) -> tuple[Path, Path]:
    folder = digest_dir(settings, digest.name)
    stem = str(digest.run_id) if digest.run_id is not None else datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    html_path, json_path = folder / f"{stem}.html", folder / f"{stem}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(json_path, json.dumps(digest.to_dict(), ensure_ascii=False, indent=2) + "\n")
        _write_atomic(html_path, render_html(digest))
    except OSError as e:
        raise WartaError(f"cannot write the digest of {digest.name!r} to {folder}: {e.strerror or e}") from None
    return html_path, json_path


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---- rendering -------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _link(url: str, text: str) -> str:
    # A scraped URL could be "javascript:…": only web URLs become links.
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{_e(url)}">{_e(text)}</a>'
    return _e(text)


def _describe_filters(filters: dict[str, Any]) -> str:
    parts = [f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in filters.items()
             if v and k != "include_copies"]
    return "; ".join(parts)


def render_html(digest: Digest) -> str:
    n = len(digest.articles)
    items = []
    for a in digest.articles:
        meta = " · ".join(x for x in ((a.published_at or "")[:10], a.source_id, ", ".join(a.kabkotas or a.provinces))
                          if x)
        also = ""
        if a.copies:
            also = "<p class=also>Juga dimuat di: " + ", ".join(
                _link(c.get("url", ""), c.get("source_id", "")) for c in a.copies) + "</p>"
        tags = ", ".join(a.topics)
        items.append(
            f"<li><h2>{_link(a.url, a.title or a.url)}</h2><p class=meta>{_e(meta)}"
            f"{' · topik: ' + _e(tags) if tags else ''}</p><p>{_e(a.lead)}</p>{also}</li>"
        )
    filters = _describe_filters(digest.filters)
    return (
        "<!DOCTYPE html>\n<html lang=\"id\"><head><meta charset=\"utf-8\">"
        f"<title>warta: {_e(digest.name)} ({n})</title>"
        "<style>body{font-family:sans-serif;max-width:46em;margin:1em auto;padding:0 1em}"
        "li{margin-bottom:1.2em}h2{font-size:1.1em;margin:0}.meta,.also{color:#555;font-size:.9em}</style>"
        "</head><body>"
        f"<h1>{n} artikel baru: {_e(digest.name)}</h1>"
        f"<p class=meta>kueri: <code>{_e(digest.query or '(semua)')}</code>"
        f"{' · filter: ' + _e(filters) if filters else ''} · run {_e(digest.run_id)} · {_e(digest.created_at)}</p>"
        f"<ol>{''.join(items)}</ol>"
        f"<p class=meta>warta {_e(__version__)}</p></body></html>\n"
    )


def render_text(digest: Digest) -> str:
    lines = [f"{len(digest.articles)} artikel baru untuk pencarian tersimpan '{digest.name}'",
             f"kueri: {digest.query or '(semua)'}", ""]
    for a in digest.articles:
        lines += [a.title, f"{(a.published_at or '')[:10]} · {a.source_id} · {a.url}", a.lead, ""]
    return "\n".join(lines)


# ---- e-mail ------------------------------------------------------------------------


def email_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.smtp_to)


def send_email(settings: Settings, digest: Digest) -> str:
    """Send the digest; returns "sent" or "failed: why" (never raises: the files are already written)."""
    msg = EmailMessage()
    msg["Subject"] = f"warta: {len(digest.articles)} artikel baru untuk '{digest.name}'"
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(settings.smtp_to)
    msg.set_content(render_text(digest))
    msg.add_alternative(render_html(digest), subtype="html")
    password = os.environ.get(PASSWORD_ENV, "")
    try:
        if settings.smtp_username and not password:
            return f"failed: smtp_username is set but {PASSWORD_ENV} is not"
        cls = smtplib.SMTP_SSL if settings.smtp_security == "ssl" else smtplib.SMTP
        with cls(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, password)
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
        # The server's answer or the socket error; the password is never part of either.
        return f"failed: {settings.smtp_host}:{settings.smtp_port}: {type(e).__name__}: {e}"[:300]
    return "sent"


# ---- `warta digest NAME` -------------------------------------------------------------


def latest(settings: Settings, store: Store, name: str, *, rebuild: bool = False) -> tuple[Digest, DigestOutcome]:
    """The latest digest of a saved search, read from its JSON file or (rebuild) rebuilt from the store."""
    saved = get(store, name)
    row = store.latest_digest(saved.name)
    if row is None:
        raise WartaError(f"saved search {saved.name!r} has no digest yet (one is made after a crawl "
                         "brings new matching articles)")
    json_path, html_path = Path(row["json_path"]), Path(row["html_path"])
    if not rebuild and json_path.exists():
        data = json.loads(json_path.read_text(encoding="utf-8"))
        digest = Digest(data["name"], data["query"], data["filters"], data["run_id"], data["created_at"],
                        [DigestArticle(**a) for a in data["articles"]])
        if not html_path.exists():
            _write_atomic(html_path, render_html(digest))
        return digest, DigestOutcome(saved.name, len(digest.articles), html_path, json_path, row["email"])
    # The same articles, as the store holds them now (e.g. after `warta reindex --reextract`).
    digest = _digest(saved, row["run_id"], store, row["article_ids"])
    digest.created_at = row["created_at"]
    html_path, json_path = write_files(settings, digest)
    return digest, DigestOutcome(saved.name, len(digest.articles), html_path, json_path, row["email"])
