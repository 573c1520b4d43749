"""`moa update` day by day against `moa mirror`, and the first alerts run on a full catalog.

Day 1 serves participatingAgencies05022025pm.xlsx, day 2 adds participatingAgencies05122025amB.xlsx (42 added,
1 removed, 10 changed), day 3 serves the same: each run's time, requests to the mirror, and webhook deliveries
(one subscription to every event, no digest). With `--catalog DIR` it also copies a full catalog and times
`moa alerts run` there twice (the first takes every earlier event in as known).

    python3 bench/alerts_update.py [--catalog /work/data]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from alerts_support import SECRET, Site, Webhook  # noqa: E402

from moa.cli import main  # noqa: E402
from moa.config import shared_corpus  # noqa: E402


def timed(args: list[str]) -> tuple[float, int, str]:
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        rc = main(args)
    return time.perf_counter() - start, rc, out.getvalue().strip().splitlines()[-1] if out.getvalue() else ""


def main_bench() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catalog", type=Path, help="a full catalog to copy and run `moa alerts run` on")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="moa-bench-alerts-") as tmp:
        tmp = Path(tmp)
        site, hook = Site(shared_corpus(), tmp / "site"), Webhook()
        data = tmp / "data"
        try:
            for day in (1, 2, 3):
                if day == 2:
                    site.day2()
                before = (len(site.mirror.requests), len(hook.acked))
                secs, rc, line = timed(["update", "--base-url", site.url, "--delay", "0", "--ocr", "skip",
                                        "--data", str(data), "-q"])
                print(f"day {day}: {secs:.1f} s, exit {rc}, {len(site.mirror.requests) - before[0]} requests, "
                      f"{len(hook.acked) - before[1]} webhook deliveries\n  {line}")
                if day == 1:
                    main(["alerts", "add", "all", "--webhook", hook.url, "--secret", SECRET, "--digest-over", "1000",
                          "--data", str(data), "-q"])
        finally:
            site.stop()
            hook.stop()
        if opts.catalog:
            copy = tmp / "full"
            shutil.copytree(opts.catalog, copy)
            for n in (1, 2):
                secs, rc, line = timed(["alerts", "run", "--data", str(copy)])
                print(f"alerts run #{n} on a copy of {opts.catalog}: {secs:.1f} s, exit {rc}\n  {line}")
    print("reproduce: python3 bench/alerts_update.py" + (f" --catalog {opts.catalog}" if opts.catalog else ""))


if __name__ == "__main__":
    main_bench()
