"""A saved search's matches: every agreement (or page, or clause) the query matches now, each under a key
that stays the same as long as the same document matches in the same place."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from agreements.documents import listings, provenance
from search.api import run_search
from search.backend import HIGHLIGHT_POST, HIGHLIGHT_PRE

MAX_HITS = 100_000


def hit_key(hit: dict[str, Any], level: str) -> str:
    if level == "agreement":  # an agreement on ICE's lists, whether or not its PDF is held
        return f"agreement/{hit.get('agreement_id')}"
    if level == "document":
        return hit["sha256"]
    if level == "page":
        return f"{hit['sha256']}#p{hit.get('page')}"
    sec = hit.get("section") or {}
    return f"{hit['sha256']}#{sec.get('key') or sec.get('number') or ''}#p{hit.get('page')}"


def _plain(snippet: str | None) -> str:
    s = (snippet or "").replace(HIGHLIGHT_PRE, "«").replace(HIGHLIGHT_POST, "»")
    return re.sub(r"\s+", " ", s).strip()


def _listing(conn: sqlite3.Connection, file: str | None) -> dict[str, Any] | None:
    """The agreement ICE's list shows for this document: the snapshot it first appeared in, and the last."""
    found = [x for x in (listings(conn, file or "") or []) if "moa" in x.get("linked_as", [])]
    if not found:
        return None
    a = found[0]
    return {k: a.get(k) for k in ("agreement_id", "list", "agency", "state", "model", "signed", "moa_url",
                                  "first_seen", "last_seen", "status")}


def matches(conn: sqlite3.Connection, query: str, level: str, known: set[str] | frozenset[str] = frozenset(),
            evidence: bool = True) -> list[dict[str, Any]]:
    """Every hit of the query on the embedded index not among `known` keys, as alert items; with `evidence`
    each cites where the document came from and how ICE's list shows it (looked up for new hits only)."""
    result = run_search(conn, query, level, "sqlite", limit=MAX_HITS)
    out = []
    for h in result["hits"]:
        key = hit_key(h, level)
        if key in known:
            continue
        # a query of filters only (model:TFM state:FL) matches no page in particular: cite the first
        page = h.get("page") or next((p["page"] for p in h.get("pages") or []), None) or (1 if h.get("sha256") else None)
        snippet = h.get("snippet") or next((p["snippet"] for p in h.get("pages") or [] if p.get("snippet")), "")
        item = {"key": key, "type": "search", "query": query, "level": level,
                "sha256": h["sha256"], "file": h.get("file"), "agency": h.get("agency"), "state": h.get("state"),
                "model": h.get("model"), "signed": h.get("signed"), "status": h.get("status"), "page": page,
                "section": h.get("section"), "snippet": _plain(snippet), "agreement_id": h.get("agreement_id")}
        if evidence and h.get("sha256"):
            item.update(source=provenance(conn, h["sha256"]), listing=_listing(conn, h.get("file")))
        out.append(item)
    return out
