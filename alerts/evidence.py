"""What a ledger event's alert cites: the snapshots (harvest.ledger_feed), the agreement, its document as
extracted, and for a changed agreement what changed: the listing's fields old → new, and for a document a
re-signed or replaced PDF with a redline of the clauses that differ."""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import quote

from agreements.documents import document, provenance
from compare.comparison import compare_pair
from moa.files import resolve_sha

MAX_REDLINES = 12
MAX_REDLINE_CHARS = 1500


def _sha_of(conn: sqlite3.Connection, file: str | None) -> str | None:
    if not file:
        return None
    return resolve_sha(conn, file) or resolve_sha(conn, quote(file))


def _doc(conn: sqlite3.Connection, file: str | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(a short description of the document, its record) for a file name ICE's list links; the record is None
    when the PDF was not harvested or not extracted."""
    sha = _sha_of(conn, file)
    if sha is None:
        return ({"file": file, "sha256": None, "extracted": False} if file else None), None
    record = document(conn, sha)
    src = provenance(conn, sha)
    info: dict[str, Any] = {"file": file, "sha256": sha, "url": src.get("url"), "retrieved_at": src.get("retrieved_at"),
                            "extracted": record is not None}
    if record is not None:
        info.update(page_count=record.get("page_count"), model=record.get("model"),
                    agency=(record.get("agency") or {}).get("name"),
                    signatories=[{k: s.get(k) for k in ("party", "name", "title", "date", "page")}
                                 for s in record.get("signatories") or []])
    return info, record


def _redline(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    rows = compare_pair(old, new)["rows"]
    out = []
    for r in rows:
        if r["status"] == "same":
            continue
        # the changes alone, `[-old-]{+new+}` as `moa compare` marks them, without the unchanged text between
        text = " … ".join((f"[-{o['old']}-]" if o["old"] else "") + (f"{{+{o['new']}+}}" if o["new"] else "")
                          for o in r.get("ops") or [])
        out.append({"section": r["section"], "status": r["status"], "changed_words": r.get("changed_words"),
                    "old": r.get("a"), "new": r.get("b"),
                    "redline": text[:MAX_REDLINE_CHARS] + ("…" if len(text) > MAX_REDLINE_CHARS else "")})
    return out[:MAX_REDLINES]


def document_change(conn: sqlite3.Connection, changes: dict[str, Any]) -> dict[str, Any] | None:
    """A re-signed or replaced PDF (or one ICE links for the first time), from a changed event's fields."""
    moa = changes.get("moa_file")
    signed = changes.get("signed")
    if not moa and not signed:
        return None
    out: dict[str, Any] = {}
    if signed:
        out["kind"] = "re-signed"
        out["signed"] = {"old": signed[0], "new": signed[1]}
    if moa:
        old_file, new_file = moa
        if old_file is None:
            out.setdefault("kind", "linked")
        else:
            out["kind"] = "replaced" if "kind" not in out else "re-signed and replaced"
        old_info, old_rec = _doc(conn, old_file)
        new_info, new_rec = _doc(conn, new_file)
        out["old"], out["new"] = old_info, new_info
        if old_rec is not None and new_rec is not None and old_rec["sha256"] != new_rec["sha256"]:
            out["redline"] = _redline(old_rec, new_rec)
    return out


def ledger_item(conn: sqlite3.Connection, ev: dict[str, Any]) -> dict[str, Any]:
    """A ledger event (harvest.ledger_feed.cited_events) with its document and what changed."""
    item = {"type": "ledger", **ev}
    doc, _ = _doc(conn, (ev.get("agreement") or {}).get("moa_file"))
    item["document"] = doc
    if ev["event"] == "changed":
        item["document_change"] = document_change(conn, ev.get("changes") or {})
    return item
