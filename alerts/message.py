"""An alert in words: a title and a plain-text body that cites its evidence (the snapshots with their
publication times, the agreement, the document and page), with links into `moa serve` and ICE's own files."""

from __future__ import annotations

from typing import Any

DEFAULT_LINK_BASE = "http://127.0.0.1:8287"


def doc_link(base: str, sha: str, page: int | None = None) -> str:
    return f"{base.rstrip('/')}/doc/{sha}" + (f"/pdf#page={page}" if page else "")


def _who(d: dict[str, Any]) -> str:
    where = ", ".join(x for x in (d.get("state"), d.get("model")) if x)
    return f"{d.get('agency') or '?'}" + (f" ({where})" if where else "")


def _value(v: Any) -> str:
    if v is None or v == [] or v == ():
        return "(none)"
    if isinstance(v, list | tuple):
        return ", ".join(map(str, v))
    return str(v)


def title(item: dict[str, Any]) -> str:
    if item["type"] == "search":
        where = f" p. {item['page']}" if item.get("page") and item.get("level") != "document" else ""
        sec = item.get("section") or {}
        if sec.get("number") or sec.get("title"):
            where += f" § {sec.get('number') or ''} {sec.get('title') or ''}".rstrip()
        return f"new match for {item['query']!r}: {_who(item)}{where}"
    what = {"added": "added to", "removed": "removed from", "changed": "changed on"}[item["event"]]
    kind = (item.get("document_change") or {}).get("kind")
    extra = {"linked": " (its MOA PDF now linked)", "replaced": " (PDF replaced)", "re-signed": " (re-signed)",
             "re-signed and replaced": " (re-signed, PDF replaced)"}.get(kind or "", "")
    return f"{_who(item)} {what} ICE's {item.get('list', 'participating')} list{extra}"


def _snap(label: str, s: dict[str, Any] | None) -> list[str]:
    if not s:
        return []
    return [f"  {label}: {s['name']}, published {s['published']}" + (f"\n    {s['url']}" if s.get("url") else "")]


def _document(base: str, d: dict[str, Any] | None, label: str = "document") -> list[str]:
    if not d:
        return []
    if not d.get("sha256"):
        return [f"  {label}: {d.get('file')} (not harvested)"]
    lines = [f"  {label}: {d.get('file')}" + ("" if d.get("extracted") else " (not extracted yet)"),
             f"    {doc_link(base, d['sha256'])}  (PDF: {doc_link(base, d['sha256'], 1)})"]
    if d.get("url"):
        lines.append(f"    from {d['url']}" + (f", retrieved {d['retrieved_at']}" if d.get("retrieved_at") else ""))
    for s in d.get("signatories") or []:
        if s.get("name") or s.get("date"):
            lines.append(f"    signed for the {(s.get('party') or '?').upper()}: {s.get('name') or '?'}, "
                         f"{s.get('date') or 'date unread'} (p. {s.get('page')})")
    return lines


def body(item: dict[str, Any], base: str = DEFAULT_LINK_BASE) -> str:
    """The alert as plain text with links (e-mail, the Atom entry's content)."""
    lines = [title(item)]
    if item["type"] == "search":
        sec = item.get("section") or {}
        if item.get("sha256"):
            lines.append(f"  {item.get('file')}, p. {item.get('page') or '?'}"
                         + (f", § {sec.get('number') or ''} {sec.get('title') or ''}".rstrip() if sec else ""))
        else:
            lines.append("  on ICE's list; its MOA is not held")
        if item.get("snippet"):
            lines.append(f"  “{item['snippet']}”")
        if item.get("agreement_id"):
            lines.append(f"  agreement: {base.rstrip('/')}/agreement/{item['agreement_id']}")
        if item.get("sha256"):
            lines.append(f"  {doc_link(base, item['sha256'])}  (PDF: {doc_link(base, item['sha256'], item.get('page') or 1)})")
        src = item.get("source") or {}
        if src.get("url"):
            lines.append(f"  from {src['url']}" + (f", retrieved {src['retrieved_at']}" if src.get("retrieved_at") else ""))
        listing = item.get("listing")
        if listing:
            first = listing.get("first_seen") or {}
            lines.append(f"  ICE's list: {_who(listing)}, signed {listing.get('signed') or '?'}, {listing.get('status')};"
                         f" first listed in {first.get('snapshot')}, published {first.get('published')}")
        return "\n".join(lines) + "\n"
    a = item.get("agreement") or {}
    lines += _snap("snapshot", item.get("snapshot")) + _snap("previous", item.get("previous"))
    lines.append(f"  agreement: {_who(a) if a else _who(item)}, signed {a.get('signed') or '?'}"
                 + (f", {a.get('agency_type')}" if a.get("agency_type") else "")
                 + (f"\n    MOA: {a['moa_url']}" if a.get("moa_url") else ""))
    for field, change in (item.get("changes") or {}).items():
        if isinstance(change, list | tuple) and len(change) == 2:   # {field: [old, new]}; notes are not pairs
            lines.append(f"  {field}: {_value(change[0])} → {_value(change[1])}")
    notes = item.get("changes") or {}
    if notes.get("relisted"):
        lines.append("  relisted: removed from the list earlier, listed again now")
    if notes.get("from_pending"):
        lines.append(f"  was on the pending list: signed, it left the pending list ({notes['from_pending']})")
    if notes.get("to_participating"):
        lines.append(f"  signed, not dropped: it joined the participating list ({notes['to_participating']})")
    change = item.get("document_change")
    if change:
        lines.append(f"  document: {change['kind']}")
        if change.get("signed"):
            lines.append(f"    signed {change['signed']['old']} → {change['signed']['new']}")
        lines += _document(base, change.get("old"), "old PDF") + _document(base, change.get("new"), "new PDF")
        status = {"differs": "differs", "only_a": "only in the old PDF", "only_b": "only in the new PDF"}
        for r in change.get("redline") or []:
            sec = (r.get("old") or r.get("new") or {}).get("section") or {}
            pages = " → ".join(f"p. {c['page']}" for c in (r.get("old"), r.get("new")) if c and c.get("page"))
            lines.append(f"    § {sec.get('number') or ''} {sec.get('title') or r['section']} ({pages}): "
                         f"{status.get(r['status'], r['status'])}"
                         + (f", {r['changed_words']} words changed" if r.get("changed_words") is not None else ""))
            if r.get("redline"):
                lines += ["      " + x for x in r["redline"].splitlines()]
    else:
        lines += _document(base, item.get("document"))
    lines.append(f"  ICE's 287(g) page: {item.get('page')}")
    return "\n".join(lines) + "\n"


def link(item: dict[str, Any], base: str = DEFAULT_LINK_BASE) -> str:
    """The one link an alert points to: the document in `moa serve`, else ICE's sheet."""
    doc = item.get("document") or ((item.get("document_change") or {}).get("new"))
    sha = item.get("sha256") or (doc or {}).get("sha256")
    if sha:
        return doc_link(base, sha)
    if item.get("agreement_id"):
        return f"{base.rstrip('/')}/agreement/{item['agreement_id']}"
    return (item.get("snapshot") or {}).get("url") or item.get("page") or base
