"""HTML of the Program, Changes and agreement-history pages (no catalog access here). The figures are drawn by
web/static/program.js from the specifications and JSON of /api/v1/ledger/…; everything else is plain HTML, so
the tables read without JavaScript."""

from __future__ import annotations

import json

from moa.program import MODEL_NAMES

from .html import doc_url, esc, layout, url

MODELS = ("JEM", "WSO", "TFM")
SCRIPTS = ("/vendor/vega.min.js", "/vendor/vega-lite.min.js", "/vendor/vega-embed.min.js",
           "/vendor/vega-interpreter.js", "/static/program.js")
CANCELLED_SINCE = "2025-12-08"  # the date the Titus report counts cancellations from


def _scripts() -> str:
    return "".join(f'<script src="{s}" defer></script>' for s in SCRIPTS)


def _head() -> str:
    return '<link rel="stylesheet" href="/static/program.css">'


def _per(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _model(m: str | None) -> str:
    if not m:
        return '<span class="muted">?</span>'
    return f'<abbr title="{esc(MODEL_NAMES.get(m, m))}">{esc(m)}</abbr>'


def _figure(fig_id: str, title: str, spec_url: str, csv_url: str, controls: str = "", note: str = "") -> str:
    return f"""<section class="figure" id="{fig_id}-figure">
<h2>{esc(title)}</h2>
{controls}
<div class="chart" id="{fig_id}" data-spec="{esc(spec_url)}" aria-live="polite"><p class="muted loading">Drawing…</p></div>
<p class="downloads">Download: <button type="button" data-chart="{fig_id}" data-format="svg">SVG</button>
<button type="button" data-chart="{fig_id}" data-format="png">PNG</button>
<a class="csv" id="{fig_id}-csv" href="{esc(csv_url)}">data (CSV)</a>{note}</p>
</section>"""


def _snapshots(e: dict) -> str:
    prev = (f'<a href="/program/snapshot/{int(e["previous_id"])}">{esc(e["previous"])}</a> → '
            if e.get("previous_id") else "")
    return f'{prev}<a href="/program/snapshot/{int(e["snapshot_id"])}">{esc(e["snapshot"])}</a>'


def _what(e: dict) -> str:
    c = e.get("changes") or {}
    if e["event"] == "changed":
        return "; ".join(f"{esc(k)}: {esc(v[0])} → {esc(v[1])}" for k, v in c.items() if isinstance(v, list))
    if c.get("relisted"):
        return "listed again"
    if c.get("to_participating"):
        return f"signed: now on the participating list ({esc(c['to_participating'])})"
    if c.get("from_pending"):
        return "was pending"
    return ""


def _events_table(rows: list[dict]) -> str:
    body = "".join(
        f'<tr class="event {esc(e["event"])}"><td>{esc(e["date"])}</td><td><span class="ev {esc(e["event"])}">'
        f'{esc(e["event"])}</span></td><td>{esc(e["state"])}</td>'
        f'<td><a href="/program/agreement/{int(e["agreement_id"])}">{esc(e["agency"])}</a></td>'
        f'<td>{_model(e["model"])}</td><td>{_what(e)}</td><td class="file">{_snapshots(e)}</td></tr>'
        for e in rows)
    return ('<table class="events"><thead><tr><th>Published</th><th>Event</th><th>State</th><th>Agency</th>'
            '<th>Model</th><th>What</th><th>Snapshots compared</th></tr></thead><tbody>' + body + "</tbody></table>")


def program_page(t: dict, now: dict, states: dict, recent: dict) -> str:
    last = t["points"][-1]
    models = ", ".join(f"{_model(m)} {n:,}" for m, n in now["by_model"].items())
    dates = [p["date"] for p in t["points"]]
    top = states["rows"][:15]
    census = states["census"] or {"label": f"not available ({states.get('missing')})", "vintage": "n/a"}
    state_rows = "".join(
        f'<tr><td>{esc(r["name"])} ({esc(r["state"])})</td><td class="n">{r["agreements"]:,}</td>'
        + "".join(f'<td class="n">{r.get(m, 0):,}</td>' for m in MODELS)
        + f'<td class="n">{(r["population"] or 0):,}</td>'
        f'<td class="n">{_per(r["per_100k"])}</td></tr>'
        for r in top)
    controls = f"""<form class="mapcontrols" id="map-controls">
<label>Snapshot <input type="range" id="map-date" min="0" max="{len(dates) - 1}" value="{len(dates) - 1}"
 data-dates="{esc(json.dumps(dates))}" aria-label="snapshot date"></label>
<output id="map-date-label" for="map-date">{esc(dates[-1])}</output>
<fieldset><legend>Colour by</legend>
<label><input type="radio" name="measure" value="agreements" checked> agreements</label>
<label><input type="radio" name="measure" value="per_100k"> agreements per 100,000 residents</label></fieldset>
</form>"""
    body = f"""{_head()}
<h1>The 287(g) program at a glance</h1>
<p class="lede">On ICE's participating list as of <b id="as-of">{esc(last["date"])}</b>
(<a href="/program/snapshot/{int(now["snapshot"]["id"])}">{esc(now["snapshot"]["source"])}</a>):
<b id="total">{now["agreements"]:,}</b> agreements ({models}) with {now["agencies"]:,} agencies in
{now["states"]} states and territories. ICE's list as of {esc(t["first"])}: {t["points"][0]["agreements"]:,}.
<a href="/changes">Every change</a> · <a href="{esc(url("/changes", view="cancelled", since=CANCELLED_SINCE))}">
cancelled since {CANCELLED_SINCE}</a></p>
{_figure("growth", "Agreements on the list over time, by model", "/api/v1/ledger/figure?kind=growth",
         "/api/v1/ledger/timeline?format=csv")}
{_figure("map", "Where: counties with agreements", f"/api/v1/ledger/figure?kind=map&as_of={last['date']}",
         f"/api/v1/ledger/counts?as_of={last['date']}&by=county&format=csv", controls,
         f' · <span class="muted">population: {esc(census["label"])}</span>')}
<section class="figure" id="states-section">
<h2>Top states</h2>
{_figure("states", "The 20 states with most agreements", f"/api/v1/ledger/figure?kind=states&as_of={last['date']}",
         f"/api/v1/ledger/counts?as_of={last['date']}&by=state&format=csv")}
{"" if states["rows"] else '<p class="error">No per-capita figures: ' + esc(census["label"]) + "</p>"}
<table class="states"><thead><tr><th>State</th><th>Agreements</th>{"".join(f"<th>{m}</th>" for m in MODELS)}
<th>Population ({census["vintage"]})</th><th>Per 100,000</th></tr></thead><tbody>{state_rows}</tbody></table>
<p class="muted">Per 100,000 residents of the state: {esc(census["label"])}. Statewide agreements (state agencies)
count in their state.</p>
</section>
<section id="latest-events">
<h2>Latest changes</h2>
{_events_table(recent["rows"])}
<p><a href="/changes">All {recent["total"]:,} changes</a></p>
</section>
{_scripts()}"""
    return layout("Program", body)


def _select(name: str, options: list[str], chosen: str | None, blank: str) -> str:
    opts = f'<option value="">{esc(blank)}</option>' + "".join(
        f'<option value="{esc(o)}"{" selected" if o == chosen else ""}>{esc(o)}</option>' for o in options)
    return f'<select name="{name}" aria-label="{name}">{opts}</select>'


def _filter_form(f: dict) -> str:
    return f"""<form class="filters" action="/changes" method="get">
{_select("event", ["added", "removed", "changed"], f.get("event"), "every event")}
{_select("model", list(MODELS), f.get("model"), "every model")}
<input name="state" value="{esc(f.get("state") or "")}" placeholder="state (FL)" size="6" aria-label="state">
<label>from <input type="date" name="since" value="{esc(f.get("since") or "")}"></label>
<label>to <input type="date" name="until" value="{esc(f.get("until") or "")}"></label>
<button type="submit">Show</button>
</form>
<form class="filters" action="/changes" method="get"><input type="hidden" name="view" value="cancelled">
<label>Cancelled since <input type="date" name="since" value="{CANCELLED_SINCE}"></label>
<button type="submit">Show cancellations</button></form>"""


def changes_page(r: dict, f: dict) -> str:
    t = r["totals"]
    csv = url("/api/v1/ledger/changes", **{k: v for k, v in f.items() if v}, format="csv")
    shown = "" if r["shown"] == r["total"] else f" (the newest {r['shown']:,} shown; the CSV has all)"
    body = f"""{_head()}
<h1>Changes to ICE's participating list</h1>
{_filter_form(f)}
<p id="totals"><b id="total">{r["total"]:,}</b> events{shown}: {t["added"]:,} added, {t["removed"]:,} removed,
{t["changed"]:,} changed. <a class="csv" href="{esc(csv)}">CSV</a></p>
{_events_table(r["rows"])}"""
    return layout("Changes", body)


def cancelled_page(r: dict) -> str:
    if r["before"] is None:
        return layout("Cancelled", f"{_head()}<h1>Cancelled since {esc(r['since'])}</h1>{_filter_form({})}"
                      "<p>No participating list was published on or before that date.</p>")
    rows = "".join(
        f'<tr class="event removed"><td>{esc(x["removed_published"] or "?")}</td><td>{esc(x["state"])}</td>'
        f'<td><a href="/program/agreement/{int(x["agreement_id"])}">{esc(x["agency"])}</a></td>'
        f'<td>{_model(x["model"])}</td><td>{esc(x["signed"])}</td>'
        f'<td class="file">{esc(x["removed_in"] or "")}</td></tr>' for x in r["rows"])
    models = ", ".join(f"{_model(m)} {n}" for m, n in r["by_model"].items() if n)
    csv = url("/api/v1/ledger/cancelled", since=r["since"], until=r["until"], format="csv")
    body = f"""{_head()}
<h1>Agreements cancelled since {esc(r["since"])}</h1>
{_filter_form({})}
<p id="totals"><b id="total">{r["total"]}</b> agreements on the list as of {esc(r["since"])}
(<a href="/program/snapshot/{int(r["before"]["id"])}">{esc(r["before"]["source"])}</a>) are not on it as of
{esc(r["until"])} (<a href="/program/snapshot/{int(r["after"]["id"])}">{esc(r["after"]["source"])}</a>){": " + models if models else ""}.
<a class="csv" href="{esc(csv)}">CSV</a></p>
<table class="events"><thead><tr><th>Removed</th><th>State</th><th>Agency</th><th>Model</th><th>Signed</th>
<th>First list without it</th></tr></thead><tbody>{rows}</tbody></table>"""
    return layout("Cancelled", body)


def agreement_page(h: dict, agreement_id: str | None = None) -> str:
    files = "".join(
        f'<li>{esc(f["linked_as"])}: ' + (f'<a href="{esc(doc_url(f["sha256"]))}">{esc(f["file"])}</a>'
                                          if f.get("sha256") else f'{esc(f["file"])} <span class="muted">(not held)</span>')
        + "</li>" for f in h["files"])
    seen = " to ".join(esc((s or {}).get("published_date")) for s in (h["first_seen"], h["last_seen"]))
    status = "on the list" if h["listed"] else "no longer listed"
    body = f"""{_head()}
<h1>{esc(h["agency"])} <small>{esc(h["state"])} · {_model(h["model"])}</small></h1>
<p>{esc(h["agency_type"])} · {esc(h["county"] or "")} · signed {esc(h["signed"] or "?")} ·
<span class="status {"active" if h["listed"] else "removed"}">{status}</span> · on ICE's {esc(h["list"])} list
{seen}</p>
{_full(agreement_id)}<h2>Documents</h2><ul>{files or "<li class=muted>none linked</li>"}</ul>
<h2>History</h2>
{_events_table(h["events"])}"""
    return layout(h["agency"], body)


def _full(agreement_id: str | None) -> str:
    if not agreement_id:
        return ""
    return (f'<p><a href="{esc("/agreement/" + agreement_id)}">The agreement</a>: its agency, its documents and '
            "what they say, where ICE's list and the MOA disagree.</p>")
