"""The library entry point for searching: what `moa search --json` prints, callable from Python."""

from __future__ import annotations

import sqlite3

from moa.errors import UserError

from .backend import Backend, check_level, get_backend
from .query import parse

MAX_LIMIT = 100_000  # hits in one answer (alerts ask for every hit at once)
MAX_WINDOW = 1_000_000  # offset + limit (export pages through every hit; a huge offset overflows SQLite)


def check_paging(limit: int, offset: int) -> None:
    """Refuse paging no index answers sensibly, before it reaches one (a huge offset overflows SQLite)."""
    if not isinstance(limit, int) or not isinstance(offset, int) or limit < 0 or offset < 0:
        raise UserError("--limit and --offset must be whole numbers, not negative")
    if limit > MAX_LIMIT:
        raise UserError(f"--limit {limit} is over the limit of {MAX_LIMIT} hits per answer")
    if offset + limit > MAX_WINDOW:
        raise UserError(f"--offset + --limit ({offset} + {limit}) is over the limit of {MAX_WINDOW}")


def run_search(conn: sqlite3.Connection, query: str, level: str = "document", backend: str | Backend = "sqlite",
               limit: int = 20, offset: int = 0, es_url: str | None = None) -> dict:
    """Parse `query` and answer it: {"query", "level", "total", "facets", "hits"} (see search/backend.py).

    Raises QuerySyntaxError (a UserError) on bad syntax or a query over its limits, QueryTooExpensive (a
    UserError) when it runs past its time budget; `backend` is a name or an open Backend.
    """
    check_level(level)
    check_paging(limit, offset)
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
