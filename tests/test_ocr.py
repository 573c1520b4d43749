"""OCR of a rendered page: Tesseract through pytesseract, words with confidences, cached by image hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract import ocr
from extract.pages import read_pages

EXPECTED = json.loads((Path(__file__).parent / "expected" / "pages" / "ocr_etowah_p11.json").read_text())


@pytest.mark.slow
def test_ocr_of_a_rendered_page_and_its_cache(corpus: Path, tmp_path: Path) -> None:
    source = str(corpus / "moa" / EXPECTED["file"])
    cache = tmp_path / "ocr"
    first = ocr.ocr_page_task("doc", source, EXPECTED["page"] - 1, ocr.DPI, str(cache))
    assert not first.cached and first.seconds > 0
    for line in EXPECTED["lines"]:
        assert line in first.text, line
    assert len(first.words) >= EXPECTED["min_words"]
    assert first.mean_conf >= EXPECTED["min_mean_conf"]
    word, conf, box = first.words[0]
    assert word == "APPENDIX" and 0 <= conf <= 100 and len(box) == 4 and box[2] > 0
    assert len(list(cache.rglob("*.json"))) == 1
    # The cache keeps what read the page and the CPU time it took: bench/cold.py's profile of a cold run.
    kept = json.loads(next(cache.rglob("*.json")).read_text())
    assert kept["engine"] == ocr.CONFIG == first.engine and kept["cpu"] == first.cpu > 0

    again = ocr.ocr_page_task("doc", source, EXPECTED["page"] - 1, ocr.DPI, str(cache))
    assert again.cached and again.text == first.text and again.words == first.words


@pytest.mark.slow
def test_read_pages_ocrs_only_the_scanned_page_and_keeps_confidences(corpus: Path, tmp_path: Path) -> None:
    # Laramie: a born-digital TFM whose signature page (9) is a scan with one typed date on it.
    pages = read_pages(corpus / "moa" / "LaramieCoSheriffsOfficeWY_TFM_MOA_06112025.pdf", cache_dir=tmp_path, jobs=1)
    ocr_pages = [p for p in pages if p.method == "ocr"]
    assert [p.number for p in ocr_pages] == [9]
    page = ocr_pages[0]
    assert page.reason.startswith("almost empty text layer (9 chars) over an image")
    assert page.layer_text.strip() == "6/11/2025"
    assert page.words and page.mean_conf is not None and 0 < page.quality <= 1
    assert "Signature" in page.text


@pytest.mark.slow
def test_garbage_layer_is_replaced_only_when_ocr_reads_better(corpus: Path, tmp_path: Path) -> None:
    # Muskogee p7: an old OCR layer of noise ("I his MO.I\\ docs l lLll."); Tesseract reads the page.
    muskogee = read_pages(corpus / "moa" / "MuskogeeCoOK_WSO_MOA_04.16.2025.pdf", cache_dir=tmp_path, jobs=2)[6]
    assert muskogee.method == "ocr" and muskogee.reason.startswith("garbage text layer (75% dictionary words)")
    assert "This MOA does not" in muskogee.text.replace("\n", " ")
    # Indian River Shores p1: the scan itself is printed with stray "o"s between words; OCR reads no better.
    indian = read_pages(corpus / "moa" / "IndianRiverShoresDPS_TFM_MOA_03.04.25.pdf", cache_dir=tmp_path, jobs=2)[0]
    assert indian.method == "text" and indian.reason.endswith("text layer kept")


@pytest.mark.slow
def test_in_process_tesseract_reads_exactly_as_the_command(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # tesserocr is used only when linked against the command's own libtesseract; then every page, in every
    # page-segmentation mode the extractor uses, must read the same (text, boxes, confidences), in any order.
    pytest.importorskip("tesserocr", reason="tesserocr not installed: pytesseract runs the command")
    import os

    import pypdfium2 as pdfium

    if not ocr._api_usable():
        pytest.skip("tesserocr is linked against another Tesseract than the command; it is not used")
    pages = [("287gWSO_SantaRosaCoFl2019-10-15.pdf", 6), ("OrangeCountySO_TFM_MOA.pdf", 0)]
    images = [ocr.render(pdfium.PdfDocument(corpus / "moa" / f)[i]) for f, i in pages]
    configs = ("--psm 3", "--psm 6", "--psm 11")
    api = [ocr.ocr_image(im, ocr.DPI, c) for im in images for c in configs]
    api_reversed = [ocr.ocr_image(im, ocr.DPI, c) for im in reversed(images) for c in configs]
    monkeypatch.setitem(os.environ, "MOA_OCR_ENGINE", "cli")
    ocr._api_usable.cache_clear()
    try:
        cli = [ocr.ocr_image(im, ocr.DPI, c) for im in images for c in configs]
    finally:
        ocr._api_usable.cache_clear()
    assert [(r.text, r.words) for r in api] == [(r.text, r.words) for r in cli]
    n = len(configs)
    assert [(r.text, r.words) for r in api_reversed[n:] + api_reversed[:n]] == [(r.text, r.words) for r in api]


@pytest.mark.slow
def test_a_second_reading_runs_before_the_first_pass_pages_queued_ahead_of_it(corpus: Path) -> None:
    # Issue 16: a document's second readings run one after another; queued behind the next documents' pages,
    # each waited for all of them. First-pass pages (ocr.submit) wait in a lane and go to the pool one per
    # worker, so what is submitted to the pool straight runs as soon as a worker frees.
    source = str(corpus / "moa" / EXPECTED["file"])
    try:
        pages = [ocr.submit(2, "lane", source, i, ocr.DPI, None) for i in range(6)]
        second = ocr.pool(2).submit(ocr.tesseract_version)
        second.result()
        left = sum(not p.done() for p in pages)
        assert all(p.result().text for p in pages)
    finally:
        ocr.shutdown()
    assert left >= 3  # FIFO, it would have waited until at least five pages had begun and four had ended
