"""One harvest: ICE's 287(g) page → every sheet it links → every MOA/addendum PDF the sheets link.

Incremental and resumable:
- The page and the current sheets (the first participating and first pending link on the page) are asked
  conditionally (If-None-Match / If-Modified-Since) once we hold a copy; a 304 reuses the stored copy and the
  links already read from it. An older list the page still links (a mirror's archive) that we already hold is
  not asked again: ICE only ever replaces the current file.
- A PDF URL already downloaded is never asked again (ICE does not replace a signed MOA under the same
  name). Content is stored once by sha256 whatever URL it came from.
- A failed URL is recorded in `downloads` and never blocks the rest. Transient failures (5xx, timeouts, cut
  connections, an HTML page or a truncated PDF where a PDF should be) are retried on the next run. A dead link
  (404/410) is retried only after a back-off: 1 day after the first failure, doubling up to 30 days
  (`--retry-failed` retries everything now). This keeps a second run down to a handful of requests.
- 403/429: the run stops at once (no more requests), records where it stopped, and exits 1; the next run
  resumes. A 429 whose Retry-After is short (≤ `max_wait`) is waited out instead.
- Each download is committed on its own (blob written atomically first, then its rows in one transaction),
  so a run killed midway leaves no partial file and loses nothing.

`--base-url` rebases every ICE URL (https://www.ice.gov/…, absolute or relative) onto a mirror or a web-archive
prefix; the catalog keys stay the ICE URLs, so a mirror on another port later is the same corpus.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from posixpath import basename
from urllib.parse import urlsplit

from moa.blobs import BlobStore, sniff
from moa.catalog import data_path, now_iso, transaction
from moa.errors import UserError
from moa.files import register_blob
from moa.lock import Busy, exclusive
from moa.progress import Progress

from .fetch import Fetcher, FetchError, PoliteStop, Response
from .page import ICE_BASE, PAGE_URL, parse_page

log = logging.getLogger("moa.harvest")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BACKOFF_FIRST = timedelta(days=1)
BACKOFF_MAX = timedelta(days=30)
MAX_ERRORS = 100


def rebase(url: str, base_url: str = ICE_BASE) -> str:
    """The URL to request for an ICE URL when the site is served from `base_url`."""
    base = base_url.rstrip("/")
    if base == ICE_BASE:
        return url
    parts = urlsplit(url)
    return base + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def url_name(url: str) -> str:
    """File name as published: the URL's last path segment, as written in the URL (so `%20` stays)."""
    return basename(urlsplit(url).path) or "index.html"


@dataclass
class Doc:
    url: str
    body: bytes
    sha256: str
    status: str  # 'downloaded' | 'not_modified' | 'unchanged' (200 with the same content)


@dataclass
class Summary:
    base_url: str
    started: str
    requests: int = 0
    page: dict = field(default_factory=dict)
    sheets: dict = field(default_factory=lambda: {"linked": 0, "held": 0, "downloaded": 0, "not_modified": 0,
                                                  "unchanged": 0, "failed": 0, "imported": 0})
    pdfs: dict = field(default_factory=lambda: {"linked": 0, "downloaded": 0, "already": 0, "same_content": 0,
                                                "failed": 0, "backing_off": 0, "not_attempted": 0})
    errors: list[dict] = field(default_factory=list)   # the first MAX_ERRORS failures of this run
    failures: dict = field(default_factory=dict)       # every failure of this run, counted by kind of error
    stopped: str | None = None

    def to_json(self) -> dict:
        return dict(self.__dict__)


class Harvest:
    def __init__(self, conn: sqlite3.Connection, fetcher: Fetcher, base_url: str = ICE_BASE, *,
                 retry_failed: bool = False, limit: int | None = None):
        self.conn = conn
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.retry_failed = retry_failed
        self.limit = limit
        self.store = BlobStore(data_path(conn))
        self.summary = Summary(self.base_url, now_iso())
        self.dead = 0
        self._sweep_parts()

    def _sweep_parts(self, age: float = 3600.0) -> None:
        """Remove temporary files a killed run left behind (old enough that no live writer owns them)."""
        cutoff = time.time() - age
        for p in self.store.tmp.glob(".part-*"):
            try:
                if p.stat().st_mtime < cutoff:
                    p.unlink()
            except OSError:
                pass

    # ---- state ----------------------------------------------------------------------------------------
    def state(self, url: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM downloads WHERE url=?", (url,)).fetchone()

    def _fetch_row(self, url: str, kind: str, resp: Response | None, err: FetchError | None, outcome: str,
                   sha: str | None = None, error: str | None = None) -> None:
        body = resp.body if resp is not None else None
        headers = resp.headers if resp is not None else (err.headers if err else {})
        self.conn.execute(
            "INSERT INTO fetches(url, requested_url, final_url, kind, status, etag, last_modified, fetched_at,"
            " bytes, sha256, declared_type, sniffed_type, outcome, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (url, rebase(url, self.base_url),
             resp.final_url if resp is not None else (err.final_url if err else None),
             kind, resp.status if resp is not None else (err.status if err else None),
             headers.get("etag"), headers.get("last-modified"), now_iso(),
             len(body) if body is not None and outcome != "not_modified" else None, sha,
             headers.get("content-type"),
             sniff(body) if body and outcome != "not_modified" else None, outcome, error))

    def _failed(self, url: str, kind: str, resp: Response | None, err: FetchError | None, reason: str,
                permanent: bool = False, wait: float | None = None) -> None:
        st = self.state(url)
        failures = (st["failures"] if st else 0) + 1
        now = datetime.now(UTC)
        if permanent:
            delay = min(BACKOFF_FIRST * (2 ** (failures - 1)), BACKOFF_MAX)
            retry_after = (now + delay).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif wait:
            retry_after = (now + timedelta(seconds=wait)).strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            retry_after = None
        status = resp.status if resp is not None else (err.status if err else None)
        with transaction(self.conn):
            self._fetch_row(url, kind, resp, err, "error", error=reason)
            # A URL once downloaded keeps its good copy (state 'done'); only its failure is noted.
            self.conn.execute(
                "INSERT INTO downloads(url, kind, state, failures, last_status, last_error, permanent, first_seen,"
                " last_attempt, retry_after) VALUES (?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(url) DO UPDATE SET failures=excluded.failures, last_status=excluded.last_status,"
                " last_error=excluded.last_error, permanent=excluded.permanent, last_attempt=excluded.last_attempt,"
                " retry_after=excluded.retry_after",
                (url, kind, "failed", failures, status, reason, int(permanent), now_iso(), now_iso(), retry_after))
        self._note(url, kind, status, reason)
        if permanent and kind == "pdf":  # dead links are many and expected: one summary line at the end
            log.debug("%s %s: %s (dead link; next try after %s)", kind, url, reason, retry_after)
        elif not isinstance(err, PoliteStop):
            log.warning("%s %s: %s (will retry next run)", kind, url, reason)
        if permanent and kind == "pdf":
            self.dead += 1

    def _note(self, url: str, kind: str, status: int | None, reason: str) -> None:
        if len(self.summary.errors) < MAX_ERRORS:
            self.summary.errors.append({"url": url, "kind": kind, "status": status, "error": reason})
        key = f"HTTP {status}" if status and status >= 400 else reason.split(":")[0]
        self.summary.failures[key] = self.summary.failures.get(key, 0) + 1

    def _backing_off(self, st: sqlite3.Row | None) -> bool:
        if self.retry_failed or st is None or st["state"] != "failed" or not st["retry_after"]:
            return False
        return st["retry_after"] > now_iso()

    # ---- one document ------------------------------------------------------------------------------------
    def fetch(self, url: str, kind: str, conditional: bool = True, name: str | None = None) -> Doc | None:
        """Fetch one ICE URL into the blob store with provenance. None when it failed (recorded).
        Raises PoliteStop when the server asks us to stop."""
        st = self.state(url)
        etag = lm = None
        held = st["sha256"] if st is not None and st["sha256"] and self.store.has(st["sha256"]) else None
        if conditional and held:
            etag, lm = st["etag"], st["last_modified"]
        try:
            resp = self.fetcher.get(rebase(url, self.base_url), etag=etag, last_modified=lm)
        except PoliteStop as e:
            self._failed(url, kind, None, e, str(e), wait=e.retry_after)
            raise
        except FetchError as e:
            self._failed(url, kind, None, e, str(e), permanent=e.permanent)
            return None
        if resp.not_modified:
            if not held:
                self._failed(url, kind, resp, None, "304 Not Modified for a file we do not hold")
                return None
            with transaction(self.conn):
                self._fetch_row(url, kind, resp, None, "not_modified", sha=held)
                self.conn.execute("UPDATE downloads SET last_attempt=?, last_status=304 WHERE url=?",
                                  (now_iso(), url))
            return Doc(url, self.store.read(held), held, "not_modified")
        problem = self._check(kind, resp)
        if problem:
            self._failed(url, kind, resp, None, problem)
            return None
        with transaction(self.conn):
            sha = register_blob(self.conn, resp.body)
            self.conn.execute(
                "INSERT OR IGNORE INTO files(sha256, name, origin, source, added_at) VALUES (?,?,?,?,?)",
                (sha, name or url_name(url), "harvest", url, now_iso()))
            self._fetch_row(url, kind, resp, None, "stored", sha=sha)
            self.conn.execute(
                "INSERT INTO downloads(url, kind, state, sha256, etag, last_modified, failures, last_status,"
                " last_error, permanent, first_seen, last_attempt, retry_after) VALUES (?,?,?,?,?,?,0,?,NULL,0,?,?,NULL)"
                " ON CONFLICT(url) DO UPDATE SET state='done', sha256=excluded.sha256, etag=excluded.etag,"
                " last_modified=excluded.last_modified, failures=0, last_status=excluded.last_status,"
                " last_error=NULL, permanent=0, last_attempt=excluded.last_attempt, retry_after=NULL",
                (url, kind, "done", sha, resp.etag, resp.last_modified, resp.status, now_iso(), now_iso()))
        return Doc(url, resp.body, sha, "unchanged" if held == sha else "downloaded")

    @staticmethod
    def _check(kind: str, resp: Response) -> str | None:
        """Why a 200 body is not the document asked for (None when it is)."""
        sniffed = sniff(resp.body)
        declared = (resp.content_type or "?").split(";")[0]
        if kind == "pdf":
            if sniffed != "application/pdf":
                return f"not a PDF: got {sniffed} (declared {declared}), {len(resp.body)} bytes"
            if b"%%EOF" not in resp.body[-4096:]:
                return f"truncated PDF: no %%EOF trailer in {len(resp.body)} bytes"
        elif kind == "sheet":
            if sniffed == "text/html":
                return f"not a spreadsheet: got an HTML page (declared {declared})"
        elif kind == "page" and sniffed != "text/html":
            return f"not an HTML page: got {sniffed} (declared {declared})"
        return None

    # ---- the run --------------------------------------------------------------------------------------------
    def run(self) -> Summary:
        try:
            self._run()
        except PoliteStop as e:
            self.summary.stopped = str(e)
            log.error("stopping politely: %s; run `moa harvest` again later to resume", e)
        finally:
            self.summary.requests = self.fetcher.requests
        dead = self.dead
        if dead:
            log.warning("%d linked documents are dead links (404/410): recorded, asked again after %s "
                        "(or with --retry-failed)", dead, "a back-off of 1 day, doubling")
        return self.summary

    def _run(self) -> None:
        page = self.fetch(PAGE_URL, "page", name="287g.html")
        if page is None:
            self.summary.page = {"url": PAGE_URL, "status": "failed"}
            return
        parsed = parse_page(page.body, PAGE_URL, aliases=(self.base_url,))
        self.summary.page = {"url": PAGE_URL, "status": page.status, "sheets": len(parsed.sheets),
                             "roster_rows": len(parsed.roster)}
        urls: dict[str, None] = {}
        if parsed.roster:
            self._roster_links(parsed, urls)
            self._import(page.sha256, page.body, "287g.html", PAGE_URL)
        self.summary.sheets["linked"] = len(parsed.sheets)
        with Progress(len(parsed.sheets), "sheets") as prog:
            for link in parsed.sheets:
                doc = None if link.current else self._held(link.url)
                if doc is None:
                    doc = self.fetch(link.url, "sheet", name=link.name)
                prog.advance(note=link.name)
                if doc is None:
                    self.summary.sheets["failed"] += 1
                    continue
                self.summary.sheets[doc.status] += 1
                for u in self._sheet_links(doc, link.name):
                    urls.setdefault(u, None)
        self._rebuild_ledger()
        self._pdfs(list(urls))

    def _rebuild_ledger(self) -> None:
        if not self.summary.sheets["imported"]:
            return
        from .ledger import rebuild

        try:
            rebuild(self.conn)
        except Exception as e:  # noqa: BLE001 - the ledger can be rebuilt later by `moa ledger import`
            log.warning("ledger rebuild failed: %s", e)

    def _held(self, url: str) -> Doc | None:
        """An older list (not the page's current one) we already hold is final: not asked again."""
        st = self.state(url)
        if st is None or st["state"] != "done" or not st["sha256"] or not self.store.has(st["sha256"]):
            return None
        return Doc(url, self.store.read(st["sha256"]), st["sha256"], "held")

    def _roster_links(self, parsed, urls: dict[str, None]) -> None:
        from .links import repair_link

        for row in parsed.roster:
            for header, hrefs in row.links.items():
                if "MOA" in header or "ADDEND" in header:
                    for h in hrefs:
                        u = repair_link(h)
                        if u:
                            urls.setdefault(u, None)

    def _sheet_links(self, doc: Doc, name: str) -> list[str]:
        """MOA and addendum URLs a sheet links. Every fetched sheet goes to the ledger (idempotent: a sheet it
        holds under this name costs one lookup); the links are read once per content, then cached."""
        result = self._import(doc.sha256, doc.body, name, doc.url)
        cached = self.conn.execute("SELECT 1 FROM harvest_sheets WHERE sha256=?", (doc.sha256,)).fetchone()
        if cached is None:
            links = self._links_from_ledger(result)
            if links is None:  # no ledger, or it refused the file: read the sheet ourselves
                from .sheets import SheetError, read_sheet

                try:
                    sheet = read_sheet(doc.body, name)
                except SheetError as e:
                    log.warning("sheet %s: %s", doc.url, e)
                    self._note(doc.url, "sheet", None, str(e))
                    return []
                kind, nrows = sheet.kind, len(sheet.rows)
                links = [(u, fld) for row in sheet.rows
                         for fld, urls in (("moa", row.moa_urls), ("addendum", row.addendum_urls)) for u in urls]
            else:
                kind, nrows = result.get("kind"), result.get("rows")
            with transaction(self.conn):
                self.conn.execute("INSERT OR IGNORE INTO harvest_sheets(sha256, name, kind, rows, parsed_at, imported_at)"
                                  " VALUES (?,?,?,?,?,?)", (doc.sha256, name, kind, nrows, now_iso(),
                                                            now_iso() if result else None))
                self.conn.executemany("INSERT OR IGNORE INTO harvest_links(sha256, url, field) VALUES (?,?,?)",
                                      [(doc.sha256, u, fld) for u, fld in links])
        rows = self.conn.execute("SELECT url FROM harvest_links WHERE sha256=? ORDER BY rowid", (doc.sha256,))
        return [r["url"] for r in rows]

    def _links_from_ledger(self, result: dict | None) -> list[tuple[str, str]] | None:
        """The links of a sheet the ledger just parsed (so a sheet is parsed once, not twice)."""
        if not result or result.get("snapshot") is None:
            return None
        try:
            from .ledger import content_rows

            snap = self.conn.execute("SELECT content_id FROM ledger_snapshots WHERE id=?",
                                     (result["snapshot"],)).fetchone()
            rows = content_rows(self.conn, snap["content_id"])
            return [(u, fld) for r in rows for fld, key in (("moa", "moa_urls"), ("addendum", "addendum_urls"))
                    for u in (json.loads(r[key]) if isinstance(r[key], str) else (r[key] or []))]
        except Exception as e:  # noqa: BLE001 - the ledger's layout changed: fall back to reading the sheet
            log.debug("links from the ledger unavailable (%s); reading the sheet", e)
            return None

    def _import(self, sha: str, body: bytes, name: str, url: str) -> dict | None:
        """Hand a fetched roster to the ledger (harvest.ledger.import_snapshot). None when it failed; a failure
        is logged and the import is tried again on the next run."""
        from .ledger import import_snapshot
        from .sheets import SheetError

        try:
            # One ledger rebuild at the end of the run, not one per sheet.
            result = import_snapshot(self.conn, body, name, source=url, fetched_at=now_iso(), rebuild_after=False)
        except SheetError:  # not a roster: reported once, by the sheet reader's own attempt
            return None
        except Exception as e:  # noqa: BLE001 - a ledger failure must not stop the harvest
            if self.conn.in_transaction:
                self.conn.rollback()
            log.warning("ledger import of %s failed: %s (tried again next run)", name, e)
            return None
        self.conn.execute("UPDATE harvest_sheets SET imported_at=? WHERE sha256=?", (now_iso(), sha))
        self.conn.commit()
        if result.get("status") == "imported":
            self.summary.sheets["imported"] += 1
        return result

    def _pdfs(self, urls: list[str]) -> None:
        s = self.summary.pdfs
        s["linked"] = len(urls)
        todo = []
        for u in urls:
            st = self.state(u)
            if st is not None and st["state"] == "done":
                s["already"] += 1
            elif self._backing_off(st):
                s["backing_off"] += 1
            else:
                todo.append(u)
        s["not_attempted"] = len(todo)
        with Progress(len(todo), "documents") as prog:
            for u in todo:
                if self.limit is not None and s["downloaded"] + s["same_content"] >= self.limit:
                    break
                doc = self.fetch(u, "pdf", conditional=False)
                s["not_attempted"] -= 1
                prog.advance(note=url_name(u))
                if doc is None:
                    s["failed"] += 1
                elif self._seen_before(doc):
                    s["same_content"] += 1
                else:
                    s["downloaded"] += 1

    def _seen_before(self, doc: Doc) -> bool:
        """True when this content was already held under another URL (stored once, by sha256)."""
        n = self.conn.execute("SELECT COUNT(*) FROM downloads WHERE sha256=? AND state='done'",
                              (doc.sha256,)).fetchone()[0]
        return n > 1


def harvest(conn: sqlite3.Connection, base_url: str = ICE_BASE, *, delay: float = 1.0, timeout: float = 30.0,
            retries: int = 3, backoff: float = 2.0, max_wait: float = 60.0, retry_failed: bool = False,
            limit: int | None = None, fetcher: Fetcher | None = None) -> dict:
    """Run one harvest into the catalog `conn`; return the summary (counts, errors, request count)."""
    own = fetcher is None
    fetcher = fetcher or Fetcher(delay=delay, timeout=timeout, retries=retries, backoff=backoff,
                                 max_wait=max_wait)
    with _exclusive(data_path(conn)):
        try:
            return Harvest(conn, fetcher, base_url, retry_failed=retry_failed, limit=limit).run().to_json()
        finally:
            if own:
                fetcher.close()


@contextmanager
def _exclusive(data: Path) -> Iterator[None]:
    """One harvest at a time per data directory (two would ask ICE for everything twice)."""
    try:
        with exclusive(data / "harvest.lock"):
            yield
    except Busy:
        raise UserError(f"another `moa harvest` is running on {data}") from None
