"""The program at a glance in `moa serve`: the Program page (growth by model, a county map over the snapshots,
top states, latest events), the Changes page (events filtered, cancellations since a date), one agreement's
ledger history, the snapshot files themselves, and their JSON/CSV under /api/v1/ledger/ (the same JSON as
`moa ledger timeline|counts|events|cancelled --json`). Figures are Vega-Lite specifications from moa/charts.py,
drawn in the page by Vega served from vendor/ (no CDN)."""

from __future__ import annotations

import io
import re

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from agreements import program
from moa import charts
from moa.blobs import BlobStore
from moa.errors import UserError
from moa.output import rows_of, write_csv
from places import atlas

from . import program_pages as pages
from .api import ApiJSON
from .site import PageError, Site, corpus, int_param, model_param, param, site

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EVENTS = ("added", "removed", "changed")
ATLAS_URL = "/vendor/us-atlas/counties-10m.json"
# what /vendor/ serves: the built files of the npm packages .ci/setup.d/js.sh installs, nothing else
VENDOR = {
    "vega.min.js": "vega/build/vega.min.js",
    "vega-lite.min.js": "vega-lite/build/vega-lite.min.js",
    "vega-embed.min.js": "vega-embed/build/vega-embed.min.js",
    "us-atlas/counties-10m.json": "us-atlas/counties-10m.json",
}
INTERPRETER = "vega-interpreter/build/vega-interpreter.js"


def _date(request: Request, name: str) -> str:
    value = param(request, name)
    if value and not DATE.match(value):
        raise UserError(f"{name} must be a date YYYY-MM-DD, got {value[:40]!r}")
    return value


def _state(request: Request) -> str:
    value = param(request, "state").upper()
    if value and not re.fullmatch(r"[A-Z]{2}", value):
        raise UserError(f"state must be a two-letter code, got {value[:40]!r}")
    return value


def _need_ledger(conn) -> None:
    if not program.has_ledger(conn):
        raise PageError(404, "No ledger", "This catalog has no snapshots of ICE's list: run moa ledger import.")


def _timeline(s: Site, by: str = "model") -> dict:
    def build() -> dict:
        with s.catalog() as conn:
            _need_ledger(conn)
            return program.timeline(conn, by)
    return s.cached(("ledger-timeline", by), build)


def _latest(s: Site) -> str:
    return _timeline(s)["last"]


def _as_of(request: Request, s: Site) -> str:
    return _date(request, "as_of") or _latest(s)


def _answer(request: Request, result: dict, name: str) -> Response:
    """JSON, or `?format=csv`: the table `--csv` prints (moa/output.py)."""
    if param(request, "format") == "csv":
        buf = io.StringIO()
        write_csv(rows_of(result), buf)
        return PlainTextResponse(buf.getvalue(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return ApiJSON(result)


# ---------------------------------------------------------------------------------------------- the API


def api_timeline(request: Request) -> Response:
    by = param(request, "by") or "model"
    if by not in ("model", "state"):
        raise UserError("by must be model or state")
    return _answer(request, _timeline(site(request), by), f"timeline-by-{by}")


def _counts(s: Site, as_of: str, by: str | None) -> dict:
    def build() -> dict:
        with s.catalog() as conn:
            _need_ledger(conn)
            return program.counts(conn, as_of, by or None)
    return s.cached(("ledger-counts", as_of, by), build)


def api_counts(request: Request) -> Response:
    s = site(request)
    by = param(request, "by")
    if by and by not in ("county", "state", "agreement"):
        raise UserError("by must be county, state or agreement")
    as_of = _as_of(request, s)
    return _answer(request, _counts(s, as_of, by), f"counts-{as_of}" + (f"-by-{by}" if by else ""))


def _filters(request: Request) -> dict:
    event = param(request, "event")
    if event and event not in EVENTS:
        raise UserError("event must be added, removed or changed")
    return {"since": _date(request, "since") or None, "until": _date(request, "until") or None,
            "event": event or None, "model": model_param(request) or None, "state": _state(request) or None}


def api_changes(request: Request) -> Response:
    with site(request).catalog() as conn:
        _need_ledger(conn)
        result = program.changes(conn, **_filters(request))
    return _answer(request, result, "changes")


def api_cancelled(request: Request) -> Response:
    since = _date(request, "since")
    if not since:
        raise UserError("give a date: /api/v1/ledger/cancelled?since=2025-12-08")
    with site(request).catalog() as conn:
        _need_ledger(conn)
        result = program.cancelled_since(conn, since, _date(request, "until") or None)
    return _answer(request, result, f"cancelled-since-{since}")


def figure_spec(s: Site, kind: str, as_of: str | None, measure: str = "agreements") -> dict:
    """The Vega-Lite specification of one figure, drawing from the API's JSON (the page fetches both)."""
    t = _timeline(s)
    if kind == "growth":
        return charts.growth_spec({"url": "/api/v1/ledger/timeline", "format": {"type": "json", "property": "rows"}},
                                  t["points"][-1]["snapshot"], t["first"], t["last"], groups=t["groups"])
    as_of = as_of or t["last"]
    by = "state" if kind == "states" else "county"
    r = _counts(s, as_of, by)
    if r["snapshot"] is None:
        raise UserError(f"no participating snapshot published on or before {as_of}")
    data = {"url": f"/api/v1/ledger/counts?as_of={as_of}&by={by}", "format": {"type": "json", "property": "rows"}}
    if kind == "states":
        return charts.states_spec(data, as_of, r["snapshot"]["source"], r["census"]["label"])
    if kind == "map":
        return charts.map_spec(data, {"url": ATLAS_URL}, as_of, r["snapshot"]["source"], r["census"]["label"],
                               measure=measure, statewide=r["coverage"]["statewide"])
    raise UserError("kind must be growth, states or map")


def api_figure(request: Request) -> Response:
    measure = param(request, "measure") or "agreements"
    if measure not in ("agreements", "per_100k"):
        raise UserError("measure must be agreements or per_100k")
    s = site(request)
    return ApiJSON(figure_spec(s, param(request, "kind"), _date(request, "as_of") or None, measure))


# ---------------------------------------------------------------------------------------------- pages


def program_page(request: Request) -> Response:
    s = site(request)
    t = _timeline(s)
    as_of = t["last"]
    with s.catalog() as conn:
        now = program.counts(conn, as_of)
        recent = program.changes(conn, limit=15)
    try:
        states = _counts(s, as_of, "state")
    except UserError as e:  # no Census estimates: the page without its per-capita figures, saying why
        states = {"rows": [], "census": None, "missing": str(e)}
    return HTMLResponse(pages.program_page(t, now, states, recent))


def changes_page(request: Request) -> Response:
    s = site(request)
    view = param(request, "view")
    with s.catalog() as conn:
        _need_ledger(conn)
        if view == "cancelled":
            since = _date(request, "since") or "2025-12-08"
            result = program.cancelled_since(conn, since, _date(request, "until") or None)
            return HTMLResponse(pages.cancelled_page(result))
        filters = _filters(request)
        limit = int_param(request, "limit", 500, 1, 20_000)
        result = program.changes(conn, **filters, limit=limit)
    return HTMLResponse(pages.changes_page(result, filters))


def agreement_page(request: Request) -> Response:
    try:
        aid = int(request.path_params["id"])
    except ValueError:
        raise PageError(404, "Unknown agreement", "An agreement id is a number.") from None
    with site(request).catalog() as conn:
        _need_ledger(conn)
        h = program.agreement(conn, aid)
    if h is None:
        raise PageError(404, "Unknown agreement", f"The ledger traced no agreement {aid}.")
    # the same agreement in the read model (its documents, what they say, its agency), when there is one
    full = next((a.id for a in corpus(site(request)).agreements if a.listing and a.listing.ledger_id == aid), None)
    return HTMLResponse(pages.agreement_page(h, full))


def snapshot_file(request: Request) -> Response:
    """A snapshot as ICE published it (the stored sheet), under its own name."""
    s = site(request)
    try:
        sid = int(request.path_params["id"])
    except ValueError:
        raise PageError(404, "Unknown snapshot", "A snapshot id is a number.") from None
    with s.catalog() as conn:
        snap = program.snapshot_file(conn, sid)
    path = BlobStore(s.data).path(snap["sha256"]) if snap else None
    if path is None or not path.is_file():
        raise PageError(404, "Unknown snapshot", f"No stored snapshot has id {sid}.")
    name = re.sub(r"[^\w.\-]", "_", snap["name"])
    kind = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if name.endswith(".xlsx")
            else "text/csv" if name.endswith(".csv") else "text/plain" if name.endswith((".htm", ".html"))
            else "application/octet-stream")
    return FileResponse(path, media_type=kind, filename=name, headers={"Cache-Control": "max-age=86400, immutable"})


def vendor_file(request: Request) -> Response:
    """Vega, Vega-Lite, vega-embed and the county TopoJSON from vendor/node_modules (installed from npm)."""
    name = request.path_params["name"]
    root = atlas.vendor_dir()
    if name == "vega-interpreter.js":
        return Response(_interpreter_js(str(root / INTERPRETER)), media_type="text/javascript",
                        headers={"Cache-Control": "max-age=3600"})
    rel = VENDOR.get(name)
    path = root / rel if rel else None
    if path is None or not path.is_file():
        raise PageError(404, "No such file", f"{name[:80]} is not served here"
                        + ("" if rel is None else ": run bash .ci/setup.d/js.sh"))
    media = "application/json" if name.endswith(".json") else "text/javascript"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "max-age=3600"})


def _interpreter_js(path: str) -> str:
    """vega-interpreter (an ES module) as a plain script on top of vega.min.js: Vega's expressions evaluated
    without `eval`, which the pages' Content-Security-Policy forbids."""
    try:
        src = open(path, encoding="utf-8").read()
    except FileNotFoundError:
        raise PageError(404, "No such file", "vega-interpreter is not installed: run bash .ci/setup.d/js.sh") from None
    imp = re.search(r"^import \{([^}]*)\} from 'vega-util';\s*$", src, re.M)
    exp = re.search(r"^export \{ expression as expressionInterpreter \};\s*$", src, re.M)
    if not (imp and exp):
        raise RuntimeError(f"{path}: not the vega-interpreter build this server knows how to load")
    body = src[:imp.start()] + f"const {{{imp.group(1)}}} = vega;\n" + src[imp.end():exp.start()]
    return f"(function () {{\n{body}\nvega.expressionInterpreter = expression;\n}})();\n"
