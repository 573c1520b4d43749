"""Logging: one clear line per event on stderr."""

from __future__ import annotations

import logging
import sys


class _Stderr(logging.StreamHandler):
    """A handler writing to `sys.stderr` as it is when a record comes, not as it was at `setup`: main() may run
    again in one process with stderr replaced meanwhile (a caller's redirect, a test's capture, since closed)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201 - the attribute logging.StreamHandler reads and sets
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # noqa: ANN001
        pass


def setup(verbose: int = 0, quiet: bool = False) -> None:
    """moa's one handler on the root logger (set up again, not added twice); other handlers stay."""
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _Stderr)] + [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "elastic_transport", "pdfminer", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
