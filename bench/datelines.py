"""How well each recognizer reads the handwritten "Date:" lines of the labeled signature pages.

For every labeled MOA (`../shared/corpus/labels/dev.jsonl` and `tests/labels/`), its signature pages are read
as extraction reads them (Tesseract's 400-dpi block reading finds the "Date:" labels, PP-OCRv4's detector the
ink beside each) and each line is read the eight ways of `extract.datecrop` by every recognizer, held to the
days the file can bear (`extract.pdf.latest_date`). A line's
date is taken when six readings agree (and, for the rule extraction uses, the checker does not dissent).
It counts as right when it is one of the document's labeled signatory dates, else as wrong; which party it
belongs to is the signature parser's work, measured by `bench.accuracy`.

Run:  python3 bench/datelines.py [--data DIR] [--cache DIR] [--json]
(OCR of the block readings is cached under DIR/cache/ocr, so a second run only runs the recognizers.)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.accuracy import iso_revision, load_labels  # noqa: E402
from extract import datecrop, linerec, ppocr, sigocr  # noqa: E402
from extract.pdf import latest_date, open_pdf  # noqa: E402
from moa.config import shared_corpus  # noqa: E402


def signature_lines(pdf: Path, page: int, cache: Path) -> tuple[Any, list[tuple[Any, Any]], Any]:
    """The page's image, its date lines (as `extract.datecrop.lines`) and the latest day it can bear."""
    import numpy as np

    doc = open_pdf(pdf)
    try:
        latest = latest_date(doc)
        base = sigocr._ocr(doc, page - 1, sigocr.BLOCK_DPI, sigocr.BLOCK_CONFIG, cache)
        p = doc[page - 1]
        try:
            image = np.asarray(ppocr.render(p, sigocr.BLOCK_DPI))
        finally:
            p.close()
    finally:
        doc.close()
    return image, datecrop.lines(image, base.words), latest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "corpus", help="data directory whose OCR cache to use")
    ap.add_argument("--cache", type=Path, help="OCR cache (default DATA/cache/ocr)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cache = args.cache or args.data / "cache" / "ocr"
    cache.mkdir(parents=True, exist_ok=True)

    recognizers: dict[str, Any] = {"pp-ocrv4": ppocr.line_scores}
    for name in linerec.MODELS:
        rec = linerec.recognizer(name)
        if rec is not None:
            recognizers[name] = rec.scores
    rules = [*recognizers, "extraction's rule"]
    right: Counter[str] = Counter()
    wrong: dict[str, list[str]] = {r: [] for r in rules}
    n_lines, start = 0, time.perf_counter()
    for label in load_labels("all"):
        sigs = label.get("lea_signatories", []) + label.get("ice_signatories", [])
        dates = {s["date"] for s in sigs if s.get("date")}
        pages = {s["page"] for s in sigs if s.get("page")}
        if label.get("signature_page"):
            pages.add(label["signature_page"])
        # The form's revision bounds its dates from below, as extraction's own reading of the footer does.
        revised = iso_revision(label.get("template_revision"))
        earliest = date.fromisoformat(revised) if revised else None
        for page in sorted(pages):
            image, found, latest = signature_lines(shared_corpus() / label["file"], page, cache)
            for _, boxes in found:
                if not boxes:
                    continue
                n_lines += 1
                got = {name: datecrop.read_line(image, boxes, fn, None, latest, earliest)[0]
                       for name, fn in recognizers.items()}
                reader, checker = recognizers.get(datecrop.READER), recognizers.get(datecrop.CHECKER)
                got["extraction's rule"] = (datecrop.read_line(image, boxes, reader, checker, latest, earliest)[0]
                                            if reader else got["pp-ocrv4"])
                for name, iso in got.items():
                    if iso in dates:
                        right[name] += 1
                    elif iso:
                        wrong[name].append(f"{Path(label['file']).name} p{page}: {iso}")
    seconds = round(time.perf_counter() - start, 1)
    if args.json:
        print(json.dumps({"lines": n_lines, "seconds": seconds,
                          "rules": {r: {"right": right[r], "wrong": wrong[r]} for r in rules}}, indent=1))
        return 0
    print(f"{n_lines} date lines with ink on the labeled signature pages ({seconds} s)")
    print(f"{'recognizer':<22} {'right':>6} {'wrong':>6}")
    for r in rules:
        print(f"{r:<22} {right[r]:>6} {len(wrong[r]):>6}")
    for r in rules:
        for w in wrong[r]:
            print(f"  wrong, {r}: {w}")
    print("reproduce: python3 bench/datelines.py --data", args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
