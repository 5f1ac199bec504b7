"""Security headers on every response, and the bearer token for state-changing actions.

Scraped pages are untrusted HTML-bearing text. Templates escape everything,
and the Content-Security-Policy is the second wall: even if some text slipped
through unescaped, no inline script, inline style or foreign resource would run.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_ENV = "WARTA_WEB_TOKEN"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Sources should not learn which searches lead researchers to them.
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """Pure ASGI (not BaseHTTPMiddleware) so streamed exports pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TokenError(Exception):
    """A state-changing request without the right bearer token (401 or 403)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def configured_token(explicit: str | None = None) -> str:
    """The server's token: given to create_app, else WARTA_WEB_TOKEN; '' disables the actions."""
    return explicit if explicit is not None else os.environ.get(TOKEN_ENV, "")


def check_bearer(authorization: str | None, expected: str) -> None:
    """Raise TokenError unless `Authorization: Bearer <expected>`; the token is never logged or echoed."""
    if not expected:
        raise TokenError(403, f"this action is disabled: the server has no {TOKEN_ENV} set")
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise TokenError(401, "this action needs an 'Authorization: Bearer <token>' header")
    # Constant-time comparison, on bytes so non-ASCII input cannot raise.
    if not hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8")):
        raise TokenError(403, "invalid token")


def is_http_url(url: Any) -> bool:
    """Only http(s) originals become links: a javascript: or data: URL in scraped data stays text."""
    from urllib.parse import urlsplit

    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
