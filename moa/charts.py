"""The program's figures as Vega-Lite specifications, one source for the files `moa ledger plot` writes (rendered
offline by vl-convert-python) and the charts `moa serve` draws in the page (vega-embed, served by moa itself).

Each builder takes the `data` block to draw from: `{"values": rows}` for a file, or a URL of the JSON a command
prints (`{"url": …, "format": {"property": "rows"}}`) for the page; the county map also takes where its geometry
is (the us-atlas TopoJSON, inline or by URL). Every figure carries its title, axis titles and the source line.
"""

from __future__ import annotations

from pathlib import Path

from .atomic import write_bytes
from .errors import UserError

VL_VERSION = "6.4"      # the Vega-Lite vl-convert renders files with; vendor/package.json pins the same for pages
MODEL_COLORS = {"JEM": "#4c78a8", "WSO": "#f58518", "TFM": "#54a24b"}
MODEL_NAMES = {"JEM": "Jail Enforcement Model", "WSO": "Warrant Service Officer", "TFM": "Task Force Model"}
WIDTH = 720
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
CONFIG = {"font": FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 12},
          "title": {"fontSize": 16, "subtitleFontSize": 12, "anchor": "start", "subtitleColor": "#555"},
          "legend": {"labelFontSize": 11, "titleFontSize": 12}}


def source_line(snapshot: str | None, extra: str | None = None) -> str:
    text = f"Source: ICE 287(g) participating agencies, snapshot of {snapshot or 'n/a'}, via moa"
    return text + (f". {extra}" if extra else "")


def _lines(text: str, width: int = 120) -> list[str]:
    out: list[str] = []
    for word in text.split(" "):
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def _with_source(chart: dict, source: str, width: int = WIDTH) -> dict:
    """The chart above its small print (Vega-Lite has no caption: a text mark in a vconcat)."""
    lines = _lines(source)
    foot = {"width": width, "height": 13 * len(lines), "data": {"values": [{"text": lines}]},
            "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 10, "color": "#555",
                     "x": 0, "y": 0},
            "encoding": {"text": {"field": "text"}}}
    title = chart.pop("title")
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "title": title, "config": CONFIG,
            "vconcat": [chart, foot], "spacing": 8, "background": "white", "padding": 12}


def growth_spec(data: dict, snapshot: str | None, first: str | None, last: str | None, by: str = "model",
                groups: list[str] | None = None) -> dict:
    """Agreements on ICE's participating list at each snapshot date, stacked by model (or state)."""
    field = by
    color: dict = {"field": field, "type": "nominal", "title": "Model" if by == "model" else "State",
                   "legend": {"orient": "top-left", "direction": "vertical"}}
    if by == "model":
        order = groups or list(MODEL_COLORS)
        color["scale"] = {"domain": order, "range": [MODEL_COLORS.get(g, "#999") for g in order]}
        color["sort"] = order
        color["legend"]["labelExpr"] = ("datum.label == 'JEM' ? 'JEM: jail enforcement' : datum.label == 'WSO'"
                                        " ? 'WSO: warrant service officer' : datum.label == 'TFM'"
                                        " ? 'TFM: task force' : datum.label")
    chart = {
        "title": {"text": "287(g) agreements on ICE's participating list",
                  "subtitle": f"Agreements listed at each published snapshot, {first} to {last}, by {by}"},
        "width": WIDTH, "height": 320, "data": data,
        "mark": {"type": "area", "interpolate": "step-after", "opacity": 0.9},
        "encoding": {
            "x": {"field": "date", "type": "temporal", "title": "Snapshot date (US Eastern)",
                  "axis": {"format": "%b %Y", "labelAngle": 0, "tickCount": 8}},
            "y": {"field": "agreements", "type": "quantitative", "stack": "zero",
                  "title": "Agreements on the list"},
            "color": color,
            "order": {"field": "order", "type": "quantitative"} if False else {"field": field},
            "tooltip": [{"field": "date", "type": "temporal", "title": "as of"},
                        {"field": field, "title": by}, {"field": "agreements", "title": "agreements"},
                        {"field": "total", "title": "all models"}],
        },
    }
    return _with_source(chart, source_line(snapshot, "A point stands until the next snapshot."))


def states_spec(data: dict, as_of: str, snapshot: str | None, census_label: str | None = None,
                top: int = 20) -> dict:
    """The states with most agreements as of a date, bars split by model, per-capita in the tooltip."""
    chart = {
        "title": {"text": f"287(g) agreements by state, as of {as_of}",
                  "subtitle": f"The {top} states with most agreements on ICE's participating list, by model"},
        "width": WIDTH, "height": {"step": 18}, "data": data,
        "transform": [
            {"window": [{"op": "row_number", "as": "rank"}],
             "sort": [{"field": "agreements", "order": "descending"}, {"field": "state", "order": "ascending"}]},
            {"filter": f"datum.rank <= {top}"},
            {"fold": list(MODEL_COLORS), "as": ["model", "count"]},
        ],
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "state", "type": "nominal", "title": "State",
                  "sort": {"field": "agreements", "order": "descending"}},
            "x": {"field": "count", "type": "quantitative", "title": "Agreements", "stack": "zero"},
            "color": {"field": "model", "type": "nominal", "title": "Model",
                      "scale": {"domain": list(MODEL_COLORS), "range": list(MODEL_COLORS.values())},
                      "legend": {"orient": "top", "direction": "horizontal"}},
            "tooltip": [{"field": "name", "title": "state"}, {"field": "model"}, {"field": "count", "title": "of model"},
                        {"field": "agreements", "title": "all models"},
                        {"field": "per_100k", "title": "per 100,000 residents"},
                        {"field": "population", "title": "population", "format": ","}],
        },
    }
    extra = f"Population: {census_label}." if census_label else None
    return _with_source(chart, source_line(snapshot, extra))


def map_spec(data: dict, atlas: dict, as_of: str, snapshot: str | None, census_label: str,
             measure: str = "agreements", statewide: int = 0) -> dict:
    """Counties coloured by agreements (or agreements per 100,000 residents) as of a date, Alaska and Hawaii
    inset as usual (albersUsa). `atlas` is the data block of us-atlas's counties-10m TopoJSON, without format
    (`{"url": …}` in a page, `{"values": topology}` for a file: vl-convert then needs no network)."""
    if measure not in ("agreements", "per_100k"):
        raise UserError(f"--measure must be agreements or per_100k, got {measure!r}")
    counties = {**atlas, "format": {"type": "topojson", "feature": "counties"}}
    states = {**atlas, "format": {"type": "topojson", "mesh": "states"}}
    nation = {**atlas, "format": {"type": "topojson", "feature": "nation"}}
    legend_title = "Agreements" if measure == "agreements" else "Per 100,000 residents"
    scale = ({"type": "threshold", "domain": [2, 3, 5, 10], "scheme": {"name": "oranges", "count": 5}}
             if measure == "agreements" else
             {"type": "threshold", "domain": [1, 2.5, 5, 10, 25], "scheme": {"name": "oranges", "count": 6}})
    chart = {
        "title": {"text": f"Counties with 287(g) agreements, as of {as_of}",
                  "subtitle": (("Agreements of agencies in each county" if measure == "agreements" else
                                "Agreements per 100,000 residents of the county")
                               + (f"; {statewide} statewide agreements of state agencies not shown"
                                  if statewide else ""))},
        "width": WIDTH, "height": 440,
        "projection": {"type": "albersUsa"},
        "layer": [
            {"data": nation, "mark": {"type": "geoshape", "fill": "#f2f2f2", "stroke": None}},
            {"data": data, "name": "choropleth",
             "transform": [{"lookup": "fips", "from": {"data": counties, "key": "id"}, "as": "geo"},
                           {"filter": "datum.geo != null"}],
             "mark": {"type": "geoshape", "stroke": "#fff", "strokeWidth": 0.2},
             "encoding": {
                 "shape": {"field": "geo", "type": "geojson"},
                 "color": {"field": measure, "type": "quantitative", "title": legend_title, "scale": scale,
                           "legend": {"orient": "right", "direction": "vertical"}},
                 "tooltip": [{"field": "name", "title": "county"}, {"field": "state"},
                             {"field": "agreements"}, {"field": "per_100k", "title": "per 100,000"},
                             {"field": "population", "format": ","}]}},
            {"data": states, "mark": {"type": "geoshape", "filled": False, "stroke": "#888", "strokeWidth": 0.5}},
        ],
    }
    spec = _with_source(chart, source_line(snapshot, f"Population: {census_label}. Geometry: us-atlas (Census "
                                                     "Bureau cartographic boundaries)."))
    return spec


def render(spec: dict, path: Path, scale: float = 2.0) -> int:
    """Write the figure to an .svg or .png file (offline, vl-convert); returns its size in bytes."""
    import vl_convert as vlc

    suffix = path.suffix.lower()
    if suffix == ".svg":
        data = vlc.vegalite_to_svg(spec, vl_version=VL_VERSION).encode("utf-8")
    elif suffix == ".png":
        data = vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=scale)
    else:
        raise UserError(f"cannot write {path.name}: the figure is written as .svg or .png")
    write_bytes(path, data)
    path.chmod(0o644)  # a figure to share, not a private temporary file
    return len(data)
