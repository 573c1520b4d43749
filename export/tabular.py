"""CSV, JSON Lines and XLSX: one row per item, citation columns first, written row by row."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

from .citation import fixed_time, pinpoint

CITATION_COLUMNS = ("agency", "state", "model", "date_signed", "template_revision", "section_number",
                    "section_title", "section_key", "page")
TAIL_COLUMNS = ("citation", "file", "sha256", "url", "retrieved_at")
FIELD_ORDER = ("query", "level", "score", "status", "compared_section", "variant", "standard_variant",
               "changed_words", "similarity", "redline")
WIDTH_SAMPLE = 500  # rows buffered to fit XLSX column widths before streaming the rest
MAX_WIDTH = 80


def flat_row(item: dict) -> dict[str, Any]:
    """One item as a flat row: citation columns, the quote, the fields, then provenance."""
    cit = item["citation"]
    sec = cit.get("section") or {}
    prov = item.get("provenance") or {}
    row: dict[str, Any] = {
        "agency": cit.get("agency"), "state": cit.get("state"), "model": cit.get("model"),
        "date_signed": cit.get("date_signed"), "template_revision": cit.get("template_revision"),
        "section_number": sec.get("number"), "section_title": sec.get("title"), "section_key": sec.get("key"),
        "page": cit.get("page"), "quote": item.get("quote"),
    }
    fields = item.get("fields") or {}
    for k in FIELD_ORDER:
        if k in fields:
            row[k] = fields[k]
    row.update({"citation": pinpoint(cit), "file": cit.get("file"), "sha256": cit.get("sha256"),
                "url": prov.get("url"), "retrieved_at": prov.get("retrieved_at")})
    return row


def _columns(first: dict) -> list[str]:
    return list(first.keys())


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return v


def _rows(items: Iterable[dict]) -> tuple[list[str] | None, Iterator[dict]]:
    """The column list (from the first row: every item of one export has the same fields) and all rows."""
    it = (flat_row(i) for i in items)
    first = next(it, None)
    if first is None:
        return None, iter(())
    return _columns(first), _chain(first, it)


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def write_csv(items: Iterable[dict], fh: IO[bytes]) -> None:
    import csv

    text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=True)
    cols, rows = _rows(items)
    w = csv.writer(text, lineterminator="\n")
    w.writerow(cols or list(CITATION_COLUMNS) + ["quote"] + list(TAIL_COLUMNS))
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in cols])
    text.detach()


def write_jsonl(items: Iterable[dict], fh: IO[bytes]) -> None:
    for item in items:
        rec = {**item, "citation_text": pinpoint(item["citation"])}
        fh.write((json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))


def write_xlsx(items: Iterable[dict], fh: IO[bytes]) -> None:
    """A workbook in openpyxl's write-only mode (rows streamed to disk), frozen header, column widths fitted to
    the header and the first rows; then re-zipped with fixed timestamps so the bytes are reproducible."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols, rows = _rows(items)
    cols = cols or list(CITATION_COLUMNS) + ["quote"] + list(TAIL_COLUMNS)
    head = list(islice(rows, WIDTH_SAMPLE))
    wb = Workbook(write_only=True)
    when = fixed_time().replace(tzinfo=None)
    wb.properties.creator = "moa"
    wb.properties.created = when
    wb.properties.modified = when
    ws = wb.create_sheet("results")
    for i, c in enumerate(cols, 1):
        longest = max([len(c)] + [len(str(_cell(r.get(c)))) for r in head])
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, longest + 2)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=c)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for r in _chain_list(head, rows):
        out = []
        for c in cols:
            v = _cell(r.get(c))
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)
            if isinstance(v, str) and len(v) > MAX_WIDTH:
                cell = WriteOnlyCell(ws, value=v[:32767])  # Excel's cell limit
                cell.alignment = wrap
                out.append(cell)
            else:
                out.append(v)
        ws.append(out)
    with tempfile.TemporaryFile() as tmp:
        wb.save(tmp)
        tmp.seek(0)
        rezip(tmp, fh, core_time=when.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _chain_list(head: list[dict], rest: Iterator[dict]) -> Iterator[dict]:
    yield from head
    yield from rest


def rezip(src: IO[bytes], dest: IO[bytes], core_time: str | None = None) -> None:
    """Copy a zip (an xlsx) entry by entry with a fixed timestamp; fix the modified time openpyxl stamps."""
    import re

    stamp = fixed_time().timetuple()[:6]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            out = zipfile.ZipInfo(info.filename, date_time=stamp)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = 0o644 << 16
            if info.filename == "docProps/core.xml" and core_time:
                data = zin.read(info)
                data = re.sub(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + core_time.encode() + rb"\g<2>", data)
                zout.writestr(out, data)
                continue
            with zin.open(info) as r, zout.open(out, "w") as w:
                shutil.copyfileobj(r, w, 1 << 20)
