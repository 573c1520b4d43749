"""The program at a glance, on real snapshots: the timeline agrees with `counts --as-of`, agencies are placed in
counties (FIPS) with the Census's populations, cancellations since a date, and the figures `moa ledger plot`
writes, read back with real parsers (ElementTree for SVG, Pillow for PNG)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from harvest import ledger
from harvest.ledger_series import cancelled_since, counts_by_place, timeline
from moa.catalog import connect
from moa.errors import UserError
from places import census
from places.agencies import place_agency

ROOT = Path(__file__).resolve().parent.parent
SHEETS = [
    "participatingAgencies06052025pm.xlsx", "participatingAgencies06062025am.xlsx",
    "participatingAgencies07032025pm.xlsx", "participatingAgencies07072025am.xlsx",
    "participatingAgencies07072025pm.xlsx", "participatingAgencies07082025pm.xlsx",
    "participatingAgencies12082025mid.xlsx", "participatingAgencies12092025pm.xlsx",
    "participatingAgencies03062026pm.xlsx", "participatingAgencies03092026am.xlsx",
    "participatingAgencies03112026am.xlsx",
]
DATES = ["2025-06-06", "2025-07-07", "2026-03-10"]


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory):
    data = tmp_path_factory.mktemp("program")
    conn = connect(data)
    for name in SHEETS:
        ledger.import_snapshot(conn, (corpus / "sheets" / "ice" / name).read_bytes(), name, rebuild_after=False)
    ledger.rebuild(conn)
    return conn, data


@pytest.fixture(scope="module")
def estimates():
    try:
        return census.load()
    except UserError as e:  # the shared census folder is beside the checkout, not in it
        pytest.skip(f"Census estimates not found: {e}")


def moa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "moa", *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)


def point_at(tl: dict, day: str) -> dict:
    return [p for p in tl["points"] if p["date"] <= day][-1]


def test_timeline_agrees_with_counts_as_of(built):
    conn, _ = built
    tl = timeline(conn)
    assert [p["date"] for p in tl["points"]] == sorted({p["date"] for p in tl["points"]})
    for p in tl["points"] + [point_at(tl, d) | {"date": d} for d in DATES]:
        want = ledger.counts_as_of(conn, p["date"])
        assert (p["agreements"], p["by_model"], p["by_state"]) == (want["agreements"], want["by_model"],
                                                                    want["by_state"]), p["date"]
    # a point stands until the day before the next snapshot date
    for a, b in zip(tl["points"], tl["points"][1:], strict=False):
        assert a["until"] < b["date"] and a["until"] >= a["date"]
    # long rows (one per date and model) sum to the point's total
    sums: dict[str, int] = {}
    for r in tl["rows"]:
        sums[r["date"]] = sums.get(r["date"], 0) + r["agreements"]
    assert sums == {p["date"]: p["agreements"] for p in tl["points"]}
    weeks = tl["weeks"]
    events = ledger.events_since(conn, kind="participating")["totals"]
    assert sum(w["added"] for w in weeks) == events["added"] and sum(w["removed"] for w in weeks) == events["removed"]


def test_timeline_by_state_and_csv(built):
    _, data = built
    r = moa("ledger", "timeline", "--by", "state", "--json", "--data", str(data))
    assert r.returncode == 0, r.stderr
    tl = json.loads(r.stdout)
    assert tl["by"] == "state" and "FL" in tl["groups"]
    r = moa("ledger", "timeline", "--csv", "--data", str(data))
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert set(rows[0]) == {"date", "snapshot", "model", "agreements", "total"}
    assert {x["model"] for x in rows} == {"JEM", "WSO", "TFM"}
    r = moa("ledger", "timeline", "--weeks", "--csv", "--data", str(data))
    weeks = list(csv.DictReader(io.StringIO(r.stdout)))
    assert weeks and set(weeks[0]) == {"week", "added", "removed", "changed"}
    assert weeks == [{k: str(v) for k, v in w.items()} for w in tl["weeks"]]


def test_agencies_are_placed_from_the_sheet_or_the_name():
    assert place_agency("FL", "Tavares Police Department", "Municipality", "#N/A").fips == "12069"  # Lake
    assert place_agency("AL", "Camp Hill Police Department", "Municipality", "Tallapoosa County").fips == "01123"
    assert place_agency("FL", "Florida Highway Patrol", "State Agency", None).fips == "12"
    misspelled = place_agency("MI", "Berrian County Sheriff's Office", "County", "Berrian County")
    assert misspelled.fips == "26021" and "misspelled" in misspelled.how
    assert place_agency("VA", "Richmond Police Department", "Municipality", None).fips == "51760"
    uni = place_agency("FL", "University of Florida Police Department", "Municipality", "#N/A")
    assert uni.fips is None and "university" in uni.how
    several = place_agency("VA", "Some Regional Jail", "County", "Rappahannock, Shenandoah, Warren")
    assert several.fips is None and "several counties" in several.how


def test_census_is_read_by_fips(estimates):
    raw = (census.default_dir() / "co-est2019-alldata.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    lake = next(r for r in rows if r["STNAME"] == "Florida" and r["CTYNAME"] == "Lake County")
    assert estimates.population("12069") == int(lake["POPESTIMATE2019"])
    assert estimates.vintage == 2019 and "Vintage 2019" in estimates.label
    assert estimates.name("35013").endswith("Ana County")  # the mangled Doña Ana: joined on FIPS, not the name
    assert len(estimates.counties) > 3100 and len(estimates.states) == 51


def test_counts_by_county_place_98_percent(built, estimates):
    conn, _ = built
    r = counts_by_place(conn, "2026-03-10", estimates, "county")
    plain = ledger.counts_as_of(conn, "2026-03-10")
    assert r["agreements"] == plain["agreements"]
    assert r["coverage"]["fips_share"] >= 0.98 and r["coverage"]["population_share"] >= 0.98
    assert len(r["unmatched"]) == r["agreements"] - r["coverage"]["population"]
    assert all(u["reason"] for u in r["unmatched"])
    assert sum(x["agreements"] for x in r["rows"]) == r["coverage"]["county"]
    for row in r["rows"]:
        assert len(row["fips"]) == 5 and row["per_100k"] == round(row["agreements"] * 1e5 / row["population"], 2)
    by_state = counts_by_place(conn, "2026-03-10", estimates, "state")
    assert {x["state"]: x["agreements"] for x in by_state["rows"]} == plain["by_state"]
    fl = next(x for x in by_state["rows"] if x["state"] == "FL")
    assert fl["population"] == estimates.population("12") and fl["per_100k"] == round(fl["agreements"] * 1e5
                                                                                        / fl["population"], 2)
    assert by_state["census"]["vintage"] == 2019


def test_cancelled_since_is_the_set_difference(built):
    conn, _ = built
    r = cancelled_since(conn, "2025-12-08", "2026-03-10")
    before = {(x["state"], x["agency"], x["model"]) for x in ledger.current_agreements(conn, "2025-12-08")}
    after = {(x["state"], x["agency"], x["model"]) for x in ledger.current_agreements(conn, "2026-03-10")}
    assert r["total"] == len(r["rows"]) > 0
    assert {(x["state"], x["agency"], x["model"]) for x in r["rows"]} <= before - after
    assert all(x["removed_in"] and x["previous"] for x in r["rows"])


def test_plot_writes_real_figures(built, estimates, tmp_path):
    _, data = built
    svg = tmp_path / "map.svg"
    r = moa("ledger", "plot", "--kind", "map", "--as-of", "2026-03-10", "-o", str(svg), "--data", str(data))
    assert r.returncode == 0, r.stderr
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    text = " ".join(" ".join(t.itertext()) for t in root.iter(f"{ns}text"))
    assert "Counties with 287(g) agreements, as of 2026-03-10" in text and "via moa" in text
    assert "Vintage 2019" in text
    paths = list(root.iter(f"{ns}path"))
    counties = counts_by_place(connect(data), "2026-03-10", estimates, "county")["rows"]
    assert len(paths) >= len(counties) > 500  # one shape per county with agreements, plus the base map
    png = tmp_path / "growth.png"
    r = moa("ledger", "plot", "--kind", "growth", "-o", str(png), "--data", str(data), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["bytes"] == png.stat().st_size
    with Image.open(png) as im:
        im.load()
        assert im.format == "PNG" and im.width > 1000 and im.height > 500
        assert len(im.getcolors(1 << 20) or []) > 50  # drawn, not blank


def test_user_mistakes_exit_2(built, tmp_path):
    _, data = built
    r = moa("ledger", "plot", "--kind", "map", "-o", str(tmp_path / "map.pdf"), "--data", str(data))
    assert r.returncode == 2 and "svg or .png" in r.stderr
    r = moa("ledger", "counts", "--as-of", "2026-03-10", "--by", "county", "--census", str(tmp_path / "no.csv"),
            "--data", str(data))
    assert r.returncode == 2 and "Census county estimates not found" in r.stderr
    r = moa("ledger", "counts", "--as-of", "March 10", "--by", "county", "--data", str(data))
    assert r.returncode == 2
