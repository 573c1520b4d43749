"""Where the cold time of extraction goes, per stage, on a sample of pages moa OCRs: render, Tesseract, and the
second readings of a signature page (Tesseract at 400 dpi as one block and as sparse text, PP-OCR of the whole
page and of the signature blocks' region alone, the date lines), one process, no cache, in CPU seconds of this
process (wall seconds beside them: on a loaded machine they run long). The per-page means times the counts in a catalog (`--data`: pages OCR'd, and
signature pages of documents still missing a name or date, the ones read again) estimate the cold cost of
each stage for that catalog's documents.

Run:  OMP_THREAD_LIMIT=1 nice -n 10 python3 bench/ocr_stages.py --data DIR [--pages 6] [--sig 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from extract import ocr, ppocr, sigocr  # noqa: E402
from extract.pdf import open_pdf  # noqa: E402
from extract.sigregion import region_top  # noqa: E402


def clock(times: list[tuple[float, float]], fn: Any, *args: Any) -> Any:
    """fn(*args), its (CPU, wall) seconds appended to `times`."""
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    times.append((time.process_time() - c, time.perf_counter() - t))
    return out


def sample(conn: sqlite3.Connection, blobs: Path, n: int, sig: bool) -> list[tuple[Path, int]]:
    """(blob path, 0-based page) of `n` OCR'd pages spread over the catalog; with `sig`, signature pages of
    documents with a signatory value missing (those sigocr reads again)."""
    if sig:
        rows = conn.execute("SELECT sha256, record FROM extract_documents ORDER BY file").fetchall()
        out = []
        for sha, rec in rows:
            r = json.loads(rec or "{}")
            sigs = r.get("signatories") or []
            if sigs and any(s.get("name") is None or s.get("date") is None for s in sigs) and sigs[0].get("page"):
                out.append((blobs / sha[:2] / sha, sigs[0]["page"] - 1))
        step = max(1, len(out) // max(1, n))
        return out[::step][:n]
    rows = conn.execute("SELECT sha256, number FROM extract_pages WHERE method='ocr' ORDER BY sha256, number").fetchall()
    step = max(1, len(rows) // max(1, n))
    return [(blobs / sha[:2] / sha, num - 1) for sha, num in rows[::step][:n]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--pages", type=int, default=6, help="OCR'd pages to time")
    ap.add_argument("--sig", type=int, default=3, help="signature pages to time the second readings on")
    args = ap.parse_args(argv)
    conn = sqlite3.connect(f"file:{args.data / 'moa.sqlite'}?mode=ro", uri=True)
    blobs = args.data / "blobs"
    if not any(blobs.glob("*/*")):
        print(f"no blobs under {blobs}", file=sys.stderr)
        return 2
    stage: dict[str, list[tuple[float, float]]] = {k: [] for k in (
        "render 300", "tesseract 300 psm3", "render 400", "tesseract 400 psm6", "tesseract 400 psm11",
        "pp-ocr 300 (render included)", "pp-ocr 300 region (render incl.)", "date lines 400")}
    for path, i in sample(conn, blobs, args.pages, sig=False):
        doc = open_pdf(path)
        page = doc[i]
        img = clock(stage["render 300"], ocr.render, page, ocr.DPI)
        clock(stage["tesseract 300 psm3"], ocr.ocr_image, img, ocr.DPI, ocr.CONFIG)
        page.close()
        doc.close()
    for path, i in sample(conn, blobs, args.sig, sig=True):
        doc = open_pdf(path)
        page = doc[i]
        img = clock(stage["render 400"], ocr.render, page, sigocr.BLOCK_DPI)
        page.close()
        block = clock(stage["tesseract 400 psm6"], ocr.ocr_image, img, sigocr.BLOCK_DPI, sigocr.BLOCK_CONFIG)
        clock(stage["tesseract 400 psm11"], ocr.ocr_image, img, sigocr.BLOCK_DPI, sigocr.SPARSE_CONFIG)
        if ppocr.available():
            clock(stage["pp-ocr 300 (render included)"], sigocr._ocr, doc, i, ocr.DPI, sigocr.PP_OCR, None)
            page = doc[i]
            layout = ocr.ocr_image(ocr.render(page, ocr.DPI), ocr.DPI, ocr.CONFIG)  # the region's anchors
            page.close()
            clock(stage["pp-ocr 300 region (render incl.)"], sigocr._ocr, doc, i, ocr.DPI, sigocr.PP_OCR, None,
                  region_top(layout.words, ocr.DPI))
            # over the block reading just made, as sigocr hands it on (not read again from the cache)
            clock(stage["date lines 400"], sigocr._ocr, doc, i, sigocr.BLOCK_DPI, sigocr.DATE_LINES, None, None,
                  block)
        doc.close()
    ocr_pages = conn.execute("SELECT COUNT(*) FROM extract_pages WHERE method='ocr'").fetchone()[0]
    resig = len(sample(conn, blobs, 10**6, sig=True))
    print(f"catalog {args.data}: {ocr_pages} pages OCR'd; {resig} documents whose signature page is read again")
    print(f"{'stage':<34}{'n':>3}{'CPU s/page':>12}{'wall s/page':>13}{'est. cold CPU s':>17}")
    for name, xs in stage.items():
        if not xs:
            continue
        cpu, wall = statistics.mean(c for c, _ in xs), statistics.mean(w for _, w in xs)
        count = ocr_pages if "300" in name and "pp-ocr" not in name else resig
        print(f"{name:<34}{len(xs):>3}{cpu:>12.2f}{wall:>13.2f}{cpu * count:>17.0f}")
    print("(date lines: over the 400 dpi psm6 reading above, which sigocr hands on; its render is included)")
    print(f"\nreproduce: OMP_THREAD_LIMIT=1 nice -n 10 python3 bench/ocr_stages.py --data {args.data} "
          f"--pages {args.pages} --sig {args.sig}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
