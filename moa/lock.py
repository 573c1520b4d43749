"""One run at a time per data directory: an exclusive, non-blocking lock on a file beside the catalog.

The lock file holds the holder's pid, so the one refused can say who holds it; the kernel drops the lock when the
holder dies (SIGKILL included), so a stale file never blocks the next run.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Busy(Exception):
    """Another process holds the lock; `holder` is its pid as it wrote it ('?' when unknown)."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the lock on `path` for the duration, or raise Busy at once when another process holds it."""
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise Busy(fh.read().strip() or "?") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
