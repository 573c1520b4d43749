"""The real pipeline on a handful of text-layer MOAs (no OCR): extract → compare → index → export, through the
`moa` command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from moa.cli import main

NAMES = ["FranklinCoAL_TFM_MOA_031825.pdf", "daviePoliceDeptFL_TFM_MOA_03.05.25.pdf",
         "TavaresPoliceDeptFL_TFM_MOA_03.06.2025.pdf", "JupiterPDFL_TFM_MOA_032425.pdf",
         "GraysonCountyDCKY_JEM_MOA_030425.pdf"]


def _moa(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def extracted(corpus: Path, tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("pipeline")
    assert main(["extract", "--data", str(data), "--ocr", "skip", "-q", *(str(corpus / "moa" / n) for n in NAMES)]) == 0
    return data


@pytest.mark.slow
def test_compare_all_and_section_on_extracted_records(extracted: Path, capsys) -> None:
    code, out, _ = _moa(capsys, "compare", "--all", "--data", str(extracted), "--json")
    assert code == 0
    res = json.loads(out)
    assert res["records"] == len(NAMES)
    rows = {r["section"]: r for r in res["rows"]}
    assert rows and all(r["variants"] >= 1 and r["variants"] <= r["agreements"] for r in rows.values())
    assert all(r["deviating_low_quality"] <= r["deviating"] < r["agreements"] for r in rows.values())
    assert res["totals"]["variants"] == sum(r["variants"] for r in rows.values())
    assert res["totals"]["keys"] == len(rows)
    code, out, _ = _moa(capsys, "compare", "--all", "--data", str(extracted))
    assert code == 0 and f"{len(rows)} clause keys: {res['totals']['variants']} variants;" in out
    key = max(rows.values(), key=lambda r: r["agreements"])["section"]
    code, out, _ = _moa(capsys, "compare", "--section", key, "--model", "TFM", "--data", str(extracted))
    assert code == 0 and f"{key}:" in out and "Standard for TFM" in out
    code, out, _ = _moa(capsys, "compare", "--report", "--data", str(extracted))
    assert code == 0 and "Deviation report" in out


@pytest.mark.slow
def test_compare_two_agreements_side_by_side(extracted: Path, capsys) -> None:
    code, out, _ = _moa(capsys, "compare", NAMES[0], NAMES[1], "--data", str(extracted), "--json")
    assert code == 0
    res = json.loads(out)
    assert res["a"]["file"] == NAMES[0] and res["b"]["file"] == NAMES[1]
    assert {r["status"] for r in res["rows"]} <= {"same", "differs", "only_a", "only_b"}
    assert any(r["status"] == "same" for r in res["rows"])
    code, _, err = _moa(capsys, "compare", NAMES[0], "no-such.pdf", "--data", str(extracted))
    assert code == 2 and "unknown document" in err


@pytest.mark.slow
def test_export_search_and_comparison(extracted: Path, tmp_path: Path, capsys) -> None:
    assert main(["index", "--data", str(extracted), "-q"]) == 0
    out = tmp_path / "overtime.csv"
    code, _, err = _moa(capsys, "export", "--query", "overtime", "--level", "clause", "--format", "csv",
                        "-o", str(out), "--data", str(extracted))
    assert code == 0, err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and all(r["quote"] and r["page"] and r["citation"] and r["sha256"] for r in rows)
    assert all("overtime" in r["quote"].lower() for r in rows)
    brief = tmp_path / "costs.html"
    code, _, err = _moa(capsys, "export", "--compare", "--section", "costs", "--format", "html", "-o", str(brief),
                        "--data", str(extracted))
    assert code in (0, 2), err  # 2 when no agreement has that key; then the message says so
    code, _, err = _moa(capsys, "export", "--compare", "--format", "csv", "-o", str(tmp_path / "x.csv"),
                        "--data", str(extracted))
    assert code == 2 and "--section" in err
