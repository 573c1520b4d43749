"""Exports: each format opens in the tool its users use, the same input gives the same bytes, large result
sets stream, and no quote ever leaves without its pinpoint citation."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from compare_support import text_layer_records
from test_compare import TFM_2025

from agreements.documents import provenance
from compare.comparison import compare_section
from export.citation import CitationError, pinpoint
from export.csl import SCHEMA
from export.items import FORMATS, items_from_compare, write_export
from moa.catalog import connect
from moa.files import register_file

NAMES = TFM_2025


@pytest.fixture(scope="module")
def catalog(corpus: Path, tmp_path_factory) -> tuple[Path, list[dict]]:
    """A catalog holding the twelve PDFs (one as if harvested from ICE), and the items of two comparisons."""
    data = tmp_path_factory.mktemp("data")
    conn = connect(data)
    for n in NAMES:
        register_file(conn, corpus / "moa" / n)
    recs = text_layer_records(corpus, NAMES)
    harvested = next(r for r in recs if r["file"].startswith("OklahomaBureauNarcotics"))
    url = "https://www.ice.gov/doclib/about/offices/ero/pdf/287gMOA/OklahomaBureauNarcotics_TFM_MOA_02.18.25.pdf"
    conn.execute("INSERT INTO fetches(url, requested_url, kind, status, fetched_at, bytes, sha256, outcome) "
                 "VALUES (?,?,?,?,?,?,?,?)", (url, url, "pdf", 200, "2025-05-19T02:49:22Z", 1, harvested["sha256"], "stored"))
    conn.commit()
    # The clauses where the Oklahoma agreements deviate from the 2025 template (OPLA addresses are fill-ins).
    items = [it for key in ("certification-and-authorization", "resolution-of-local-charges",
                                "effective-date-suspension-and-termination-of-this-moa")
             for it in items_from_compare(conn, compare_section(recs, key))]
    conn.close()
    assert len(items) >= 3
    return data, items


def _export(items: list[dict], fmt: str, dest: Path, data: Path | None = None) -> bytes:
    write_export(iter(items), fmt, dest, title="Liability clauses that differ from ICE's template", blobs_dir=data)
    return dest.read_bytes()


def test_provenance_comes_from_harvest_fetches(catalog) -> None:
    data, items = catalog
    harvested = next(i for i in items if i["citation"]["file"].startswith("OklahomaBureauNarcotics"))
    assert harvested["provenance"]["url"].startswith("https://www.ice.gov/")
    assert harvested["provenance"]["retrieved_at"] == "2025-05-19T02:49:22Z"
    other = next(i for i in items if not i["citation"]["file"].startswith("OklahomaBureauNarcotics"))
    assert other["provenance"]["url"] is None and other["provenance"]["retrieved_at"]  # a local file: when added
    assert provenance(None, "ab" * 32)["sha256"] == "ab" * 32


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_input_same_bytes(catalog, tmp_path: Path, fmt: str) -> None:
    data, items = catalog
    first = _export(items, fmt, tmp_path / f"a.{fmt}", data)
    if fmt in ("xlsx", "zip"):
        time.sleep(2.1)  # zip timestamps have 2-second resolution: a wall-clock stamp would show
    second = _export(items, fmt, tmp_path / f"b.{fmt}", data)
    assert first == second and len(first) > 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_quote_without_its_citation(catalog, tmp_path: Path, fmt: str) -> None:
    _, items = catalog
    for drop in ("page", "sha256", "section"):
        broken = json.loads(json.dumps(items))
        del broken[-1]["citation"][drop]
        dest = tmp_path / f"x.{fmt}"
        with pytest.raises(CitationError, match=drop):
            write_export(iter(broken), fmt, dest)
        assert not dest.exists()  # nothing half-written is left behind
    # A citation without a quote (a document-level hit) is fine.
    bare = json.loads(json.dumps(items[:1]))
    bare[0]["quote"] = None
    bare[0]["citation"]["page"] = None
    write_export(iter(bare), fmt, tmp_path / f"ok.{fmt}")


def test_every_quote_in_the_brief_carries_a_pinpoint(catalog, tmp_path: Path) -> None:
    _, items = catalog
    md = _export(items, "md", tmp_path / "b.md").decode()
    lines = md.splitlines()
    quotes = [i for i, ln in enumerate(lines) if ln.startswith("> ")]
    assert len(quotes) == len(items)
    for i in quotes:
        cite = lines[i + 2]
        assert cite.startswith("— ") and re.search(r"signed \d{4}-\d\d-\d\d|n\.d\.", cite) and re.search(r"p\. \d+", cite)
        assert re.search(r"§ [IVXL]+\b", cite) and "Task Force Model" in cite
    assert "## Provenance" in md and "https://www.ice.gov/" in md
    for it in items:
        assert it["citation"]["sha256"] in md
    assert pinpoint(items[0]["citation"]) in md


def test_xlsx_opens_in_openpyxl_with_frozen_header_and_fitted_widths(catalog, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    _, items = catalog
    path = tmp_path / "r.xlsx"
    _export(items, "xlsx", path)
    wb = load_workbook(path)
    ws = wb.active
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["agency", "state", "model"] and "quote" in header and "citation" in header
    assert ws.max_row == len(items) + 1
    widths = {ws.cell(1, i + 1).column_letter: ws.column_dimensions[ws.cell(1, i + 1).column_letter].width
              for i in range(len(header))}
    assert widths["B"] < 10 < widths["A"] <= 80  # state is narrow, agency wide, none wider than the cap
    assert wb.properties.modified.year == 2000


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed (.ci/setup.d/export-tools.sh)")
def test_xlsx_converts_in_libreoffice_headless(catalog, tmp_path: Path) -> None:
    _, items = catalog
    path = tmp_path / "r.xlsx"
    _export(items, "xlsx", path)
    profile = tempfile.mkdtemp(prefix="lo-")
    try:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                        "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["agency", "state", "model"]
    assert len(rows) == len(items) + 1
    assert sorted(r[0] for r in rows[1:]) == sorted(i["citation"]["agency"] for i in items)


def test_csl_json_validates_against_the_csl_schema(catalog, tmp_path: Path) -> None:
    import jsonschema

    _, items = catalog
    data = json.loads(_export(items, "csl", tmp_path / "c.json"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert len(data) == len({i["citation"]["sha256"] for i in items}) == len({d["id"] for d in data})
    harvested = next(d for d in data if d.get("URL"))
    assert harvested["type"] == "document" and harvested["accessed"] == {"date-parts": [[2025, 5, 19]]}
    assert all(re.search(r"§ [IVXL]+\b", d["note"]) for d in data)
    with pytest.raises(jsonschema.ValidationError):  # the schema really constrains: a wrong type fails
        jsonschema.validate([{**data[0], "type": "agreement"}], schema)


@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium not installed (.ci/setup.d/export-tools.sh)")
def test_html_brief_renders_in_headless_chromium(catalog, tmp_path: Path) -> None:
    _, items = catalog
    page = tmp_path / "brief.html"
    _export(items, "html", page)
    profile = tempfile.mkdtemp(prefix="chromium-")
    base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"]
    try:
        dom = subprocess.run(base + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120,
                             check=True).stdout
        shot = tmp_path / "brief.png"
        subprocess.run(base + [f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri()],
                       capture_output=True, timeout=120, check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert dom.count("<blockquote") == len(items)
    assert dom.count('class="cite"') == len(items)
    assert "<del>" in dom and "<ins>" in dom and 'id="provenance"' in dom
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_zip_bundle_holds_the_cited_pdfs(catalog, corpus: Path, tmp_path: Path) -> None:
    data, items = catalog
    path = tmp_path / "bundle.zip"
    _export(items, "zip", path, data)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert {"brief.html", "brief.md", "citations.csl.json", "items.jsonl", "results.csv"} <= set(names)
        pdfs = [n for n in names if n.startswith("pdfs/")]
        assert len(pdfs) == len({i["citation"]["sha256"] for i in items})
        for it in items:
            name = next(n for n in pdfs if n.startswith(f"pdfs/{it['citation']['sha256'][:12]}-"))
            assert z.read(name) == (corpus / "moa" / it["citation"]["file"]).read_bytes()
        assert all(i.date_time == (2000, 1, 1, 0, 0, 0) for i in z.infolist())


def test_large_result_sets_stream(catalog, tmp_path: Path) -> None:
    _, items = catalog
    n = 20000
    consumed = []

    def many():
        for k in range(n):
            it = items[k % len(items)]
            consumed.append(k)
            yield {**it, "quote": it["quote"][:300], "fields": {"variant": k, "changed_words": k % 7}}

    for fmt in ("csv", "jsonl", "xlsx"):
        consumed.clear()
        summary = write_export(many(), fmt, tmp_path / f"big.{fmt}")
        assert summary["items"] == n == len(consumed)
    with open(tmp_path / "big.csv", encoding="utf-8") as fh:
        assert sum(1 for _ in csv.reader(fh)) == n + 1
    with open(tmp_path / "big.jsonl", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == n
