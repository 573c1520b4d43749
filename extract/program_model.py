"""The 287(g) model of an agreement, read from its title and body (never from the file name)."""

from __future__ import annotations

import re
from typing import Any

# Title phrases, tolerant of OCR spacing ("Task Force  Model", "Warrant  Service Officer").
_TITLE = {
    "JEM": re.compile(r"jail\s*enforcement\s*(?:model|program)", re.IGNORECASE),
    "WSO": re.compile(r"warrant\s*service\s*officer", re.IGNORECASE),
    "TFM": re.compile(r"task\s*force\s*(?:model|officer|program)", re.IGNORECASE),
}
# Body wording when the title is missing or unreadable (2019-2020 WSO MOAs print no model title):
# only JEM MOAs speak of aliens "booked into" the jail; WSO and JEM both mention a "custodial transfer".
_BOOKED = re.compile(r"booked\s+into", re.IGNORECASE)
_CUSTODIAL = re.compile(r"custodial\s+transfer|warrant\s*service\s*officer", re.IGNORECASE)
_TASK_FORCE = re.compile(r"task\s*force", re.IGNORECASE)


def extract_model(pages: list[Any]) -> dict[str, Any]:
    """{"model": "JEM"|"WSO"|"TFM"|None, "evidence": {...}} from the first pages' title, else the body."""
    for p in pages[:3]:
        head = "\n".join((p.text or "").splitlines()[:40])
        found = [(m.start(), code) for code, rx in _TITLE.items() if (m := rx.search(head))]
        if found:
            pos, code = min(found)
            return {"model": code, "evidence": {"page": p.number, "how": "title", "text": head[pos : pos + 40]}}
    flat = re.sub(r"\s+", " ", "\n".join(p.text or "" for p in pages))
    counts = {"booked-into": len(_BOOKED.findall(flat)), "custodial-transfer": len(_CUSTODIAL.findall(flat)),
              "task-force": len(_TASK_FORCE.findall(flat))}
    if counts["task-force"] >= 2 and not counts["booked-into"] and not counts["custodial-transfer"]:
        return {"model": "TFM", "evidence": {"how": "body", "counts": counts}}
    if counts["booked-into"] and not counts["task-force"]:
        return {"model": "JEM", "evidence": {"how": "body", "counts": counts}}
    if counts["custodial-transfer"] and not counts["task-force"]:
        return {"model": "WSO", "evidence": {"how": "body", "counts": counts}}
    return {"model": None, "evidence": {"how": "none", "counts": counts}, "reason": "model title not found"}
