"""One output layer for every command: human text, --json or --csv."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO


def to_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


def rows_of(obj: Any) -> list[dict]:
    """The table inside a result: a list of dicts, or the first list-of-dicts value of a dict."""
    if isinstance(obj, list):
        return [r if isinstance(r, dict) else {"value": r} for r in obj]
    if isinstance(obj, dict):
        for key in ("rows", "hits", "events", "items", "variants", "results"):
            if isinstance(obj.get(key), list):
                return rows_of(obj[key])
        return [obj]
    return [{"value": obj}]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def write_csv(rows: Iterable[dict], out: TextIO) -> None:
    rows = list(rows)
    fields: list[str] = []
    for r in rows:
        for k in r:
            if k not in fields:
                fields.append(k)
    w = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _cell(r.get(k)) for k in fields})


def default_text(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    return to_json(obj)


def emit(obj: Any, fmt: str = "text", render: Callable[[Any], str] | None = None, out: TextIO | None = None) -> None:
    """Print a command's result in the asked format."""
    out = out or sys.stdout
    if obj is None:
        return
    if fmt == "json":
        out.write(to_json(obj) + "\n")
    elif fmt == "csv":
        write_csv(rows_of(obj), out)
    else:
        text = (render or default_text)(obj)
        if text:
            out.write(text if text.endswith("\n") else text + "\n")
