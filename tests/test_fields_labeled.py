"""Field extraction on real labeled MOAs: the output matches the checked-in expected JSON, and every value
given agrees with the hand label (a value we are unsure of must be None, never a wrong guess).

Text-layer documents run in CI quickly (`read_pages(mode="skip")`); one scanned MOA is OCR'd on its
title and signature pages only (marked slow). Regenerate the expected JSON after a deliberate change with
`MOA_REGEN_EXPECTED=1 pytest tests/test_fields_labeled.py` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from expected_cases import fields_summary

from bench.accuracy import iso_revision, load_labels, norm_agency, norm_article, norm_text
from extract.fields import extract_fields
from extract.pages import read_pages

EXPECTED = Path(__file__).parent / "expected" / "fields"

TEXT_LAYER = [
    "FloridaDFS_TFM_MOA_032025",  # digital signature for the LEA, typed ICE date
    "JupiterIslandDPSFL_TFM_MOA_032625",  # side-by-side form, values after the labels
    "FreebornCountyMN_WSO_MOA031325",  # shifted font encoding in the signature labels, blank LEA date
    "OklahomaBureauNarcotics_TFM_MOA_02.18.25",  # LEA name on the header line, ICE signature image only
    "IowaDeptPublicSafety_TFM_MOA_03.24.2025",
    "JimWellsCoSO_WSO_MOA_031725",
    "287gJEM_LexingtonCountySC_2020-06-08",  # 2020 template, old scanner OCR layer, noisy digital stamp
    "287gJEM_WalkerCoTX_06-09-2020",
]


def _labels() -> dict[str, dict]:
    return {Path(lb["file"]).stem: lb for lb in load_labels("all")}


def check_against_label(fields: dict, label: dict) -> list[str]:
    """Every value we give that contradicts the hand label."""
    bad = []
    if fields["model"] is not None and fields["model"] != label["model"]:
        bad.append(f"model {fields['model']} != {label['model']}")
    name = fields["agency"]["name"]
    if name is not None and norm_agency(name) != norm_agency(label["agency_name"]):
        bad.append(f"agency {name!r} != {label['agency_name']!r}")
    state = fields["agency"]["state"]
    if state is not None and state != label["state"]:
        bad.append(f"state {state} != {label['state']}")
    rev = fields["template_revision"]
    if rev is not None and rev != iso_revision(label.get("template_revision")):
        bad.append(f"revision {rev} != {label.get('template_revision')}")
    for party in ("lea", "ice"):
        ours = [s for s in fields["signatories"] if s["party"] == party]
        for want, got in zip(label[f"{party}_signatories"], ours, strict=False):
            if got["name"] is not None and norm_text(got["name"]) != norm_text(want["name"]):
                bad.append(f"{party} name {got['name']!r} != {want['name']!r}")
            if got["date"] is not None and got["date"] != want["date"]:
                bad.append(f"{party} date {got['date']} != {want['date']}")
    wanted = {norm_article(s) for s in label["sections"]}
    for s in fields["sections"]:
        if norm_article(f"{s['number']}. {s['title']}") not in wanted:
            bad.append(f"article {s['number']}. {s['title']} not in the label")
    return bad


def _compare(stem: str, fields: dict) -> None:
    got = fields_summary(fields)
    path = EXPECTED / f"{stem}.json"
    if os.environ.get("MOA_REGEN_EXPECTED") or not path.exists():
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(path.read_text())


@pytest.mark.parametrize("stem", TEXT_LAYER)
def test_text_layer_moa(corpus: Path, stem: str) -> None:
    label = _labels()[stem]
    fields = extract_fields(read_pages(corpus / label["file"], mode="skip"))
    assert check_against_label(fields, label) == []
    # The labeled articles are all found on these text-layer documents.
    assert [f"{s['number']}. {s['title']}" for s in fields["sections"]] == label["sections"]
    _compare(stem, fields)


def test_text_layer_moas_give_most_values(corpus: Path) -> None:
    """Coverage on the text-layer set: the signatory names and dates labeled present are mostly given."""
    labels = _labels()
    present = given = 0
    for stem in TEXT_LAYER:
        fields = extract_fields(read_pages(corpus / labels[stem]["file"], mode="skip"))
        for party in ("lea", "ice"):
            ours = [s for s in fields["signatories"] if s["party"] == party]
            for want, got in zip(labels[stem][f"{party}_signatories"], ours, strict=False):
                for k in ("name", "date"):
                    if want[f"{k}_status"] == "present":
                        present += 1
                        given += got[k] is not None
    assert given / present >= 0.75


@pytest.mark.slow
def test_scanned_moa_ocr_title_and_signature_pages(corpus: Path, tmp_path: Path) -> None:
    """A scanned 2025 WSO MOA with no text layer: OCR the title and signature pages, read the fields."""
    from extract import ocr

    stem = "BlaineCo_WSO_MOA_02.18.2025"
    label = _labels()[stem]
    pdf = corpus / label["file"]
    pages = read_pages(pdf, mode="skip")
    for idx in (0, label["signature_page"] - 1):
        res = ocr.ocr_page_task(str(pdf), str(pdf), idx, ocr.DPI, str(tmp_path))
        pages[idx].text, pages[idx].method, pages[idx].words = res.text, "ocr", res.words
    fields = extract_fields(pages)
    assert check_against_label(fields, label) == []
    assert fields["model"] == "WSO"
    assert norm_agency(fields["agency"]["name"]) == norm_agency(label["agency_name"])
    ice = next(s for s in fields["signatories"] if s["party"] == "ice")
    assert (ice["name"], ice["date"]) == ("Caleb Vitello", "2025-02-26")
    _compare(stem, fields)
