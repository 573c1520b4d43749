"""Checks the hand-labeled MOAs in tests/labels/: schema, vocabularies, ISO dates, state codes,
and that each label names a real corpus PDF with the page count it claims."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

LABELS = Path(__file__).parent / "labels"
LABEL_FILES = sorted(LABELS.glob("*.json"))

KEYS = [
    "file", "page_count", "doc_kind", "model", "agency_name", "state",
    "lea_signatories", "ice_signatories", "template_revision", "sections",
    "appendices", "signature_page", "uncertain", "notes",
]
SIGNATORY_KEYS = {"name", "title", "date", "date_source", "page", "name_status", "date_status"}
MODELS = {"JEM", "WSO", "TFM"}
DOC_KINDS = {"MOA", "MOA+addendum"}
DATE_SOURCES = {"typed", "handwritten", "stamp", "digital-signature", "none"}
NAME_STATUSES = {"present", "inferred", "unreadable", "absent"}
DATE_STATUSES = {"present", "unreadable", "absent"}
STATES = set(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)
SECTION_RE = re.compile(r"^[IVXL]+\. [A-Z][A-Z0-9 ,'()/&-]*[A-Z)]$")
APPENDIX_RE = re.compile(r"^APPENDIX [A-Z]: [A-Z][A-Z0-9 ,'()/&-]*[A-Z)]$")


def _iso(value: str) -> bool:
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_enough_labels() -> None:
    labels = [_load(p) for p in LABEL_FILES]
    assert len(labels) >= 15
    assert {d["model"] for d in labels} == MODELS
    revisions = {d["template_revision"] for d in labels}
    assert None in revisions and len(revisions) > 1  # both the 2019-2020 and the 2025 templates


@pytest.mark.parametrize("path", LABEL_FILES, ids=lambda p: p.stem)
def test_label_schema(path: Path) -> None:
    d = _load(path)
    assert list(d) == KEYS, "keys must be exactly the dev.jsonl schema, in order"
    assert d["file"] == f"moa/{path.stem}.pdf", "label file must be named after its PDF"
    assert isinstance(d["page_count"], int) and d["page_count"] > 0
    assert d["doc_kind"] in DOC_KINDS
    assert d["model"] in MODELS
    assert isinstance(d["agency_name"], str) and d["agency_name"].strip() == d["agency_name"] != ""
    assert d["state"] in STATES
    rev = d["template_revision"]
    assert rev is None or _iso(rev)
    assert 1 <= d["signature_page"] <= d["page_count"]
    assert d["sections"] and all(SECTION_RE.match(s) for s in d["sections"]), d["sections"]
    assert all(APPENDIX_RE.match(a) for a in d["appendices"]), d["appendices"]
    assert isinstance(d["uncertain"], list) and all(isinstance(u, str) and u for u in d["uncertain"])
    assert isinstance(d["notes"], str)
    assert d["lea_signatories"] and d["ice_signatories"]
    for party in ("lea", "ice"):
        for s in d[f"{party}_signatories"]:
            assert set(s) == SIGNATORY_KEYS
            assert 1 <= s["page"] <= d["page_count"]
            assert s["name_status"] in NAME_STATUSES
            assert s["date_status"] in DATE_STATUSES
            assert s["date_source"] in DATE_SOURCES
            # a value is given exactly when it could be read; an unread value carries a reason
            assert (s["name"] is None) == (s["name_status"] in {"unreadable", "absent"})
            assert (s["date"] is None) == (s["date_status"] != "present")
            assert (s["date_source"] == "none") == (s["date_status"] == "absent")
            if s["date"] is not None:
                assert _iso(s["date"]), s["date"]
            if s["name_status"] != "present" or s["date_status"] != "present":
                assert any(u.startswith(f"{party} ") for u in d["uncertain"]), (
                    f"{party} signatory with a missing value needs a reason in 'uncertain'"
                )


def test_labels_name_real_corpus_pdfs(corpus: Path) -> None:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as f:
        manifest = {r["path"]: r for r in csv.DictReader(f, delimiter="\t")}
    dev = {json.loads(line)["file"] for line in (corpus / "labels" / "dev.jsonl").open(encoding="utf-8")}
    for path in LABEL_FILES:
        d = _load(path)
        pdf = corpus / d["file"]
        assert pdf.is_file(), d["file"]
        assert d["file"] not in dev, f"{d['file']} is already in dev.jsonl"
        assert int(manifest[d["file"]]["page_count"]) == d["page_count"]
        doc = pdfium.PdfDocument(str(pdf))
        try:
            assert len(doc) == d["page_count"]
        finally:
            doc.close()
