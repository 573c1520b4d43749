"""`moa serve`: the web interface (search, one agreement, comparison) on 127.0.0.1."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from search.backend import BACKENDS
from search.cli import DEFAULT_ES_URL

log = logging.getLogger("moa.serve")
DEFAULT_PORT = 8287


def register(sub, parent) -> None:
    """Add `moa serve` to `moa`."""
    p = sub.add_parser("serve", parents=[parent], help="the web interface",
                       description="Serve a read-only web interface over the catalog: search with facets and "
                                   "paging, one agreement with its signatories, sections and page text, the "
                                   "original PDF at a page, and clause comparison. Binds 127.0.0.1 by default.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--backend", choices=BACKENDS, default=os.environ.get("MOA_SEARCH_BACKEND", "sqlite"),
                   help="search index to use (default: sqlite)")
    p.add_argument("--es-url", default=os.environ.get("MOA_ES_URL", DEFAULT_ES_URL),
                   help="Elasticsearch URL for --backend elasticsearch")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from moa.errors import UserError

    from .app import make_server

    try:
        server = make_server(args.data, args.host, args.port, args.backend, args.es_url)
    except OSError as e:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    # One line on stderr, flushed, so a script (or a test) can wait for it and learn the port.
    print(f"moa: serving {server.app.data} at http://{shown}:{port}/ (Ctrl-C stops)", file=sys.stderr, flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("listening on %s: anyone who can reach this machine can read the catalog", args.host)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
