"""`moa serve`: the read-only web interface and JSON API, a Starlette app (served by uvicorn, web/server.py).

Pages: `/` search (query language, levels, facets as filters, paging), `/docs` (every agreement), `/doc/<sha256>`
(one agreement), `/doc/<sha256>/pdf` (the original PDF, citable with #page=N), `/compare` (one clause across
agreements, or two agreements clause by clause), `/static/…` (files of web/static/). The JSON API is under
`/api/v1/` (web/api.py), described at `/api/openapi.json`; `/api/search` is the same as `/api/v1/search`.

To add a page: write its handler, `def my_page(request) -> Response`, in web/views.py (a plain function: it runs
in the thread pool, so it may block on the catalog: `with site(request).catalog() as conn:`, read-only),
build its HTML in web/pages.py, and add ONE line to ROUTES below. Raise `PageError(404, title, message)` or
`UserError` for a clean 4xx; any other exception is a 500 page (JSON under /api/). An API route goes in
web/api.py and gets its entry in web/openapi.py (tests/test_serve_api.py checks answers against it). Static
files (CSS, JS libraries copied from node_modules by a setup step) go in web/static/, served at /static/.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope, Send

from moa.errors import ExternalError, UserError
from search.query import QuerySyntaxError

from . import agreement_views, api, atom, pages, program, views
from .guard import CSP, RequestLimits, SecurityHeaders, TokenGate
from .site import PageError, Site, warm

log = logging.getLogger("moa.serve")
STATIC_DIR = Path(__file__).parent / "static"
MAX_URL = 16_384      # bytes of path and query string; the query language's own bounds are far below
REQUEST_TIMEOUT = 30.0  # seconds; a search has its own, shorter budget in search/

ROUTES = [
    # pages (web/views.py)
    Route("/", views.search_page),
    Route("/docs", views.documents_page),
    Route("/doc/{ref}", views.document_page),
    Route("/doc/{ref}/pdf", views.pdf_file),
    Route("/compare", views.compare_page),
    # agreements and agencies (web/agreement_views.py: the read model, agreements/)
    Route("/agreements", agreement_views.agreements_page),
    Route("/agreement/{id}", agreement_views.agreement_page),
    Route("/agency/{id}", agreement_views.agency_page),
    # the program at a glance (web/program.py): figures drawn in the page by Vega served from /vendor/
    Route("/program", program.program_page),
    Route("/changes", program.changes_page),
    Route("/program/agreement/{id}", program.agreement_page),
    Route("/program/snapshot/{id}", program.snapshot_file),
    Route("/vendor/{name:path}", program.vendor_file),
    # the alerts' Atom feeds (web/atom.py)
    Route("/feeds/events.atom", atom.events_atom),
    Route("/feeds/{name}.atom", atom.subscription_atom),
    # the JSON API (web/api.py; schema in web/openapi.py)
    Route("/api/openapi.json", api.api_openapi),
    Route("/api/search", api.api_search),  # the first, unversioned path: answers as /api/v1/search
    Route("/api/v1/search", api.api_search),
    Route("/api/v1/documents", api.api_documents),
    Route("/api/v1/documents/{sha256}", api.api_document),
    Route("/api/v1/compare/section", api.api_compare_section),
    Route("/api/v1/compare/pair", api.api_compare_pair),
    Route("/api/v1/agreements", agreement_views.api_agreements),
    Route("/api/v1/agreements/{id}", agreement_views.api_agreement),
    Route("/api/v1/agencies/{id}", agreement_views.api_agency),
    Route("/api/v1/ledger/timeline", program.api_timeline),
    Route("/api/v1/ledger/counts", program.api_counts),
    Route("/api/v1/ledger/changes", program.api_changes),
    Route("/api/v1/ledger/cancelled", program.api_cancelled),
    Route("/api/v1/ledger/figure", program.api_figure),
    Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
]


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


# ---------------------------------------------------------------------------------------------- errors


def error_json(status: int, code: str, error: str, **extra: object) -> JSONResponse:
    """The API's one error shape (schema Error in web/openapi.py)."""
    return JSONResponse({"error": error, "status": status, "code": code, **extra}, status_code=status)


def error_html(status: int, title: str, message: str, detail: str = "", query: str = "",
               level: str = "document") -> HTMLResponse:
    return HTMLResponse(pages.error_page(status, title, message, query, level, detail), status_code=status)


def _answer(request: Request, status: int, code: str, title: str, message: str, detail: str = "") -> Response:
    if is_api(request.url.path):
        return error_json(status, code, message)
    return error_html(status, title, message, detail)


async def on_user_error(request: Request, exc: Exception) -> Response:
    query = request.query_params.get("q", "")
    position = getattr(exc, "position", None)
    if isinstance(exc, QuerySyntaxError) or position is not None:  # the query language's errors
        if is_api(request.url.path):
            return error_json(400, "query", str(exc), message=getattr(exc, "message", str(exc)),
                              position=position, query=query)
        level = request.query_params.get("level", "document")
        return HTMLResponse(pages.syntax_error_page(query, level, getattr(exc, "message", str(exc)), position),
                            status_code=400)
    return _answer(request, 400, "bad_request", "Cannot do that", str(exc))


async def on_page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    code = "not_found" if exc.status == 404 else "bad_request"
    return _answer(request, exc.status, code, exc.title, exc.message, exc.detail_html)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _answer(request, 404, "not_found", "No such page", f"Nothing lives at {request.url.path[:200]}.")
    resp = _answer(request, exc.status_code, "http", str(exc.detail), str(exc.detail))
    resp.headers.update(exc.headers or {})
    return resp


async def on_external_error(request: Request, exc: Exception) -> Response:
    return _answer(request, 502, "external", "A service this page needs failed", str(exc))


async def on_catalog_error(request: Request, exc: Exception) -> Response:
    message = str(exc)
    if "interrupted" in message:  # RequestLimits stopped it; the client was answered 503 already
        return _answer(request, 503, "timeout", "Took too long", "The request ran past its time limit.")
    log.warning("catalog error on %s: %s", request.url.path, exc)
    return _answer(request, 503, "catalog", "The catalog is not ready",
                   f"{exc}. Run `moa index` (it also brings the catalog's schema up to date), then reload.")


async def on_crash(request: Request, exc: Exception) -> Response:
    # A bug: logged with its traceback by the server; the client gets a clean 500 (JSON under /api/).
    log.error("error serving %s: %s: %s", request.url.path, type(exc).__name__, exc)
    resp = _answer(request, 500, "internal", "Internal error", "The server failed on this request; see its log.")
    resp.headers["X-Content-Type-Options"] = "nosniff"  # answered outside SecurityHeaders
    if not is_api(request.url.path):
        resp.headers["Content-Security-Policy"] = CSP
    return resp


async def reply(scope: Scope, send: Send, status: int, title: str, message: str) -> None:
    """An error answered by the middleware in front of the routes, in the route's format."""
    if is_api(scope.get("path", "")):
        resp: Response = error_json(status, {401: "unauthorized", 414: "too_long", 503: "timeout"}.get(status, "http"),
                                    message)
    else:
        resp = error_html(status, title, message)
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="moa"'
    await resp(scope, _no_receive, send)


async def _no_receive() -> dict:
    return {"type": "http.disconnect"}


# ---------------------------------------------------------------------------------------------- the app


def create_app(data: str | Path | None = None, backend: str = "sqlite", es_url: str | None = None,
               token: str | None = None, timeout: float = REQUEST_TIMEOUT, max_url: int = MAX_URL) -> Starlette:
    """The ASGI app over the catalog in `data` (opened now, read-only: no catalog, a clear UserError)."""
    middleware = [Middleware(SecurityHeaders), Middleware(RequestLimits, reply=reply, max_url=max_url,
                                                           timeout=timeout)]
    if token:
        middleware.append(Middleware(TokenGate, reply=reply, token=token))
    app = Starlette(routes=ROUTES, middleware=middleware, exception_handlers={
        PageError: on_page_error, UserError: on_user_error, ExternalError: on_external_error,
        sqlite3.OperationalError: on_catalog_error, HTTPException: on_http_error, Exception: on_crash})
    app.state.site = Site.open(data, backend, es_url)
    warm(app.state.site)
    return app

