"""Benchmark: import every saved roster snapshot into a fresh ledger, then import again (nothing new).

Prints the import time for all snapshots, the idempotent second run, and what the ledger says for three
dates. Reproduce with:  python bench/ledger_import.py [--data DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from harvest import ledger
from moa.catalog import connect
from moa.config import shared_corpus

DATES = ("2025-02-28", "2025-09-30", "2026-05-01")


def _import_all(conn, files: list[Path]) -> tuple[int, float, float]:
    started = time.perf_counter()
    imported = 0
    for f in files:
        r = ledger.import_snapshot(conn, f.read_bytes(), f.name, source=str(f), rebuild_after=False)
        imported += r["status"] == "imported"
    parsed = time.perf_counter()
    if imported:
        ledger.rebuild(conn)
    return imported, parsed - started, time.perf_counter() - parsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="data directory to use (default: a fresh temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = ap.parse_args()
    sheets = shared_corpus() / "sheets"
    files = sorted((sheets / "ice").glob("*.xlsx")) + sorted((sheets / "wayback-html-tables").glob("*.xlsx"))
    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="moa-ledger-bench-"))
    conn = connect(data)
    n, parse_s, rebuild_s = _import_all(conn, files)
    print(f"first import: {n} of {len(files)} snapshots imported in {parse_s + rebuild_s:.1f} s "
          f"(read+store {parse_s:.1f} s, rebuild {rebuild_s:.1f} s)")
    n2, p2, r2 = _import_all(conn, files)
    print(f"second import: {n2} imported in {p2 + r2:.1f} s")
    for d in DATES:
        c = ledger.counts_as_of(conn, d)
        print(f"as of {d}: " + json.dumps({k: c[k] for k in ("agreements", "agencies", "states", "by_model")})
              + f"  pending {c['pending']['agreements']}  [{c['snapshot']['source']}; "
              f"pending {c['pending']['snapshot'] and c['pending']['snapshot']['source']}]")
    print(f"data: {data}  (reproduce: python bench/ledger_import.py)")
    if not args.data and not args.keep:
        conn.close()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
