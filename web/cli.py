"""`moa serve`: the web interface and JSON API (Starlette on uvicorn), on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import re
import sys

from moa.errors import UserError
from search.backend import BACKENDS
from search.cli import DEFAULT_ES_URL

log = logging.getLogger("moa.serve")
DEFAULT_PORT = 8287
_TOKEN = re.compile(r"^[A-Za-z0-9._~+/=-]{16,256}$")


def register(sub, parent) -> None:
    """Add `moa serve` to `moa`."""
    p = sub.add_parser("serve", parents=[parent], help="the web interface and JSON API",
                       description="Serve a read-only web interface over the catalog: search with facets and "
                                   "paging, one agreement with its signatories, sections and page text, the "
                                   "original PDF at a page, clause comparison, and the JSON API under /api/v1/ "
                                   "(schema at /api/openapi.json). Binds 127.0.0.1 by default.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; put a reverse proxy in front "
                        "to serve others)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--token", default=os.environ.get("MOA_SERVE_TOKEN") or None,
                   help="require this read-only token on every request (Authorization: Bearer TOKEN, or "
                        "?token=TOKEN in a browser); default $MOA_SERVE_TOKEN")
    p.add_argument("--workers", type=int, default=1,
                   help="processes serving together (default 1; one per core spreads the work over cores)")
    p.add_argument("--threads", type=int, default=None,
                   help="worker threads for catalog reads, per process (default 2)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds a request may run before it is answered 503 (default 30)")
    p.add_argument("--access-log", action="store_true", help="log every request on stderr")
    p.add_argument("--backend", choices=BACKENDS, default=os.environ.get("MOA_SEARCH_BACKEND", "sqlite"),
                   help="search index to use (default: sqlite)")
    p.add_argument("--es-url", default=os.environ.get("MOA_ES_URL", DEFAULT_ES_URL),
                   help="Elasticsearch URL for --backend elasticsearch")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from .app import REQUEST_TIMEOUT, create_app
    from .server import THREADS, listen, serve, serve_processes, worker_sockets

    if args.token is not None and not _TOKEN.match(args.token):
        raise UserError("the token must be 16 to 256 characters of letters, digits and ._~+/=- "
                        "(e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    threads = args.threads or THREADS
    if threads < 1 or args.workers < 1 or (args.timeout is not None and args.timeout <= 0):
        raise UserError("--workers, --threads and --timeout must be positive")
    app_args = {"backend": args.backend, "es_url": args.es_url, "token": args.token,
                "timeout": args.timeout or REQUEST_TIMEOUT}
    app = create_app(args.data, **app_args)  # here too: a missing catalog is a clean error before listening
    try:
        sock = listen(args.host, args.port, reuse_port=args.workers > 1)
        socks = worker_sockets(sock, args.workers)  # all listening before the line below invites clients
    except OSError as e:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    # One line on stderr, flushed, so a script (or a test) can wait for it and learn the port.
    print(f"moa: serving {app.state.site.data} at http://{shown}:{port}/ (Ctrl-C stops)", file=sys.stderr,
          flush=True)
    if not _loopback(args.host):
        print(f"moa: warning: listening on {args.host}, not this machine only: anyone who can reach it can read "
              "the catalog" + ("" if args.token else "; --token TOKEN (or $MOA_SERVE_TOKEN) asks for a token")
              + ". Served over plain HTTP: put a reverse proxy with TLS in front (README, \"moa serve for others\").",
              file=sys.stderr, flush=True)
    try:
        if args.workers > 1:
            serve_processes({**app_args, "data": str(app.state.site.data)}, socks, threads,
                            access_log=args.access_log)
        else:
            serve(app, sock, threads, access_log=args.access_log)
    finally:
        for s in socks:
            s.close()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False
