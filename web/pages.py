"""The pages of the web interface, as HTML strings built from library results (no catalog access here)."""

from __future__ import annotations

import re
from urllib.parse import quote_plus, urlencode

from moa.program import MODEL_NAMES

from .html import doc_url, esc, layout, pdf_url, section_label, snippet_html, url, word_diff_html

PAGE_SIZE = 20
# facet name in results → query field that filters on it
FACET_FIELDS = {"model": "model", "state": "state", "agency_type": "type", "year": "year",
                "template_revision": "revision", "status": "status"}
FACET_TITLES = {"model": "Model", "state": "State", "agency_type": "Agency type", "year": "Year signed",
                "template_revision": "Template revision", "status": "On ICE's list"}
EXAMPLES = (
    ("Task Force agreements whose costs clause mentions overtime", "model:TFM section:costs overtime", "clause"),
    ("The page of each MOA that cites 287(a)(2)", '"287(a)(2)"', "page"),
    ("Agreements signed by a sheriff", 'signer:sheriff', "document"),
    ('"warrantless arrest" within 10 words of "probable cause"', 'NEAR("warrantless arrest" "probable cause", 10)',
     "page"),
    ("Florida WSO agreements signed after 2025-03-01, still listed",
     "model:WSO state:FL signed:>=2025-03-01 status:active", "document"),
)


def filter_term(field: str, value: str) -> str:
    """`field:value`, quoted when the value is more than letters and digits."""
    v = str(value)
    if v.isalnum():
        return f"{field}:{v}"
    return f'{field}:"{v.replace(chr(34), "")}"'


def _who(h: dict) -> str:
    parts = [h.get("agency") or h.get("file") or h.get("sha256", "")[:12]]
    if h.get("state"):
        parts.append(h["state"])
    return ", ".join(parts)


def _meta(h: dict) -> str:
    bits = []
    if h.get("model"):
        bits.append(f'<abbr title="{esc(MODEL_NAMES.get(h["model"], h["model"]))}">{esc(h["model"])}</abbr>')
    if h.get("signed"):
        bits.append(f"signed {esc(h['signed'])}")
    if h.get("template_revision"):
        bits.append(f"template {esc(h['template_revision'])}")
    if h.get("status"):
        bits.append(f'<span class="status {esc(h["status"])}">{esc(h["status"])}</span>')
    bits.append(f'<span class="file">{esc(h.get("file"))}</span>')
    return " · ".join(bits)


def _cite_links(h: dict, page: int | None) -> str:
    if not page:
        return ""
    return (f'<a class="cite" href="{esc(doc_url(h["sha256"], page))}">p. {int(page)}</a> '
            f'<a class="pdf" href="{esc(pdf_url(h["sha256"], page))}" title="original PDF at this page">PDF</a>')


def _read_as(h: dict) -> str:
    """The document's own reading of the agency, shown beside ICE's name when it differs."""
    read, agency = h.get("agency_read"), h.get("agency")
    if not read or not agency or re.sub(r"\W", "", read.lower()) == re.sub(r"\W", "", agency.lower()):
        return ""
    return f' <span class="muted read-as">the document reads “{esc(read)}”</span>'


def hit_html(h: dict, level: str) -> str:
    target = (f"/agreement/{h['agreement_id']}" if level == "agreement" or not h.get("sha256")
              else doc_url(h["sha256"]))
    agreement = (f' <a class="muted" href="{esc("/agreement/" + h["agreement_id"])}">agreement</a>'
                 if h.get("agreement_id") and level != "agreement" else "")
    head = (f'<h3><a href="{esc(target)}">{esc(_who(h))}</a>{_read_as(h)}{agreement}</h3>'
            f'<div class="meta">{_meta(h)}</div>')
    if level == "agreement":
        held = (f'<a href="{esc(doc_url(h["sha256"]))}">MOA</a>' if h.get("sha256")
                else '<span class="muted">MOA not held</span>')
        return f'<li class="hit">{head}<p>{held}</p></li>'
    body = []
    if level == "document":
        for p in h.get("pages") or []:
            body.append(f'<li>{_cite_links(h, p.get("page"))} <span class="snippet">{snippet_html(p.get("snippet"))}'
                        "</span></li>")
        if not body and h.get("snippet"):
            body.append(f'<li><span class="snippet">{snippet_html(h.get("snippet"))}</span></li>')
    else:
        where = _cite_links(h, h.get("page"))
        if h.get("page_end") and h.get("page") and h["page_end"] != h["page"]:
            where += f'<span class="span">–{int(h["page_end"])}</span>'
        sec = section_label(h.get("section"))
        if sec:
            where += f' <span class="section">{esc(sec)}</span>'
        body.append(f'<li>{where} <span class="snippet">{snippet_html(h.get("snippet"))}</span></li>')
    return f'<li class="hit">{head}<ul class="snippets">{"".join(body)}</ul></li>'


def facets_html(facets: dict, query: str, level: str) -> str:
    out = []
    # Every link is url("/", q=f"{query} {term}", level=level): quote_plus works character by character, so
    # the query's quoted form is made once and each term's appended (a page has 50 or so of these links).
    if query and query == query.strip():
        head, tail = "/?q=" + quote_plus(query) + "+", esc("&" + urlencode({"level": level}))
    else:
        head = tail = ""
    for name, counts in facets.items():
        if not counts:
            continue
        field = FACET_FIELDS.get(name)
        items = []
        for value, n in counts.items():
            term = filter_term(field, value) if field and value != "unknown" else None
            label = esc(value)
            if term and term not in query:
                href = (head + quote_plus(term) + tail if head
                        else esc(url("/", q=f"{query} {term}".strip(), level=level)))
                items.append(f'<li><a href="{href}" data-filter="{esc(term)}">{label}</a> '
                             f'<span class="count">{int(n)}</span></li>')
            else:
                items.append(f'<li><span class="value">{label}</span> <span class="count">{int(n)}</span></li>')
        out.append(f'<section class="facet" data-facet="{esc(name)}"><h4>{esc(FACET_TITLES.get(name, name))}</h4>'
                   f'<ul>{"".join(items)}</ul></section>')
    return "".join(out)


def search_page(result: dict | None, query: str, level: str, page: int = 1) -> str:
    if result is None:
        ex = "".join(f'<li><a href="{esc(url("/", q=q, level=lv))}">{esc(label)}</a> <code>{esc(q)}</code></li>'
                     for label, q, lv in EXAMPLES)
        body = f"""<section class="intro">
<h1>Search the 287(g) agreements</h1>
<p>Words match any form (<em>arrest</em> finds <em>arrests</em>); "quoted phrases" and <code>prefix*</code> match
exactly. Combine with <code>AND</code>, <code>OR</code>, <code>NOT</code> and parentheses; <code>NEAR(a b, 10)</code> or
<code>a /10 b</code> finds words close together. Filters: <code>model:TFM</code> <code>state:FL</code>
<code>agency:"…"</code> <code>signer:"…"</code> <code>section:costs</code> <code>signed:&gt;=2025-03-01</code>
<code>year:2025</code> <code>status:active</code> <code>type:sheriff</code> <code>revision:…</code>
<code>page:5</code>.</p>
<p>Levels: <b>document</b> lists agreements with their best pages; <b>page</b> gives hits citable by page;
<b>clause</b> gives hits inside one section or subsection, with its number and title.</p>
<h2>Examples</h2><ul class="examples">{ex}</ul>
</section>"""
        return layout("Search", body, query, level)
    total = int(result["total"])
    noun = {"document": "document", "page": "page", "clause": "clause", "agreement": "agreement"}[level]
    first = (page - 1) * PAGE_SIZE + 1
    last = min(total, page * PAGE_SIZE)
    summary = (f'<p class="summary"><b id="total">{total}</b> {noun}{"s" if total != 1 else ""} match '
               f'<code>{esc(query)}</code>' + (f" — showing {first}–{last}" if total else "") + "</p>")
    if result.get("index_empty"):
        summary += ('<p class="hint">The search index is empty: run <code>moa index</code> (after '
                    "<code>moa extract</code>), then search again.</p>")
    hits = "".join(hit_html(h, level) for h in result["hits"])
    nav = []
    if page > 1:
        nav.append(f'<a rel="prev" href="{esc(url("/", q=query, level=level, page=page - 1))}">← previous</a>')
    if last < total:
        nav.append(f'<a rel="next" href="{esc(url("/", q=query, level=level, page=page + 1))}">next →</a>')
    api = url("/api/search", q=query, level=level, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    nav.append(f'<a class="json" href="{esc(api)}">JSON</a>')
    tabs = "".join(
        f'<a class="tab{" active" if lv == level else ""}" href="{esc(url("/", q=query, level=lv))}">{lv}</a>'
        for lv in ("document", "page", "clause", "agreement"))
    body = (f'<div class="tabs">{tabs}</div><div class="results"><aside class="facets">'
            f'{facets_html(result["facets"], query, level)}</aside>'
            f'<section class="hits">{summary}<ol class="hits" start="{first}">{hits}</ol>'
            f'<nav class="pager">{" ".join(nav)}</nav></section></div>')
    return layout(f"{query}", body, query, level)


def error_page(status: int, title: str, message: str, query: str = "", level: str = "document",
               detail: str = "") -> str:
    body = (f'<section class="error" data-status="{int(status)}"><h1>{esc(title)}</h1>'
            f'<p class="message">{esc(message)}</p>{detail}</section>')
    return layout(title, body, query, level)


def syntax_error_page(query: str, level: str, message: str, position: int | None) -> str:
    detail = ""
    if position is not None and 0 <= position <= len(query):
        detail = (f'<pre class="caret">{esc(query)}\n{" " * position}^</pre>'
                  '<p>See the examples on the <a href="/">search page</a>.</p>')
    return error_page(400, "Query syntax error", message, query, level, detail)


# ---------------------------------------------------------------------------------------------- one agreement


def _signatory_row(s: dict) -> str:
    def cell(v: object) -> str:
        return esc(v) if v not in (None, "") else '<span class="unreadable">not readable</span>'

    reasons = "; ".join(s.get("reasons") or [])
    page = s.get("page")
    conf = s.get("confidence")
    return ("<tr>"
            f'<td>{esc((s.get("party") or "").upper())}</td><td>{cell(s.get("name"))}</td>'
            f'<td>{cell(s.get("title"))}</td><td>{cell(s.get("date"))}</td>'
            f'<td>{f"<a href={chr(34)}#p{int(page)}{chr(34)}>{int(page)}</a>" if page else ""}</td>'
            f'<td>{"" if conf is None else f"{float(conf):.2f}"}</td>'
            f'<td class="reason">{esc(reasons)}</td></tr>')


def _listing_html(listings: list[dict] | None, extracted_signed: str | None) -> str:
    if listings is None:
        return '<p class="muted">The ledger of ICE\'s published lists is not in this catalog.</p>'
    if not listings:
        return '<p class="muted">This document was not found on any imported ICE list.</p>'
    rows = []
    for x in listings:
        ice = x.get("signed")
        flag = ""
        if ice and extracted_signed and ice != extracted_signed:
            flag = (f'<span class="flag disagree" title="ICE lists {esc(ice)}, the signatures read '
                    f'{esc(extracted_signed)}">dates disagree</span>')
        elif ice and extracted_signed:
            flag = '<span class="flag agree">agrees</span>'
        first = (x.get("first_seen") or {}).get("published") or ""
        last = (x.get("last_seen") or {}).get("published") or ""
        rows.append(f"<tr><td>{esc(x.get('list'))}</td><td>{esc(x.get('agency'))}</td><td>{esc(x.get('state'))}</td>"
                    f"<td>{esc(x.get('model'))}</td><td>{esc(ice)}</td><td>{esc(extracted_signed)}</td>"
                    f"<td>{flag}</td><td>{esc(first[:10])}</td><td>{esc(last[:10])}</td>"
                    f'<td><span class="status {esc(x.get("status"))}">{esc(x.get("status"))}</span></td></tr>')
    return ('<table class="listing"><thead><tr><th>list</th><th>agency (as ICE lists it)</th><th>state</th>'
            "<th>model</th><th>signed (ICE)</th><th>signed (document)</th><th></th><th>first seen</th>"
            "<th>last seen</th><th>status</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _sections_html(record: dict) -> str:
    model = record.get("model")
    rows = []

    def pages(p: dict) -> str:
        a, b = p.get("page_start"), p.get("page_end")
        if not a:
            return ""
        link = f'<a href="#p{int(a)}">{int(a)}</a>'
        return link + (f'–<a href="#p{int(b)}">{int(b)}</a>' if b and b != a else "")

    def compare_link(key: str | None) -> str:
        if not key:
            return ""
        return f'<a class="cmp" href="{esc(url("/compare", section=key, model=model))}">compare</a>'

    for sec in record.get("sections") or []:
        rows.append(f'<tr class="sec"><td>{esc(sec.get("number"))}</td><td>{esc(sec.get("title"))}</td>'
                    f'<td><code>{esc(sec.get("key"))}</code></td><td>{pages(sec)}</td>'
                    f'<td>{compare_link(sec.get("key"))}</td></tr>')
        for sub in sec.get("subsections") or []:
            rows.append(f'<tr class="sub"><td>{esc(sec.get("number"))}.{esc(sub.get("letter"))}</td>'
                        f'<td>{esc(sub.get("title"))}</td><td><code>{esc(sub.get("key"))}</code></td>'
                        f'<td>{pages(sub)}</td><td>{compare_link(sub.get("key"))}</td></tr>')
    for app in record.get("appendices") or []:
        rows.append(f'<tr class="app"><td>Appendix {esc(app.get("letter"))}</td><td>{esc(app.get("title"))}</td>'
                    f'<td><code>{esc(app.get("key"))}</code></td><td>{pages(app)}</td><td></td></tr>')
    if not rows:
        return '<p class="muted">No numbered articles were recognised in this document.</p>'
    return ('<table class="sections"><thead><tr><th>§</th><th>title</th><th>key</th><th>pages</th><th></th></tr>'
            "</thead><tbody>" + "".join(rows) + "</tbody></table>")


def _pages_html(record: dict) -> str:
    sha = record["sha256"]
    out = []
    for p in record.get("pages") or []:
        n = int(p["number"])
        method = p.get("method") or "?"
        how = {"text": "text layer", "ocr": "OCR"}.get(method, method)
        q = p.get("quality")
        quality = f", quality {float(q):.2f}" if q is not None else ""
        reason = f' <span class="muted">({esc(p.get("reason"))})</span>' if p.get("reason") else ""
        text = p.get("text") or ""
        out.append(f'<section class="page" id="p{n}" data-method="{esc(method)}"><h3>Page {n} '
                   f'<span class="method {esc(method)}">{esc(how)}{esc(quality)}</span>{reason} '
                   f'<a class="pdf" href="{esc(pdf_url(sha, n))}">PDF p. {n}</a></h3>'
                   f'<pre class="text">{esc(text) if text.strip() else "<i>(no text)</i>"}</pre></section>')
    return "".join(out)


def _agreement_html(agreement: dict | None) -> str:
    """The agreement a document belongs to, as ICE lists it, and where ICE and the document disagree."""
    if not agreement:
        return ""
    src = agreement.get("sources") or {}
    listed = "ICE's list" if src.get("agency") == "ice" else "the document (ICE's lists never name it)"
    flags = "".join(f'<li>{esc(d["field"])}: ICE\'s list says {esc(d["ice"])}, the MOA {esc(d["document"])}</li>'
                    for d in agreement.get("disagreements") or [])
    return (f'<dt>Agreement</dt><dd><a href="{esc("/agreement/" + agreement["id"])}">{esc(agreement["agency"])}, '
            f'{esc(agreement.get("state"))}, {esc(agreement.get("model"))}</a> — {esc(agreement.get("status"))} '
            f'<span class="muted">(as named by {listed}; <a href="{esc("/agency/" + agreement["agency_id"])}">'
            "the agency</a>)</span>"
            + (f'<ul class="flag-box">{flags}</ul>' if flags else "") + "</dd>")


def document_page(record: dict, listings: list[dict] | None, extracted_signed: str | None,
                  others: list[dict], agreement: dict | None = None) -> str:
    sha = record["sha256"]
    agency = record.get("agency") or {}
    model = record.get("model")
    title = (agreement or {}).get("agency") or agency.get("name") or record.get("file") or sha[:12]
    sigs = record.get("signatories") or []
    sig_rows = "".join(_signatory_row(s) for s in sigs) or (
        '<tr><td colspan="7" class="muted">No signature block was found.</td></tr>')
    pages = record.get("pages") or []
    ocr = sum(1 for p in pages if p.get("method") == "ocr")
    extraction = record.get("extraction") or {}
    options = "".join(f'<option value="{esc(o["sha256"])}">{esc(o["label"])}</option>'
                      for o in others if o["sha256"] != sha)
    body = f"""<article class="document" data-sha="{esc(sha)}">
<h1>{esc(title)}</h1>
<dl class="facts">
{_agreement_html(agreement)}
<dt>Model</dt><dd>{esc(model) or "unknown"}{f" — {esc(MODEL_NAMES[model])}" if model in MODEL_NAMES else ""}</dd>
<dt>Agency (as the document reads)</dt><dd>{esc(agency.get("name")) or '<span class="unreadable">not readable</span>'}</dd>
<dt>State (as the document reads)</dt><dd>{esc(agency.get("state")) or "unknown"}</dd>
<dt>Template revision</dt><dd>{esc(record.get("template_revision")) or "not printed"}</dd>
<dt>Date signed</dt><dd>{esc(extracted_signed) or '<span class="unreadable">not readable</span>'}</dd>
<dt>File</dt><dd>{esc(record.get("file"))} — <a class="pdf" href="{esc(pdf_url(sha))}">original PDF</a></dd>
<dt>Pages</dt><dd>{len(pages)} ({len(pages) - ocr} text layer, {ocr} OCR)</dd>
<dt>sha256</dt><dd><code>{esc(sha)}</code></dd>
<dt>Extracted</dt><dd>{esc(extraction.get("extractor"))} {esc(extraction.get("extracted_at"))}</dd>
</dl>
<h2 id="signatories">Signatories</h2>
<table class="signatories"><thead><tr><th>party</th><th>name</th><th>title</th><th>date</th><th>page</th>
<th>confidence</th><th>why unreadable</th></tr></thead><tbody>{sig_rows}</tbody></table>
<h2 id="listing">On ICE's published list</h2>
{_listing_html(listings, extracted_signed)}
<h2 id="sections">Sections</h2>
{_sections_html(record)}
<form class="pair" action="/compare" method="get"><input type="hidden" name="a" value="{esc(sha)}">
<label>Compare clause by clause with <select name="b">{options}</select></label> <button type="submit">Compare</button>
</form>
<h2 id="text">Text by page</h2>
{_pages_html(record)}
</article>"""
    return layout(title, body)


def documents_page(rows: list[dict]) -> str:
    trs = "".join(
        f'<tr><td><a href="{esc(doc_url(r["sha256"]))}">{esc(r["agency"] or r["file"])}</a></td>'
        f'<td>{esc(r["state"])}</td><td>{esc(r["model"])}</td><td>{esc(r["signed"])}</td>'
        f'<td>{esc(r["template_revision"])}</td><td>{int(r["pages"])}</td><td class="file">{esc(r["file"])}</td></tr>'
        for r in rows)
    body = (f"<h1>Documents</h1><p>{len(rows)} extracted agreement documents, under the agency's name as ICE lists "
            'it. Every agreement on ICE\'s lists, held or not: <a href="/agreements">agreements</a>.</p>'
            '<table class="documents"><thead><tr><th>agency</th><th>state</th><th>model</th><th>signed</th>'
            f"<th>template</th><th>pages</th><th>file</th></tr></thead><tbody>{trs}</tbody></table>")
    return layout("Documents", body)


# ---------------------------------------------------------------------------------------------- comparison


def _cite(c: dict) -> str:
    who = c.get("agency") or c.get("file") or c.get("sha256", "")[:12]
    if c.get("state"):
        who += f", {c['state']}"
    sec = section_label(c.get("section"))
    page = c.get("page")
    link = f'<a href="{esc(doc_url(c["sha256"], page))}">{esc(who)}</a>'
    pdf = f' <a class="pdf" href="{esc(pdf_url(c["sha256"], page))}">PDF p. {int(page)}</a>' if page else ""
    signed = f"signed {esc(c.get('date_signed'))}" if c.get("date_signed") else "date signed not readable"
    return f'{link} — {esc(c.get("model"))}, {signed}, {esc(sec)}{pdf}'


def compare_form(keys: list[str], docs: list[dict], section: str = "", model: str = "", note: str = "") -> str:
    key_opts = "".join(f'<option value="{esc(k)}"{" selected" if k == section else ""}>{esc(k)}</option>'
                       for k in keys)
    model_opts = '<option value="">any model</option>' + "".join(
        f'<option value="{m}"{" selected" if m == model else ""}>{m} — {esc(n)}</option>'
        for m, n in MODEL_NAMES.items())
    doc_opts = "".join(f'<option value="{esc(d["sha256"])}">{esc(d["label"])}</option>' for d in docs)
    return f"""<section class="compare-forms">
{note}
<form action="/compare" method="get" class="section-form">
<h2>One clause across agreements</h2>
<p>Groups every agreement's version of a clause into variants, shows ICE's standard text for each template
revision and a word-level redline for each agreement that deviates.</p>
<label>Clause <select name="section">{key_opts}</select></label>
<label>Model <select name="model">{model_opts}</select></label>
<button type="submit">Compare</button>
</form>
<form action="/compare" method="get" class="pair-form">
<h2>Two agreements, clause by clause</h2>
<label>A <select name="a">{doc_opts}</select></label>
<label>B <select name="b">{doc_opts}</select></label>
<button type="submit">Compare</button>
</form>
</section>"""


def compare_section_page(result: dict, form: str) -> str:
    stds = "".join(
        f'<section class="standard"><h3>Standard for {esc(s["model"])}, template {esc(s["template_revision"])}: '
        f'variant {esc(s["variant"])} ({int(s["on_standard"])} of {int(s["agreements"])} agreements)</h3>'
        f'<blockquote>{esc(s["text"])}</blockquote></section>'
        for s in result["standards"])
    variants = "".join(
        f'<tr><td>{esc(v["variant"])}{" <b>standard</b>" if v["standard"] else ""}</td><td>{int(v["agreements"])}</td>'
        f'<td>{esc(", ".join(v["groups"]))}</td><td><ul>'
        + "".join(f"<li>{_cite(m)}</li>" for m in v["members"]) + "</ul></td></tr>"
        for v in result["variants"])
    devs = "".join(
        f'<li class="deviation"><div class="dev-cite">{_cite(d)} — <b>{int(d["changed_words"])}</b> words changed '
        f'(variant {esc(d["variant"])} against standard {esc(d["standard_variant"])}, similarity '
        f'{float(d["similarity"]):.2f})</div>'
        f'<div class="redline">{word_diff_html(d.get("redline_brief") or d.get("redline"))}</div>'
        # redline_html comes from search/redline.render_html, which escapes every word itself
        f'<details><summary>whole clause</summary><div class="redline">'
        f'{d.get("redline_html") or word_diff_html(d.get("redline"))}</div></details></li>'
        for d in result["deviations"])
    model = result.get("model")
    body = (f'<h1>Clause <code>{esc(result["section"])}</code>{f" — {esc(model)}" if model else ""}</h1>'
            f'<p class="summary">{int(result["agreements"])} agreements have this clause; '
            f'{len(result["variants"])} variant(s), {int(result["forms"])} distinct normalized forms; '
            f'{len(result["deviations"])} deviate from their standard.</p>'
            f"{stds}<h2>Variants</h2>"
            '<table class="variants"><thead><tr><th>variant</th><th>agreements</th><th>model/template</th>'
            f"<th>who</th></tr></thead><tbody>{variants}</tbody></table>"
            '<h2>Deviations from the standard</h2><p class="legend"><del>struck: standard text</del> '
            "<ins>added: this agreement</ins></p>"
            f'<ol class="deviations">{devs or "<li>None: every agreement uses its standard text.</li>"}</ol>'
            f"{form}")
    return layout(f"Compare {result['section']}", body)


def compare_pair_page(result: dict, form: str) -> str:
    a, b = result["a"], result["b"]

    def head(x: dict, tag: str) -> str:
        return (f'<div class="party-{tag.lower()}"><b>{tag}</b>: <a href="{esc(doc_url(x["sha256"]))}">'
                f'{esc(x.get("agency") or x.get("file"))}</a> — {esc(x.get("model"))}, template '
                f'{esc(x.get("template_revision") or "?")}, signed {esc(x.get("date_signed") or "?")}</div>')

    rows = []
    for r in result["rows"]:
        st = r["status"]
        label = {"same": "same", "differs": f"differs ({r.get('changed_words')} words)",
                 "only_a": "only in A", "only_b": "only in B"}.get(st, st)
        where = []
        for tag in ("a", "b"):
            c = r.get(tag)
            if c and c.get("page"):
                where.append(f'{tag.upper()}: {esc(section_label(c.get("section")))} '
                             f'<a href="{esc(doc_url(c["sha256"], c["page"]))}">p. {int(c["page"])}</a>')
        red = ""
        if st == "differs":
            red = (f'<div class="redline">{word_diff_html(r.get("redline"), context=12)}</div>'
                   f'<details><summary>whole clause</summary><div class="redline">{word_diff_html(r.get("redline"))}'
                   "</div></details>")
        rows.append(f'<li class="row {esc(st)}"><h3><code>{esc(r["section"])}</code> <span class="st">{esc(label)}'
                    f'</span></h3><div class="where">{" · ".join(where)}</div>{red}</li>')
    body = (f'<h1>Clause by clause</h1>{head(a, "A")}{head(b, "B")}'
            '<p class="legend"><del>only in A</del> <ins>only in B</ins></p>'
            f'<ol class="pair-rows">{"".join(rows)}</ol>{form}')
    return layout("Compare two agreements", body)
