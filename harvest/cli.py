"""`moa harvest` and `moa mirror`."""

from __future__ import annotations

import argparse
import logging

from moa.catalog import connect
from moa.errors import UserError

from .page import ICE_BASE

log = logging.getLogger("moa.harvest")


def register(sub, parent) -> None:
    """Add this stage's subcommands to `moa`."""
    p = sub.add_parser("harvest", parents=[parent], help="fetch ICE's 287(g) page, its sheets and every MOA PDF",
                       description="Fetch ICE's 287(g) page, every participating/pending sheet it links and every "
                                   "MOA/addendum PDF the sheets link, politely and incrementally.")
    p.add_argument("--base-url", default=ICE_BASE, metavar="URL",
                   help=f"serve every ICE URL from here: a mirror or web-archive prefix (default {ICE_BASE})")
    p.add_argument("--delay", type=float, default=1.0, metavar="S", help="seconds between requests (default 1)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S", help="timeout of each request (default 30)")
    p.add_argument("--retries", type=int, default=3, metavar="N", help="retries on 5xx/timeouts (default 3)")
    p.add_argument("--backoff", type=float, default=2.0, metavar="S",
                   help="wait before the first retry, doubled each time (default 2)")
    p.add_argument("--retry-failed", action="store_true",
                   help="retry dead links (404) now instead of after their back-off")
    p.add_argument("--limit", type=int, metavar="N", help="download at most N new documents this run")
    p.set_defaults(func=cmd_harvest, render=render_harvest)

    m = sub.add_parser("mirror", parents=[parent], help="serve a folder of saved ICE files as ICE's site",
                       description="Serve a folder of saved ICE files (page, sheets, PDFs) as ICE's site on 127.0.0.1.")
    m.add_argument("dir", metavar="DIR", help="folder of saved files (searched recursively), e.g. ../shared/corpus")
    m.add_argument("--also", action="append", default=[], metavar="DIR",
                   help="serve this folder's files too, read in place (repeatable), e.g. ../shared/validation/moa")
    m.add_argument("--port", type=int, default=8287, help="port (default 8287; 0 = any free port)")
    m.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    m.add_argument("--page", choices=("current", "table"), default="current",
                   help="page structure: current (sheet links) or table (the older roster table)")
    m.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="KIND[:ARG][@GLOB][#TIMES]; KIND: 304 403 429 5xx html200 truncate truncpdf slow 404")
    m.set_defaults(func=cmd_mirror)


def cmd_harvest(args) -> dict:
    from .run import harvest

    if not args.base_url.startswith(("http://", "https://")):
        raise UserError(f"--base-url must be an http(s) URL, got {args.base_url!r}")
    conn = connect(args.data)
    try:
        result = harvest(conn, args.base_url, delay=args.delay, timeout=args.timeout, retries=args.retries,
                         backoff=args.backoff, retry_failed=args.retry_failed, limit=args.limit)
    finally:
        conn.close()
    if result["stopped"] or result["page"].get("status") == "failed":
        args.exit_code = 1
    return result


def render_harvest(r: dict) -> str:
    s, p = r["sheets"], r["pdfs"]
    lines = [
        f"harvest from {r['base_url']}: {r['requests']} requests",
        f"page: {r['page'].get('status')} ({r['page'].get('sheets', 0)} sheet links)",
        f"sheets: {s['linked']} linked, {s['held']} older lists already held, {s['downloaded']} downloaded, {s['not_modified']} not modified, "
        f"{s['unchanged']} unchanged, {s['failed']} failed, {s['imported']} imported into the ledger",
        f"documents: {p['linked']} linked, {p['downloaded']} downloaded, {p['already']} already held, "
        f"{p['same_content']} same content as another URL, {p['failed']} failed, "
        f"{p['backing_off']} failed earlier and waiting (back-off), {p['not_attempted']} not attempted",
    ]
    if r["stopped"]:
        lines.append(f"stopped: {r['stopped']}")
    return "\n".join(lines)


def cmd_mirror(args) -> None:
    from .mirror import Fault, Mirror

    try:
        faults = [Fault.parse(f) for f in args.fault]
    except ValueError as e:
        raise UserError(str(e)) from None
    try:
        mirror = Mirror(args.dir, also=args.also, host=args.host, port=args.port, faults=faults, page=args.page)
    except FileNotFoundError as e:
        raise UserError(str(e)) from None
    except OSError as e:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {e.strerror}") from None
    lib = mirror.library
    print(f"moa mirror: serving {' + '.join([args.dir, *args.also])} at {mirror.url}/identify-and-arrest/287g "
          f"({len(lib.sheets['participating'])} participating, {len(lib.sheets['pending'])} pending sheets, "
          f"{sum(1 for n, p in lib.files.items() if n == p.name and p.suffix.lower() == '.pdf')} PDFs)", flush=True)
    try:
        mirror.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        mirror.server.server_close()
    return None
