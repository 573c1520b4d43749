"""Search benchmark: index time and query latency (p50/p95) for the sqlite backend (and Elasticsearch with
--es-url), beside a brute-force baseline measured in the same run (ripgrep over the extracted text dumped to
one file per document), at 1x, 10x and 100x the corpus (replicas with varied agency, state, date and sha256).

    python bench/search_bench.py [--data DIR] [--scales 1,10,100] [--es-url URL] [--queries bench/queries.txt]

--data is a catalog with extracted records (default: one built under .cache/search-bench by extracting every corpus
PDF without OCR, i.e. from its text layer). Query latency is what `moa search --json` does in-process:
parse, match, rank, count facets over every match, and build snippets for the first 20 hits; each query runs
--repeat times (default 3) and counts with its median, for ripgrep alike (one process per query, all cores).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moa.catalog import connect  # noqa: E402
from moa.config import shared_corpus  # noqa: E402
from search.api import run_search  # noqa: E402
from search.backend import get_backend  # noqa: E402
from search.index import update_index  # noqa: E402
from search.query import Near, Phrase, Term, parse, text_leaves  # noqa: E402

COUNTIES = ("Adams Alder Baker Benton Boone Butler Carroll Cedar Clark Clay Clinton Cole Crawford Dallas Dawson "
            "Decatur Dodge Douglas Elk Fayette Franklin Fulton Grant Greene Hall Hamilton Hancock Hardin Harrison "
            "Henry Hill Houston Jackson Jasper Jefferson Knox Lake Lawrence Lee Lincoln Logan Madison Marion "
            "Marshall Mercer Monroe Morgan Newton Ogle Orange Perry Pike Polk Putnam Randolph Scott Shelby "
            "Stone Sumner Taylor Union Warren Washington Wayne Webster White Wood").split()
STATES = ("AL AK AZ AR CA CO CT DE FL GA ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
          "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
KINDS = ("County Sheriff's Office", "County Jail", "Police Department", "County Detention Center")


def load_queries(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            level, query = line.split("\t", 1)
            out.append((level, query))
    return out


def base_records(data: Path | None) -> list[dict]:
    """Extracted records (with page text) from a catalog; extract the corpus without OCR when none is given."""
    from extract.records import iter_records

    if data is None:
        data = ROOT / ".cache" / "search-bench"
        conn = connect(data)
        if conn.execute("SELECT count(*) FROM extract_documents").fetchone()[0] == 0:
            from extract.pipeline import run as extract_run

            print(f"extracting the corpus text layers (no OCR) into {data} …", file=sys.stderr)
            extract_run(conn, sorted((shared_corpus() / "moa").glob("*.pdf")), mode="skip", jobs=1)
    else:
        conn = connect(data, readonly=True)  # someone's catalog: read it, never migrate it
    records = list(iter_records(conn, with_text=True))
    conn.close()
    if not records:
        raise SystemExit(f"no extracted records in {data}")
    return records


def replicas(records: list[dict], scale: int, seed: int = 7) -> Iterator[dict]:
    """`scale` copies of every record; copies after the first get a new agency, state, date and sha256."""
    rnd = random.Random(seed)
    for k in range(scale):
        for r in records:
            if k == 0:
                yield r
                continue
            old = ((r.get("agency") or {}).get("name")) or ""
            name = f"{rnd.choice(COUNTIES)} {rnd.choice(KINDS)}"
            state = rnd.choice(STATES)
            day = f"20{rnd.randint(19, 25)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
            c = json.loads(json.dumps(r))
            c["sha256"] = hashlib.sha256(f"{r['sha256']}:{k}".encode()).hexdigest()
            c["file"] = f"r{k}_{r['file']}"
            c["agency"] = {"name": name, "state": state}
            for s in c.get("signatories") or []:
                s["date"] = day if s.get("date") else None
            for p in c.get("pages") or []:
                text = p.get("text") or ""
                p["text"] = (text.replace(old, name) if old else text) + f"\n{name}, {state}\n"
            c.pop("listing", None)
            yield c


def rg_pattern(query: str) -> list[str] | None:
    """Regexes a brute-force search must scan for: one per positive text leaf (None: no text to scan)."""
    leaves = text_leaves(parse(query))
    if not leaves:
        return None

    # ASCII word classes: Unicode \b sends ripgrep's regex engine to its slow path on non-ASCII text.
    b, w, nw = r"(?-u:\b)", r"(?-u:\w)", r"(?-u:\W)+"

    def words(leaf) -> str:
        if isinstance(leaf, Term):
            return b + re.escape(leaf.text) + w + "*"  # prefix, or a stemmed word's endings
        if isinstance(leaf, Phrase):
            return b + nw.join(re.escape(x) for x in leaf.words)
        assert isinstance(leaf, Near)
        return "|".join(words(i) for i in leaf.items)

    return [words(leaf) for leaf in leaves]


def dump_text(records: Iterator[dict], folder: Path) -> int:
    n = 0
    for r in records:
        (folder / f"{r['sha256']}.txt").write_text("\f".join(p.get("text") or "" for p in r.get("pages") or []),
                                                   encoding="utf-8")
        n += 1
    return n


def timed(fn, repeat: int) -> float:
    """The median of `repeat` runs (a shared machine's hiccups hit single runs)."""
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def brute_force(folder: Path, queries: list[tuple[str, str]], repeat: int = 1) -> list[float]:
    times = []
    for _, q in queries:
        pats = rg_pattern(q)
        if pats is None:
            continue
        cmd = ["rg", "-i", "-c", "--no-messages"] + [x for p in pats for x in ("-e", p)] + [str(folder)]
        times.append(timed(lambda c=cmd: subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                           repeat))
    return times


def query_times(conn, backend, queries: list[tuple[str, str]], repeat: int = 1) -> tuple[list[float], int]:
    times, hits = [], 0
    for level, q in queries:
        hits += run_search(conn, q, level, backend, limit=20)["total"] > 0
        times.append(timed(lambda lv=level, qq=q: run_search(conn, qq, lv, backend, limit=20), repeat))
    return times, hits


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


def run_scale(records: list[dict], scale: int, queries, es_url: str | None, work: Path, repeat: int) -> dict:
    data = work / f"x{scale}"
    data.mkdir()
    conn = connect(data)
    out: dict = {"scale": scale}
    backends = ["sqlite"] + (["elasticsearch"] if es_url else [])
    for name in backends:
        b = get_backend(name, conn, es_url)
        t = time.perf_counter()
        rep = update_index(conn, b, records=replicas(records, scale), rebuild=True, status_of=lambda r: "unknown")
        if hasattr(b, "optimize"):
            b.optimize()
        index_s = time.perf_counter() - t
        query_times(conn, b, queries[:10])  # warm up
        times, answered = query_times(conn, b, queries, repeat)
        out[name] = {"index_s": round(index_s, 2), "documents": rep["stats"].get("documents"),
                     "units": sum(rep["stats"].get("units", {}).values()), "p50_ms": round(pct(times, 50), 2),
                     "p95_ms": round(pct(times, 95), 2), "answered": answered}
        b.close()
    text = work / f"text{scale}"
    text.mkdir()
    docs = dump_text(replicas(records, scale), text)
    mb = sum(f.stat().st_size for f in text.iterdir()) / 1e6
    brute_force(text, queries[:10])  # warm the page cache
    bt = brute_force(text, queries, repeat)
    out["ripgrep"] = {"documents": docs, "text_mb": round(mb, 1), "queries": len(bt),
                      "p50_ms": round(pct(bt, 50), 2), "p95_ms": round(pct(bt, 95), 2)}
    conn.close()
    shutil.rmtree(text)
    if (data / "moa.sqlite").exists():
        out["sqlite"]["catalog_mb"] = round((data / "moa.sqlite").stat().st_size / 1e6, 1)
    shutil.rmtree(data)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="catalog with extracted records (default: .cache/search-bench)")
    ap.add_argument("--scales", default="1,10,100")
    ap.add_argument("--es-url", help="also measure the Elasticsearch backend at this URL")
    ap.add_argument("--queries", type=Path, default=ROOT / "bench" / "queries.txt")
    ap.add_argument("--repeat", type=int, default=3, help="runs per query; its latency is their median")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    queries = load_queries(args.queries)
    records = base_records(args.data)
    results = []
    with tempfile.TemporaryDirectory(prefix="moa-search-bench-") as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            print(f"scale {scale}x …", file=sys.stderr)
            results.append(run_scale(records, scale, queries, args.es_url, Path(tmp), args.repeat))
            print(json.dumps(results[-1]), file=sys.stderr)
    cmd = "python bench/search_bench.py " + " ".join(
        (["--data", str(args.data)] if args.data else []) + ["--scales", args.scales]
        + (["--es-url", args.es_url] if args.es_url else []) + ["--repeat", str(args.repeat)])
    if args.json:
        print(json.dumps({"queries": len(queries), "results": results, "command": cmd}, indent=2))
        return 0
    print(f"{len(queries)} queries ({args.queries.name}); base corpus {len(records)} records")
    print(f"{'scale':>5} {'backend':<14} {'docs':>7} {'index s':>8} {'p50 ms':>8} {'p95 ms':>8}  notes")
    for r in results:
        rg = r["ripgrep"]
        for name in ("sqlite", "elasticsearch"):
            if name in r:
                x = r[name]
                note = f"p50 {rg['p50_ms'] / max(x['p50_ms'], 1e-6):.1f}x faster than ripgrep"
                if "catalog_mb" in x:
                    note += f"; catalog {x['catalog_mb']} MB"
                print(f"{r['scale']:>4}x {name:<14} {x['documents']:>7} {x['index_s']:>8} {x['p50_ms']:>8} "
                      f"{x['p95_ms']:>8}  {note}")
        print(f"{r['scale']:>4}x {'ripgrep':<14} {rg['documents']:>7} {'-':>8} {rg['p50_ms']:>8} {rg['p95_ms']:>8}  "
              f"{rg['text_mb']} MB of text, {rg['queries']} queries with text")
    last = results[-1]
    print(f"at {last['scale']}x: sqlite p95 {last['sqlite']['p95_ms']} ms vs ripgrep p50 {last['ripgrep']['p50_ms']} ms")
    print(f"reproduce: {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
