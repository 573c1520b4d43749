"""Where the data lives: --data DIR, else $MOA_DATA, else ./corpus."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA = "corpus"


def data_dir(arg: str | os.PathLike | None = None) -> Path:
    """Resolve the data directory and make sure it exists."""
    raw = arg or os.environ.get("MOA_DATA") or DEFAULT_DATA
    path = Path(raw).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def shared_corpus() -> Path:
    """The shared real documents beside the checkout (tests and benchmarks read them from here)."""
    env = os.environ.get("MOA_SHARED_CORPUS")
    if env:
        return Path(env).resolve()
    return (Path(__file__).resolve().parent.parent.parent / "shared" / "corpus").resolve()
