"""`moa agreements`, `moa agency`, `moa show`: agreements as ICE lists them, the agencies that hold them, and one
document as the stages above see it (extraction's record with ICE's listing)."""

from __future__ import annotations

import argparse
from typing import Any

from extract.cli import render_show
from extract.records import last_error
from moa.catalog import connect
from moa.errors import UserError
from moa.files import resolve_sha
from moa.program import MODELS

from .documents import document
from .join import build
from .query import STATUSES, agency_detail, find_agency, rows, select


def register(sub, parent) -> None:
    """Add this stage's subcommands to `moa`."""
    a = sub.add_parser("agreements", parents=[parent], help="list agreements (ICE's listing + our documents)",
                       description="Every agreement ICE's lists ever held (and every document no list names), "
                                   "filtered; --json or --csv for scripts.")
    a.add_argument("--state", metavar="ST")
    a.add_argument("--model", type=str.upper, choices=MODELS)
    a.add_argument("--status", choices=STATUSES,
                   help="active: on ICE's newest list; removed: dropped from it; pending; withdrawn: left the "
                        "pending list unsigned; unlisted: a document no list names")
    a.add_argument("--since", metavar="DATE", help="status began on or after DATE (removed: first list without it)")
    a.add_argument("--until", metavar="DATE", help="status began on or before DATE")
    a.add_argument("--agency", metavar="NAME", help="agency name contains NAME")
    a.add_argument("--type", dest="agency_type", metavar="TYPE", help="County, Municipality or State Agency")
    held = a.add_mutually_exclusive_group()
    held.add_argument("--held", dest="held", action="store_const", const=True, help="only those whose MOA we hold")
    held.add_argument("--missing", dest="held", action="store_const", const=False,
                      help="only those whose MOA we do not hold")
    a.set_defaults(func=cmd_agreements, render=render_agreements)

    g = sub.add_parser("agency", parents=[parent], help="one agency: its names, agreements, documents, history",
                       description="Show one agency by id, name or a unique part of it (add the state: "
                                   "'Franklin County TX').")
    g.add_argument("ref", metavar="NAME|ID")
    g.set_defaults(func=cmd_agency, render=render_agency)

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


def cmd_agreements(args: argparse.Namespace) -> list[dict]:
    conn = connect(args.data, readonly=True)
    try:
        corpus = build(conn)
    finally:
        conn.close()
    return rows(select(corpus, state=args.state, model=args.model, status=args.status, since=args.since,
                       until=args.until, agency=args.agency, agency_type=args.agency_type, held=args.held))


def render_agreements(result: list[dict]) -> str:
    lines = [f"{len(result)} agreement(s)"]
    for r in result:
        when = {"removed": "off the list", "withdrawn": "off the pending list"}.get(r["status"], "since")
        since = f" {when} {r['status_since'][:10]}" if r["status_since"] else ""
        doc = f"  MOA {r['moa_file']}" + ("" if r["moa_sha256"] else " (not held)") if r["moa_file"] else ""
        flag = f"  DISAGREES: {r['disagreements']}" if r["disagreements"] else ""
        who = r["agency"] or f"(agency not readable in {r['moa_file']})"
        lines.append(f"  {r['state'] or '??'} {r['model'] or '???':<3} {r['status']:<9}{since}  {who}"
                     f"  signed {r['signed'] or '?'}{doc}{flag}  [{r['id']}]")
    return "\n".join(lines)


def cmd_agency(args: argparse.Namespace) -> dict:
    conn = connect(args.data, readonly=True)
    try:
        corpus = build(conn)
        return agency_detail(conn, corpus, find_agency(corpus, args.ref))
    finally:
        conn.close()


def render_agency(d: dict) -> str:
    out = [f"{d['name'] or '(name not readable)'} ({d['state'] or '?'})  [{d['id']}]",
           f"  type: {d['agency_type'] or '?'}   county: {d['county'] or '?'}"]
    if len(d["spellings"]) > 1:
        out.append("  ICE spells it: " + " | ".join(d["spellings"]))
    if d.get("read_as"):
        out.append("  its documents read: " + " | ".join(d["read_as"]))
    for a in d["agreements"]:
        listing = a["listing"] or {}
        since = (a["status_since"] or "")[:10]
        out.append(f"  {a['model'] or '?'}  {a['status']}{' since ' + since if since else ''}  signed {a['signed'] or '?'}"
                   f"  [{a['id']}]")
        if listing:
            first, last = (listing.get("first_seen") or {}), (listing.get("last_seen") or {})
            out.append(f"    on ICE's {listing['list']} list {str(first.get('published'))[:10]} .. "
                       f"{str(last.get('published'))[:10]} as {listing['agency']!r}")
        for doc in a["documents"]:
            held = doc["sha256"][:12] if doc["sha256"] else "not held"
            read = (f": {doc['agency'] or '?'} ({doc['state'] or '?'}), {doc['model'] or '?'}, signed "
                    f"{doc['signed'] or '?'}") if doc["extracted"] else ""
            out.append(f"    {doc['linked_as'] or 'document'} {doc['file']} [{held}]{read}")
        for dis in a["disagreements"]:
            out.append(f"    DISAGREES on {dis['field']}: ICE {dis['ice']!r}, the MOA {dis['document']!r}")
        for e in a["history"]:
            change = ", ".join(f"{k}: {v[0]!r} -> {v[1]!r}" for k, v in e["changes"].items()
                               if isinstance(v, list) and len(v) == 2)
            out.append(f"    {str(e['published'])[:10]} {e['event']}{' (' + change + ')' if change else ''}")
    return "\n".join(out)
