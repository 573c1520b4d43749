"""How often real OCR noise alone would make a separate variant: the same born-digital MOAs extracted twice,
once from their text layer (--ocr skip) and once through Tesseract (--ocr force), compared clause by clause.

Run: python3 bench/compare_ocr_vs_text.py [FILE.pdf ...]   (default: three MOAs, ~40 pages of OCR)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compare.clauses import clause_of, section_keys  # noqa: E402
from compare.comparison import load_records  # noqa: E402
from compare.tokendiff import is_noise, same_wording, token_ops  # noqa: E402
from moa.catalog import connect  # noqa: E402
from moa.cli import main as moa  # noqa: E402
from moa.config import shared_corpus  # noqa: E402

DEFAULT = ["FranklinCoAL_TFM_MOA_031825.pdf", "daviePoliceDeptFL_TFM_MOA_03.05.25.pdf",
           "GraysonCountyDCKY_JEM_MOA_030425.pdf"]


def main(names: list[str]) -> None:
    pdfs = [str(shared_corpus() / "moa" / n) for n in names]
    with tempfile.TemporaryDirectory() as txt, tempfile.TemporaryDirectory() as ocr:
        moa(["extract", "--data", txt, "--ocr", "skip", "-q", *pdfs])
        moa(["extract", "--data", ocr, "--ocr", "force", "-q", *pdfs])
        a = {r["sha256"]: r for r in load_records(connect(txt, readonly=True))}
        b = {r["sha256"]: r for r in load_records(connect(ocr, readonly=True))}
        total = same = 0
        for sha, ra in a.items():
            for key in section_keys([ra]):
                ca, cb = clause_of(ra, key), clause_of(b[sha], key)
                if not (ca and cb):
                    continue
                total += 1
                if same_wording(ca.toks, cb.toks):
                    same += 1
                    continue
                left = [(ca.toks[i1:i2], cb.toks[j1:j2]) for t, i1, i2, j1, j2 in token_ops(ca.toks, cb.toks)
                        if t != "equal" and not is_noise(ca.toks[i1:i2], cb.toks[j1:j2])]
                print(f"  differs: {ra['file']} {key}: {left[:4]}")
    print(f"{same} of {total} clauses: text layer and Tesseract OCR give the same variant ({same / total:.1%})")


if __name__ == "__main__":
    main(sys.argv[1:] or DEFAULT)
