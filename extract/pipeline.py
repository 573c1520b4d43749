"""Extract every PDF in the catalog not yet extracted (or the files given): pages, fields, record, store.

Incremental: a document is skipped when its sha256 was extracted by the same extractor version in the same
--ocr mode. A corrupt
or truncated PDF raises ExternalError inside `extract_one`; the pipeline records it and carries on.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moa.blobs import BlobStore
from moa.catalog import data_path
from moa.errors import ExternalError, UserError
from moa.files import register_file
from moa.progress import Progress

from . import fields as field_rules
from . import ocr, records
from .pages import MODES, Page, PendingPages, ocr_pages_run, start_pages
from .program_model import extract_model

PAGES_VERSION = "pages-6"  # 2: a garbage layer is kept when OCR reads it no better; 3: control codes are bad glyphs; 4: a short shifted word repeated is decoded; 5: a layer over a scan is marked "scanned"; 6: a scanner's poor OCR layer is read again
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
    fields = extract_fields(pages, file_name, pdf=BlobStore(data_path(conn)).path(sha),
                            ocr_cache=data_path(conn) / "cache" / "ocr", ocr_signatures=mode != "skip",
                            ocr_jobs=jobs)
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


def run(conn: sqlite3.Connection, files: list[Path] | None = None, *, mode: str = "auto", jobs: int = 2,
        force: bool = False) -> RunSummary:
    """Bring extraction up to date; a failing document is recorded and the rest carry on."""
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

    def begin(sha: str, name: str) -> tuple[PendingPages, float] | None:
        try:
            return start_one(conn, sha, name, mode=mode, jobs=jobs, cache_dir=cache_dir)
        except Exception as e:  # noqa: BLE001 - one bad document must not stop the run
            failed(sha, name, e)
            return None

    try:
        with Progress(len(todo), "extract") as progress:
            # One document ahead: its OCR is queued while this one's finishes, so workers never idle.
            started = begin(*todo[0]) if todo else None
            for k, (sha, name) in enumerate(todo):
                current = started
                started = begin(*todo[k + 1]) if k + 1 < len(todo) else None
                if current is not None:
                    try:
                        record = finish_one(conn, sha, name, current, mode=mode, jobs=jobs)
                    except Exception as e:  # noqa: BLE001 - one bad document must not stop the run
                        failed(sha, name, e)
                    else:
                        summary.extracted.append(record)
                        summary.pages += record["page_count"]
                        summary.ocr_pages += record["extraction"]["ocr_pages"]
                        summary.ocr_run += record["extraction"]["ocr_run"]
                progress.advance(1, name)
    finally:
        ocr.shutdown()
    summary.seconds = time.perf_counter() - run_start
    return summary
