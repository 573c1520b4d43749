"""The HTML pages' handlers: each reads the request, calls the library through web/site.py and returns a page
built by web/pages.py. Plain functions: Starlette runs them in its thread pool, so blocking catalog work is fine.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from agreements.documents import extracted_file
from agreements.documents import listings as listings_of
from agreements.join import identity
from compare.comparison import date_signed
from moa.blobs import BlobStore
from moa.errors import UserError
from search.index_docs import LEVELS

from . import pages
from .site import (
    MAX_OFFSET,
    SHA,
    PageError,
    compare_pair,
    compare_section,
    corpus,
    find_record,
    int_param,
    listing,
    model_param,
    param,
    search,
    site,
)


class PdfResponse(FileResponse):
    chunk_size = 1024 * 1024  # each chunk is read on a worker thread: a MOA is one to three reads, not 30


def search_page(request: Request) -> Response:
    query = param(request, "q")
    level = param(request, "level") or "document"
    if level not in LEVELS:
        level = "document"
    if not query:
        return HTMLResponse(pages.search_page(None, "", level))
    page = int_param(request, "page", 1, 1, MAX_OFFSET // pages.PAGE_SIZE)
    result = search(site(request), query, level, pages.PAGE_SIZE, (page - 1) * pages.PAGE_SIZE)
    return HTMLResponse(pages.search_page(result, query, level, page))


def documents_page(request: Request) -> Response:
    return HTMLResponse(pages.documents_page(listing(site(request)).rows))


def document_page(request: Request) -> Response:
    ref = request.path_params["ref"]
    with site(request).catalog() as conn:
        record = find_record(conn, ref)
        if record is None:
            raise PageError(404, "Unknown document", f"No extracted agreement has sha256 {ref[:80]}.")
        if record["sha256"] != ref.lower():
            return RedirectResponse(f"/doc/{record['sha256']}", status_code=302)
        listings = listings_of(conn, record.get("file") or "")
    others = listing(site(request)).choices
    owner = corpus(site(request)).by_document().get(record["sha256"])
    return HTMLResponse(pages.document_page(record, listings, date_signed(record), others,
                                            identity(owner) if owner else None))


def pdf_file(request: Request) -> Response:
    """The original PDF, streamed from the blob store (range requests too, so viewers can open #page=N fast)."""
    ref = request.path_params["ref"].lower()
    s = site(request)
    with s.catalog() as conn:
        known = extracted_file(conn, ref) if len(ref) == 64 and SHA.match(ref) else None
    path = BlobStore(s.data).path(ref) if known else None
    if not known or path is None or not path.is_file():
        raise PageError(404, "Unknown document", f"No stored PDF has sha256 {ref[:80]}.")
    name = re.sub(r"[^\w.\-]", "_", known)
    return PdfResponse(path, media_type="application/pdf", content_disposition_type="inline", filename=name,
                        headers={"Cache-Control": "max-age=86400, immutable"})


def compare_page(request: Request) -> Response:
    section = param(request, "section")
    model = model_param(request)
    a, b = param(request, "a"), param(request, "b")
    agreements = listing(site(request))
    form = pages.compare_form(agreements.section_keys, agreements.choices, section, model)
    if a or b:
        if not (a and b):
            raise UserError("choose two agreements, A and B")
        return HTMLResponse(pages.compare_pair_page(compare_pair(site(request), a, b), form))
    if not section:
        return HTMLResponse(pages.layout("Compare", "<h1>Compare clauses</h1>" + form))
    result = compare_section(site(request), section, model)
    if not result["agreements"]:
        raise PageError(404, "No such clause", f"No {model + ' ' if model else ''}agreement has a clause with key "
                        f"{section[:80]!r}.", detail_html=form)
    return HTMLResponse(pages.compare_section_page(result, form))
