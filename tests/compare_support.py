"""Records cut straight from born-digital MOAs with pdftotext, for the comparison tests.

Independent of `extract` on purpose: the comparison algorithms are tested on real clause texts even while
extraction is being built; tests that run the real pipeline live beside these.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_HEAD = re.compile(r"^\s{0,4}([IVXL]{1,6})\.\s+([A-Z][A-Z ,&/()'-]{3,})\s*$")
_FOOT = re.compile(r"^\s*(?:(\S.*?\S)\s{2,})?(?:(\d{1,2})\s{2,})?Revised\s+(\d\d/\d\d/\d{4})\s*$")


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
    return {"sha256": _sha(pdf), "file": pdf.name, "page_count": len(pages) - 1, "model": model,
            "agency": {"name": agency, "state": None}, "signatories": [], "template_revision": revision,
            "sections": sections}


def _sha(p: Path) -> str:
    import hashlib
    return hashlib.sha256(p.read_bytes()).hexdigest()
