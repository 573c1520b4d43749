"""Saved input + expected output, found by name (juriscraper's way): `tests/expected/<area>/<name>.json` is the
expected output of the area's parser on the input called `<name>` (tests/test_expected.py runs every one).

An area says where its inputs are (a saved file beside the tests, `tests/fixtures/<area>/<name>.*`, or a real
document of ../shared/corpus, which is never copied into the repository) and what of the parser's output the JSON
pins down. Adding a case is adding its input (or naming a corpus file) and its expected JSON; regenerate after a
deliberate change with `MOA_REGEN_EXPECTED=1 python3 -m pytest tests/test_expected.py` and review the diff.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from moa.config import shared_corpus

TESTS = Path(__file__).resolve().parent
EXPECTED = TESTS / "expected"
FIXTURES = TESTS / "fixtures"


@dataclass(frozen=True)
class Area:
    name: str
    find: Callable[[str], Path | None]  # a case's name -> its input, or None (not a case of this area)
    produce: Callable[[Path], Any]  # the input -> what the expected JSON holds


def _beside(area: str) -> Callable[[str], Path | None]:
    def find(name: str) -> Path | None:
        found = sorted(p for p in (FIXTURES / area).glob(f"{name}.*") if p.suffix != ".json")
        return found[0] if found else None
    return find


# ---------------------------------------------------------------------------------------------- harvest: pages


def page_json(path: Path) -> dict:
    from harvest.page import parse_page

    return parse_page(path.read_bytes()).to_json()


# ---------------------------------------------------------------------------------------------- sheets


# The rosters with an expected summary, across ICE's header versions: the old HTML roster table with URLs as
# text (ParticipatingEntities-20250219163339); TYPE, no COUNTY, hyperlinks behind "link" (-20250221214937);
# COUNTY added, no ADDENDUM (05012025am); ADDENDUM, SafeLinks, a SIGNED year 5025, a repeated agency
# (07082025pm); empty extra columns, named 2025 holding January 2026 (01052025pm); two worksheets (03022026am);
# the swapped file, named participating holding pending (09222025pm); a pending list with a MOA column
# (pendingAgencies02272026am); an empty pending list (pendingAgencies11062025pm).
def _sheet_input(name: str) -> Path | None:
    for folder in ("ice", "wayback-html-tables"):
        for ext in (".xlsx", ".csv", ".html"):
            p = shared_corpus() / "sheets" / folder / f"{name}{ext}"
            if p.is_file():
                return p
    return None


def sheet_summary(path: Path) -> dict:
    """What a sheet's expected JSON pins down: structure, totals, and a few whole rows."""
    from harvest.sheets import read_sheet

    sheet = read_sheet(path.read_bytes(), path.name)
    rows = [r.to_dict() for r in sheet.rows]
    typos = [r for r in rows if r["raw"].get("STATE") and r["raw"]["STATE"].strip().upper() != r["raw"]["STATE"]]
    return {
        "name": sheet.name, "kind": sheet.kind, "kind_by_name": sheet.kind_by_name,
        "kind_mismatch": sheet.kind_mismatch, "sheet_name": sheet.sheet_name, "header": sheet.header,
        "modified": sheet.modified, "rows": len(rows), "warnings": sheet.warnings,
        "by_model": dict(sorted(Counter(r["model"] or "?" for r in rows).items())),
        "by_state": dict(sorted(Counter(r["state"] or "?" for r in rows).items())),
        "by_agency_type": dict(sorted(Counter(r["agency_type"] or "?" for r in rows).items())),
        "signed_missing": sum(r["signed"] is None for r in rows),
        "with_moa_url": sum(bool(r["moa_urls"]) for r in rows),
        "with_addendum_url": sum(bool(r["addendum_urls"]) for r in rows),
        "sample": rows[:2] + rows[-1:] + typos[:2],
    }


# ---------------------------------------------------------------------------------------------- fields


@cache
def _text_layer_moas() -> frozenset[str]:
    """Corpus MOAs born digital (MANIFEST's text_layer 'text'): their fields need no OCR, so CI runs them all."""
    manifest = shared_corpus() / "MANIFEST.tsv"
    if not manifest.is_file():
        return frozenset()
    out = set()
    for line in manifest.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if cols[0].startswith("moa/") and len(cols) > 7 and cols[7] in ("text", "text_layer"):
            out.add(Path(cols[0]).stem)
    return frozenset(out)


def _fields_input(name: str) -> Path | None:
    p = shared_corpus() / "moa" / f"{name}.pdf"
    return p if name in _text_layer_moas() and p.is_file() else None


def fields_summary(fields: dict) -> dict:
    """The parts of the record the labels speak to, plus section keys and page spans."""
    return {
        "model": fields["model"],
        "agency": {"name": fields["agency"]["name"], "state": fields["agency"]["state"]},
        "template_revision": fields["template_revision"],
        "signatories": [{k: s[k] for k in ("party", "name", "title", "date", "page", "date_source")}
                        for s in fields["signatories"]],
        "sections": [{"number": s["number"], "title": s["title"], "key": s["key"], "page_start": s["page_start"],
                      "page_end": s["page_end"], "subsections": [u["letter"] + ". " + u["title"]
                                                                 for u in s["subsections"]]}
                     for s in fields["sections"]],
        "appendices": [f"APPENDIX {a['letter']}: {a['title']}" for a in fields["appendices"]],
    }


def fields_of_text_layer(path: Path) -> dict:
    from extract.fields import extract_fields
    from extract.pages import read_pages

    return fields_summary(extract_fields(read_pages(path, mode="skip")))


AREAS = {a.name: a for a in (
    Area("harvest", _beside("harvest"), page_json),
    Area("sheets", _sheet_input, sheet_summary),
    Area("fields", _fields_input, fields_of_text_layer),
)}


def cases() -> list[tuple[Area, Path, Path]]:
    """(area, input, expected JSON) for every expected file whose input its area finds."""
    out = []
    for expected in sorted(EXPECTED.glob("*/*.json")):
        area = AREAS.get(expected.parent.name)
        source = area.find(expected.stem) if area else None
        if area and source:
            out.append((area, source, expected))
    return out
