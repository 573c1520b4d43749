"""The pages of agreements and agencies (the read model, agreements/), as HTML strings from library results."""

from __future__ import annotations

from moa.program import MODEL_NAMES

from .html import doc_url, esc, layout, pdf_url, url

STATUS_WORDS = {"active": "on ICE's list", "removed": "removed from ICE's list", "pending": "pending",
                "withdrawn": "left the pending list unsigned", "unlisted": "never on ICE's lists"}


def agreement_url(agreement_id: str) -> str:
    return url(f"/agreement/{agreement_id}")


def agency_url(agency_id: str) -> str:
    return url(f"/agency/{agency_id}")


def _day(stamp: str | None) -> str:
    return esc((stamp or "")[:10])


def _status(a: dict) -> str:
    since = a.get("status_since")
    when = {"removed": "since", "withdrawn": "since"}.get(a["status"], "since")
    return (f'<span class="status {esc(a["status"])}">{esc(STATUS_WORDS.get(a["status"], a["status"]))}</span>'
            + (f' {when} {_day(since)}' if since else ""))


def _source(a: dict, facet: str) -> str:
    src = (a.get("sources") or {}).get(facet)
    return ' <span class="muted" title="read from the MOA: ICE\'s list gives none">(from the MOA)</span>' \
        if src == "document" else ""


def agreements_page(rows: list[dict], total: int, filters: dict, page: int, page_size: int) -> str:
    """Every agreement ICE's lists held (and every document no list names), filtered."""
    opts = {
        "status": ["", "active", "removed", "pending", "withdrawn", "unlisted"],
        "model": ["", "JEM", "WSO", "TFM"],
    }

    def select(name: str) -> str:
        return (f'<select name="{name}" aria-label="{name}">' + "".join(
            f'<option value="{esc(v)}"{" selected" if v == filters.get(name, "") else ""}>{esc(v or "any " + name)}'
            "</option>" for v in opts[name]) + "</select>")

    form = (f'<form class="filters" action="/agreements" method="get">'
            f'<input name="agency" value="{esc(filters.get("agency", ""))}" placeholder="agency name" '
            f'aria-label="agency">'
            f'<input name="state" value="{esc(filters.get("state", ""))}" placeholder="state (FL)" size="6" '
            f'aria-label="state">{select("model")}{select("status")}'
            f'<label>since <input type="date" name="since" value="{esc(filters.get("since", ""))}"></label>'
            '<button type="submit">Filter</button></form>')
    trs = []
    for r in rows:
        moa = (f'<a href="{esc(doc_url(r["moa_sha256"]))}">MOA</a>' if r["moa_sha256"]
               else f'<span class="muted" title="{esc(r["moa_file"])}">not held</span>' if r["moa_file"] else "")
        flag = f' <span class="flag" title="{esc(r["disagreements"])}">ICE and the MOA disagree</span>' \
            if r["disagreements"] else ""
        trs.append(
            f'<tr><td><a href="{esc(agreement_url(r["id"]))}">{esc(r["agency"] or r["moa_file"])}</a>{flag}</td>'
            f'<td>{esc(r["state"])}</td><td>{esc(r["model"])}</td><td>{_status(r)}</td>'
            f'<td>{esc(r["signed"])}</td><td>{_day(r["first_on_list"])}</td><td>{_day(r["off_list"])}</td>'
            f'<td>{moa}</td></tr>')
    pages = max(1, -(-total // page_size))
    query = {k: v for k, v in filters.items() if v}
    nav = ""
    if pages > 1:
        prev = f'<a href="{esc(url("/agreements", **query, page=page - 1))}">← previous</a> ' if page > 1 else ""
        nxt = f' <a href="{esc(url("/agreements", **query, page=page + 1))}">next →</a>' if page < pages else ""
        nav = f'<p class="pager">{prev}page {page} of {pages}{nxt}</p>'
    csv = esc(url("/api/v1/agreements", **query, format="csv"))
    body = (f"<h1>Agreements</h1><p>{total} agreement(s) as ICE lists them, with the MOA where we hold it "
            f'(<a href="{csv}">CSV</a>). Documents by file: <a href="/docs">extracted documents</a>.</p>{form}'
            '<table class="documents agreements"><thead><tr><th>agency</th><th>state</th><th>model</th>'
            "<th>status</th><th>signed</th><th>first listed</th><th>off the list</th><th>document</th></tr></thead>"
            f"<tbody>{''.join(trs)}</tbody></table>{nav}")
    return layout("Agreements", body)


def _history(events: list[dict]) -> str:
    if not events:
        return ""
    items = []
    for e in events:
        changes = e.get("changes") or {}
        def shown(value: object) -> str:
            return esc(value) if value not in (None, "", []) else "<i>none</i>"

        parts = [f"{esc(k)}: {shown(v[0])} → {shown(v[1])}" for k, v in changes.items()
                 if isinstance(v, list) and len(v) == 2]
        notes = [esc(k.replace("_", " ")) + (f" {esc(v)}" if isinstance(v, str) else "")
                 for k, v in changes.items() if not (isinstance(v, list) and len(v) == 2)]
        detail = "; ".join(parts + notes)
        def sheet(name: str | None, sid: int | None) -> str:
            return f'<a href="{esc(url(f"/program/snapshot/{int(sid)}"))}">{esc(name)}</a>' if sid else esc(name)

        items.append(f'<li>{_day(e.get("published"))} <b>{esc(e["event"])}</b> on the {esc(e.get("list"))} list'
                     f'{": " + detail if detail else ""} <span class="muted">({sheet(e.get("snapshot"), e.get("snapshot_id"))}'
                     f' against {sheet(e.get("previous"), e.get("previous_id"))})</span></li>')
    return "<ul class=\"history\">" + "".join(items) + "</ul>"


def _documents(docs: list[dict]) -> str:
    if not docs:
        return "<p class=\"muted\">ICE's list links no document for this agreement.</p>"
    rows = []
    for d in docs:
        if d["sha256"]:
            link = f'<a href="{esc(doc_url(d["sha256"]))}">{esc(d["file"])}</a> ' \
                   f'(<a href="{esc(pdf_url(d["sha256"]))}">PDF</a>)'
        else:
            link = f'{esc(d["file"])} <span class="muted">(ICE links it; we do not hold it)</span>'
        read = ""
        if d["extracted"]:
            signers = "; ".join(f'{esc(s.get("name") or "?")} ({esc(s.get("party"))}), '
                                f'{esc(s.get("date") or "date not readable")}' for s in d["signatories"])
            read = (f'<br><span class="muted">the MOA reads:</span> {esc(d["agency"] or "agency not readable")} '
                    f'({esc(d["state"] or "?")}), {esc(d["model"] or "?")}, signed {esc(d["signed"] or "?")}, '
                    f'template {esc(d["template_revision"] or "?")}' + (f"<br>signatories: {signers}" if signers
                                                                         else ""))
        prov = d.get("provenance") or {}
        got = (f'<br><span class="muted">retrieved {_day(prov.get("retrieved_at"))} from '
               f'{esc(prov.get("url"))}</span>' if prov.get("url") else "")
        rows.append(f'<li>{esc(d["linked_as"] or "document")}: {link}{read}{got}</li>')
    return "<ul class=\"docs\">" + "".join(rows) + "</ul>"


def _disagreements(a: dict) -> str:
    if not a.get("disagreements"):
        return ""
    rows = "".join(f'<tr><td>{esc(d["field"])}</td><td>{esc(d["ice"])}</td><td>{esc(d["document"])}</td></tr>'
                   for d in a["disagreements"])
    return ('<div class="flag-box"><h3>ICE\'s list and the MOA disagree</h3><table><thead><tr><th>field</th>'
            f"<th>ICE's list</th><th>the MOA</th></tr></thead><tbody>{rows}</tbody></table></div>")


def _facts(a: dict) -> str:
    listing = a.get("listing") or {}
    model = a.get("model")
    facts = [
        ("agency", f'<a href="{esc(agency_url(a["agency_id"]))}">{esc(a["agency"])}</a>{_source(a, "agency")}'),
        ("state", f'{esc(a["state"])}{_source(a, "state")}'),
        ("county", esc(a.get("county"))),
        ("model", f'{esc(MODEL_NAMES.get(model or "", model))}{_source(a, "model")}'),
        ("signed", f'{esc(a.get("signed"))}{_source(a, "signed")}'),
        ("status", _status(a)),
    ]
    if listing:
        facts += [("listed as", esc(listing.get("agency"))),
                  ("on the list", f'{_day((listing.get("first_seen") or {}).get("published"))} to '
                                  f'{_day((listing.get("last_seen") or {}).get("published"))}')]
        if listing.get("pending"):
            p = listing["pending"]
            facts.append(("pending before", f'{_day((p.get("first_seen") or {}).get("published"))} to '
                                            f'{_day((p.get("last_seen") or {}).get("published"))}'))
        if len(listing.get("spellings") or []) > 1:
            facts.append(("ICE's spellings", "; ".join(
                f'{esc(s["agency"])} ({esc(s["state"])}, {int(s["snapshots"])} lists)' for s in listing["spellings"])))
    return "<dl class=\"facts\">" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"


def agreement_page(a: dict, clauses: list[dict]) -> str:
    """One agreement: what ICE lists, the documents with what they say, disagreements, list history, clauses."""
    title = f'{a["agency"] or "Agency not readable"} — {a.get("model") or "?"}'
    sec = ""
    if clauses:
        items = "".join(
            f'<li><a href="{esc(doc_url(c["sha256"], c.get("page_start")))}">{esc(c["number"])}. '
            f'{esc(c["title"])}</a> <span class="muted">p. {esc(c.get("page_start"))}</span> '
            f'<a class="muted" href="{esc(url("/compare", section=c["key"], model=a.get("model") or ""))}">'
            "compare across agreements</a></li>" for c in clauses)
        sec = f"<h2>Clauses of the MOA</h2><ol class=\"clauses\">{items}</ol>"
    body = (f"<h1>{esc(title)}</h1>{_facts(a)}{_disagreements(a)}"
            f"<h2>Documents</h2>{_documents(a['documents'])}"
            f"<h2>On ICE's lists</h2>{_history(a.get('history') or []) or '<p class=muted>No change since ICE first listed it.</p>'}"
            f"{sec}")
    return layout(title, body)


def agency_page(g: dict) -> str:
    """One agency: its names, and each agreement it holds with its status and documents."""
    parts = [f"<h1>{esc(g['name'] or 'Agency not readable')} <span class=\"muted\">({esc(g['state'])})</span></h1>",
             f"<p>{esc(g.get('agency_type') or '')} {esc(g.get('county') or '')}</p>"]
    if len(g.get("spellings") or []) > 1:
        parts.append("<p class=\"muted\">ICE spells it: " + "; ".join(esc(s) for s in g["spellings"]) + "</p>")
    if g.get("read_as"):
        parts.append("<p class=\"muted\">Its documents read: " + "; ".join(esc(s) for s in g["read_as"]) + "</p>")
    for a in g["agreements"]:
        parts.append(f'<section class="agreement"><h2><a href="{esc(agreement_url(a["id"]))}">'
                     f'{esc(MODEL_NAMES.get(a.get("model") or "", a.get("model") or "?"))}</a></h2>'
                     f'<p>{_status(a)}, signed {esc(a.get("signed") or "?")}</p>{_disagreements(a)}'
                     f'{_documents(a["documents"])}{_history(a.get("history") or [])}</section>')
    return layout(g["name"] or "Agency", "".join(parts))
