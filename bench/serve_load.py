"""`moa serve` under load: the real command on a catalog, N clients in parallel on 127.0.0.1 for a fixed time,
each on its own keep-alive connection with no pause between requests (a closed loop: every client waits for
its answer, then asks again). Prints p50/p95/p99 per route, requests per second, 5xx and connection errors.

    python3 bench/serve_load.py --data DIR [--clients 50] [--seconds 30] [--routes search|all] [--think S]
                                [--moa-root CHECKOUT]

--routes search: the search page only, over the queries of bench/queries.txt at their levels (plus their page
2); all: search pages, agreement pages, PDFs, the list, comparisons, and the JSON API, in a fixed mix.
--moa-root runs the server from another checkout (e.g. `git worktree add /tmp/old-web COMMIT` of the
standard-library server), so the old and new servers are measured by the same clients on the same catalog.
--think S: each client pauses S seconds between requests (a reader rather than a script). --serve-arg passes
an option to moa serve (--serve-arg=--threads=4).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from load_support import run_load, table  # noqa: E402

from agreements.documents import extracted_shas  # noqa: E402
from moa.catalog import connect  # noqa: E402


def queries() -> list[tuple[str, str]]:
    out = []
    for line in (ROOT / "bench" / "queries.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            level, query = line.split("\t", 1)
            out.append((level, query))
    return out


def shas(data: Path) -> list[str]:
    conn = connect(data, readonly=True)
    try:
        return extracted_shas(conn)
    finally:
        conn.close()


def work(data: Path, routes: str) -> list[tuple[str, str]]:
    def q(path: str, **params: object) -> str:
        return f"{path}?{urllib.parse.urlencode(params)}"

    qs = queries()
    search = [("search", q("/", q=query, level=level)) for level, query in qs]
    search += [("search p2", q("/", q=query, level=level, page=2)) for level, query in qs[::5]]
    if routes == "search":
        return search
    docs = shas(data)
    out: list[tuple[str, str]] = []
    for i, item in enumerate(search):  # about half the requests are searches
        out.append(item)
        sha = docs[i % len(docs)]
        kind = i % 10
        if kind in (0, 3, 6):
            out.append(("document", f"/doc/{sha}"))
        elif kind == 1:
            level, query = qs[i % len(qs)]
            out.append(("api search", q("/api/v1/search", q=query, level=level)))
        elif kind == 2:
            out.append(("api document", f"/api/v1/documents/{sha}"))
        elif kind == 4:
            out.append(("pdf", f"/doc/{sha}/pdf"))
        elif kind == 5:
            out.append(("compare", q("/compare", section=("costs", "training", "liability")[i % 3],
                                     model=("TFM", "WSO", "JEM")[i % 3])))
        elif kind == 7:
            out.append(("compare pair", q("/compare", a=sha, b=docs[(i * 7 + 3) % len(docs)])))
        elif kind == 8:
            out.append(("documents", "/docs"))
        else:
            out.append(("api documents", "/api/v1/documents"))
    return out


def start(data: Path, moa_root: Path, extra: list[str]) -> tuple[subprocess.Popen, str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(moa_root)}
    proc = subprocess.Popen([sys.executable, "-m", "moa", "serve", "--data", str(data), "--port", "0", *extra],
                            cwd=moa_root, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    first = proc.stderr.readline()
    m = re.search(r"at (http://127\.0\.0\.1:\d+)/", first)
    if not m:
        proc.kill()
        sys.exit(f"moa serve did not start: {first}{proc.stderr.read()[-2000:]}")
    log: list[str] = []  # drained, so the server never blocks on a full pipe

    def drain() -> None:
        for line in proc.stderr:
            log.append(line.rstrip())

    threading.Thread(target=drain, daemon=True).start()
    return proc, m.group(1), log


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("MOA_DATA", "corpus")))
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring (not counted)")
    ap.add_argument("--routes", choices=("search", "all"), default="search")
    ap.add_argument("--think", type=float, default=0.0)
    ap.add_argument("--moa-root", type=Path, default=ROOT)
    ap.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                    help="an argument for moa serve, e.g. --serve-arg=--threads=4 (repeatable)")
    args = ap.parse_args()
    data = args.data.resolve()
    if not (data / "moa.sqlite").is_file():
        sys.exit(f"no catalog at {data}/moa.sqlite")
    items = work(data, args.routes)
    proc, base, log = start(data, args.moa_root.resolve(), args.serve_arg)
    try:
        with urllib.request.urlopen(base + "/?q=overtime", timeout=60) as r:
            r.read()
        if args.warmup:
            run_load(base, items, args.clients, args.warmup, think=args.think)
        result = run_load(base, items, args.clients, args.seconds, think=args.think)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    rev = subprocess.run(["git", "-C", str(args.moa_root), "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    print(f"moa serve from {args.moa_root} ({rev or 'not a git checkout'}) on {data}; {os.cpu_count()} CPUs, "
          f"load average before the run {os.getloadavg()[0]:.1f}")
    print(table(result))
    errors = result.errors()
    for s in errors[:5]:
        print(f"error on {s.route}: {s.error}")
    failed = [line for line in log if "Traceback" in line or line.startswith("ERROR")]
    if failed:
        print(f"server log: {len(failed)} errors, first: {failed[0]}")
    cmd = " ".join(["python3", "bench/serve_load.py", "--data", str(args.data), "--clients", str(args.clients),
                    "--seconds", f"{args.seconds:g}", "--routes", args.routes]
                   + (["--think", f"{args.think:g}"] if args.think else [])
                   + (["--moa-root", str(args.moa_root)] if args.moa_root.resolve() != ROOT else [])
                   + [f"--serve-arg={a}" for a in args.serve_arg])
    print(f"reproduce: {cmd}")


if __name__ == "__main__":
    main()
