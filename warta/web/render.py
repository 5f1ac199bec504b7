"""Jinja2 rendering with autoescape always on, plus the few helpers that build markup.

Only two things in this app are ever marked safe: `highlight()` (escaped
snippet pieces around our own <mark> tags) and the timeline SVG (numbers and
escaped labels). Templates never use `|safe`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from indexer.base import JAKARTA
from warta.web.i18n import COOKIE, t
from warta.web.security import is_http_url

TEMPLATES = Path(__file__).resolve().parent / "templates"

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True)


def highlight(snippet: str, marks: list[tuple[int, int]] | list[list[int]]) -> Markup:
    """The snippet with each highlight wrapped in <mark>, every piece of text escaped on its own."""
    out: list[str] = []
    pos = 0
    for a, b in sorted((int(a), int(b)) for a, b in marks):
        if a < pos or b <= a or b > len(snippet):
            continue  # overlapping or out-of-range offsets: never slice into garbage
        out.append(escape(snippet[pos:a]))
        out.append(Markup("<mark>") + escape(snippet[a:b]) + Markup("</mark>"))
        pos = b
    out.append(escape(snippet[pos:]))
    return Markup("").join(out)


def jakarta_date(value: Any, with_time: bool = False) -> str:
    """ISO timestamp -> Asia/Jakarta day (and time), the project's calendar."""
    if not value:
        return ""
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)[:10]
    if dt.tzinfo is not None:
        dt = dt.astimezone(JAKARTA)
    return dt.strftime("%Y-%m-%d %H:%M WIB" if with_time else "%Y-%m-%d")


def paragraphs(body: str) -> list[str]:
    """Stored bodies separate paragraphs with a blank line."""
    return [p.strip() for p in (body or "").split("\n\n") if p.strip()]


_env.globals.update(highlight=highlight, is_http_url=is_http_url, t=t)
_env.filters.update(jakarta_date=jakarta_date, paragraphs=paragraphs)


def render(template: str, lang: str, status_code: int = 200, *, set_lang_cookie: bool = False,
           **context: Any) -> HTMLResponse:
    context.setdefault("nav", "")
    context.setdefault("switch_url", "?lang=" + ("en" if lang == "id" else "id"))
    html = _env.get_template(template).render(lang=lang, _=lambda key, **kw: t(lang, key, **kw), **context)
    response = HTMLResponse(html, status_code=status_code)
    if set_lang_cookie:
        # Remember an explicit ?lang= choice; readable by nothing but this site.
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response
