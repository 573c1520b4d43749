"""Per-page decisions (text layer or OCR, and why) on real pages of the shared corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extract.pages import decide, read_pages
from extract.textlayer import read_layer, score_text

EXPECTED = Path(__file__).parent / "expected" / "pages"
CASES = json.loads((EXPECTED / "decisions.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_page_decision(corpus: Path, case: dict) -> None:
    pdf = pdfium.PdfDocument(str(corpus / "moa" / case["file"]))
    try:
        text, score = read_layer(pdf[case["page"] - 1])
    finally:
        pdf.close()
    needs, reason = decide(score, "auto")
    got = {"ocr": needs, "reason": reason, "chars": score.chars, "dict_share": score.dict_share,
           "image_cover": score.image_cover, "shifted_tokens": score.shifted_tokens, "quality": score.quality}
    assert got == {k: case[k] for k in got}
    for phrase in case["text_contains"]:
        assert phrase in text


def test_modes_force_and_skip(corpus: Path) -> None:
    pdf = pdfium.PdfDocument(str(corpus / "moa" / "GraysonCountyDCKY_JEM_MOA_030425.pdf"))
    try:
        _, score = read_layer(pdf[0])
    finally:
        pdf.close()
    assert decide(score, "force") == (True, "--ocr force")
    # skip never OCRs: a scanned page without a layer is reported as such, with method 'none'.
    pages = read_pages(corpus / "moa" / "BlaineCo_WSO_MOA_02.18.2025.pdf", mode="skip")
    assert pages[0].method == "none" and pages[0].reason.endswith("not OCR'd (--ocr skip)")
    assert all(p.method in ("none", "text") for p in pages)


def test_born_digital_document_needs_no_ocr(corpus: Path) -> None:
    pages = read_pages(corpus / "moa" / "GraysonCountyDCKY_JEM_MOA_030425.pdf", mode="auto")
    assert [p.method for p in pages] == ["text"] * 11
    assert all(p.quality >= 0.95 for p in pages)
    assert "For the LEA:" in pages[6].text  # decoded, not OCR'd


def test_unmappable_glyphs_send_a_page_to_ocr() -> None:
    # pdfminer-style `(cid:N)` runs and U+FFFD are what an unmapped font leaves in a layer.
    text = "MEMORANDUM OF AGREEMENT " + "(cid:72)(cid:105)(cid:33) " * 30 + "\ufffd" * 10
    score = score_text(text, image_cover=1.0)
    needs, reason = decide(score, "auto")
    assert needs and reason.startswith("unmappable glyphs")


def test_bad_mode_is_rejected(corpus: Path) -> None:
    with pytest.raises(ValueError):
        read_pages(corpus / "moa" / "GraysonCountyDCKY_JEM_MOA_030425.pdf", mode="redo")


def test_a_layer_over_a_scan_is_marked_scanned(corpus: Path) -> None:
    # MassDOC: every page a scan with the scanner's OCR layer; Grayson: born-digital, typeset text.
    scan = read_pages(corpus / "moa" / "287g_JEM_MassDOC_06-08-2020.pdf", mode="skip")
    assert [p.method for p in scan] == ["text"] * 12
    assert all(p.info().get("scanned") is True for p in scan)
    born = read_pages(corpus / "moa" / "GraysonCountyDCKY_JEM_MOA_030425.pdf", mode="skip")
    assert not any("scanned" in p.info() for p in born)


def test_a_poor_scanner_layer_is_read_again(corpus: Path, tmp_path: Path) -> None:
    # Walker Co. TX's last page: a scanner's OCR layer at 91% dictionary words, which Tesseract reads better.
    pdf = corpus / "moa" / "287gJEM_WalkerCoTX_06-09-2020.pdf"
    page = read_pages(pdf, mode="auto", cache_dir=tmp_path, jobs=1)[11]
    assert page.method == "ocr"
    assert page.reason.startswith("scanner's OCR layer (91% dictionary words) read again; OCR at 300 dpi")
    assert score_text(page.text).dict_share > page.layer["dict_share"]
    assert page.layer_text  # what the layer said stays as evidence
    assert read_pages(pdf, mode="skip")[11].method == "text"  # skip keeps the layer
