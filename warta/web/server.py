"""Build the web app (`create_app`) and run it (`serve`).

    from warta.settings import load_settings
    from warta.web.server import serve
    serve(load_settings(), host="127.0.0.1", port=8000)
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from indexer.factory import open_backend
from warta import __version__
from warta.settings import Settings
from warta.web import api, errors, pages
from warta.web.context import WebContext
from warta.web.crawls import CrawlLauncher
from warta.web.security import SecurityHeaders, configured_token

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings, *, token: str | None = None) -> FastAPI:
    """The app over `settings`' store and backend. `token` overrides WARTA_WEB_TOKEN (tests);
    an empty token disables state-changing actions (403)."""
    backend = open_backend(settings)
    context = WebContext(settings=settings, backend=backend, token=configured_token(token),
                         crawls=CrawlLauncher(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context.crawls.stop()
            backend.close()

    # Swagger UI and ReDoc load scripts from a CDN and run inline script, which the
    # CSP forbids; /docs is our own server-rendered reference (warta.web.pages).
    app = FastAPI(title="warta", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Search Indonesian regional election news (Pemilu 2024, Pilkada Serentak 2024). "
                              "Errors are JSON {\"error\": \"...\"} with a 4xx status.")
    app.state.warta = context
    app.openapi = lambda: _openapi_with_our_errors(app)  # type: ignore[method-assign]
    errors.install(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    # Added last = outermost: the headers also reach the catch-all's 500 answer.
    app.add_middleware(errors.CatchAll)
    app.add_middleware(SecurityHeaders)
    return app


def _openapi_with_our_errors(app: FastAPI) -> dict[str, Any]:
    """FastAPI documents a 422 validation error on every operation with parameters, but
    `warta.web.errors` answers invalid input with 400 `{"error": ...}` (documented on
    every API operation): drop the 422s and their now unused schemas, so a client
    generated from the document expects what the server sends."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        components = schema.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
    return app.openapi_schema


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the app with uvicorn until interrupted. Loopback by default: put a reverse proxy
    with TLS in front before exposing it, since the crawl token travels in a header."""
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=False, server_header=False)
