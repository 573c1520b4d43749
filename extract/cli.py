"""`moa extract`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from moa.catalog import connect


def register(sub, parent) -> None:
    """Add this stage's subcommands to `moa`."""
    p = sub.add_parser("extract", parents=[parent], help="extract every PDF not yet extracted (or the given files)",
                       description="Turn MOA PDFs into records: per-page text (text layer or OCR), fields, clauses.")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE.pdf", help="PDFs to extract (registered first)")
    p.add_argument("--ocr", choices=("skip", "auto", "force"), default="auto",
                   help="skip: never OCR; auto: OCR pages whose text layer is missing or garbage; force: OCR all")
    p.add_argument("--jobs", type=int, default=2, help="OCR worker processes (default 2)")
    p.add_argument("--force", action="store_true", help="extract again even if already extracted")
    p.set_defaults(func=cmd_extract, render=render_extract)


def cmd_extract(args: argparse.Namespace) -> Any:
    from .pipeline import run

    conn = connect(args.data)
    summary = run(conn, args.files or None, mode=args.ocr, jobs=args.jobs, force=args.force)
    if summary.errors:
        args.exit_code = 1
    if args.files and getattr(args, "format", None) == "json":
        # `moa extract FILE.pdf --json` prints the record itself (DESIGN.md); several files, a list.
        from moa.blobs import sha256_file

        from .records import get_record

        records = []
        for f in args.files:
            sha = sha256_file(f)
            records.append(get_record(conn, sha) or next(
                ({"sha256": sha, "file": f.name, "error": e["error"]} for e in summary.errors if e["sha256"] == sha),
                {"sha256": sha, "file": f.name, "error": "not extracted"}))
        return records[0] if len(records) == 1 else records
    return summary.to_dict()


def render_extract(result: Any) -> str:
    if isinstance(result, list) or "sha256" in result:
        return render_show(result)
    lines = [f"extracted {result['extracted']} document(s), {result['pages']} pages "
             f"({result['ocr_pages']} OCR, {result['ocr_run']} run now); skipped {result['skipped']} up to date; "
             f"{len(result['errors'])} error(s) in {result['seconds']}s"]
    for d in result["documents"]:
        lines.append(f"  {d['sha256'][:12]}  {d['file']}: {d['page_count']} pages, {d.get('model') or '?'}, "
                     f"{d.get('agency') or '?'} ({d.get('state') or '?'})")
    for e in result["errors"]:
        lines.append(f"  error: {e['error']}")
    return "\n".join(lines)


def _render_one(r: dict[str, Any]) -> str:
    if "error" in r and "pages" not in r:
        return f"{r['sha256']}: extraction failed: {r['error']}"
    agency = r.get("agency") or {}
    out = [f"{r['file']}  ({r['sha256']})",
           f"  model: {r.get('model')}   agency: {agency.get('name')} ({agency.get('state')})   "
           f"template: {r.get('template_revision')}   pages: {r['page_count']}"]
    for s in r.get("signatories") or []:
        out.append(f"  signatory [{s.get('party')}] {s.get('name')}, {s.get('title')}, {s.get('date')} "
                   f"(page {s.get('page')})")
    listing = r.get("listing")
    if listing and listing.get("listed"):
        flag = "  DISAGREES" if listing.get("date_disagrees") else ""
        out.append(f"  ICE lists it as signed {', '.join(listing.get('signed_dates') or []) or '?'}{flag}")
    for s in r.get("sections") or []:
        out.append(f"  {s.get('number')}. {s.get('title')}  (pp. {s.get('page_start')}-{s.get('page_end')})")
    for p in r.get("pages") or []:
        out.append(f"  page {p['number']:>3}: {p['method']:<4} {p['chars']:>5} chars  q={p['quality']:.2f}  "
                   f"{p.get('reason', '')}")
        if p.get("text"):
            out.append("    " + p["text"].replace("\n", "\n    "))
    return "\n".join(out)


def render_show(result: Any) -> str:
    if isinstance(result, list):
        return "\n\n".join(_render_one(r) for r in result)
    return _render_one(result)
