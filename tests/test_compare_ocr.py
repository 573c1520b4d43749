"""Real OCR noise: the same clause read by Tesseract from the rendered page and from the born-digital text layer
must be one variant (no synthetic corruption here: the misreadings are Tesseract's own)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from compare_support import text_layer_records

from compare.clauses import Clause, clause_of
from compare.comparison import compare_clauses
from compare.tokendiff import substantive_changes
from extract import ocr  # noqa: E402

FILE = "FranklinCoAL_TFM_MOA_031825.pdf"


@pytest.mark.slow
@pytest.mark.parametrize("key,title,next_number", [("costs-and-expenditures", "COSTS AND EXPENDITURES", "XI")])
def test_tesseract_reading_is_the_same_variant_as_the_text_layer(corpus: Path, key: str, title: str,
                                                                   next_number: str) -> None:
    import pypdfium2 as pdfium

    rec = text_layer_records(corpus, [FILE])[0]
    clean = clause_of(rec, key)
    sec = next(s for s in rec["sections"] if s["key"] == key)
    pdf = pdfium.PdfDocument(str(corpus / "moa" / FILE))
    try:
        text = "\n".join(ocr.ocr_image(ocr.render(pdf[p - 1])).text for p in range(sec["page_start"], sec["page_end"] + 1))
    finally:
        pdf.close()
    m = re.search(rf"{title}\s*\n(.*?)\n\s*{next_number}\.", text, re.S)
    assert m, text[:500]
    read = Clause(**{**{k: getattr(clean, k) for k in ("file", "agency", "state", "model", "revision", "date_signed",
                                                       "key", "number", "title", "page", "ctx")},
                     "sha256": clean.sha256 + "-ocr", "text": m.group(1)})
    assert read.text != clean.text  # Tesseract's text really differs from the text layer
    assert substantive_changes(clean.toks, read.toks) == 0
    res = compare_clauses([clean, read], key)
    assert len(res["variants"]) == 1 and not res["deviations"]
