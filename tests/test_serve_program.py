"""The Program and Changes pages of `moa serve` on a real ledger (snapshots of the shared corpus), as a person
sees them: the JSON and CSV under /api/v1/ledger/ are the commands' own, the pages link every event to its
agreement and to the two snapshot files it compares, and in headless Chromium (driven over the DevTools pipe,
no network) the figures are drawn: the growth chart's areas, a bar per state and model, a county shape per
county with agreements, the map's legend; the download buttons save a real SVG and PNG, and the slider redraws
the map for another snapshot. Screenshots are
kept under the test run's base temp folder (screenshots/)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cdp_support import Browser
from PIL import Image

from harvest import ledger
from harvest.ledger_series import cancelled_since, changes
from moa.catalog import connect

ROOT = Path(__file__).resolve().parent.parent
SHEETS = [
    "participatingAgencies06062025am.xlsx", "participatingAgencies07072025pm.xlsx",
    "participatingAgencies12082025mid.xlsx", "participatingAgencies12092025pm.xlsx",
    "participatingAgencies12102025am.xlsx", "participatingAgencies03092026am.xlsx",
]
TIMEOUT = 30


@pytest.fixture(scope="module")
def catalog(corpus, tmp_path_factory):
    data = tmp_path_factory.mktemp("serve-program") / "data"
    conn = connect(data)
    for name in SHEETS:
        ledger.import_snapshot(conn, (corpus / "sheets" / "ice" / name).read_bytes(), name, rebuild_after=False)
    ledger.rebuild(conn)
    conn.close()
    return data


@pytest.fixture(scope="module")
def server(catalog):
    proc = subprocess.Popen([sys.executable, "-m", "moa", "serve", "--data", str(catalog), "--port", "0"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT)
    try:
        m = re.search(r"at (http://127\.0\.0\.1:\d+)/", proc.stderr.readline())
        assert m, "moa serve did not start"
        yield m.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


def get(server: str, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(server + path, timeout=TIMEOUT) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def moa_json(catalog: Path, *args: str):
    r = subprocess.run([sys.executable, "-m", "moa", *args, "--json", "--data", str(catalog)], capture_output=True,
                       text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_api_gives_the_commands_json(server, catalog):
    for path, args in [("/api/v1/ledger/timeline", ["ledger", "timeline"]),
                       ("/api/v1/ledger/timeline?by=state", ["ledger", "timeline", "--by", "state"]),
                       ("/api/v1/ledger/counts?as_of=2026-03-10&by=county",
                        ["ledger", "counts", "--as-of", "2026-03-10", "--by", "county"]),
                       ("/api/v1/ledger/counts?as_of=2025-07-07", ["ledger", "counts", "--as-of", "2025-07-07"]),
                       ("/api/v1/ledger/cancelled?since=2025-12-08", ["ledger", "cancelled", "--since", "2025-12-08"])]:
        code, ctype, body = get(server, path)
        assert code == 200 and ctype.startswith("application/json"), (path, body[:300])
        assert json.loads(body) == moa_json(catalog, *args), path
    code, ctype, body = get(server, "/api/v1/ledger/counts?as_of=2026-03-10&by=county&format=csv")
    assert code == 200 and ctype.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    want = moa_json(catalog, "ledger", "counts", "--as-of", "2026-03-10", "--by", "county")["rows"]
    assert [r["fips"] for r in rows] == [r["fips"] for r in want] and {"population", "per_100k"} <= set(rows[0])


def test_bad_parameters_are_400(server):
    for path in ("/api/v1/ledger/changes?event=vanished", "/api/v1/ledger/counts?as_of=March", "/changes?since=x",
                 "/api/v1/ledger/cancelled", "/api/v1/ledger/figure?kind=pie"):
        code, _, _ = get(server, path)
        assert code == 400, path
    assert get(server, "/program/agreement/999999")[0] == 404
    assert get(server, "/vendor/../moa.sqlite")[0] == 404 and get(server, "/vendor/vega/package.json")[0] == 404


def test_program_page_is_plain_html_with_local_scripts(server, catalog):
    code, _, body = get(server, "/program")
    html = body.decode("utf-8")
    assert code == 200
    latest = moa_json(catalog, "ledger", "counts", "--as-of", "2026-12-31")
    assert f'<b id="total">{latest["agreements"]:,}</b>' in html
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith("/") and not s.startswith("//") for s in srcs), srcs
    for s in srcs:
        code, ctype, _ = get(server, s)
        assert code == 200 and ("javascript" in ctype or "css" in ctype), (s, ctype)


def test_changes_page_filters_and_links_each_event_to_its_agreement_and_snapshots(server, catalog, corpus):
    code, _, body = get(server, "/changes?event=removed&model=TFM")
    html = body.decode("utf-8")
    conn = connect(catalog, readonly=True)
    want = changes(conn, event="removed", model="TFM")
    assert code == 200 and f'<b id="total">{want["total"]:,}</b>' in html and want["total"] > 0
    rows = re.findall(r'<tr class="event (\w+)">(.*?)</tr>', html, re.S)
    assert len(rows) == want["total"] and {k for k, _ in rows} == {"removed"}
    first = rows[0][1]
    agreement = re.search(r'href="(/program/agreement/\d+)"', first).group(1)
    snaps = re.findall(r'href="/program/snapshot/(\d+)">([^<]+)</a>', first)
    assert len(snaps) == 2
    code, _, page = get(server, agreement)
    assert code == 200 and "removed" in page.decode("utf-8")
    code, ctype, sheet = get(server, f"/program/snapshot/{snaps[1][0]}")
    assert code == 200 and "spreadsheet" in ctype
    assert sheet == (corpus / "sheets" / "ice" / snaps[1][1]).read_bytes()
    # the Titus report's view: cancelled since a date
    code, _, body = get(server, "/changes?view=cancelled&since=2025-12-08")
    c = cancelled_since(conn, "2025-12-08")
    assert code == 200 and f'<b id="total">{c["total"]}</b>' in body.decode("utf-8")
    conn.close()


class _Shapes(HTMLParser):
    """Counts the <path> shapes of each Vega mark group, by the group's name (e.g. 'choropleth_marks')."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "g":
            m = re.match(r"mark-\w+ role-mark (\S+)", cls)
            self.stack.append(m.group(1) if m else None)
        elif tag == "path" and self.stack and self.stack[-1] and "background" not in cls and "foreground" not in cls:
            self.counts[self.stack[-1]] = self.counts.get(self.stack[-1], 0) + 1

    def handle_endtag(self, tag):
        if tag == "g" and self.stack:
            self.stack.pop()


def shapes(svg_html: str) -> dict[str, int]:
    p = _Shapes()
    p.feed(svg_html)
    return p.counts


DRAWN = "[...document.querySelectorAll('.chart[data-spec]')].every(e => e.dataset.state === 'drawn')"


@pytest.mark.slow
def test_browser_draws_the_figures_and_the_slider_redraws_the_map(server, catalog, tmp_path_factory):
    from places.atlas import counties_topology

    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    downloads = tmp_path_factory.mktemp("downloads")
    ids = {g["id"] for g in counties_topology()["objects"]["counties"]["geometries"]}
    try:
        browser = Browser()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    with browser as b:
        s = b.open(server + "/program")
        b.wait_for(s, DRAWN)
        svg = {i: b.js(s, f"document.querySelector('#{i} svg').outerHTML") for i in ("growth", "map", "states")}
        growth = shapes(svg["growth"])
        assert growth.get("concat_0_marks") == 3  # one area per model
        latest = json.loads(get(server, "/api/v1/ledger/counts?by=county")[2])
        drawn_counties = sum(r["fips"] in ids for r in latest["rows"])
        assert drawn_counties > 500 and shapes(svg["map"])["choropleth_marks"] == drawn_counties
        assert "4 boundaries: 2, 3, 5, 10" in svg["map"]
        bars = shapes(svg["states"])["concat_0_marks"]
        assert bars == 20 * 3  # the top 20 states, one bar per model
        assert f"as of {latest['as_of']}" in svg["map"]
        b.screenshot(s, str(shots / "program.png"))
        # the download buttons save the drawn figures: a real SVG and a real PNG
        b.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        b.js(s, "document.querySelector('button[data-chart=map][data-format=svg]').click();"
                "document.querySelector('button[data-chart=growth][data-format=png]').click()")
        deadline = time.monotonic() + 30
        while not ((downloads / "map.svg").exists() and (downloads / "growth.png").exists()):
            assert time.monotonic() < deadline, list(downloads.iterdir())
            time.sleep(0.1)
        root = ET.parse(downloads / "map.svg").getroot()
        assert sum(1 for _ in root.iter("{http://www.w3.org/2000/svg}path")) > drawn_counties
        with Image.open(downloads / "growth.png") as im:
            im.load()
            assert im.format == "PNG" and im.width > 1000
        # the slider: the first snapshot date, per capita
        first = b.js(s, "JSON.parse(document.getElementById('map-date').dataset.dates)[0]")
        b.js(s, "document.querySelector('input[value=per_100k]').checked = true;"
                "const r = document.getElementById('map-date'); r.value = 0;"
                "r.dispatchEvent(new Event('input', {bubbles: true}))")
        b.wait_for(s, f"document.querySelector('#map svg') && document.querySelector('#map svg').outerHTML"
                      f".includes('as of {first}') && document.getElementById('map').dataset.state === 'drawn'")
        old = json.loads(get(server, f"/api/v1/ledger/counts?as_of={first}&by=county")[2])
        svg_old = b.js(s, "document.querySelector('#map svg').outerHTML")
        assert shapes(svg_old)["choropleth_marks"] == sum(r["fips"] in ids for r in old["rows"]) < drawn_counties
        assert "Agreements per 100,000" in svg_old
        assert b.js(s, "document.getElementById('map-csv').href").endswith(f"as_of={first}&by=county&format=csv")
        s2 = b.open(server + "/changes?view=cancelled&since=2025-12-08")
        b.screenshot(s2, str(shots / "cancelled.png"))
    for name in ("program.png", "cancelled.png"):
        with Image.open(shots / name) as im:
            im.load()
            assert im.format == "PNG" and im.width == 1280 and im.height > 600
