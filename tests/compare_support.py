"""Records cut straight from born-digital MOAs with pdftotext, for the comparison tests.

Independent of `extract` on purpose: the comparison algorithms are tested on real clause texts even while
extraction is being built. `pipeline_records` is the other way, for the tests that compare what the real
pipeline extracts.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_HEAD = re.compile(r"^\s{0,4}([IVXL]{1,6})\.\s+([A-Z][A-Z ,&/()'-]{3,})\s*$")
_FOOT = re.compile(r"^\s*(?:([A-Za-z].*?\S)\s{2,})?(?:(\d{1,2})\s{2,})?Revised\s+(\d\d/\d\d/\d{4})\s*$")


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def cut_record(pdf: Path, state: str | None = None, model: str | None = None, agency: str | None = None) -> dict:
    """A DESIGN.md-shaped record (agency, model, revision, sections with text and pages) from a text-layer PDF."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = out.split("\f")
    revision = None
    sections: list[dict] = []
    for pno, page in enumerate(pages, 1):
        for line in page.splitlines():
            m = _FOOT.match(line)
            if m:
                agency = agency or m.group(1)
                if not revision:
                    mm, dd, yy = m.group(3).split("/")
                    revision = f"{yy}-{mm}-{dd}"
                continue
            h = _HEAD.match(line)
            if h and not (sections and sections[-1]["title"] == "SIGNATURES"):
                sections.append({"number": h.group(1), "title": h.group(2).strip(), "key": slug(h.group(2)),
                                 "page_start": pno, "page_end": pno, "text": "", "subsections": []})
                continue
            if sections:
                sections[-1]["text"] += line.strip() + "\n"
                sections[-1]["page_end"] = pno
    for s in sections:
        s["text"] = s["text"].strip()
    if not agency:
        # "… and the Smith County Sheriff's Office, pursuant to which ICE delegates …"
        flat = re.sub(r"\s+", " ", pages[0].replace("’", "'"))
        m = re.search(r"\(DHS\), and the[_\s,]*(.+?)[\s,]*pursuant to which", flat)
        if m:
            agency = re.sub(r"\s*\([A-Z]+\)$", "", m.group(1)).strip(" ,")
    if agency and state and agency.endswith(", " + state):
        agency = agency[: -len(state) - 2]
    from compare.wording import STATES

    code = next((c for c, n in STATES.items() if state and n.lower() == state.lower()), None)
    return {"sha256": _sha(pdf), "file": pdf.name, "page_count": len(pages) - 1, "model": model,
            "agency": {"name": agency, "state": code}, "signatories": [], "template_revision": revision,
            "sections": sections}


def _sha(p: Path) -> str:
    import hashlib
    return hashlib.sha256(p.read_bytes()).hexdigest()


# --- realistic OCR corruption ---------------------------------------------------------------------------------
# What Tesseract and old scanner OCR layers really do to these MOAs: look-alike letters, split and hyphenated
# words, specks read as punctuation, bullets read as letters, upper-cased headings.
_SWAPS = [("m", "rn"), ("rn", "m"), ("l", "1"), ("I", "l"), ("i", "l"), ("O", "0"), ("o", "0"), ("1", "l"),
          ("terminat", "tenninat"), ("CIVIL", "CML"), ("Civil", "CML"), ("civil", "cml"), ("w", "vv"), ("d", "cl")]


def ocr_corrupt(text: str, rng, rate: float = 0.05) -> str:
    """`text` as a scanner's OCR might give it: about `rate` of the words damaged in one of the usual ways."""
    out = []
    for word in text.split(" "):
        if not word or rng.random() >= rate:
            out.append(word)
            continue
        kind = rng.randrange(6)
        if kind <= 1:
            choices = [(a, b) for a, b in _SWAPS if a in word]
            if choices:
                a, b = rng.choice(choices)
                i = word.find(a)
                word = word[:i] + b + word[i + len(a):]
        elif kind == 2 and len(word) >= 6 and word.isalpha():
            i = rng.randrange(2, len(word) - 2)
            word = word[:i] + rng.choice(["-\n", " ", "- "]) + word[i:]
        elif kind == 3:
            word = word + rng.choice([" .", " '", " ,", " x", " •"])
        elif kind == 4:
            word = word.upper()
        else:
            word = word + rng.choice(["\n", "  ", "\n\n"])
        out.append(word)
    return " ".join(out)


def text_layer_records(corpus: Path, names: list[str]) -> list[dict]:
    """Records cut from the named born-digital MOAs (state and model from the manifest)."""
    import csv

    rows = {r["path"][4:]: r for r in csv.DictReader(open(corpus / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t")}
    out = []
    for n in names:
        r = rows[n]
        out.append(cut_record(corpus / "moa" / n, r["state"].title(), r["model"]))
    return out


def pipeline_records(corpus: Path, data: Path, names: list[str]) -> list[dict]:
    """Records of the named MOAs as the real pipeline extracts them into `data` (text layers only, no OCR):
    for the tests that check comparison on what extraction really gives."""
    from compare.comparison import load_records
    from moa.catalog import connect
    from moa.cli import main

    assert main(["extract", "--data", str(data), "--ocr", "skip", "-q", *(str(corpus / "moa" / n) for n in names)]) == 0
    conn = connect(data, readonly=True)
    try:
        return load_records(conn)
    finally:
        conn.close()
