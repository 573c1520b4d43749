"""Read one of ICE's 287(g) rosters (participating or pending agencies) into normalized rows.

Inputs: ICE's xlsx workbooks (Feb 2025 on), the older roster HTML table (saved as xlsx by the web-archive
recovery, or as HTML), and CSV. Headers moved over time (TYPE, COUNTY, ADDENDUM and MOA came and went),
sheets carry empty extra columns and blank rows, and sheet names vary, so columns are found by header text.
The MOA and ADDENDUM cells read "link"; the URL is the cell's hyperlink (or the text, in the HTML tables).

Which list a file holds is decided by its content, not its name: a participating list has a SIGNED column,
a pending list does not (ICE once published the pending list under the participating name, 2025-09-22 pm).
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from xml.etree import ElementTree

from openpyxl.utils.cell import range_boundaries

from moa.errors import ExternalError

from . import cells as norm
from .links import repair_link


class SheetError(ExternalError):
    """The bytes are not a readable roster (an HTML error page saved as .xlsx, a truncated zip, no header)."""


# Header text (upper case, spaces collapsed) → field name.
_HEADERS = {
    "STATE": "state", "LAW ENFORCEMENT AGENCY": "agency", "AGENCY": "agency", "TYPE": "type",
    "AGENCY TYPE": "type", "COUNTY": "county", "SUPPORT TYPE": "model", "MODEL": "model", "SIGNED": "signed",
    "DATE SIGNED": "signed", "MOA": "moa", "ADDENDUM": "addendum", "ADDENDA": "addendum",
}


@dataclass
class SheetRow:
    """One agreement line of a roster: normalized fields with the raw cell values kept in `raw`."""

    row: int                      # row number in the sheet (1-based, header included)
    raw: dict[str, object]
    state: str | None
    agency: str
    agency_type: str | None
    county: str | None
    model: str | None
    signed: str | None
    signed_raw: str | None
    moa_urls: list[str] = field(default_factory=list)
    addendum_urls: list[str] = field(default_factory=list)
    moa_text: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Sheet:
    name: str
    kind: str                     # 'participating' | 'pending' | 'unknown', from the content
    kind_by_name: str             # what the file name claims
    sheet_name: str
    header: list[str]
    rows: list[SheetRow]
    modified: str | None = None   # workbook properties (UTC ISO), when the file has them
    created: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def kind_mismatch(self) -> bool:
        return "unknown" not in (self.kind, self.kind_by_name) and self.kind != self.kind_by_name

    def to_dict(self) -> dict:
        d = asdict(self)
        d["kind_mismatch"] = self.kind_mismatch
        return d


def kind_from_name(name: str) -> str:
    low = name.lower()
    if "pending" in low:
        return "pending"
    if "participating" in low or "287g" in low:
        return "participating"
    return "unknown"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    text = norm.clean_text(value)
    return text or None


def _header_key(value: object) -> str | None:
    text = norm.clean_text(value).upper().rstrip(":")
    return _HEADERS.get(text) if text else None


def _find_header(grid: list[list[object]]) -> int:
    for i, row in enumerate(grid[:25]):
        keys = {_header_key(v) for v in row}
        if "state" in keys and "agency" in keys:
            return i
    raise SheetError("no roster header (STATE, LAW ENFORCEMENT AGENCY) in the first 25 rows")


def _urls(link: str | None, text: str | None, base_url: str) -> list[str]:
    """URLs behind a MOA/ADDENDUM cell: its hyperlink, else URLs written as the cell's text (HTML tables)."""
    candidates = [link] if link else []
    if text and re.search(r"https?:|doclib/|\.pdf\b", text, re.I):
        candidates += re.split(r"\s+(?=https?:)|\s*\|\s*", text)
    found: list[str] = []
    for candidate in candidates:
        url = repair_link(candidate, base_url)
        if url and url not in found:
            found.append(url)
    return found


def _build(name: str, sheet_name: str, grid: list[list[object]], links: list[list[str | None]],
           base_url: str) -> Sheet:
    h = _find_header(grid)
    header = [norm.clean_text(v) for v in grid[h]]
    columns: dict[str, int] = {}
    for j, v in enumerate(grid[h]):
        key = _header_key(v)
        if key and key not in columns:
            columns[key] = j
    has = set(columns)
    kind = "participating" if "signed" in has else "pending"
    rows: list[SheetRow] = []
    warnings: list[str] = []
    for i in range(h + 1, len(grid)):
        values = grid[i]
        cell = {k: (values[j] if j < len(values) else None) for k, j in columns.items()}
        link = {k: (links[i][j] if j < len(links[i]) else None) for k, j in columns.items()}
        if not any(_text(cell.get(k)) for k in ("state", "agency", "model")):
            continue  # blank or decorative row
        raw: dict[str, object] = {}
        for j, v in enumerate(values):
            title = header[j] if j < len(header) else ""
            if title or _text(v) is not None:  # unnamed empty columns are noise
                raw[title or f"col{j + 1}"] = v if isinstance(v, str) else _text(v)
        signed_raw = _text(cell.get("signed"))
        signed = norm.signed_date(cell.get("signed"))
        if signed_raw and not signed:
            warnings.append(f"row {i + 1}: unreadable SIGNED date {signed_raw!r}")
        state = norm.state_code(cell.get("state"))
        if cell.get("state") is not None and not state:
            warnings.append(f"row {i + 1}: unknown state {_text(cell.get('state'))!r}")
        model = norm.model_code(cell.get("model"))
        moa_text = _text(cell.get("moa"))
        rows.append(SheetRow(
            row=i + 1, raw=raw, state=state, agency=norm.agency_name(cell.get("agency")),
            agency_type=norm.agency_type(cell.get("type")) if "type" in has else None,
            county=norm.county(cell.get("county")), model=model, signed=signed, signed_raw=signed_raw,
            moa_urls=_urls(link.get("moa"), moa_text, base_url),
            addendum_urls=_urls(link.get("addendum"), _text(cell.get("addendum")), base_url),
            moa_text=moa_text,
        ))
    return Sheet(name=name, kind=kind, kind_by_name=kind_from_name(name), sheet_name=sheet_name,
                 header=header, rows=rows, warnings=warnings)


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id → target of one package part (empty when the part has no .rels)."""
    folder, _, base = part.rpartition("/")
    try:
        root = ElementTree.fromstring(z.read(f"{folder}/_rels/{base}.rels"))
    except KeyError:
        return {}
    return {r.get("Id"): r.get("Target") for r in root.iter(f"{_NS_PKG}Relationship")}


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet title → its part name inside the package."""
    rels = _rels(z, "xl/workbook.xml")
    out = {}
    for sh in ElementTree.fromstring(z.read("xl/workbook.xml")).iter(f"{_NS_MAIN}sheet"):
        target = rels.get(sh.get(f"{_NS_REL}id"), "")
        out[sh.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return out


def _hyperlinks(z: zipfile.ZipFile, part: str) -> dict[tuple[int, int], str]:
    """(row, column) 1-based → external hyperlink target, read from the worksheet XML (openpyxl's fast
    read-only mode does not expose hyperlinks). A link over a range applies to every cell of it."""
    rels = _rels(z, part)
    links: dict[tuple[int, int], str] = {}
    found = False
    with z.open(part) as fh:
        for _, el in ElementTree.iterparse(fh):
            if el.tag == f"{_NS_MAIN}hyperlink":
                found = True
                target = rels.get(el.get(f"{_NS_REL}id") or "")
                if not target:
                    continue
                (c1, r1, c2, r2) = range_boundaries(el.get("ref") if ":" in el.get("ref", "") else
                                                     f"{el.get('ref')}:{el.get('ref')}")
                for row in range(r1, r2 + 1):
                    for col in range(c1, c2 + 1):
                        links[(row, col)] = target
            elif found and el.tag != f"{_NS_MAIN}hyperlinks":
                break
            if el.tag == f"{_NS_MAIN}row":
                el.clear()
    return links


def _read_xlsx(data: bytes, name: str, base_url: str) -> Sheet:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
        parts = _sheet_parts(z)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError, ValueError,
            ElementTree.ParseError) as e:
        raise SheetError(f"{name}: not a readable xlsx workbook ({type(e).__name__}: {e})") from e
    best: Sheet | None = None
    errors = []
    try:
        for ws in wb.worksheets:
            try:
                grid = [list(r) for r in ws.iter_rows(values_only=True)]
                found = _hyperlinks(z, parts[ws.title]) if ws.title in parts else {}
            except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, ElementTree.ParseError) as e:
                raise SheetError(f"{name}: not a readable xlsx workbook ({type(e).__name__}: {e})") from e
            links = [[found.get((i + 1, j + 1)) for j in range(len(row))] for i, row in enumerate(grid)]
            try:
                sheet = _build(name, ws.title, grid, links, base_url)
            except SheetError as e:
                errors.append(f"{ws.title}: {e}")
                continue
            if best is None or len(sheet.rows) > len(best.rows):
                best = sheet
        props = wb.properties
    finally:
        wb.close()
    if best is None:
        raise SheetError(f"{name}: {'; '.join(errors) or 'workbook has no sheets'}")
    best.modified = props.modified.strftime("%Y-%m-%dT%H:%M:%SZ") if props.modified else None
    best.created = props.created.strftime("%Y-%m-%dT%H:%M:%SZ") if props.created else None
    return best


class _TableParser(HTMLParser):
    """Collect every table's cells (text and first href) from an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[list[object]], list[list[str | None]]]] = []
        self._cell: list[str] | None = None
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "tr" and self.tables:
            self.tables[-1][0].append([])
            self.tables[-1][1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell, self._href = [], None
        elif tag == "a" and self._cell is not None and self._href is None:
            self._href = dict(attrs).get("href")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1][0]:
            self.tables[-1][0][-1].append(norm.clean_text("".join(self._cell)) or None)
            self.tables[-1][1][-1].append(self._href)
            self._cell = None


def _read_html(data: bytes, name: str, base_url: str) -> Sheet:
    parser = _TableParser()
    parser.feed(data.decode("utf-8", errors="replace"))
    for grid, links in parser.tables:
        try:
            return _build(name, "html table", grid, links, base_url)
        except SheetError:
            continue
    raise SheetError(f"{name}: an HTML page with no roster table (an error page saved as a sheet?)")


def _read_csv(data: bytes, name: str, base_url: str) -> Sheet:
    text = data.decode("utf-8-sig", errors="replace")
    grid: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text))]
    return _build(name, "csv", grid, [[None] * len(r) for r in grid], base_url)


def _looks_html(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<table", b"<?xml")) or b"<html" in head


def read_sheet(data: bytes, name: str, base_url: str = "https://www.ice.gov") -> Sheet:
    """Parse a roster file's bytes. Raises SheetError for anything that is not a roster.

    An HTML body under an .xlsx name (ICE's error pages come with status 200) is an error, not a sheet;
    an .html/.htm file is read as the older roster table.
    """
    if not data:
        raise SheetError(f"{name}: empty file")
    low = name.lower()
    if data[:2] == b"PK":
        return _read_xlsx(data, name, base_url)
    if _looks_html(data):
        if low.endswith((".html", ".htm")):
            return _read_html(data, name, base_url)
        raise SheetError(f"{name}: an HTML page, not a spreadsheet (error page served as a sheet?)")
    if low.endswith(".csv"):
        return _read_csv(data, name, base_url)
    if low.endswith((".xlsx", ".xlsm")):
        raise SheetError(f"{name}: not an xlsx workbook (no zip signature)")
    raise SheetError(f"{name}: unsupported roster format")
