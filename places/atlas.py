"""The U.S. county geometry the maps are drawn on: us-atlas (npm), the Census Bureau's cartographic boundaries
as TopoJSON (counties 1:10m, ids are 5-digit FIPS), installed by .ci/setup.d/js.sh under vendor/node_modules.
Nothing is fetched at run time."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from moa.errors import UserError

VENDOR = Path(__file__).resolve().parent.parent / "vendor" / "node_modules"


def vendor_dir() -> Path:
    """Where the npm packages are installed ($MOA_VENDOR overrides)."""
    env = os.environ.get("MOA_VENDOR")
    return Path(env).resolve() if env else VENDOR


def counties_path() -> Path:
    p = vendor_dir() / "us-atlas" / "counties-10m.json"
    if not p.is_file():
        raise UserError(f"US county geometry (npm package us-atlas) not found at {p}: run bash .ci/setup.d/js.sh")
    return p


@lru_cache(maxsize=1)
def counties_topology() -> dict:
    """The counties TopoJSON (objects: counties, states, nation)."""
    return json.loads(counties_path().read_text(encoding="utf-8"))
