"""What stands between the network and the routes, as ASGI middleware: security headers on every answer, a
bound on the request line, the read-only token, and a time limit per request (its catalog queries are
interrupted, so a runaway query cannot hold a worker thread)."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .site import OPEN_CONNECTIONS

log = logging.getLogger("moa.serve")
CSP = "default-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"
TOKEN_COOKIE = "moa_token"
Reply = Callable[[Scope, Send, int, str, str], Awaitable[None]]


class SecurityHeaders:
    """nosniff everywhere; the page CSP (same-origin scripts and styles only, never framed) on HTML."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = CSP
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestLimits:
    """Refuses a request line over `max_url` bytes (414) before any route parses it, and answers 503 when a
    request runs past `timeout` seconds, interrupting the SQLite queries it started."""

    def __init__(self, app: ASGIApp, reply: Reply, max_url: int, timeout: float) -> None:
        self.app, self.reply, self.max_url, self.timeout = app, reply, max_url, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        if size > self.max_url:
            await self.reply(scope, send, 414, "Request too long",
                             f"The address is {size} bytes; this server takes at most {self.max_url}.")
            return
        opened: list = []
        OPEN_CONNECTIONS.set(opened)  # this task's context; the handler's worker thread gets a copy of it
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, receive, watch), self.timeout)
        except TimeoutError:
            for conn in opened:
                conn.interrupt()  # the worker's query stops with "interrupted" and its thread is freed
            log.warning("request over %ss: %s?%s", self.timeout, scope.get("path"),
                        (scope.get("query_string") or b"")[:200].decode("latin-1"))
            if not started:
                await self.reply(scope, send, 503, "Took too long",
                                 f"The server gave up on this request after {self.timeout:g} seconds.")


class TokenGate:
    """With a token set, every route wants it: `Authorization: Bearer TOKEN`, `?token=TOKEN` (a browser's
    first visit, which also sets a cookie so the links of the pages work), or that cookie."""

    def __init__(self, app: ASGIApp, reply: Reply, token: str) -> None:
        self.app, self.reply, self.token = app, reply, token.encode("utf-8")

    def _given(self, scope: Scope) -> tuple[bytes | None, bool]:
        """(the token the request carries, whether it came in the query string)."""
        headers = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"")
        if auth[:7].lower() == b"bearer ":
            return auth[7:].strip(), False
        for k, v in parse_qsl((scope.get("query_string") or b"").decode("latin-1")):
            if k == "token":
                return v.encode("latin-1"), True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # a malformed cookie header is no token
            return None, False
        morsel = cookie.get(TOKEN_COOKIE)
        return (morsel.value.encode("latin-1") if morsel else None), False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given, in_query = self._given(scope)
        if given is None or not hmac.compare_digest(given, self.token):
            await self.reply(scope, send, 401, "Token required",
                             "This server wants its read-only token: `Authorization: Bearer TOKEN`, or "
                             "?token=TOKEN in a browser.")
            return
        if not in_query:
            await self.app(scope, receive, send)
            return

        async def set_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(
                    "Set-Cookie", f"{TOKEN_COOKIE}={self.token.decode('latin-1')}; Path=/; HttpOnly; "
                                  "SameSite=Strict")
            await send(message)

        await self.app(scope, receive, set_cookie)
