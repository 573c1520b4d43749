"""Extraction speed beside the bare engines, on the same pages in the same run.

Prints pages/s for text-layer pages (moa's read_pages vs bare pypdfium2 `get_text_range`) and for OCR pages
(moa's OCR path: render in-process, hash, cache lookup, one Tesseract run (in-process via tesserocr when it is
linked against the command's library, else pytesseract's `image_to_data`), on a pool of
--jobs processes; vs the bare `tesseract IMG stdout` command on the same images rendered to PNG, --jobs
processes at a time, OMP_THREAD_LIMIT=1 for both), then the whole-corpus time cold (fresh data dir and OCR
cache), warm (second run: nothing to do) and re-extracted with a warm OCR cache (--force: no OCR).

    nice -n 10 python bench/speed.py                      # 10 OCR pages, corpus phase on 12 documents
    nice -n 10 python bench/speed.py --subset 0           # corpus phase on all of ../shared/corpus/moa
    nice -n 10 python bench/speed.py --dpi-sweep          # OCR time and quality at 150/200/300/400 dpi
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from extract import ocr  # noqa: E402
from extract.pages import decide, read_pages  # noqa: E402
from extract.textlayer import read_layer, score_text  # noqa: E402
from moa.config import shared_corpus  # noqa: E402


def pdfs(corpus: Path) -> list[Path]:
    return sorted((corpus / "moa").glob("*.pdf"))


def bare_text(files: list[Path]) -> tuple[int, float]:
    start = time.process_time()  # CPU time: one process, and far less swayed by others' load than wall time
    n = 0
    for f in files:
        doc = pdfium.PdfDocument(str(f))
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
            n += 1
        doc.close()
    return n, time.process_time() - start


def moa_text(files: list[Path]) -> tuple[int, float]:
    start = time.process_time()
    n = 0
    for f in files:
        n += len(read_pages(f, mode="skip"))
    return n, time.process_time() - start


def ocr_sample(files: list[Path], count: int) -> list[tuple[Path, int]]:
    """The first `count` pages that auto mode sends to OCR, spread over documents."""
    chosen: list[tuple[Path, int]] = []
    for f in files:
        doc = pdfium.PdfDocument(str(f))
        for i in range(len(doc)):
            _, score = read_layer(doc[i])
            if decide(score, "auto")[0]:
                chosen.append((f, i))
                break  # one page per document: a mix of scans
        doc.close()
        if len(chosen) >= count:
            break
    return chosen


def render_pngs(pages: list[tuple[Path, int]], out: Path, dpi: int) -> list[Path]:
    paths = []
    for k, (f, i) in enumerate(pages):
        doc = pdfium.PdfDocument(str(f))
        image = ocr.render(doc[i], dpi)
        doc.close()
        path = out / f"page{k:03d}.png"
        image.save(path)
        paths.append(path)
    return paths


def proc_cpu(pids: list[int]) -> float:
    """CPU seconds used by these processes and their waited-for children (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def bare_tesseract(pngs: list[Path], jobs: int) -> tuple[float, float]:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    cmd_extra = ocr.CONFIG.split()

    def one(p: Path) -> None:
        subprocess.run(["tesseract", str(p), "stdout", "-l", ocr.LANG, *cmd_extra], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    cpu = children_cpu()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, pngs))
    return time.perf_counter() - start, children_cpu() - cpu


def moa_ocr(pages: list[tuple[Path, int]], jobs: int, dpi: int) -> tuple[float, float]:
    cache = Path(tempfile.mkdtemp(prefix="moa-bench-ocr-"))
    try:
        executor = ocr.pool(jobs)  # workers started before the clock, as in a long run
        for fut in [executor.submit(ocr.tesseract_version) for _ in range(jobs * 2)]:
            fut.result()
        pids = list(executor._processes)  # noqa: SLF001 - the workers whose CPU time we read
        cpu = proc_cpu(pids)
        start = time.perf_counter()
        futures = [ocr.submit(jobs, str(f), str(f), i, dpi, cache) for f, i in pages]
        results = [fut.result() for fut in futures]
        elapsed = time.perf_counter() - start
        assert not any(r.cached for r in results)
        return elapsed, proc_cpu(pids) - cpu
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def corpus_phase(files: list[Path], jobs: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="moa-bench-data-"))
    try:
        base = [sys.executable, "-m", "moa", "extract", "--data", str(data), "--jobs", str(jobs)]
        names = [str(f) for f in files]
        for label, extra in (("cold", []), ("warm", []), ("re-extract, warm OCR cache", ["--force"])):
            start = time.perf_counter()
            out = subprocess.run(base + extra + names, cwd=ROOT, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            summary = out.stdout.splitlines()[0] if out.stdout else out.stderr.strip()[-200:]
            print(f"  corpus {label:<27} {elapsed:8.1f} s   ({summary})")
    finally:
        shutil.rmtree(data, ignore_errors=True)


def dpi_sweep(pages: list[tuple[Path, int]]) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    print("dpi sweep (one process): dpi, s/page, mean word confidence, words, dictionary share")
    for dpi in (150, 200, 300, 400):
        secs, confs, words, shares = [], [], [], []
        for f, i in pages:
            doc = pdfium.PdfDocument(str(f))
            result = ocr.ocr_image(ocr.render(doc[i], dpi), dpi)
            doc.close()
            secs.append(result.seconds)
            confs.append(result.mean_conf)
            words.append(len(result.words))
            shares.append(score_text(result.text).dict_share)
        print(f"  {dpi:4d} dpi  {statistics.mean(secs):6.2f} s/page  conf {statistics.mean(confs):5.1f}  "
              f"words {sum(words):6d}  dict {statistics.mean(shares):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=shared_corpus())
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--ocr-pages", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2, help="alternating bare/moa rounds (load on the machine varies)")
    ap.add_argument("--subset", type=int, default=12, help="documents in the corpus phase (0 = all)")
    ap.add_argument("--skip-corpus", action="store_true")
    ap.add_argument("--dpi-sweep", action="store_true")
    args = ap.parse_args()
    files = pdfs(args.corpus)
    print(f"moa speed bench: {len(files)} PDFs in {args.corpus / 'moa'}, jobs={args.jobs}, "
          f"OCR at {ocr.DPI} dpi, tesseract {ocr.tesseract_version()}")
    print(f"command: nice -n 10 python bench/speed.py {' '.join(sys.argv[1:])}".rstrip())

    pages = ocr_sample(files, args.ocr_pages)
    if args.dpi_sweep:
        dpi_sweep(pages[:4])
        return

    bare_runs, moa_runs = [], []
    for _ in range(args.rounds):  # alternating, medians: the load on a shared machine varies
        bare_n, t = bare_text(files)
        bare_runs.append(t)
        moa_n, t = moa_text(files)
        moa_runs.append(t)
    bare_s, moa_s = statistics.median(bare_runs), statistics.median(moa_runs)
    print(f"text layer (CPU time), all {bare_n} pages x {args.rounds} rounds: bare pypdfium2 {bare_n / bare_s:7.1f} pages/s   "
          f"moa read_pages(--ocr skip) {moa_n / moa_s:7.1f} pages/s   moa/bare time {moa_s / bare_s:.2f}x "
          f"(rounds bare {[round(t, 1) for t in bare_runs]} s, moa {[round(t, 1) for t in moa_runs]} s)")

    with tempfile.TemporaryDirectory(prefix="moa-bench-png-") as tmp:
        pngs = render_pngs(pages, Path(tmp), ocr.DPI)
        bare_times, moa_times, bare_cpu, moa_cpu = [], [], [], []
        for k in range(args.rounds):
            # Alternate which goes first: the load of a shared machine drifts.
            order = ("bare", "moa") if k % 2 == 0 else ("moa", "bare")
            for which in order:
                if which == "bare":
                    wall, cpu = bare_tesseract(pngs, args.jobs)
                    bare_times.append(wall)
                    bare_cpu.append(cpu)
                else:
                    wall, cpu = moa_ocr(pages, args.jobs, ocr.DPI)
                    moa_times.append(wall)
                    moa_cpu.append(cpu)
        ocr.shutdown()
    n = len(pages)
    b, m = statistics.median(bare_times), statistics.median(moa_times)
    bc, mc = statistics.median(bare_cpu), statistics.median(moa_cpu)
    print(f"OCR, {n} pages x {args.rounds} rounds, {args.jobs} processes: bare tesseract {n / b:.3f} pages/s   "
          f"moa {n / m:.3f} pages/s   moa throughput = {b / m:.0%} of bare (wall; rounds bare "
          f"{[round(t, 1) for t in bare_times]} s, moa {[round(t, 1) for t in moa_times]} s)")
    engine = "tesseract in-process" if ocr._api_usable() else "pytesseract, tesseract"  # noqa: SLF001
    print(f"OCR CPU per page: bare tesseract {bc / n:.2f} s   moa {mc / n:.2f} s (render, hash, cache, "
          f"{engine})   moa throughput when CPU-bound = {bc / mc:.0%} of bare")

    if not args.skip_corpus:
        chosen = files if args.subset == 0 else files[: args.subset]
        print(f"whole corpus: {len(chosen)} documents")
        corpus_phase(chosen, args.jobs)


if __name__ == "__main__":
    main()
