"""`moa ledger …`: import roster snapshots, and ask what the lists said and what changed."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from moa.catalog import connect
from moa.errors import UserError
from moa.progress import Progress

from . import ledger, ledger_program_cli
from .sheets import SheetError

log = logging.getLogger("moa.ledger")
_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".html", ".htm")


def _files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in _SUFFIXES
                          and not f.name.startswith((".", "~$")))
        elif p.is_file():
            out.append(p)
        else:
            raise UserError(f"no such file or directory: {p}")
    return out


def cmd_import(args: argparse.Namespace) -> dict:
    files = _files(args.paths)
    conn = connect(args.data)
    started = time.perf_counter()
    results, errors = [], []
    with Progress(len(files), "import") as progress:
        for f in files:
            try:
                r = ledger.import_snapshot(conn, f.read_bytes(), f.name, source=str(f.resolve()),
                                           rebuild_after=False)
                results.append(r)
            except SheetError as e:
                errors.append({"name": f.name, "error": str(e)})
                log.warning("%s", e)
            progress.advance()
    imported = [r for r in results if r["status"] == "imported"]
    summary = ledger.rebuild(conn) if imported or ledger.needs_rebuild(conn) else {}
    if errors:
        args.exit_code = 1
    return {"files": len(files), "imported": len(imported), "known": len(results) - len(imported),
            "errors": errors, "rebuild": summary, "seconds": round(time.perf_counter() - started, 2),
            "items": imported}


def _render_import(r: dict) -> str:
    lines = [f"{r['files']} files: {r['imported']} imported, {r['known']} already in the ledger, "
             f"{len(r['errors'])} not rosters ({r['seconds']} s)"]
    if r["rebuild"]:
        lines.append(f"ledger: {r['rebuild'].get('participating_agreements', 0)} participating and "
                     f"{r['rebuild'].get('pending_agreements', 0)} pending agreements traced, "
                     f"{r['rebuild'].get('events', 0)} events, {r['rebuild'].get('malformed', 0)} malformed snapshots")
    lines += [f"  error: {e['name']}: {e['error']}" for e in r["errors"]]
    return "\n".join(lines)


def cmd_counts(args: argparse.Namespace) -> dict:
    return ledger.counts_as_of(connect(args.data), args.as_of)


def _render_counts(r: dict) -> str:
    if r["snapshot"] is None:
        return f"as of {r['as_of']}: no participating snapshot published on or before that date"
    models = ", ".join(f"{k} {v}" for k, v in r["by_model"].items())
    smodels = ", ".join(f"{k} {v}" for k, v in r["states_by_model"].items())
    lines = [f"as of {r['as_of']} ({r['snapshot']['source']}, published {r['snapshot']['published']})",
             f"  {r['agreements']} agreements ({models}), {r['agencies']} agencies, {r['states']} states "
             f"({smodels})"]
    p = r["pending"]
    if p["snapshot"]:
        pm = ", ".join(f"{k} {v}" for k, v in p["by_model"].items())
        flags = "; ".join(p["snapshot"]["flags"])
        lines.append(f"  pending: {p['agreements']} agreements ({pm or 'none'}) "
                     f"({p['snapshot']['source']}, published {p['snapshot']['published']})"
                     + (f"  ! {flags}" if flags else ""))
    else:
        lines.append("  pending: no pending list published on or before that date")
    for s in r["skipped"]:
        lines.append(f"  skipped malformed {s['source']}: {'; '.join(s['flags'])}")
    top = sorted(r["by_state"].items(), key=lambda kv: -kv[1])[:10]
    lines.append("  top states: " + ", ".join(f"{k} {v}" for k, v in top))
    return "\n".join(lines)


def cmd_events(args: argparse.Namespace) -> dict:
    return ledger.events_since(connect(args.data), args.since, args.until, args.list)


def _render_events(r: dict) -> str:
    t = r["totals"]
    lines = [f"since {r['since'] or 'the first snapshot'}: {t['added']} added, {t['removed']} removed "
             f"({t['pending_signed']} of them pending agreements that were signed), {t['changed']} changed "
             f"in {len(r['snapshots'])} snapshots"]
    by_snap: dict[str, list[dict]] = {}
    for e in r["events"]:
        by_snap.setdefault(e["snapshot"], []).append(e)
    mark = {"added": "+", "removed": "-", "changed": "~"}
    for s in r["snapshots"]:
        lines.append(f"{s['published']}  {s['source']} ({s['kind']}, after {s['previous']}): "
                     f"+{s['added']} -{s['removed']} ~{s['changed']}")
        for e in by_snap.get(s["source"], []):
            extra = ""
            if e["event"] == "changed":
                extra = "  " + "; ".join(f"{k}: {v[0]!r} -> {v[1]!r}" for k, v in e["changes"].items())
            elif e["changes"].get("relisted"):
                extra = "  (relisted)"
            elif e["changes"].get("to_participating"):
                extra = f"  (signed: on the participating list, {e['changes']['to_participating']})"
            elif e["changes"].get("from_pending"):
                extra = "  (was pending)"
            lines.append(f"  {mark[e['event']]} {e['state'] or '??'} {e['agency']} ({e['model'] or '?'}){extra}")
    if r["malformed"]:
        lines.append("flagged snapshots:")
        for m in r["malformed"]:
            what = "excluded" if m["excluded"] else "kept"
            lines.append(f"  ! {m['published']}  {m['source']} ({m['agreements']} rows, {what}): "
                         f"{'; '.join(m['flags'])}")
    return "\n".join(lines)


def cmd_snapshots(args: argparse.Namespace) -> list[dict]:
    return ledger.snapshots(connect(args.data), args.list)


def _render_snapshots(rows: list[dict]) -> str:
    return "\n".join(f"{r['published']}  {r['kind']:<13} {r['agreements'] or 0:>5}  {r['status']:<9} {r['name']}"
                     f"  [{r['basis']}]" + (f"  ! {'; '.join(r['flags'])}" if r["flags"] else "") for r in rows)


def register(sub, parent) -> None:
    """Add `moa ledger import|counts|events|snapshots` (and timeline|plot|cancelled)."""
    p = sub.add_parser("ledger", help="the ledger of ICE's published 287(g) lists")
    lsub = p.add_subparsers(dest="ledger_command", metavar="SUBCOMMAND", required=True)

    imp = lsub.add_parser("import", parents=[parent], help="import saved roster snapshots (xlsx, csv, html)")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="files or folders of roster files")
    imp.set_defaults(func=cmd_import, render=_render_import)

    cnt = lsub.add_parser("counts", parents=[parent], help="the lists as they stood at a date")
    cnt.add_argument("--as-of", required=True, metavar="DATE", help="YYYY-MM-DD (end of that day, US Eastern)")
    cnt.set_defaults(func=cmd_counts, render=_render_counts)

    evs = lsub.add_parser("events", parents=[parent], help="agreements added, removed, changed")
    evs.add_argument("--since", metavar="DATE", help="first publication date to include (YYYY-MM-DD)")
    evs.add_argument("--until", metavar="DATE", help="last publication date to include (YYYY-MM-DD)")
    evs.add_argument("--list", choices=ledger.KINDS, help="only the participating or the pending list")
    evs.set_defaults(func=cmd_events, render=_render_events)

    snp = lsub.add_parser("snapshots", parents=[parent], help="every snapshot in publication order")
    snp.add_argument("--list", choices=ledger.KINDS, help="only the participating or the pending list")
    snp.set_defaults(func=cmd_snapshots, render=_render_snapshots)

    ledger_program_cli.register(lsub, parent)  # timeline, plot, cancelled; counts --by
