"""What every route shares: the catalog it serves (read-only), request parameters, and the library calls that
both the pages and the JSON API answer from (search, a document, the list of agreements, comparisons)."""

from __future__ import annotations

import contextvars
import logging
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from starlette.requests import Request

from agreements.documents import document, extracted_shas, iter_documents
from agreements.join import Corpus
from agreements.join import build as build_corpus
from agreements.query import agency_detail, list_history
from compare import comparison as cmp
from compare.comparison import date_signed
from moa.catalog import CATALOG_NAME, connect
from moa.errors import MoaError, UserError
from search.api import run_search
from search.backend import Backend, get_backend
from search.index_docs import LEVELS

log = logging.getLogger("moa.serve")
SHA = re.compile(r"^[0-9a-f]{6,64}$")
MAX_OFFSET = 100_000
MODELS = ("JEM", "WSO", "TFM")
CACHE_SIZE = 128
T = TypeVar("T")
# The catalog connections opened for the request being served, so that a request past its time limit can be
# interrupted (web/guard.py); a fresh list per request, shared with the worker thread that runs the handler.
OPEN_CONNECTIONS: contextvars.ContextVar[list[sqlite3.Connection] | None] = contextvars.ContextVar(
    "moa_open_connections", default=None)


class PageError(Exception):
    """A handler's answer other than 200 (404 unknown document, 400 bad parameter): a page, or JSON under /api/."""

    def __init__(self, status: int, title: str, message: str, detail_html: str = "") -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.detail_html = status, title, message, detail_html


@dataclass(frozen=True)
class Site:
    """The catalog being served and how to search it."""

    data: Path
    backend: str = "sqlite"
    es_url: str | None = None
    _idle: threading.local = field(default_factory=threading.local, compare=False, repr=False)
    _cache: OrderedDict = field(default_factory=OrderedDict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @classmethod
    def open(cls, data: str | Path | None, backend: str = "sqlite", es_url: str | None = None) -> Site:
        conn = connect(data, readonly=True)  # fails now, with a clear message, when there is no catalog
        try:
            row = conn.execute("PRAGMA database_list").fetchone()
            return cls(Path(row["file"]).parent, backend, es_url)
        finally:
            conn.close()

    def stamp(self) -> tuple:
        """Changes whenever the catalog does (a commit writes the WAL file, a checkpoint the database)."""
        out = []
        for name in (CATALOG_NAME, CATALOG_NAME + "-wal"):
            try:
                st = (self.data / name).stat()
                out.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                out.append(None)
        return tuple(out)

    def cached(self, key: tuple, build: Callable[[], T]) -> T:
        """`build()`'s value, kept (CACHE_SIZE at most, least recently used out) until the catalog changes: for
        answers that read the whole catalog (the list of agreements, comparisons), not for searches."""
        stamp = self.stamp()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] == stamp:
                self._cache.move_to_end(key)
                return hit[1]
        value = build()
        with self._lock:
            self._cache[key] = (stamp, value)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    def backend_on(self, conn: sqlite3.Connection) -> Backend:
        """This worker thread's search backend over `conn`, opened once per connection rather than per request
        (the sqlite backend checks the schema, Elasticsearch builds a client); it goes with its connection."""
        held = getattr(self._idle, "backend", None)
        if held is not None and held[0] is conn:
            return held[1]
        if held is not None:
            held[1].close()
        backend = get_backend(self.backend, conn, self.es_url)
        self._idle.backend = (conn, backend)
        return backend

    @contextmanager
    def catalog(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection to the catalog (the server never writes to it).

        Each worker thread keeps its connection between requests, so SQLite's page cache stays warm and the
        schema is read once; a connection whose request failed (a bug, an interrupted query) is closed, not kept."""
        conn = getattr(self._idle, "conn", None)
        self._idle.conn = None  # taken: a nested catalog() opens its own
        if conn is None:
            conn = connect(self.data, readonly=True)
        opened = OPEN_CONNECTIONS.get()
        if opened is not None:
            opened.append(conn)
        ok = False
        try:
            yield conn
            ok = True
        except (PageError, MoaError):  # an answer (404, 400), not a broken connection
            ok = True
            raise
        finally:
            if ok and self._idle.conn is None:
                self._idle.conn = conn
            else:
                conn.close()


def site(request: Request) -> Site:
    return request.app.state.site


# ---------------------------------------------------------------------------------------------- parameters


def param(request: Request, name: str) -> str:
    return (request.query_params.get(name) or "").strip()


def int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    value = param(request, name)
    try:
        n = int(value) if value else default
    except ValueError:
        raise UserError(f"{name} is not a number: {value[:40]!r}") from None
    return max(lo, min(hi, n))


def level_param(request: Request) -> str:
    level = param(request, "level") or "document"
    if level not in LEVELS:
        raise UserError(f"unknown level {level[:40]!r}: use document, page, clause or agreement")
    return level


def model_param(request: Request) -> str:
    model = param(request, "model").upper()
    if model and model not in MODELS:
        raise UserError(f"unknown model {model[:40]!r}: use JEM, WSO or TFM")
    return model


# ---------------------------------------------------------------------------------------------- library calls


def search(s: Site, query: str, level: str, limit: int, offset: int) -> dict:
    with s.catalog() as conn:
        backend = s.backend_on(conn)
        result = run_search(conn, query, level, backend, limit=limit, offset=offset)
        if result["total"] == 0 and not backend.stats().get("documents"):
            result["index_empty"] = True  # shown as a hint; the JSON API drops it
        return result


def find_record(conn: sqlite3.Connection, ref: str, with_text: bool = True) -> dict | None:
    """An extracted agreement by sha256 or a unique prefix of at least 6 hex digits."""
    ref = ref.lower()
    if not SHA.match(ref):
        return None
    if len(ref) == 64:
        return document(conn, ref, with_text=with_text)
    shas = extracted_shas(conn, ref, limit=2)
    return document(conn, shas[0], with_text=with_text) if len(shas) == 1 else None


@dataclass(frozen=True)
class Listing:
    """Every extracted agreement, in the forms the pages and the API list them."""

    rows: list[dict]         # one flat row each, by state then agency (/docs, /api/v1/documents)
    choices: list[dict]      # (sha256, label), by label, for the compare forms
    section_keys: list[str]  # every clause key, for the compare form


def listing(s: Site) -> Listing:
    """The agreements of the catalog as it stands (kept until the catalog changes)."""
    def build() -> Listing:
        with s.catalog() as conn:
            light = list(iter_documents(conn))
        owner = corpus(s).by_document()
        for r in light:  # the agency as ICE lists it (the document's reading stays under "agency_read")
            a = owner.get(r["sha256"])
            r["agreement"] = {"agency": a.agency, "state": a.state, "id": a.id} if a else {}
        return Listing(_rows(light), _choices(light), cmp.section_keys(light))

    return s.cached(("listing",), build)


def _rows(records: list[dict]) -> list[dict]:
    rows = []
    for r in records:
        agency = r.get("agency") or {}
        agreement = r.get("agreement") or {}
        rows.append({"sha256": r["sha256"], "file": r.get("file"),
                     "agency": agreement.get("agency") or agency.get("name"), "agency_read": agency.get("name"),
                     "agreement_id": agreement.get("id"), "state": agreement.get("state") or agency.get("state"),
                     "model": r.get("model"), "signed": date_signed(r),
                     "template_revision": r.get("template_revision"), "pages": r.get("page_count") or 0})
    rows.sort(key=lambda x: ((x["state"] or "~"), (x["agency"] or x["file"] or "").lower(), x["sha256"]))
    return rows


def _choices(records: list[dict]) -> list[dict]:
    out = []
    for r in records:
        agency = r.get("agency") or {}
        agreement = r.get("agreement") or {}
        label = " — ".join(x for x in (agreement.get("agency") or agency.get("name") or r.get("file"),
                                       agreement.get("state") or agency.get("state"), r.get("model")) if x)
        out.append({"sha256": r["sha256"], "label": label})
    out.sort(key=lambda x: x["label"].lower())
    return out


def corpus(s: Site) -> Corpus:
    """The read model of the catalog (agreements and agencies), kept until the catalog changes."""
    def build() -> Corpus:
        with s.catalog() as conn:
            return build_corpus(conn)

    return s.cached(("corpus",), build)


def warm(s: Site) -> threading.Thread:
    """Build the read model in the background as the server starts, so the first page that lists agreements
    does not pay for it (a second or two on the corpus). A failure here is only logged: the page will say."""
    def run() -> None:
        try:
            corpus(s)
        except Exception as e:  # noqa: BLE001 - a warm-up must never take the server down
            log.warning("could not prepare the agreements: %s", e)

    t = threading.Thread(target=run, name="moa-warm", daemon=True)
    t.start()
    return t


def agreement_detail(s: Site, agreement_id: str) -> dict:
    """One agreement in full, with its list history and its MOA's clauses; PageError 404 when unknown."""
    c = corpus(s)
    a = c.agreement(agreement_id)
    if a is None:
        raise PageError(404, "Unknown agreement", f"No agreement has id {agreement_id[:120]!r}.")
    out = a.to_dict()
    with s.catalog() as conn:
        out["history"] = list_history(conn, a)
        rec = document(conn, a.moa.sha256) if a.moa else None
    out["clauses"] = [{"sha256": rec["sha256"], "number": sec.get("number"), "title": sec.get("title"),
                       "key": sec.get("key"), "page_start": sec.get("page_start")}
                      for sec in (rec or {}).get("sections") or []]
    return out


def agency_detail_of(s: Site, agency_id: str) -> dict:
    c = corpus(s)
    agency = c.agencies.get(agency_id)
    if agency is None:
        raise PageError(404, "Unknown agency", f"No agency has id {agency_id[:120]!r}.")
    with s.catalog() as conn:
        return agency_detail(conn, c, agency)


def compare_section(s: Site, section: str, model: str) -> dict:
    """One clause across agreements, from readings `moa compare` kept (a page view never runs OCR). Shared
    with other requests until the catalog changes: do not modify it."""
    def records() -> list[dict]:
        owners = corpus(s).by_document()
        with s.catalog() as conn:
            return cmp.load_records(conn, owners=owners)

    def build() -> dict:
        every = s.cached(("records",), records)
        chosen = [r for r in every if (r.get("model") or "").upper() == model] if model else every
        with s.catalog() as conn:
            reader = cmp.page_reader(conn, cache_only=True)
        return {**cmp.compare_section(chosen, section, reader=reader), "model": model or None}

    return s.cached(("section", section, model), build)


def compare_pair(s: Site, a: str, b: str) -> dict:
    """Two agreements clause by clause (shared until the catalog changes: do not modify it); PageError 404
    names the first one that is unknown."""
    def build() -> dict:
        with s.catalog() as conn:
            ra, rb = find_record(conn, a), find_record(conn, b)
        missing = [x for x, r in ((a, ra), (b, rb)) if r is None]
        if missing:
            raise PageError(404, "Unknown document", f"No extracted agreement has sha256 {missing[0][:80]}.")
        return cmp.compare_pair(ra, rb)

    return s.cached(("pair", a.lower(), b.lower()), build)
