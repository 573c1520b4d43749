"""The library entry point for searching: what `moa search --json` prints, callable from Python."""

from __future__ import annotations

import sqlite3

from .backend import Backend, check_level, get_backend
from .query import parse


def run_search(conn: sqlite3.Connection, query: str, level: str = "document", backend: str | Backend = "sqlite",
               limit: int = 20, offset: int = 0, es_url: str | None = None) -> dict:
    """Parse `query` and answer it: {"query", "level", "total", "facets", "hits"} (see search/backend.py).

    Raises QuerySyntaxError (a UserError) on bad syntax; `backend` is a name or an open Backend.
    """
    check_level(level)
    if limit < 0 or offset < 0:
        from moa.errors import UserError

        raise UserError("--limit and --offset must not be negative")
    tree = parse(query)
    owned = not isinstance(backend, Backend)
    b = get_backend(backend, conn, es_url) if owned else backend
    try:
        result = b.search(tree, level, limit, offset)
    finally:
        if owned:
            b.close()
    return {"query": query, "level": level, "total": result["total"], "facets": result["facets"],
            "hits": result["hits"]}
