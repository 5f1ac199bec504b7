"""Every failure becomes a short answer: JSON `{"error": "..."}` under /api/, a page elsewhere.

A bad query, an unknown region or a malformed cursor is the user's input, not
a server fault: 400 with the core modules' one-line message. Nothing shows a
traceback; an unexpected exception is logged and answered with a plain 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warta.errors import BackendUnavailable, ConfigError, QueryError, WartaError
from warta.web.i18n import COOKIE, pick_lang
from warta.web.security import TokenError

log = logging.getLogger("warta.web")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    message = " ".join(str(message).split())  # one line, whatever the source
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    from warta.web.render import render

    lang = pick_lang(request.query_params.get("lang"), request.cookies.get(COOKIE))
    response = render("error.html", lang, status, message=message)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def _status_for(exc: WartaError) -> int:
    if getattr(exc, "http_status", None):
        return int(exc.http_status)  # type: ignore[attr-defined]
    if isinstance(exc, BackendUnavailable):
        return 503
    if isinstance(exc, ConfigError):
        return 503  # the server's configuration, not the request, is wrong
    return 400


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(x) for x in first.get("loc", ()) if x not in ("query", "path", "body")]
    return f"invalid parameter {'.'.join(loc) or '?'}: {first.get('msg', 'invalid value')}"


def install(app: FastAPI) -> None:
    @app.exception_handler(WartaError)
    async def _warta(request: Request, exc: WartaError) -> Response:
        if not isinstance(exc, QueryError):
            log.warning("%s: %s", type(exc).__name__, exc)
        return error_response(request, _status_for(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, _validation_message(exc))

    @app.exception_handler(TokenError)
    async def _token(request: Request, exc: TokenError) -> Response:
        headers = {"WWW-Authenticate": 'Bearer realm="warta"'} if exc.status == 401 else None
        return error_response(request, exc.status, str(exc), headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        from warta.web.i18n import t

        lang = pick_lang(request.query_params.get("lang"), request.cookies.get(COOKIE))
        message = t(lang, "not_found") if exc.status_code == 404 and not _is_api(request) else str(exc.detail)
        return error_response(request, exc.status_code, message, getattr(exc, "headers", None))


class CatchAll:
    """Innermost safety net: an unexpected exception becomes a plain 500 *inside* the
    security-header middleware (Starlette's own error page would be sent outside it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:  # noqa: BLE001 - the last line of defence, logged with its traceback
            log.exception("unhandled error on %s", scope.get("path"))
            if started:
                raise  # the response is half sent; nothing clean left to do
            request = Request(scope)
            if _is_api(request):
                response: Response = JSONResponse({"error": "internal server error"}, status_code=500)
            else:
                response = Response("internal server error", status_code=500, media_type="text/plain")
            await response(scope, receive, send)
