"""The JSON API (`/api/v1/…`): the same library answers as `moa search|show|compare --json`, for newsrooms to build
on. Every answer is JSON, errors included (web/app.py turns exceptions into the Error schema); the schema of
each route is in web/openapi.py, which a test checks against real answers.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from moa.errors import UserError

from .openapi import spec
from .site import (
    MAX_OFFSET,
    PageError,
    compare_pair,
    compare_section,
    find_record,
    int_param,
    level_param,
    listing,
    model_param,
    param,
    search,
    site,
)


class ApiJSON(JSONResponse):
    """UTF-8 JSON as the command line prints it (non-ASCII kept, not escaped)."""

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=str).encode("utf-8")


def api_search(request: Request) -> Response:
    query = param(request, "q")
    if not query:
        raise UserError("give a query: /api/v1/search?q=…")
    level = level_param(request)
    limit = int_param(request, "limit", 20, 0, 1000)
    offset = int_param(request, "offset", 0, 0, MAX_OFFSET)
    result = search(site(request), query, level, limit, offset)
    result.pop("index_empty", None)
    return ApiJSON(result)


def api_documents(request: Request) -> Response:
    rows = listing(site(request)).rows
    return ApiJSON({"total": len(rows), "documents": rows})


def api_document(request: Request) -> Response:
    """One agreement's record, as `moa show SHA --json` (`?text=1`: with each page's text, as `--text`)."""
    ref = request.path_params["sha256"]
    with_text = param(request, "text").lower() in ("1", "true", "yes")
    with site(request).catalog() as conn:
        record = find_record(conn, ref, with_text=with_text)
    if record is None:
        raise PageError(404, "Unknown document", f"No extracted agreement has sha256 {ref[:80]}.")
    return ApiJSON(record)


def api_compare_section(request: Request) -> Response:
    section = param(request, "section")
    if not section:
        raise UserError("give a clause key: /api/v1/compare/section?section=costs")
    result = compare_section(site(request), section, model_param(request))
    if not result["agreements"]:
        raise PageError(404, "No such clause", f"No agreement has a clause with key {section[:80]!r}.")
    return ApiJSON({**result, "kind": "section"})


def api_compare_pair(request: Request) -> Response:
    a, b = param(request, "a"), param(request, "b")
    if not (a and b):
        raise UserError("give two agreements: /api/v1/compare/pair?a=SHA256&b=SHA256")
    return ApiJSON({**compare_pair(site(request), a, b), "kind": "pair"})


def api_openapi(request: Request) -> Response:
    return ApiJSON(spec(str(request.base_url).rstrip("/")))
