"""Handlers of the agreement and agency pages and their JSON API (the read model, agreements/)."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from agreements.query import STATUSES, row, select
from moa.errors import UserError

from . import agreement_pages as pages
from .api import ApiJSON
from .site import agency_detail_of, agreement_detail, corpus, int_param, model_param, param, site

PAGE_SIZE = 200


def _filters(request: Request) -> dict:
    status = param(request, "status")
    if status and status not in STATUSES:
        raise UserError(f"unknown status {status[:40]!r}: use {', '.join(STATUSES)}")
    state = param(request, "state").upper()
    if state and not (len(state) == 2 and state.isalpha()):
        raise UserError(f"state is a two-letter code, not {state[:40]!r}")
    return {"agency": param(request, "agency")[:200], "state": state, "model": model_param(request),
            "status": status, "since": param(request, "since"), "until": param(request, "until")}


def _select(request: Request) -> tuple[dict, list]:
    f = _filters(request)
    chosen = select(corpus(site(request)), state=f["state"] or None, model=f["model"] or None,
                    status=f["status"] or None, since=f["since"] or None, until=f["until"] or None,
                    agency=f["agency"] or None)
    return f, chosen


def agreements_page(request: Request) -> Response:
    f, chosen = _select(request)
    page = int_param(request, "page", 1, 1, 10_000)
    shown = chosen[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return HTMLResponse(pages.agreements_page([row(a) for a in shown], len(chosen), f, page, PAGE_SIZE))


def agreement_page(request: Request) -> Response:
    a = agreement_detail(site(request), request.path_params["id"])
    return HTMLResponse(pages.agreement_page(a, a["clauses"]))


def agency_page(request: Request) -> Response:
    return HTMLResponse(pages.agency_page(agency_detail_of(site(request), request.path_params["id"])))


# ---------------------------------------------------------------------------------------------- JSON API


def api_agreements(request: Request) -> Response:
    """Agreements, filtered as `moa agreements` filters them (`format=csv`: the same rows as CSV)."""
    _, chosen = _select(request)
    rows = [row(a) for a in chosen]
    if param(request, "format") == "csv":
        out = io.StringIO()
        w = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["id"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    return ApiJSON({"total": len(rows), "agreements": rows})


def api_agreement(request: Request) -> Response:
    return ApiJSON(agreement_detail(site(request), request.path_params["id"]))


def api_agency(request: Request) -> Response:
    return ApiJSON(agency_detail_of(site(request), request.path_params["id"]))
