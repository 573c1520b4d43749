"""ICE's 287(g) page → the links to the participating and pending sheets, or (the older page) the roster
itself as an HTML table.

Two page formats are known. Since early 2025 the page links two workbooks,
`/doclib/about/offices/ero/287g/participatingAgencies<MMDDYYYY><am|pm>.xlsx` and `pendingAgencies…xlsx`,
with link texts such as "Participating Agencies" / "Pending Agencies". Before that the page carried the
roster as a table with the columns STATE, LAW ENFORCEMENT AGENCY, SUPPORT TYPE, SIGNED, MOA (the MOA cell a
link whose text is just "link"). A sheet link is recognised by its href first (file name), then by its text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from posixpath import basename
from urllib.parse import unquote, urljoin, urlsplit

from .links import repair_link

ICE_BASE = "https://www.ice.gov"
PAGE_PATH = "/identify-and-arrest/287g"
PAGE_URL = ICE_BASE + PAGE_PATH

SHEET_EXT = re.compile(r"\.(xlsx|xls|csv)$", re.I)
KIND_BY_NAME = re.compile(r"(participating|pending)(agencies|entities)", re.I)
KIND_BY_TEXT = re.compile(r"\b(participating|pending)\b", re.I)
ROSTER_MARKERS = ("STATE", "LAW ENFORCEMENT AGENCY")


@dataclass
class SheetLink:
    url: str      # absolute ICE URL (https://www.ice.gov/...)
    name: str     # file name as published
    kind: str     # 'participating' | 'pending'
    text: str     # the link's visible text
    current: bool = False  # the first link of its kind on the page: the list ICE publishes now


@dataclass
class RosterRow:
    cells: dict[str, str]                       # header (as printed, upper case) → cell text
    links: dict[str, list[str]] = field(default_factory=dict)  # header → absolute hrefs in that cell


@dataclass
class Page:
    sheets: list[SheetLink]
    roster_header: list[str]
    roster: list[RosterRow]

    def to_json(self) -> dict:
        return {"sheets": [asdict(s) for s in self.sheets], "roster_header": self.roster_header,
                "roster": [asdict(r) for r in self.roster]}


class _Collector(HTMLParser):
    """Collect every <a href> with its text, and every table as rows of (text, [hrefs]) cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.tables: list[list[list[tuple[str, list[str]]]]] = []
        self._a: list[list] = []          # open anchors: [href, text parts]
        self._tables: list[list] = []     # open tables: list of rows
        self._cell: list | None = None    # [text parts, hrefs]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            self._a.append([href, []])
            if href and self._cell is not None:
                self._cell[1].append(href)
        elif tag == "table":
            self._tables.append([])
        elif tag == "tr" and self._tables:
            self._tables[-1].append([])
        elif tag in ("td", "th") and self._tables:
            if not self._tables[-1]:
                self._tables[-1].append([])
            self._cell = [[], []]
        elif tag == "br":
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._a:
            href, parts = self._a.pop()
            if href:
                self.links.append((href, _clean("".join(parts))))
        elif tag in ("td", "th") and self._cell is not None and self._tables:
            self._tables[-1][-1].append((_clean("".join(self._cell[0])), self._cell[1]))
            self._cell = None
        elif tag == "table" and self._tables:
            self.tables.append(self._tables.pop())

    def handle_data(self, data: str) -> None:
        for a in self._a:
            a[1].append(data)
        if self._cell is not None:
            self._cell[0].append(data)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def canonical(href: str, page_url: str = PAGE_URL, aliases: tuple[str, ...] = ()) -> str:
    """An href on the page → absolute ICE URL. Links that point at a mirror (one of `aliases`, e.g. the
    --base-url) are mapped back to www.ice.gov so that the catalog keys never depend on the mirror."""
    href = href.strip()
    for alias in aliases:
        alias = alias.rstrip("/")
        if alias and href.startswith(alias + "/"):
            href = href[len(alias):]
            break
    # A web-archive capture rewrites links to /web/<ts>/https://www.ice.gov/…: keep the ICE URL inside.
    m = re.search(r"https?:/+(www\.)?ice\.gov/", href[1:], re.I)
    if m and not href.lower().startswith(("https://www.ice.gov/", "http://www.ice.gov/")):
        href = href[m.start() + 1:]
    # ICE's "doclib/…" links are site-relative; repair_link also unwraps SafeLinks and broken schemes.
    url = repair_link(href, ICE_BASE) if not href.startswith(("/", "#", "?")) else None
    url = url or urljoin(page_url, href)
    parts = urlsplit(url)
    if parts.netloc.lower() in ("ice.gov", "www.ice.gov"):
        url = ICE_BASE + parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def sheet_kind(href: str, text: str) -> str | None:
    """'participating' / 'pending' for a link to a sheet, None for any other link."""
    path = urlsplit(href).path
    if not SHEET_EXT.search(path):
        return None
    m = KIND_BY_NAME.search(basename(unquote(path)))
    if m:
        return m.group(1).lower()
    m = KIND_BY_TEXT.search(text)
    return m.group(1).lower() if m else None


def parse_page(html: str | bytes, page_url: str = PAGE_URL, aliases: tuple[str, ...] = ()) -> Page:
    """Find the sheet links (in page order, each URL once) and any roster table on ICE's 287(g) page."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    c = _Collector()
    c.feed(html)
    c.close()
    sheets: list[SheetLink] = []
    seen: set[str] = set()
    kinds: set[str] = set()
    for href, text in c.links:
        kind = sheet_kind(href, text)
        if not kind:
            continue
        url = canonical(href, page_url, aliases)
        if url in seen:
            continue
        seen.add(url)
        sheets.append(SheetLink(url, basename(unquote(urlsplit(url).path)), kind, text, kind not in kinds))
        kinds.add(kind)
    header, roster = _roster(c.tables, page_url, aliases)
    return Page(sheets, header, roster)


def _roster(tables, page_url: str, aliases: tuple[str, ...]) -> tuple[list[str], list[RosterRow]]:
    """The first table whose header row names STATE and LAW ENFORCEMENT AGENCY, as rows."""
    for table in tables:
        rows = [r for r in table if r]
        for i, row in enumerate(rows[:5]):
            header = [text.upper() for text, _ in row]
            if all(any(m == h for h in header) for m in ROSTER_MARKERS):
                out = []
                for r in rows[i + 1:]:
                    if not any(text for text, _ in r):
                        continue
                    cells = {h: text for h, (text, _) in zip(header, r, strict=False) if h}
                    links = {h: [canonical(x, page_url, aliases) for x in hrefs]
                             for h, (_, hrefs) in zip(header, r, strict=False) if h and hrefs}
                    out.append(RosterRow(cells, links))
                return header, out
    return [], []
