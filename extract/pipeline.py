"""Extract every PDF in the catalog not yet extracted (or the files given): pages, fields, record, store.

Incremental: a document is skipped when its sha256 was extracted by the same extractor version in the same
--ocr mode. A corrupt
or truncated PDF raises ExternalError inside `extract_one`; the pipeline records it and carries on.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moa.blobs import BlobStore
from moa.catalog import data_path
from moa.errors import ExternalError, UserError
from moa.files import register_file
from moa.progress import ExtractProgress

from . import fields as field_rules
from . import ocr, records
from .pages import MODES, Page, PendingPages, ocr_needed, ocr_pages_run, scan, start_pages
from .program_model import extract_model

PAGES_VERSION = "pages-7"  # 2: a garbage layer is kept when OCR reads it no better; 3: control codes are bad glyphs; 4: a short shifted word repeated is decoded; 5: a layer over a scan is marked "scanned"; 6: a scanner's poor OCR layer is read again; 7: a layer read in reading order, letters printed for spaces read as spaces
log = logging.getLogger("moa.extract")


def extractor_version() -> str:
    """Pages version + the field extractor's version: a change to either extracts again."""
    return f"{PAGES_VERSION}+fields-{field_rules.VERSION}"


def extract_fields(pages: list[Page], file_name: str = "", pdf: Path | None = None,
                   **options: Any) -> dict[str, Any]:
    """The field extractor's result. A crash in it keeps the pages: the record is stored with `field_error`
    set and only the model read from the title."""
    try:
        return field_rules.extract_fields(pages, pdf=pdf, source_name=file_name or None, **options)
    except Exception as e:  # noqa: BLE001 - the page text is worth keeping whatever the fields do
        log.warning("%s: field extraction failed: %s: %s", file_name, type(e).__name__, e)
        fallback = _minimal_fields(pages)
        fallback["field_error"] = f"{type(e).__name__}: {e}"
        return fallback


def _minimal_fields(pages: list[Page]) -> dict[str, Any]:
    return {"model": extract_model(pages).get("model"), "agency": {"name": None, "state": None},
            "signatories": [], "template_revision": None, "sections": [], "appendices": []}


def build_record(sha: str, file_name: str, pages: list[Page], fields: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"sha256": sha, "file": file_name, "page_count": len(pages)}
    record.update(fields)
    record["pages"] = [p.info() for p in pages]
    return record


def extract_one(conn: sqlite3.Connection, sha: str, file_name: str, *, mode: str = "auto", jobs: int = 2,
                cache_dir: Path | None = None) -> dict[str, Any]:
    """Extract one stored blob and save its record; return the record (with counters under 'extraction')."""
    return finish_one(conn, sha, file_name, start_one(conn, sha, file_name, mode=mode, jobs=jobs,
                                                      cache_dir=cache_dir), mode=mode, jobs=jobs)


def start_one(conn: sqlite3.Connection, sha: str, file_name: str, *, mode: str, jobs: int,
              cache_dir: Path | None) -> tuple[PendingPages, float]:
    path = BlobStore(data_path(conn)).path(sha)
    start = time.perf_counter()
    return start_pages(path, mode=mode, cache_dir=cache_dir, jobs=jobs, name=file_name), start


def finish_one(conn: sqlite3.Connection, sha: str, file_name: str, started: tuple[PendingPages, float], *,
               mode: str, jobs: int = 0) -> dict[str, Any]:
    pending, start = started
    pages = pending.result()
    fields = fields_task(pages, file_name, str(BlobStore(data_path(conn)).path(sha)),
                         str(data_path(conn) / "cache" / "ocr"), mode, jobs)
    return save_one(conn, sha, file_name, pages, fields, start, mode=mode)


def fields_task(pages: list[Page], file_name: str, pdf: str, cache_dir: str, mode: str,
                jobs: int = 0) -> dict[str, Any]:
    """A document's fields, its signature page's second readings on a pool of `jobs` workers. Run in an OCR
    worker (jobs 0), the readings run there one after another: the run keeps as many documents' fields in
    flight as it has workers, so no worker waits while one document's readings run in turn."""
    return extract_fields(pages, file_name, pdf=Path(pdf), ocr_cache=Path(cache_dir),
                          ocr_signatures=mode != "skip", ocr_jobs=jobs)


def save_one(conn: sqlite3.Connection, sha: str, file_name: str, pages: list[Page], fields: dict[str, Any],
             start: float, *, mode: str) -> dict[str, Any]:
    """Store the record of one document; return it (with counters under 'extraction')."""
    record = build_record(sha, file_name, pages, fields)
    ocr_run = ocr_pages_run(pages)
    seconds = time.perf_counter() - start
    records.save_record(conn, record, pages, extractor=extractor_version(), ocr_mode=mode, ocr_run=ocr_run,
                      seconds=seconds)
    record["extraction"] = {"ocr_pages": sum(1 for p in pages if p.method == "ocr"), "ocr_run": ocr_run,
                            "seconds": round(seconds, 3)}
    return record


@dataclass
class RunSummary:
    extracted: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    ocr_pages: int = 0
    ocr_run: int = 0
    pages: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"extracted": len(self.extracted), "skipped": self.skipped, "errors": self.errors,
                "pages": self.pages, "ocr_pages": self.ocr_pages, "ocr_run": self.ocr_run,
                "seconds": round(self.seconds, 2),
                "documents": [{"sha256": r["sha256"], "file": r["file"], "page_count": r["page_count"],
                               "model": r.get("model"), "agency": (r.get("agency") or {}).get("name"),
                               "state": (r.get("agency") or {}).get("state"), **r.get("extraction", {})}
                              for r in self.extracted]}


def targets(conn: sqlite3.Connection, files: list[Path] | None) -> list[tuple[str, str, bool]]:
    """(sha256, name, given) for the files given (registered first), else every PDF blob in the catalog."""
    if files:
        out = []
        for f in files:
            if not Path(f).is_file():
                raise UserError(f"no such file: {f}")
            sha = register_file(conn, Path(f), origin="local")
            conn.commit()
            out.append((sha, Path(f).name, True))
        return out
    rows = conn.execute(
        "SELECT b.sha256, MIN(f.name) AS name FROM blobs b JOIN files f ON f.sha256 = b.sha256"
        " WHERE b.media_type = 'application/pdf' GROUP BY b.sha256 ORDER BY name"
    ).fetchall()
    return [(r["sha256"], r["name"], False) for r in rows]


# OCR pages per worker kept queued beyond the document being finished: while a worker reads a document's
# fields and its second readings, the other workers read the next documents' pages instead of waiting (a
# born-digital document queues none).
AHEAD = 3


class _Feeder:
    """Begins documents (`begin`: their pages queued on the OCR pool) ahead of the one being finished while
    fewer than AHEAD pages a worker wait beyond it. With more than one job a thread of its own does it,
    woken by every page read: a document's fields and second readings take a worker a while (extract.sigocr),
    and the pages queued when it began that document run out long before (issue 16: one of two workers idle).
    With one job, pages are read inline, in `take`."""

    def __init__(self, total: int, jobs: int, started: dict[int, Any], begin: Any) -> None:
        self.total, self.jobs, self.started, self.begin = total, jobs, started, begin
        self.queued = 0  # documents begun or being begun
        self.current = 0  # the document the loop finishes now
        self.stopped = False
        self.cond = threading.Condition()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="moa-extract-feeder", daemon=True)
        self.thread.start()

    def poke(self) -> None:
        with self.cond:
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        if self.thread is not None:
            self.thread.join()
        for begun in self.started.values():  # documents begun and never finished: their pages are not read
            if not isinstance(begun, Exception):
                begun[0].cancel()

    def _wanted(self) -> bool:
        """Whether to begin the next document: it is the one finished now, or fewer than AHEAD pages a worker
        wait beyond that one (called with the lock held)."""
        if self.queued >= self.total:
            return False
        if self.queued <= self.current:
            return True
        waiting = 0
        for j in range(self.current + 1, self.queued):
            begun = self.started.get(j)
            if isinstance(begun, tuple):
                waiting += sum(1 for f in begun[0].pending.values() if isinstance(f, Future) and not f.done())
        return waiting < AHEAD * self.jobs

    def _next(self) -> None:
        """Begin one document, the lock released meanwhile (its text layer may still be read)."""
        k = self.queued
        self.queued += 1
        self.cond.release()
        try:
            begun = self.begin(k)
        finally:
            self.cond.acquire()
        self.started[k] = begun
        self.cond.notify_all()

    def _run(self) -> None:
        with self.cond:
            while not self.stopped and self.queued < self.total:
                if self._wanted():
                    self._next()
                else:
                    self.cond.wait()

    def take(self, k: int) -> tuple[PendingPages, float] | Exception:
        """Document k once begun (begun here with one job, with those after it that `_wanted`)."""
        with self.cond:
            self.current = k
            self.cond.notify_all()
            if self.thread is None:
                while self._wanted():
                    self._next()
            while k not in self.started:
                self.cond.wait()
            return self.started.pop(k)


def run(conn: sqlite3.Connection, files: list[Path] | None = None, *, mode: str = "auto", jobs: int = 2,
        force: bool = False, progress_stream: Any = None) -> RunSummary:
    """Bring extraction up to date; a failing document is recorded and the rest carry on. On a terminal
    (`progress_stream`, else stderr), a line shows documents and pages done, OCR pages left and an ETA.
    With more than one job, each document's fields are read on a worker (`fields_task`), as many documents at
    a time as there are workers, and stored here in order as they finish."""
    if mode not in MODES:
        raise UserError(f"--ocr must be one of {', '.join(MODES)}")
    if jobs < 1:
        raise UserError("--jobs must be at least 1")
    version = extractor_version()
    cache_dir = data_path(conn) / "cache" / "ocr"
    summary = RunSummary()
    run_start = time.perf_counter()
    todo = []
    for sha, name, given in targets(conn, files):
        if not force and records.extracted_state(conn, sha) == (version, mode):
            summary.skipped += 1
        elif not force and not given and records.error_for(conn, sha, version):
            summary.skipped += 1  # known failure; retried when the file is named or --force
        else:
            todo.append((sha, name))

    def failed(sha: str, name: str, e: Exception) -> None:
        message = str(e) if isinstance(e, ExternalError) else f"{name}: {type(e).__name__}: {e}"
        records.save_error(conn, sha, name, version, message)
        summary.errors.append({"sha256": sha, "file": name, "error": message})
        log.warning("%s", message)

    blobs = BlobStore(data_path(conn))
    progress = ExtractProgress(len(todo), progress_stream)
    try:
        # Every document's text layer first, on the workers (a few seconds for the corpus): the OCR pages of the
        # whole run are known before any is read, for the progress line and for keeping the workers fed.
        scans = _scans(todo, blobs, jobs, mode, progress)
        started: dict[int, tuple[PendingPages, float] | Exception] = {}

        def begin(k: int) -> tuple[PendingPages, float] | Exception:
            sha, name = todo[k]
            start = time.perf_counter()
            try:
                layers = scans[k].result()
                pending = start_pages(blobs.path(sha), mode=mode, cache_dir=cache_dir, jobs=jobs, name=name,
                                      layers=layers)
            except Exception as e:  # noqa: BLE001 - one bad document must not stop the run
                return e  # recorded by the loop below, on this thread's connection
            for job in pending.pending.values():
                if isinstance(job, Future):
                    job.add_done_callback(lambda f: f.cancelled() or progress.ocr_page())
                    job.add_done_callback(lambda f: feeder.poke())
                else:
                    progress.ocr_page()
            return pending, start

        def done(sha: str, name: str, record: dict[str, Any] | Exception) -> None:
            pages = 0
            if isinstance(record, Exception):
                failed(sha, name, record)
            else:
                summary.extracted.append(record)
                pages = record["page_count"]
                summary.pages += pages
                summary.ocr_pages += record["extraction"]["ocr_pages"]
                summary.ocr_run += record["extraction"]["ocr_run"]
            progress.document(pages)

        # (sha, name, pages, start, fields on a worker) of documents whose fields are being read, oldest first
        window: deque[tuple[str, str, list[Page], float, Future]] = deque()

        def save_oldest() -> None:
            sha, name, pages, start, fut = window.popleft()
            try:
                record: dict[str, Any] | Exception = save_one(conn, sha, name, pages, fut.result(), start,
                                                              mode=mode)
            except Exception as e:  # noqa: BLE001 - one bad document must not stop the run
                record = e
            done(sha, name, record)

        feeder = _Feeder(len(todo), jobs, started, begin)
        if jobs > 1:
            feeder.start()
        with progress:
            for k, (sha, name) in enumerate(todo):
                current = feeder.take(k)
                if isinstance(current, Exception):
                    done(sha, name, current)
                    continue
                if jobs == 1:
                    try:
                        done(sha, name, finish_one(conn, sha, name, current, mode=mode, jobs=jobs))
                    except Exception as e:  # noqa: BLE001 - one bad document must not stop the run
                        done(sha, name, e)
                    continue
                pending, start = current
                try:
                    pages = pending.result()
                    fut = ocr.pool(jobs).submit(fields_task, pages, name, str(blobs.path(sha)), str(cache_dir),
                                                mode)
                except Exception as e:  # noqa: BLE001 - one bad document must not stop the run
                    done(sha, name, e)
                    continue
                window.append((sha, name, pages, start, fut))
                while len(window) > jobs or (window and window[0][-1].done()):
                    save_oldest()
            while window:
                save_oldest()
    finally:
        if "feeder" in locals():
            feeder.stop()
        ocr.shutdown()
    summary.seconds = time.perf_counter() - run_start
    return summary


def _scans(todo: list[tuple[str, str]], blobs: BlobStore, jobs: int, mode: str,
           progress: ExtractProgress) -> list[Future]:
    """The text layers of `todo`'s documents (`extract.pages.scan`), read on the OCR pool (inline with one job);
    the progress line learns the run's pages and OCR pages once all are read."""
    futures: list[Future] = []
    for sha, name in todo:
        if jobs > 1:
            futures.append(ocr.pool(jobs).submit(scan, str(blobs.path(sha)), name))
            continue
        done: Future = Future()
        try:
            done.set_result(scan(blobs.path(sha), name))
        except Exception as e:  # noqa: BLE001 - raised again when the document is begun
            done.set_exception(e)
        futures.append(done)
    left = [len(futures)]
    lock = threading.Lock()

    def scanned(_: Future) -> None:
        with lock:
            left[0] -= 1
            if left[0]:
                return
        layers = [f.result() for f in futures if not f.cancelled() and f.exception() is None]
        progress.planned(sum(len(one) for one in layers), sum(len(ocr_needed(one, mode)) for one in layers))

    for f in futures:
        f.add_done_callback(scanned)
    return futures
