"""The HTTP server under `moa serve`: uvicorn (uvloop where installed) on a socket bound here, so a busy port is a
clear error before anything starts and port 0's pick is known at once. HTTP is parsed by h11, which bounds a
request's head (httptools took a 10 MB header; on the search page the two measured the same within noise).

Why these numbers: a listen backlog of 2048 (the standard library's server had 5 and dropped connections under
20 clients, each drop a 1 s retry); a thread pool for the blocking SQLite work; keep-alive; a cap on open
connections well above any newsroom's load, beyond which uvicorn answers 503 instead of running out of memory.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import AsyncIterator, Iterator

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from uvicorn.supervisors import Multiprocess

log = logging.getLogger("moa.serve")
BACKLOG = 2048
THREADS = 8             # worker threads for handlers; more only contend for the GIL (bench/serve_load.py)
MAX_CONNECTIONS = 1000  # open connections and requests at once
KEEP_ALIVE = 5          # seconds an idle keep-alive connection is held
APP_ENV = "MOA_SERVE_APP"  # the app's settings, for the worker processes
MAX_HEADER = 64 * 1024  # bytes of an incomplete request head (h11), so a slow or endless header is dropped


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket (IPv4 or IPv6, as `host` resolves); OSError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=BACKLOG)


def _with_threads(app: Starlette, threads: int) -> None:
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Starlette) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        async with inner(a):
            yield

    app.router.lifespan_context = lifespan


def _config(app: Starlette | str, access_log: bool, **extra: object) -> uvicorn.Config:
    return uvicorn.Config(app, log_config=None, access_log=access_log, limit_concurrency=MAX_CONNECTIONS,
                          backlog=BACKLOG, timeout_keep_alive=KEEP_ALIVE, h11_max_incomplete_event_size=MAX_HEADER,
                          server_header=False, lifespan="on", timeout_graceful_shutdown=5, http="h11", **extra)


def make_server(app: Starlette, threads: int = THREADS, access_log: bool = False) -> uvicorn.Server:
    _with_threads(app, threads)
    return uvicorn.Server(_config(app, access_log))


def serve(app: Starlette, sock: socket.socket, threads: int = THREADS, access_log: bool = False) -> None:
    """Serve until Ctrl-C or SIGTERM (uvicorn handles both, finishing the requests in flight)."""
    make_server(app, threads, access_log).run(sockets=[sock])


def serve_processes(app_args: dict, sock: socket.socket, workers: int, threads: int = THREADS,
                    access_log: bool = False) -> None:
    """Serve from `workers` processes sharing the socket (one GIL each), each building the app from
    `app_args` (create_app's arguments) through the environment; uvicorn's supervisor replaces one that dies."""
    os.environ[APP_ENV] = json.dumps({"app": app_args, "threads": threads})
    config = _config("web.server:app_from_env", access_log, factory=True, workers=workers)
    Multiprocess(config, sockets=[sock]).run()


def app_from_env() -> Starlette:
    """The app of one worker process of `serve_processes`."""
    from .app import create_app

    settings = json.loads(os.environ[APP_ENV])
    app = create_app(**settings["app"])
    _with_threads(app, settings["threads"])
    return app


@contextlib.contextmanager
def serving_in_thread(app: Starlette, host: str = "127.0.0.1", port: int = 0,
                      threads: int = THREADS) -> Iterator[str]:
    """The app served on host:port in a background thread, for tests and benchmarks; yields its base URL."""
    sock = listen(host, port)
    server = make_server(app, threads)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the server did not start")
            thread.join(0.02)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
