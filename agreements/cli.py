"""`moa show`: one document as the stages above see it (extraction's record with ICE's listing)."""

from __future__ import annotations

import argparse
from typing import Any

from extract.cli import render_show
from extract.records import last_error
from moa.catalog import connect
from moa.errors import UserError
from moa.files import resolve_sha

from .documents import document


def register(sub, parent) -> None:
    """Add this stage's subcommands to `moa`."""
    s = sub.add_parser("show", parents=[parent], help="print one extracted record",
                       description="Print the record of one document, by sha256 (or a prefix) or file name.")
    s.add_argument("ref", metavar="SHA256|NAME")
    s.add_argument("--text", action="store_true", help="include each page's text")
    s.set_defaults(func=cmd_show, render=render_show)


def cmd_show(args: argparse.Namespace) -> Any:
    conn = connect(args.data, readonly=True)
    sha = resolve_sha(conn, args.ref) or _by_name_part(conn, args.ref)
    if sha is None:
        raise UserError(f"unknown document: {args.ref}")
    record = document(conn, sha, with_text=args.text)
    if record is None:
        error = last_error(conn, sha)
        if error:
            args.exit_code = 1
            return {"sha256": sha, "error": error}
        raise UserError(f"{args.ref} is in the catalog but not extracted yet; run `moa extract`")
    return record


def _by_name_part(conn, ref: str) -> str | None:
    """A unique file name containing `ref` (case-insensitive), for `moa show Grayson`."""
    rows = conn.execute("SELECT DISTINCT sha256, name FROM files WHERE name LIKE ? LIMIT 10",
                        (f"%{ref}%",)).fetchall()
    shas = {r["sha256"] for r in rows}
    if len(shas) > 1:
        names = ", ".join(sorted({r["name"] for r in rows}))
        raise UserError(f"{ref!r} matches several documents: {names}")
    return shas.pop() if shas else None
