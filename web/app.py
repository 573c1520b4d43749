"""`moa serve`: a small read-only web interface over the catalog, on the standard library's HTTP server.

Routes: `/` search (query language, levels, facets as filters, paging), `/api/search` (JSON, as `moa search
--json`), `/docs` (every agreement), `/doc/<sha256>` (one agreement), `/doc/<sha256>/pdf` (the original PDF,
citable with #page=N), `/compare` (one clause across agreements, or two agreements clause by clause),
`/static/…`. Each request opens its own read-only connection, so the server never writes to the catalog.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from agreements.documents import document, extracted_file, extracted_shas, iter_documents
from agreements.documents import listings as listings_of
from compare import comparison as cmp
from compare.comparison import date_signed
from moa.blobs import BlobStore
from moa.catalog import connect
from moa.errors import ExternalError, UserError
from search.api import run_search
from search.backend import get_backend
from search.index_docs import LEVELS
from search.query import QuerySyntaxError

from . import pages

log = logging.getLogger("moa.serve")
_SHA = re.compile(r"^[0-9a-f]{6,64}$")
STATIC = {"style.css": "text/css; charset=utf-8"}
MAX_OFFSET = 100_000


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    file: Path | None = None  # streamed instead of body
    headers: dict[str, str] = field(default_factory=dict)


def html(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"))


def as_json(status: int, value: object) -> Response:
    return Response(status, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8"),
                    "application/json; charset=utf-8")


class App:
    """The routes, independent of the HTTP plumbing (so the same answers are served by any server)."""

    def __init__(self, data: str | Path | None = None, backend: str = "sqlite", es_url: str | None = None) -> None:
        conn = connect(data, readonly=True)  # fails now, with a clear message, when there is no catalog
        try:
            row = conn.execute("PRAGMA database_list").fetchone()
            self.data = Path(row["file"]).parent
        finally:
            conn.close()
        self.backend = backend
        self.es_url = es_url

    def connect(self) -> sqlite3.Connection:
        return connect(self.data, readonly=True)

    # ------------------------------------------------------------------------------------------ dispatch

    def handle(self, path: str, query: str) -> Response:
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        parts = [unquote(p) for p in path.split("/") if p]
        try:
            if not parts:
                return self.search(params)
            head = parts[0]
            if head == "api" and parts[1:] == ["search"]:
                return self.api_search(params)
            if head == "docs" and len(parts) == 1:
                return self.documents()
            if head == "doc" and len(parts) == 2:
                return self.document(parts[1])
            if head == "doc" and len(parts) == 3 and parts[2] == "pdf":
                return self.pdf(parts[1])
            if head == "compare" and len(parts) == 1:
                return self.compare(params)
            if head == "static" and len(parts) == 2 and parts[1] in STATIC:
                data = resources.files("web").joinpath(parts[1]).read_bytes()
                return Response(200, data, STATIC[parts[1]], headers={"Cache-Control": "max-age=3600"})
            return self.not_found("No such page", f"Nothing lives at {path}.")
        except QuerySyntaxError as e:
            return html(400, pages.syntax_error_page(params.get("q", ""), params.get("level", "document"),
                                                     e.message, e.position))
        except UserError as e:
            return html(400, pages.error_page(400, "Cannot do that", str(e)))
        except ExternalError as e:
            return html(502, pages.error_page(502, "A service this page needs failed", str(e)))
        except sqlite3.OperationalError as e:  # e.g. a catalog older than this moa, opened read-only
            log.warning("catalog error on %s: %s", path, e)
            return html(503, pages.error_page(503, "The catalog is not ready",
                                              f"{e}. Run `moa index` (it also brings the catalog's schema up to "
                                              "date), then reload."))

    def not_found(self, title: str, message: str) -> Response:
        return html(404, pages.error_page(404, title, message))

    # ------------------------------------------------------------------------------------------ search

    def _level(self, params: dict) -> str:
        level = params.get("level") or "document"
        if level not in LEVELS:
            raise UserError(f"unknown level {level!r}: use document, page or clause")
        return level

    def _search(self, query: str, level: str, limit: int, offset: int) -> dict:
        conn = self.connect()
        try:
            backend = get_backend(self.backend, conn, self.es_url)
            try:
                result = run_search(conn, query, level, backend, limit=limit, offset=offset)
                if result["total"] == 0 and not backend.stats().get("documents"):
                    result["index_empty"] = True  # shown as a hint; the JSON API drops it
                return result
            finally:
                backend.close()
        finally:
            conn.close()

    def search(self, params: dict) -> Response:
        query = (params.get("q") or "").strip()
        level = params.get("level") or "document"
        if level not in LEVELS:
            level = "document"
        if not query:
            return html(200, pages.search_page(None, "", level))
        page = _int(params.get("page"), 1, 1, MAX_OFFSET // pages.PAGE_SIZE)
        result = self._search(query, level, pages.PAGE_SIZE, (page - 1) * pages.PAGE_SIZE)
        return html(200, pages.search_page(result, query, level, page))

    def api_search(self, params: dict) -> Response:
        query = (params.get("q") or "").strip()
        try:
            if not query:
                raise UserError("give a query: /api/search?q=…")
            level = self._level(params)
            limit = _int(params.get("limit"), 20, 0, 1000)
            offset = _int(params.get("offset"), 0, 0, MAX_OFFSET)
            result = self._search(query, level, limit, offset)
            result.pop("index_empty", None)
            return as_json(200, result)
        except QuerySyntaxError as e:
            return as_json(400, {"error": str(e), "message": e.message, "position": e.position, "query": query})
        except UserError as e:
            return as_json(400, {"error": str(e)})
        except ExternalError as e:
            return as_json(502, {"error": str(e)})

    # ------------------------------------------------------------------------------------------ documents

    def _record(self, conn: sqlite3.Connection, ref: str) -> dict | None:
        ref = ref.lower()
        if not _SHA.match(ref):
            return None
        if len(ref) == 64:
            return document(conn, ref, with_text=True)
        shas = extracted_shas(conn, ref, limit=2)
        return document(conn, shas[0], with_text=True) if len(shas) == 1 else None

    def document(self, ref: str) -> Response:
        conn = self.connect()
        try:
            record = self._record(conn, ref)
            if record is None:
                return self.not_found("Unknown document", f"No extracted agreement has sha256 {ref}.")
            if record["sha256"] != ref.lower():
                return Response(302, b"", headers={"Location": f"/doc/{record['sha256']}"})
            listings = listings_of(conn, record.get("file") or "")
            others = _document_choices(conn)
        finally:
            conn.close()
        return html(200, pages.document_page(record, listings, date_signed(record), others))

    def documents(self) -> Response:
        conn = self.connect()
        try:
            rows = _document_rows(conn)
        finally:
            conn.close()
        return html(200, pages.documents_page(rows))

    def pdf(self, ref: str) -> Response:
        ref = ref.lower()
        conn = self.connect()
        try:
            known = len(ref) == 64 and _SHA.match(ref) and extracted_file(conn, ref)
        finally:
            conn.close()
        path = BlobStore(self.data).path(ref) if known else None
        if not known or path is None or not path.is_file():
            return self.not_found("Unknown document", f"No stored PDF has sha256 {ref}.")
        name = re.sub(r"[^\w.\-]", "_", known or f"{ref}.pdf")
        return Response(200, content_type="application/pdf", file=path,
                        headers={"Content-Disposition": f'inline; filename="{name}"',
                                 "Cache-Control": "max-age=86400, immutable"})

    # ------------------------------------------------------------------------------------------ compare

    def compare(self, params: dict) -> Response:
        section = (params.get("section") or "").strip()
        model = (params.get("model") or "").strip().upper()
        a, b = (params.get("a") or "").strip(), (params.get("b") or "").strip()
        if model and model not in ("JEM", "WSO", "TFM"):
            raise UserError(f"unknown model {model!r}: use JEM, WSO or TFM")
        conn = self.connect()
        try:
            light = list(iter_documents(conn))
            keys = cmp.section_keys(light)
            docs = _choices_from(light)
            if a or b:
                if not (a and b):
                    raise UserError("choose two agreements, A and B")
                ra, rb = self._record(conn, a), self._record(conn, b)
                missing = [x for x, r in ((a, ra), (b, rb)) if r is None]
                if missing:
                    return self.not_found("Unknown document", f"No extracted agreement has sha256 {missing[0]}.")
                result = cmp.compare_pair(ra, rb)
                return html(200, pages.compare_pair_page(result, pages.compare_form(keys, docs)))
            if not section:
                return html(200, pages.layout("Compare", "<h1>Compare clauses</h1>" + pages.compare_form(keys, docs)))
            records = cmp.load_records(conn, model or None)
            # Readings `moa compare` made before, never a new one: a page view does not run OCR.
            reader = cmp.page_reader(conn, cache_only=True)
        finally:
            conn.close()
        result = cmp.compare_section(records, section, reader=reader)
        result["model"] = model or None
        form = pages.compare_form(keys, docs, section, model)
        if not result["agreements"]:
            return html(404, pages.error_page(
                404, "No such clause", f"No {model + ' ' if model else ''}agreement has a clause with key "
                f"{section!r}.", detail=form))
        return html(200, pages.compare_section_page(result, form))


# ---------------------------------------------------------------------------------------------- helpers


def _int(value: str | None, default: int, lo: int, hi: int) -> int:
    try:
        n = int(value) if value not in (None, "") else default
    except ValueError:
        raise UserError(f"not a number: {value!r}") from None
    return max(lo, min(hi, n))


def _document_rows(conn: sqlite3.Connection) -> list[dict]:
    rows = []
    for r in iter_documents(conn):
        agency = r.get("agency") or {}
        rows.append({"sha256": r["sha256"], "file": r.get("file"), "agency": agency.get("name"),
                     "state": agency.get("state"), "model": r.get("model"), "signed": date_signed(r),
                     "template_revision": r.get("template_revision"), "pages": r.get("page_count") or 0})
    rows.sort(key=lambda x: ((x["state"] or "~"), (x["agency"] or x["file"] or "").lower(), x["sha256"]))
    return rows


def _choices_from(records: list[dict]) -> list[dict]:
    out = []
    for r in records:
        agency = r.get("agency") or {}
        label = " — ".join(x for x in (agency.get("name") or r.get("file"), agency.get("state"), r.get("model")) if x)
        out.append({"sha256": r["sha256"], "label": label})
    out.sort(key=lambda x: x["label"].lower())
    return out


def _document_choices(conn: sqlite3.Connection) -> list[dict]:
    return _choices_from(list(iter_documents(conn)))


# ---------------------------------------------------------------------------------------------- HTTP


class Handler(BaseHTTPRequestHandler):
    server_version = "moa-serve"
    app: App

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        parts = urlsplit(self.path)
        try:
            resp = self.server.app.handle(parts.path, parts.query)  # type: ignore[attr-defined]
        except Exception:  # a bug must show as a 500 page, not a dropped connection
            log.exception("error serving %s", self.path)
            resp = html(500, pages.error_page(500, "Internal error", "The server failed on this page; see its log."))
        self.send_response(resp.status)
        size = resp.file.stat().st_size if resp.file else len(resp.body)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(size))
        self.send_header("X-Content-Type-Options", "nosniff")
        if resp.content_type.startswith("text/html"):
            self.send_header("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self'")
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if head:
            return
        try:
            if resp.file:
                with resp.file.open("rb") as f:
                    shutil.copyfileobj(f, self.wfile)
            else:
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base class)
        log.info("%s %s", self.address_string(), format % args)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, Handler)


def make_server(data: str | Path | None = None, host: str = "127.0.0.1", port: int = 8287, backend: str = "sqlite",
                es_url: str | None = None) -> Server:
    """A server bound to host:port (port 0: any free port; `server.server_address` says which)."""
    return Server((host, port), App(data, backend, es_url))
