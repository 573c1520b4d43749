"""CSL-JSON (for Zotero and every CSL processor): one item per cited agreement; the pinpoints cited in the
export go into its note. Validated in the tests against the CSL 1.0.2 input schema shipped beside this file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from moa.program import MODEL_NAMES

SCHEMA = Path(__file__).with_name("csl-data.json")
ICE = "U.S. Immigration and Customs Enforcement"


def _date(iso: str | None) -> dict | None:
    if not iso:
        return None
    parts = [int(p) for p in iso[:10].split("-") if p.isdigit()]
    return {"date-parts": [parts[:3]]} if parts else None


def csl_item(cit: dict, prov: dict, pinpoints: list[str]) -> dict:
    agency = cit.get("agency") or cit.get("file") or "Unidentified agency"
    model = cit.get("model")
    item = {
        "id": "moa-" + (cit.get("sha256") or cit.get("agreement_id") or "")[:16],
        "type": "document",
        "title": f"Memorandum of Agreement between {ICE} and {agency}",
        "title-short": f"287(g) MOA, {agency}",
        "author": [{"literal": ICE}, {"literal": agency}],
        "publisher": ICE,
        "genre": f"287(g) Memorandum of Agreement ({MODEL_NAMES.get(model, model)})" if model
        else "287(g) Memorandum of Agreement",
        "note": (f"sha256: {cit['sha256']}" if cit.get("sha256") else f"agreement: {cit.get('agreement_id')} "
                 "(ICE's listing; no MOA held)")
        + (f"\ntemplate revision: {cit['template_revision']}" if cit.get("template_revision") else "")
        + ("\ncited at: " + "; ".join(pinpoints) if pinpoints else ""),
    }
    if cit.get("state"):
        item["jurisdiction"] = cit["state"]
    if _date(cit.get("date_signed")):
        item["issued"] = _date(cit["date_signed"])
    if prov.get("url"):
        item["URL"] = prov["url"]
    if _date(prov.get("retrieved_at")):
        item["accessed"] = _date(prov["retrieved_at"])
    if cit.get("file"):
        item["archive_location"] = cit["file"]
    return item


def _pin(cit: dict) -> str:
    sec = cit.get("section") or {}
    s = f"§ {sec['number']}" if sec.get("number") else ""
    p = f"p. {cit['page']}" if cit.get("page") else ""
    return ", ".join(x for x in (s, p) if x)


def write_csl(items: Iterable[dict], fh: IO[bytes]) -> None:
    """A JSON array, one entry per document (first-cited order), keys sorted."""
    docs: dict[str, list] = {}
    for item in items:
        cit = item["citation"]
        entry = docs.setdefault(cit.get("sha256") or cit.get("agreement_id"), [cit, item.get("provenance") or {}, []])
        pin = _pin(cit)
        if pin and pin not in entry[2]:
            entry[2].append(pin)
    out = [csl_item(c, p, pins) for c, p, pins in docs.values()]
    fh.write((json.dumps(out, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8"))
