"""Request counts (and wall time) of a first and a second `moa harvest` against `moa mirror` of a corpus.

    python bench/harvest_requests.py [CORPUS_DIR] [--also DIR ...]   # default ../shared/corpus
                                                                      # --also ../shared/validation/moa

Starts the mirror in a thread on 127.0.0.1 (serving the `--also` folders too; by default the validation MOAs
beside the corpus, which ICE's sheets link, as scripts/main.sh does), harvests twice into a temporary data
directory with --delay 0, and prints both runs' figures as JSON, with the mirror's own count of requests it
answered.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from harvest.mirror import Mirror
from harvest.run import harvest
from moa.catalog import connect
from moa.config import shared_corpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=shared_corpus())
    ap.add_argument("--also", action="append", type=Path, metavar="DIR",
                    help="another folder the mirror serves (default: ../validation/moa beside the corpus, if any)")
    args = ap.parse_args()
    corpus = args.corpus
    also = args.also if args.also is not None else [
        d for d in [corpus.parent / "validation" / "moa"] if d.is_dir()]
    command = " ".join(["python bench/harvest_requests.py", str(corpus), *(f"--also {d}" for d in also)])
    out = {"command": command, "runs": []}
    with tempfile.TemporaryDirectory() as tmp, Mirror(corpus, also=also) as mirror:
        conn = connect(Path(tmp) / "data")
        for label in ("first", "second"):
            served = len(mirror.requests)
            start = time.monotonic()
            r = harvest(conn, mirror.url, delay=0, timeout=30, retries=2, backoff=0.5)
            out["runs"].append({
                "run": label, "seconds": round(time.monotonic() - start, 1), "requests": r["requests"],
                "mirror_answered": len(mirror.requests) - served, "sheets": r["sheets"], "pdfs": r["pdfs"],
                "failures": r["failures"],
            })
        out["stored"] = {
            "sheets": conn.execute("SELECT COUNT(*) FROM downloads WHERE kind='sheet' AND state='done'").fetchone()[0],
            "pdfs": conn.execute("SELECT COUNT(*) FROM downloads WHERE kind='pdf' AND state='done'").fetchone()[0],
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
