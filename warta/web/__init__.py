"""The web interface: server-rendered search pages and a JSON API over the same backends.

`warta.web.server.create_app(settings)` builds the FastAPI app; `serve()` runs it
with uvicorn. Pages need no JavaScript; every response carries a strict
Content-Security-Policy (see `warta.web.security`).
"""
