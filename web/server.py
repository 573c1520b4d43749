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
from uvicorn.supervisors.multiprocess import STARTUP_FAILURE, Process

log = logging.getLogger("moa.serve")
BACKLOG = 2048
THREADS = 2  # handler threads per process: more share the GIL, so a costly request slows those beside it (p95 up 20-50%)
MAX_CONNECTIONS = 1000  # open connections and requests at once
KEEP_ALIVE = 5          # seconds an idle keep-alive connection is held
APP_ENV = "MOA_SERVE_APP"  # the app's settings, for the worker processes
MAX_HEADER = 64 * 1024  # bytes of an incomplete request head (h11), so a slow or endless header is dropped


def listen(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket (IPv4 or IPv6, as `host` resolves); OSError when the port is taken. With
    `reuse_port`, other sockets of this user may listen on the same port (one per worker process)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if reuse_port:
        # a port another server shares is taken all the same: bind it without SO_REUSEPORT first, to know
        with socket.create_server((host, port), family=family) as probe:
            port = probe.getsockname()[1]
    return socket.create_server((host, port), family=family, backlog=BACKLOG, reuse_port=reuse_port)


def _join(first: socket.socket) -> socket.socket:
    """Another listening socket on `first`'s address (both made with SO_REUSEPORT)."""
    return socket.create_server(first.getsockname()[:2], family=first.family, backlog=BACKLOG, reuse_port=True)


def worker_sockets(first: socket.socket, workers: int) -> list[socket.socket]:
    """One listening socket per worker on `first`'s address, `first` included (made with reuse_port when
    `workers` > 1).

    Why not one socket shared by all: a worker that wakes on it accepts every connection waiting, so under a
    burst of keep-alive clients one worker kept 33 of 50 connections and its clients waited twice as long as
    the other's (p95 170 ms where p50 was 70). With a socket each, the kernel spreads new connections across
    them (SO_REUSEPORT)."""
    return [first] + [_join(first) for _ in range(workers - 1)]


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


class Workers(Multiprocess):
    """uvicorn's supervisor (signals, a dead or hung worker replaced), each worker on a socket of its own."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets=[])
        self.slots = sockets

    def _start(self, slot: int) -> Process:
        process = Process(self.config, [self.slots[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._start(i) for i in range(len(self.slots))]

    def restart_all(self) -> None:  # SIGHUP: a new worker on each socket, then the old one stops
        for i, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._start(i)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                return
            old.terminate()
            old.join()
            self.processes[i] = new

    def keep_subprocess_alive(self) -> None:
        for i, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung or dead: replaced on the same socket
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # the app cannot start; it would fail the same way again
                log.error("worker %s failed to start; stopping", process.pid)
                self.should_exit.set()
                return
            log.info("worker %s died; starting another", process.pid)
            self.processes[i] = self._start(i)


def serve_processes(app_args: dict, socks: list[socket.socket], threads: int = THREADS,
                    access_log: bool = False) -> None:
    """Serve from one process per socket of `socks` (`worker_sockets`: one GIL each), each building the app
    from `app_args` (create_app's arguments) through the environment."""
    os.environ[APP_ENV] = json.dumps({"app": app_args, "threads": threads})
    config = _config("web.server:app_from_env", access_log, factory=True, workers=len(socks))
    Workers(config, socks).run()


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
