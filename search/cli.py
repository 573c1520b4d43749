"""`moa index` and `moa search`."""

from __future__ import annotations

import argparse
import logging
import os
import re

from moa.catalog import connect

from .api import run_search
from .backend import BACKENDS, HIGHLIGHT_POST, HIGHLIGHT_PRE, get_backend
from .index import update_index
from .index_docs import LEVELS
from .query import parse

log = logging.getLogger("moa.search")
DEFAULT_ES_URL = "http://127.0.0.1:9200"


def _backend_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=BACKENDS, default=os.environ.get("MOA_SEARCH_BACKEND", "sqlite"),
                   help="index to use (default: sqlite, the FTS5 index inside the catalog)")
    p.add_argument("--es-url", default=os.environ.get("MOA_ES_URL", DEFAULT_ES_URL),
                   help=f"Elasticsearch URL for --backend elasticsearch (default: $MOA_ES_URL, else {DEFAULT_ES_URL})")


def register(sub, parent) -> None:
    """Add `moa index` and `moa search`."""
    p = sub.add_parser("index", parents=[parent], help="bring the search index up to date",
                       description="Index every extracted record not yet indexed or changed since.")
    _backend_options(p)
    p.add_argument("--rebuild", action="store_true", help="empty the index and index everything again")
    p.set_defaults(func=cmd_index, render=render_index)

    p = sub.add_parser("search", parents=[parent], help="search the agreements",
                       description="Search with words, \"phrases\", AND/OR/NOT, ( ), prefix*, NEAR(a b, n) or "
                                   "a /n b, and filters model: state: agency: signer: section: signed:>=DATE "
                                   "year: status: type: revision: file: page:.")
    p.add_argument("query", help='for example: model:TFM section:costs overtime')
    p.add_argument("--level", choices=LEVELS, default="document",
                   help="document (with best pages), page, clause (section or subsection), or agreement "
                        "(every agreement ICE lists, by its listing, whether or not we hold its PDF)")
    _backend_options(p)
    p.add_argument("--limit", type=int, default=20, help="hits to print (default 20)")
    p.add_argument("--offset", type=int, default=0, help="hits to skip (paging)")
    p.set_defaults(func=cmd_search, render=render_search)


def cmd_index(args: argparse.Namespace) -> dict:
    conn = connect(args.data)
    backend = get_backend(args.backend, conn, args.es_url)
    try:
        return update_index(conn, backend, rebuild=args.rebuild)
    finally:
        backend.close()


def cmd_search(args: argparse.Namespace) -> dict:
    parse(args.query)  # a syntax error is reported before the catalog or a cluster is touched
    conn = connect(args.data)
    backend = get_backend(args.backend, conn, args.es_url)
    try:
        result = run_search(conn, args.query, args.level, backend, args.limit, args.offset)
        if result["total"] == 0 and not backend.stats().get("documents"):
            log.warning("the %s index is empty: run `moa index%s` first", args.backend,
                        "" if args.backend == "sqlite" else " --backend " + args.backend)
    finally:
        backend.close()
    return result


def render_index(r: dict) -> str:
    units = r["stats"].get("units", {})
    a = r.get("agreements") or {}
    return (f"{r['backend']}: {r['indexed']} documents indexed, {r['unchanged']} unchanged, {r['removed']} removed; "
            f"{a.get('indexed', 0)} agreements indexed, {a.get('unchanged', 0)} unchanged, "
            f"{a.get('removed', 0)} removed; index holds {r['stats'].get('documents', 0)} documents and "
            f"{r['stats'].get('agreements', 0)} agreements "
            f"({', '.join(f'{n} {lv}s' for lv, n in units.items())})")


def _plain(snippet: str) -> str:
    s = (snippet or "").replace(HIGHLIGHT_PRE, "«").replace(HIGHLIGHT_POST, "»")
    return re.sub(r"\s+", " ", s).strip()


def _who(h: dict) -> str:
    """The agency as ICE lists it, its state and model; the document's own reading when it names another."""
    who = ", ".join(x for x in (h.get("agency"), h.get("state"), h.get("model")) if x)
    read = h.get("agency_read")
    if read and h.get("agency") and _squash(read) != _squash(h["agency"]):
        who += f" (the document reads {read!r})"
    return who


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def render_search(r: dict) -> str:
    noun = {"document": "documents", "page": "pages", "clause": "clauses", "agreement": "agreements"}[r["level"]]
    lines = [f"{r['total']} {noun} match {r['query']!r}"]
    for name, counts in r["facets"].items():
        if counts:
            lines.append(f"  {name}: " + ", ".join(f"{v} {n}" for v, n in list(counts.items())[:8]))
    for i, h in enumerate(r["hits"], 1):
        signed = f" signed {h['signed']}" if h.get("signed") else ""
        score = f"  score {h['score']:.2f}" if h.get("score") else ""
        if r["level"] == "agreement":
            held = f"  MOA {h['file']}" + ("" if h.get("sha256") else " (not held)") if h.get("file") else ""
            lines.append(f"{i:>3}. {_who(h)}{signed}  [{h['status']}]{score}{held}  ({h.get('agreement_id')})")
            continue
        lines.append(f"{i:>3}. {_who(h)}{signed}  [{h['status']}]{score}")
        lines.append(f"       {h['file']}")
        if r["level"] == "document":
            for p in h.get("pages") or []:
                lines.append(f"       p.{p['page']}: {_plain(p['snippet'])}")
        else:
            where = f"p.{h['page']}" if h.get("page") else ""
            if h.get("section"):
                sec = h["section"]
                where += f" § {sec.get('number') or ''} {sec.get('title') or ''}".rstrip()
            lines.append(f"       {where}: {_plain(h['snippet'])}")
    return "\n".join(lines)
