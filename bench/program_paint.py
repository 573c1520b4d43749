"""First paint of the Program and Changes pages in headless Chromium, and when their figures are drawn.

Starts `moa serve` on the catalog given, loads each page in a fresh headless Chromium driven over the DevTools
protocol (--remote-debugging-pipe: no extra package), and prints, per page, first paint and first contentful
paint (the browser's own Paint Timing entries), the load event, and for the Program page the time until every
figure says it is drawn. Nothing leaves 127.0.0.1.

    python3 bench/program_paint.py --data DIR [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from cdp_support import Browser  # noqa: E402  (the tests' DevTools client)

PAGES = ["/program", "/changes", "/changes?view=cancelled&since=2025-12-08"]
FIGURES_DRAWN = ("document.querySelectorAll('.chart[data-spec]').length > 0 && "
                 "[...document.querySelectorAll('.chart[data-spec]')].every(e => e.dataset.state === 'drawn')")


def measure(url: str, wait_figures: bool) -> dict:
    with Browser() as b:
        session = b.open(url)
        drawn = None
        if wait_figures:
            b.wait_for(session, FIGURES_DRAWN)
            drawn = b.js(session, "performance.now()")
        b.wait_for(session, "performance.getEntriesByName('first-contentful-paint').length > 0", 10)
        paint = {e["name"]: e["startTime"] for e in json.loads(b.js(
            session, "JSON.stringify(performance.getEntriesByType('paint'))"))}
        nav = json.loads(b.js(session, "JSON.stringify(performance.getEntriesByType('navigation')[0])"))
        return {"first_paint_ms": paint.get("first-paint"), "fcp_ms": paint.get("first-contentful-paint"),
                "load_ms": nav["loadEventEnd"], "figures_drawn_ms": drawn}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="the catalog (a full ledger: moa ledger import …)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    server = subprocess.Popen([sys.executable, "-m", "moa", "serve", "--data", args.data, "--port", "0"],
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        m = re.search(r"at (http://127\.0\.0\.1:\d+)/", server.stderr.readline())
        if not m:
            sys.exit("moa serve did not start")
        base = m.group(1)
        print(f"moa serve on {args.data}; headless {subprocess.run(['chromium', '--version'], capture_output=True, text=True).stdout.strip()}")
        for path in PAGES:
            measure(base + path, path == "/program")  # warm the server's caches (first request builds the series)
            runs = [measure(base + path, path == "/program") for _ in range(args.runs)]
            med = {k: (round(statistics.median(r[k] for r in runs)) if runs[0][k] is not None else None)
                   for k in runs[0]}
            print(f"{path}: first paint {med['first_paint_ms']} ms, first contentful paint {med['fcp_ms']} ms, "
                  f"load {med['load_ms']} ms" + (f", every figure drawn {med['figures_drawn_ms']} ms"
                                                 if med["figures_drawn_ms"] else "") + f" (median of {args.runs})")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"reproduce: python3 bench/program_paint.py --data {args.data} --runs {args.runs}")


if __name__ == "__main__":
    main()
