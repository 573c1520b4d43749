"""Cold extraction of whole folders of MOAs beside bare `tesseract` on the pages that must be OCR'd, in one run.

1. `moa extract --jobs N` over every PDF of the folders (default ../shared/corpus/moa and
   ../shared/validation/moa) into a fresh data directory (fresh OCR cache): wall time and CPU time.
2. What it read, from that run's catalog and OCR cache: the pages OCR'd on the first pass, and every second
   reading (a signature page read again: Tesseract at other resolutions and layouts, PP-OCR, the date lines),
   with the CPU seconds each kind took in the workers (the cache keeps each reading's engine and time).
3. Bare `tesseract IMG stdout --psm 3` (OMP_THREAD_LIMIT=1) on the same first-pass pages, rendered to PNG at the
   same resolution beforehand (not timed), N processes at a time: wall time and CPU time.
4. The ratio of the two wall times.

Run (tens of minutes on 2 cores):
    nice -n 10 python3 bench/cold.py --jobs 2 [--keep DIR] [FOLDER ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.speed import bare_tesseract, children_cpu  # noqa: E402
from extract import ocr  # noqa: E402
from extract.sigocr import BLOCK_DPI  # noqa: E402
from moa.config import shared_corpus  # noqa: E402


def cold_extract(files: list[Path], data: Path, jobs: int) -> tuple[float, float, str, Counter[int]]:
    """(wall s, CPU s of moa and its workers, summary line, busy-worker samples) of one cold `moa extract`."""
    cmd = [sys.executable, "-m", "moa", "extract", "--data", str(data), "--jobs", str(jobs), *map(str, files)]
    cpu = children_cpu()
    start = time.perf_counter()
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        busy: Counter[int] = Counter()
        watcher = threading.Thread(target=watch_workers, args=(proc, busy), daemon=True)
        watcher.start()
        stdout, stderr = proc.communicate()
        watcher.join()
    wall = time.perf_counter() - start
    line = stdout.splitlines()[0] if stdout else stderr.strip()[-300:]
    return wall, children_cpu() - cpu, line, busy


def watch_workers(proc: subprocess.Popen, busy: Counter[int], every: float = 0.1) -> None:
    """Until `proc` ends, count how many of its child processes (the OCR workers) are running or waiting for a
    core (state R or D) at each sample: a worker with nothing to do sleeps on its queue (S). Other load slows a
    busy worker but does not put it to sleep, so this tells an underfed pool from a crowded machine."""
    while proc.poll() is None:
        n = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                head, rest = stat.read_text().rsplit(")", 1)
            except OSError:
                continue
            state, ppid = rest.split()[:2]
            n += int(ppid) == proc.pid and state in "RD"
        busy[n] += 1
        time.sleep(every)


def busy_line(busy: Counter[int], jobs: int) -> str:
    total = sum(busy.values()) or 1
    shares = "  ".join(f"{n} busy {busy[n] / total:.0%}" for n in range(jobs + 1))
    mean = sum(n * c for n, c in busy.items()) / total
    return f"OCR workers busy (sampled every 0.1 s): {shares}; mean {mean:.2f} of {jobs}"


def first_pass_pages(data: Path) -> list[tuple[Path, int]]:
    """(blob, 0-based page) of every page the run OCR'd on its first pass (its OCR kept or not)."""
    conn = sqlite3.connect(f"file:{data / 'moa.sqlite'}?mode=ro", uri=True)
    rows = conn.execute("SELECT sha256, number FROM extract_pages WHERE reason LIKE '%OCR at %dpi%'"
                        " OR reason LIKE '%OCR read worse%' ORDER BY sha256, number").fetchall()
    return [(data / "blobs" / sha[:2] / sha, n - 1) for sha, n in rows]


def readings(data: Path) -> dict[tuple[str, int], list[float]]:
    """(engine, dpi) -> CPU seconds of each reading the run made (render not included), from its OCR cache; the
    date lines' engine names the latest date a page allows, so those are one kind here."""
    out: dict[tuple[str, int], list[float]] = defaultdict(list)
    for f in (data / "cache" / "ocr").glob("*/*.json"):
        d = json.loads(f.read_text(encoding="utf-8"))
        engine = d.get("engine") or "?"
        engine = "datecrop" if engine.startswith("datecrop") else engine
        engine = engine.split(" (")[0] if engine.startswith("--psm") else engine  # "(chroma over 60, ...)"
        # PP-OCR of a signature page's region: its engine string names where the region begins
        engine = engine.split("; lines from y")[0] + " region" if "; lines from y" in engine else engine
        out[(engine, d.get("dpi", 0))].append(float(d.get("cpu") or 0.0))
    return out


_FROM = re.compile(r"(name|date) read from a (?:fresh OCR at (\d+) dpi (--psm \d+(?:, coloured ink dropped)?)|"
                   r"PP-OCR reading at (\d+) dpi|"
                   r"(PP-OCR reading of its 'Date:' lines))")


def given_by(data: Path) -> dict[str, Counter[str]]:
    """Stage name -> names and dates that stage's second readings gave and the record keeps (the values whose
    reason names it), from the run's records: what each kind of reading costs beside what it yields."""
    conn = sqlite3.connect(f"file:{data / 'moa.sqlite'}?mode=ro", uri=True)
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for (record,) in conn.execute("SELECT record FROM extract_documents"):
        for s in json.loads(record).get("signatories") or []:
            for reason in s.get("reasons") or []:
                m = _FROM.match(reason)
                if m is None:
                    continue
                what, dpi, psm, pp_dpi, lines = m.groups()
                if not s.get(what):
                    continue  # given, then dropped by a later check
                stage = stage_name(psm, int(dpi)) if psm else \
                    stage_name("datecrop", BLOCK_DPI) if lines else stage_name("rapidocr region", int(pp_dpi))
                out[stage][what] += 1
    return out


def stage_name(engine: str, dpi: int) -> str:
    if engine.startswith("--psm"):
        return f"Tesseract {dpi} dpi {engine}"
    if engine.startswith("datecrop"):
        return f"date lines {dpi} dpi (PP-OCRv6/v5 recognizers)"
    if engine.startswith("rapidocr"):
        return f"PP-OCR {'signature region' if engine.endswith(' region') else 'page'} {dpi} dpi"
    return f"{engine[:40]} {dpi} dpi"


def _render_png(args: tuple[str, int, str]) -> None:
    path, index, out = args
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    page = doc[index]
    ocr.render(page, ocr.DPI).save(out)
    page.close()
    doc.close()


def bare_on(pages: list[tuple[Path, int]], jobs: int, tmp: Path) -> tuple[float, float]:
    """(wall s, CPU s) of the bare command on the pages, `jobs` at a time (bench/speed.py's run); rendering is
    not timed."""
    pngs = [tmp / f"p{k:05d}.png" for k in range(len(pages))]
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_render_png, [(str(p), i, str(out)) for (p, i), out in zip(pages, pngs, strict=True)]))
    return bare_tesseract(pngs, jobs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path,
                    default=[shared_corpus() / "moa", shared_corpus().parent / "validation" / "moa"])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="data directory to extract into and keep (must not exist)")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare tesseract run")
    args = ap.parse_args(argv)
    files = sorted(f for folder in args.folders for f in folder.glob("*.pdf"))
    if args.keep and args.keep.exists():
        print(f"{args.keep} exists: a cold run needs a fresh data directory", file=sys.stderr)
        return 2
    data = args.keep or Path(tempfile.mkdtemp(prefix="moa-cold-"))
    print(f"cold extraction: {len(files)} PDFs from {', '.join(map(str, args.folders))}; {args.jobs} processes; "
          f"tesseract {ocr.tesseract_version()}; {os.cpu_count()} CPUs; load before {os.getloadavg()[0]:.1f}")
    args_line = " ".join(sys.argv[1:] if argv is None else argv)
    print(f"command: python3 bench/cold.py {args_line} (niceness {os.nice(0)}, {os.cpu_count()} CPUs)".rstrip())
    try:
        wall, cpu, summary, busy = cold_extract(files, data, args.jobs)
        print(f"moa extract (cold): {wall:8.1f} s wall, {cpu:8.1f} s CPU   ({summary})")
        print(busy_line(busy, args.jobs))
        first = first_pass_pages(data)
        stages = readings(data)
        total_read = sum(len(v) for v in stages.values())
        print(f"pages OCR'd on the first pass: {len(first)}; readings in the OCR cache: {total_read} "
              f"(so {total_read - len(first)} second readings of signature pages)")
        given = given_by(data)
        print(f"  {'reading (CPU s in the workers)':<46}{'count':>6}{'CPU s':>10}{'s/reading':>11}"
              f"{'names':>7}{'dates':>7}  (values its second readings gave)")
        for (engine, dpi), secs in sorted(stages.items(), key=lambda kv: -sum(kv[1])):
            note = f" (first pass {len(first)}, signature pages {len(secs) - len(first)})" \
                if (engine, dpi) == (ocr.CONFIG, ocr.DPI) else ""
            name = stage_name(engine, dpi)
            print(f"  {name:<46}{len(secs):>6}{sum(secs):>10.1f}{sum(secs) / len(secs):>11.2f}"
                  f"{given[name]['name']:>7}{given[name]['date']:>7}{note}")
        if args.no_bare:
            return 0
        with tempfile.TemporaryDirectory(prefix="moa-cold-png-") as tmp:
            bare_wall, bare_cpu = bare_on(first, args.jobs, Path(tmp))
        print(f"bare tesseract on the same {len(first)} pages, {args.jobs} processes: {bare_wall:8.1f} s wall, "
              f"{bare_cpu:8.1f} s CPU")
        print(f"ratio moa cold / bare tesseract: {wall / bare_wall:.2f}x wall, {cpu / bare_cpu:.2f}x CPU "
              f"(load after {os.getloadavg()[0]:.1f})")
    finally:
        if args.keep is None:
            shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
