"""`moa mirror DIR`: serve a folder of saved ICE files as ICE's site, on 127.0.0.1.

- `/identify-and-arrest/287g` is generated from the folder in ICE's current structure: links to the newest
  participating and pending sheets, then (a mirror-only section) every older sheet the folder holds, so that
  a harvest against the mirror rebuilds the whole archive. `?format=table` (or `page="table"`) renders the
  older page instead: the newest roster table (a `ParticipatingEntities*.xlsx` saved from the old page)
  as the HTML table ICE used to publish.
- Any file is served under `/doclib/...` by its file name (sheets live at
  `/doclib/about/offices/ero/287g/<name>`, MOAs at `/doclib/287gMOA/<name>`); subfolders of DIR are searched,
  and a name saved with a literal `%20` answers to both its quoted and unquoted forms. Anything else is 404.
- More folders (`--also DIR`, `Mirror(root, also=[...])`) are searched the same way, after DIR, and read in
  place: ICE's sheets link the validation MOAs (`../shared/validation/moa`) too. A name in two folders is
  served from the first.
- Conditional requests are always honoured (ETag and Last-Modified → 304).
- Faults, switchable per run (`--fault`), from Python (`Mirror(faults=[...])`, `set_faults`) or over HTTP
  (`POST /__mirror__/faults` with a JSON list of specs; `GET /__mirror__/stats`):

    spec = KIND[:ARG][@GLOB][#TIMES]     GLOB matches the request path (fnmatch), TIMES caps how often
                                          the fault fires per path (default: always)
    304            answer 304 to every conditional request even when the file changed (stale-server check)
    403            403 Forbidden
    429[:S]        429 Too Many Requests with Retry-After: S (default 120)
    5xx[:N]        503 Service Unavailable the first N times a path is asked (default 2), then the file
    html200        an HTML error page with status 200 (default GLOB: *.pdf)
    truncate       send half the body while announcing the full Content-Length, then close (default *.pdf)
    truncpdf       a complete response whose body is the first half of the PDF (default *.pdf)
    slow[:S]       wait S seconds (default 5) before answering
    404            404 Not Found (a dead link)
"""

from __future__ import annotations

import fnmatch
import hashlib
import html
import json
import logging
import re
import threading
import time
import zipfile
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from posixpath import basename
from urllib.parse import quote, unquote, urlsplit

from .links import repair_link
from .page import KIND_BY_NAME, PAGE_PATH

log = logging.getLogger("moa.mirror")

SHEET_DIR = "/doclib/about/offices/ero/287g/"
MOA_DIR = "/doclib/287gMOA/"
TYPES = {".pdf": "application/pdf", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".xls": "application/vnd.ms-excel", ".csv": "text/csv", ".html": "text/html; charset=utf-8"}
DEFAULT_GLOB = {"html200": "*.pdf", "truncate": "*.pdf", "truncpdf": "*.pdf"}
DEFAULT_ARG = {"429": 120.0, "5xx": 2.0, "slow": 5.0}
KINDS = ("304", "403", "429", "5xx", "html200", "truncate", "truncpdf", "slow", "404")
ERROR_PAGE = (b"<!DOCTYPE html><html><head><title>Page Not Found | ICE</title></head><body>"
              b"<h1>Page not found</h1><p>The requested page could not be found.</p></body></html>")


@dataclass
class Fault:
    kind: str
    arg: float | None = None
    glob: str = "*"
    times: int | None = None

    @classmethod
    def parse(cls, spec: str) -> Fault:
        m = re.fullmatch(r"(?P<kind>[a-z0-9]+)(?::(?P<arg>[0-9.]+))?(?:@(?P<glob>[^#]+))?(?:#(?P<times>\d+))?",
                         spec.strip())
        if not m or m["kind"] not in KINDS:
            raise ValueError(f"bad fault {spec!r}: expected KIND[:ARG][@GLOB][#TIMES], KIND one of {', '.join(KINDS)}")
        kind = m["kind"]
        arg = float(m["arg"]) if m["arg"] else DEFAULT_ARG.get(kind)
        times = int(m["times"]) if m["times"] else (int(arg) if kind == "5xx" and arg is not None else None)
        return cls(kind, arg, m["glob"] or DEFAULT_GLOB.get(kind, "*"), times)


def _modified(path: Path) -> str:
    """The workbook's own last-modified time (docProps/core.xml): file names carry wrong dates."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""
    m = re.search(r"<dcterms:modified[^>]*>([^<]+)<", xml)
    return m[1].strip() if m else ""


def _sheet_sort_key(name: str) -> tuple:
    """Publication order as the file name gives it (YYYYMMDDhhmmss or MMDDYYYY + am/mid/pm)."""
    m = re.search(r"-(\d{14})", name)
    if m:
        return (m[1][:8], m[1][8:], name)
    m = re.search(r"(\d{2})(\d{2})(\d{4})(am|mid|pm)?", name)
    if m:
        half = {"am": "0", "mid": "1", "pm": "2", None: "1"}[m[4]]
        return (m[3] + m[1] + m[2], half, name)
    return ("", "", name)


class Library:
    """The files of DIR and of any further folders, indexed by name (and by unquoted name); the first wins."""

    def __init__(self, root: Path, also: tuple[Path, ...] = ()):
        self.root = Path(root)
        self.roots = (self.root, *(Path(a) for a in also))
        for r in self.roots:
            if not r.is_dir():
                raise FileNotFoundError(f"mirror folder not found: {r}")
        self.files: dict[str, Path] = {}
        self.sheets: dict[str, list[str]] = {"participating": [], "pending": []}
        self.rosters: list[str] = []
        for p in (p for r in self.roots for p in sorted(r.rglob("*"))):
            if not p.is_file() or p.name.startswith(".") or p.name in self.files:
                continue
            self.files.setdefault(p.name, p)
            self.files.setdefault(unquote(p.name), p)
            if p.suffix.lower() in (".xlsx", ".xls", ".csv"):
                m = KIND_BY_NAME.search(p.name)
                if m and m[2].lower() == "agencies":
                    self.sheets[m[1].lower()].append(p.name)
                elif m:
                    self.rosters.append(p.name)
        # Newest = latest workbook modification time, then the date in the name.
        self._order = {n: (_modified(self.files[n]), *_sheet_sort_key(n))
                       for names in (*self.sheets.values(), self.rosters) for n in names}
        for names in (*self.sheets.values(), self.rosters):
            names.sort(key=self._order.__getitem__)

    def find(self, path: str) -> Path | None:
        if not path.startswith("/doclib/"):
            return None
        raw = basename(path)
        return self.files.get(raw) or self.files.get(unquote(raw))

    def page(self) -> bytes:
        """The 287(g) page in ICE's current structure."""
        def link(name: str, text: str) -> str:
            return f'<a href="{SHEET_DIR}{quote(name)}">{html.escape(text)}</a>'

        parts = []
        for kind, title in (("participating", "Participating Agencies"), ("pending", "Pending Agencies")):
            names = self.sheets[kind]
            if names:
                parts.append(f"<h2>{title}</h2>\n<p>{link(names[-1], title)} (XLSX)</p>")
        older = [n for kind in ("participating", "pending") for n in self.sheets[kind][:-1]] + self.rosters
        if older:
            items = "\n".join(f"<li>{link(n, n)}</li>" for n in sorted(older, key=self._order.__getitem__))
            parts.append(f'<h2>Earlier lists (mirror archive)</h2>\n<ul class="mirror-archive">\n{items}\n</ul>')
        return _page_html("\n".join(parts)).encode()

    def table_page(self) -> bytes:
        """The older page: the newest saved roster as an HTML table (STATE … MOA)."""
        if not self.rosters:
            return _page_html("<p>No roster table in this mirror.</p>").encode()
        import openpyxl

        wb = openpyxl.load_workbook(self.files[self.rosters[-1]], read_only=False)
        ws = wb.worksheets[0]
        rows = []
        for row in ws.iter_rows():
            cells = []
            for c in row:
                text = "" if c.value is None else str(c.value)
                target = c.hyperlink.target if c.hyperlink is not None else None
                if not target and text.startswith(("http://", "https://")):
                    # the saved tables keep the MOA URL as text (web-archive wrapped): show it as ICE did
                    target, text = repair_link(text) or text, "link"
                inner = f'<a href="{html.escape(target)}">{html.escape(text)}</a>' if target else html.escape(text)
                cells.append(inner)
            if any(cells):
                rows.append(cells)
        if not rows:
            return _page_html("<p>Empty roster.</p>").encode()
        head = "".join(f"<th>{c}</th>" for c in rows[0])
        body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows[1:])
        return _page_html(f"<table><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>").encode()


def _page_html(body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">\n<head><meta charset=\"utf-8\">\n"
            "<title>Delegation of Immigration Authority Section 287(g) Immigration and Nationality Act | ICE</title>"
            "</head>\n<body>\n<main role=\"main\" id=\"main-content\">\n"
            "<h1>Delegation of Immigration Authority Section 287(g) Immigration and Nationality Act</h1>\n"
            "<div class=\"clearfix text-formatted field field--name-body field--type-text-with-summary\">\n"
            f"{body}\n</div>\n</main>\n</body>\n</html>\n")


class Mirror:
    """The server. `Mirror(dir).start()` serves in a daemon thread (port 0 = any free port); `.url`."""

    def __init__(self, root: str | Path, *, also: list[str | Path] | tuple = (), host: str = "127.0.0.1",
                 port: int = 0, faults: list[str | Fault] | None = None, page: str = "current"):
        self.library = Library(Path(root), tuple(Path(a) for a in also))
        self.page_style = page
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.set_faults(faults or [])
        self.requests: list[tuple[str, int, str]] = []   # (path, status, User-Agent) of every request answered
        handler = type("Handler", (_Handler,), {"mirror": self})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def set_faults(self, faults: list[str | Fault]) -> None:
        parsed = [f if isinstance(f, Fault) else Fault.parse(f) for f in faults]
        with self.lock:
            self.faults = parsed
            self._fired: dict[tuple[int, str], int] = {}

    def fault_for(self, path: str) -> Fault | None:
        with self.lock:
            for i, f in enumerate(self.faults):
                if fnmatch.fnmatch(path, f.glob) or fnmatch.fnmatch(unquote(path), f.glob):
                    n = self._fired.get((i, path), 0)
                    if f.times is not None and n >= f.times:
                        continue
                    self._fired[(i, path)] = n + 1
                    return f
        return None

    def record(self, path: str, status: int, agent: str = "") -> None:
        with self.lock:
            self.requests.append((path, status, agent))

    def stats(self) -> dict:
        with self.lock:
            by_status: dict[str, int] = {}
            for _, s, _ua in self.requests:
                by_status[str(s)] = by_status.get(str(s), 0) + 1
            return {"requests": len(self.requests), "by_status": by_status,
                    "faults": [f.__dict__ for f in self.faults]}

    def start(self) -> Mirror:
        self._thread = threading.Thread(target=self.server.serve_forever, name="moa-mirror", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Mirror:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    mirror: Mirror
    server_version = "moa-mirror"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: else each waits ~40 ms for a delayed ACK

    def log_message(self, fmt: str, *args) -> None:
        log.debug("%s " + fmt, self.address_string(), *args)

    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        if path != "/__mirror__/faults":
            return self._send(404, ERROR_PAGE, "text/html")
        length = int(self.headers.get("Content-Length") or 0)
        try:
            specs = json.loads(self.rfile.read(length) or b"[]")
            self.mirror.set_faults(list(specs))
        except (ValueError, TypeError) as e:
            return self._send(400, str(e).encode(), "text/plain")
        self._send(200, json.dumps(self.mirror.stats()).encode(), "application/json")

    def do_GET(self) -> None:  # noqa: N802
        self._get(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head=True)

    def _get(self, head: bool) -> None:
        split = urlsplit(self.path)
        path = split.path
        if path == "/__mirror__/stats":
            return self._send(200, json.dumps(self.mirror.stats()).encode(), "application/json", head=head)
        lib = self.mirror.library
        if path.rstrip("/") == PAGE_PATH:
            table = "format=table" in split.query or self.mirror.page_style == "table"
            body, mtime = (lib.table_page() if table else lib.page()), None
            ctype = TYPES[".html"]
        else:
            file = lib.find(path)
            if file is None:
                return self._send(404, ERROR_PAGE, "text/html; charset=utf-8", head=head)
            body, mtime = file.read_bytes(), file.stat().st_mtime
            ctype = TYPES.get(file.suffix.lower(), "application/octet-stream")
        fault = self.mirror.fault_for(path)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        lastmod = formatdate(mtime if mtime is not None else time.time(), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": lastmod}
        conditional = self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
        if fault is not None:
            if fault.kind == "304" and conditional:
                return self._send(304, b"", None, headers, head=head)
            if fault.kind == "slow":
                time.sleep(fault.arg or 0)
            elif fault.kind == "403":
                return self._send(403, b"<html><body><h1>Access Denied</h1></body></html>", "text/html", head=head)
            elif fault.kind == "429":
                return self._send(429, b"Too Many Requests", "text/plain",
                                  {"Retry-After": str(int(fault.arg or 0))}, head=head)
            elif fault.kind == "5xx":
                return self._send(503, b"<html><body>Service Unavailable</body></html>", "text/html", head=head)
            elif fault.kind == "404":
                return self._send(404, ERROR_PAGE, "text/html; charset=utf-8", head=head)
            elif fault.kind == "html200":
                return self._send(200, ERROR_PAGE, "text/html; charset=utf-8", head=head)
            elif fault.kind == "truncpdf":
                body = body[: len(body) // 2]
            elif fault.kind == "truncate":
                return self._send_cut(body, ctype, headers)
        if self._not_modified(etag, mtime):
            return self._send(304, b"", None, headers, head=head)
        self._send(200, body, ctype, headers, head=head)

    def _not_modified(self, etag: str, mtime: float | None) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm:
            return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = self.headers.get("If-Modified-Since")
        if ims and mtime is not None:
            try:
                return int(mtime) <= parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, body: bytes, ctype: str | None, headers: dict | None = None,
              head: bool = False) -> None:
        self.mirror.record(urlsplit(self.path).path, status, self.headers.get("User-Agent", ""))
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(0 if status == 304 else len(body)))
        self.end_headers()
        if not head and status != 304:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def _send_cut(self, body: bytes, ctype: str, headers: dict) -> None:
        """Announce the whole body, send half, close: what a dropped connection looks like."""
        self.mirror.record(urlsplit(self.path).path, 200, self.headers.get("User-Agent", ""))
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True
