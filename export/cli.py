"""`moa export`: search or comparison results → CSV, JSON Lines, XLSX, Markdown/HTML brief, CSL-JSON, ZIP."""

from __future__ import annotations

import argparse
from pathlib import Path

from moa.catalog import connect, data_path
from moa.errors import UserError
from search.index_docs import LEVELS

from .items import FORMATS, items_from_compare, items_from_search, write_export

_SUFFIX = {"csv": "csv", "jsonl": "jsonl", "xlsx": "xlsx", "md": "md", "html": "html", "csl": "json", "zip": "zip"}


def register(sub, parent) -> None:
    """Add `moa export` to `moa`."""
    p = sub.add_parser("export", parents=[parent], help="export search or comparison results for legal research",
                       description="Write the results of a search (--query) or of a clause comparison "
                                   "(--compare --section KEY) with a pinpoint citation for every quote.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--query", metavar="Q", help="a search query (moa search syntax)")
    src.add_argument("--compare", action="store_true", help="export a clause comparison (with --section)")
    p.add_argument("--level", choices=LEVELS, default="clause", help="search level")
    p.add_argument("--backend", choices=["sqlite", "elasticsearch"], default="sqlite")
    p.add_argument("--es-url", metavar="URL")
    p.add_argument("--limit", type=int, metavar="N", help="at most N hits (default: all)")
    p.add_argument("--section", metavar="KEY", help="clause key, with --compare")
    p.add_argument("--model", choices=["JEM", "WSO", "TFM", "jem", "wso", "tfm"])
    p.add_argument("--revision", metavar="DATE")
    p.add_argument("--format", dest="export_format", choices=FORMATS, required=True, help="export format")
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: export.<format>)")
    p.add_argument("--title", help="title of the brief")
    p.set_defaults(func=run, render=render)


def run(args: argparse.Namespace) -> dict:
    out = Path(args.output or f"export.{_SUFFIX[args.export_format]}")
    if out.is_dir():
        raise UserError(f"{out} is a directory; give a file name with -o")
    if not out.parent.exists():
        raise UserError(f"folder {out.parent} does not exist")
    conn = connect(args.data, readonly=True)
    try:
        if args.compare:
            if not args.section:
                raise UserError("--compare needs --section KEY")
            from compare.comparison import compare_section, load_records, page_reader

            result = compare_section(load_records(conn, args.model, args.revision), args.section,
                                     reader=page_reader(conn))
            items = items_from_compare(conn, result)
            title = args.title or f"Clause {args.section}: deviations from the standard text"
        else:
            if args.limit is not None and args.limit < 0:
                raise UserError("--limit must not be negative")
            items = items_from_search(conn, args.query, level=args.level, backend=args.backend,
                                      es_url=args.es_url, limit=args.limit)
            title = args.title or f"Search: {args.query}"
        return write_export(items, args.export_format, out, title=title, blobs_dir=data_path(conn))
    finally:
        conn.close()


def render(result: dict) -> str:
    return (f"wrote {result['path']} ({result['format']}): {result['items']} items, {result['quotes']} quotes "
            f"from {result['documents']} documents, {result['bytes']} bytes")
