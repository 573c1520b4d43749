"""The extraction pipeline: errors recorded per document, incremental runs, OCR never repeated, moa show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agreements.documents import document
from extract import pipeline, records
from moa.catalog import connect
from moa.cli import main

GOOD = "LaramieCoSheriffsOfficeWY_TFM_MOA_06112025.pdf"  # 14 pages, one of them a scan (OCR)
EXPECTED = Path(__file__).parent / "expected" / "pages"


def _bad_copies(corpus: Path, tmp: Path) -> tuple[Path, Path]:
    data = (corpus / "moa" / "GraysonCountyDCKY_JEM_MOA_030425.pdf").read_bytes()
    truncated = tmp / "truncated.pdf"
    truncated.write_bytes(data[: len(data) * 9 // 10])  # pdfium would "repair" this one and lose pages
    corrupt = tmp / "corrupt.pdf"
    corrupt.write_bytes(data[:1024] + bytes(range(256)) * 64 + data[-1024:])  # intact ends, garbage body
    return corrupt, truncated


@pytest.mark.slow
def test_errors_recorded_and_second_run_does_no_ocr(corpus: Path, data_dir: Path, tmp_path: Path) -> None:
    corrupt, truncated = _bad_copies(corpus, tmp_path)
    good = corpus / "moa" / GOOD
    conn = connect(data_dir)

    first = pipeline.run(conn, [corrupt, good, truncated], jobs=2)
    assert len(first.extracted) == 1 and first.ocr_run == 1
    assert sorted(e["file"] for e in first.errors) == ["corrupt.pdf", "truncated.pdf"]
    recorded = {e["file"]: e["error"] for e in records.errors(conn)}
    assert recorded["truncated.pdf"] == "truncated.pdf: truncated PDF (no %%EOF marker at the end)"
    assert recorded["corrupt.pdf"].startswith("corrupt.pdf: corrupt or truncated PDF")

    record = records.get_record(conn, first.extracted[0]["sha256"], with_text=True)
    expected = json.loads((EXPECTED / "pipeline_laramie.json").read_text(encoding="utf-8"))
    assert record["file"] == GOOD and record["page_count"] == 14
    assert [{k: p[k] for k in ("number", "method", "reason")} for p in record["pages"]] == expected["pages"]
    assert "Laramie" in record["pages"][0]["text"]

    # Second run over the whole catalog: everything up to date, nothing OCR'd.
    second = pipeline.run(conn, None, jobs=2)
    assert (len(second.extracted), second.skipped, second.ocr_run) == (0, 3, 0)
    # Even a forced re-extraction reads OCR from the cache: a page is never OCR'd twice.
    forced = pipeline.run(conn, [good], jobs=2, force=True)
    assert len(forced.extracted) == 1 and forced.ocr_run == 0 and forced.ocr_pages == 1
    # With two jobs a document's fields (and its signature page's second readings) are read in a worker;
    # with one, in this process: the same record either way.
    inline = pipeline.run(conn, [good], jobs=1, force=True)
    assert inline.ocr_run == 0
    again = records.get_record(conn, first.extracted[0]["sha256"], with_text=True)
    assert {k: v for k, v in again.items() if k not in ("extraction", "pages")} == \
        {k: v for k, v in record.items() if k not in ("extraction", "pages")}  # pages: OCR's time, cache hit
    assert [p["text"] for p in again["pages"]] == [p["text"] for p in record["pages"]]


@pytest.mark.slow
def test_cli_extract_and_show(corpus: Path, data_dir: Path, tmp_path: Path, capsys) -> None:
    corrupt, _ = _bad_copies(corpus, tmp_path)
    good = corpus / "moa" / GOOD
    assert main(["extract", "--data", str(data_dir), "--json", str(good)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["file"] == GOOD and record["page_count"] == 14 and len(record["pages"]) == 14
    assert {"model", "agency", "signatories", "sections", "pages"} <= set(record)

    assert main(["show", "--data", str(data_dir), "--json", record["sha256"][:10]]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["sha256"] == record["sha256"] and shown["pages"][8]["method"] == "ocr"

    # A corrupt file: exit 1, the error named on stdout's summary, the catalog keeps the good record.
    assert main(["extract", "--data", str(data_dir), str(corrupt)]) == 1
    assert "corrupt.pdf: corrupt or truncated PDF" in capsys.readouterr().out
    assert main(["show", "--data", str(data_dir), "corrupt.pdf"]) == 1
    assert main(["show", "--data", str(data_dir), "no-such-document"]) == 2
    assert main(["show", "--data", str(data_dir), GOOD[:12]]) == 0


def test_record_carries_the_ledger_listing(corpus: Path, data_dir: Path) -> None:
    sheet = corpus / "sheets" / "ice" / "participatingAgencies12302025am.xlsx"
    if not sheet.exists():
        pytest.skip(f"{sheet.name} not in the corpus")
    assert main(["ledger", "import", "--data", str(data_dir), str(sheet)]) == 0
    conn = connect(data_dir)
    run = pipeline.run(conn, [corpus / "moa" / "GraysonCountyDCKY_JEM_MOA_030425.pdf"], jobs=1)
    assert not run.errors
    assert "listing" not in records.get_record(conn, run.extracted[0]["sha256"])  # extraction's own reading
    listing = document(conn, run.extracted[0]["sha256"])["listing"]
    assert listing["listed"] is True and listing["signed_dates"] == ["2025-03-05"]
    assert (listing["agency"], listing["state"], listing["model"]) == ("Grayson County Detention Center", "KY", "JEM")
    assert listing["date_disagrees"] in (None, False, True) and "extracted_date" in listing


def test_incremental_by_version_and_ocr_mode(corpus: Path, data_dir: Path) -> None:
    conn = connect(data_dir)
    doc = [corpus / "moa" / "GraysonCountyDCKY_JEM_MOA_030425.pdf"]
    assert len(pipeline.run(conn, doc, mode="skip", jobs=1).extracted) == 1
    assert pipeline.run(conn, doc, mode="skip", jobs=1).skipped == 1
    # Another --ocr mode is another extraction (a page skipped before may now be OCR'd).
    assert len(pipeline.run(conn, doc, mode="auto", jobs=1).extracted) == 1
    assert records.extracted_state(conn, records.get_record(conn, pipeline.targets(conn, doc)[0][0])["sha256"]) == (
        pipeline.extractor_version(), "auto")
