"""Logging: one clear line per event on stderr."""

from __future__ import annotations

import logging
import sys


def setup(verbose: int = 0, quiet: bool = False) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "elastic_transport", "pdfminer", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
