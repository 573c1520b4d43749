"""`moa ledger timeline|plot|cancelled` and `moa ledger counts --by county|state|agreement`: the program over time,
by place and per capita, as data (text, --json, --csv) and as figures (SVG/PNG, drawn offline)."""

from __future__ import annotations

import argparse
from pathlib import Path

from moa import charts
from moa.catalog import connect
from moa.errors import UserError
from places import atlas, census

from . import ledger_series as series
from .ledger_query import counts_as_of


def _latest_date(conn) -> str:
    dates = series.snapshot_dates(conn)
    if not dates:
        raise UserError("the ledger has no participating snapshot: run moa ledger import first")
    return dates[-1]


def cmd_timeline(args: argparse.Namespace) -> dict:
    t = series.timeline(connect(args.data), by=args.by)
    if args.weeks:  # the weekly table as the result's rows (what --csv prints)
        return {"list": t["list"], "first": t["first"], "last": t["last"], "rows": t["weeks"]}
    return t


def _render_timeline(r: dict) -> str:
    if "points" not in r:
        return "\n".join([f"agreements added, removed and changed on ICE's {r['list']} list per week (from Monday)"]
                         + [f"  {w['week']}  +{w['added']:<4} -{w['removed']:<4} ~{w['changed']}" for w in r["rows"]])
    if not r["points"]:
        return "the ledger has no participating snapshot"
    lines = [f"agreements on ICE's {r['list']} list, {r['first']} to {r['last']} ({len(r['points'])} snapshot dates)"]
    for p in r["points"]:
        split = p["by_model"] if r["by"] == "model" else dict(sorted(p["by_state"].items(), key=lambda kv: -kv[1])[:5])
        lines.append(f"  {p['date']}  {p['agreements']:>5}  " + ", ".join(f"{k} {v}" for k, v in split.items()))
    recent = r["weeks"][-8:]
    if recent:
        lines.append("per week (last 8 with events): " + "; ".join(
            f"{w['week']} +{w['added']} -{w['removed']} ~{w['changed']}" for w in recent))
    return "\n".join(lines)


def cmd_counts(args: argparse.Namespace) -> dict:
    if not args.by:
        return counts_as_of(connect(args.data), args.as_of)
    return series.counts_by_place(connect(args.data), args.as_of, census.load(args.census), args.by)


def _render_places(r: dict) -> str:
    if r["snapshot"] is None:
        return f"as of {r['as_of']}: no participating snapshot published on or before that date"
    c = r["coverage"]
    n = r["agreements"] or 1
    lines = [f"as of {r['as_of']} ({r['snapshot']['source']}): {r['agreements']} agreements; FIPS for {c['fips']} "
             f"({c['fips'] / n:.1%}), population for {c['population']} ({c['population'] / n:.1%})"
             + (f"; {c['statewide']} statewide" if "statewide" in c else ""),
             f"per capita divides by the {r['census']['label']}"]
    if r["by"] == "agreement":
        lines += [f"  {a['fips'] or '-':<5}  {a['state']} {a['agency']} ({a['model']})  {a['how']}" for a in r["rows"]]
    else:
        lines.append(f"  {'fips':<5}  {'name':<32} {'agreements':>10} {'population':>11} {'per 100k':>9}")
        for row in r["rows"][:40]:
            per = f"{row['per_100k']:.2f}" if row["per_100k"] is not None else "-"
            lines.append(f"  {row['fips']:<5}  {(row['name'] or '') + ', ' + (row['state'] or ''):<32} "
                         f"{row['agreements']:>10} {row['population'] or 0:>11,} {per:>9}")
        if len(r["rows"]) > 40:
            lines.append(f"  … {len(r['rows']) - 40} more (--json or --csv for all)")
    if r["unmatched"]:
        lines.append(f"not placed ({len(r['unmatched'])}):")
        lines += [f"  {u['state']} {u['agency']} ({u['model']}): {u['reason']}" for u in r["unmatched"]]
    return "\n".join(lines)


def _render_counts(r: dict) -> str:
    if "by" in r:
        return _render_places(r)
    from .ledger_cli import _render_counts as plain

    return plain(r)


def cmd_plot(args: argparse.Namespace) -> dict:
    conn = connect(args.data)
    out = Path(args.output)
    if out.suffix.lower() not in (".svg", ".png"):
        raise UserError(f"-o {out.name}: the figure is written as .svg or .png")
    as_of = args.as_of or _latest_date(conn)
    if args.kind == "growth":
        t = series.timeline(conn, by=args.by)
        if not t["points"]:
            raise UserError("the ledger has no participating snapshot: run moa ledger import first")
        spec = charts.growth_spec({"values": t["rows"]}, t["points"][-1]["snapshot"], t["first"], t["last"],
                                  by=args.by, groups=t["groups"])
        snapshot = t["points"][-1]["snapshot"]
    else:
        est = census.load(args.census)
        r = series.counts_by_place(conn, as_of, est, "state" if args.kind == "states" else "county")
        if r["snapshot"] is None:
            raise UserError(f"no participating snapshot published on or before {as_of}")
        snapshot = r["snapshot"]["source"]
        if args.kind == "states":
            spec = charts.states_spec({"values": r["rows"]}, as_of, snapshot, est.label)
        else:
            spec = charts.map_spec({"values": r["rows"]}, {"values": atlas.counties_topology()}, as_of, snapshot,
                                   est.label, measure=args.measure, statewide=r["coverage"]["statewide"])
    size = charts.render(spec, out)
    return {"kind": args.kind, "file": str(out), "bytes": size, "as_of": None if args.kind == "growth" else as_of,
            "snapshot": snapshot}


def cmd_cancelled(args: argparse.Namespace) -> dict:
    return series.cancelled_since(connect(args.data), args.since, args.until)


def _render_cancelled(r: dict) -> str:
    if r["before"] is None:
        return f"no participating snapshot published on or before {r['since']}"
    lines = [f"{r['total']} agreements on the list as of {r['since']} ({r['before']['source']}) are not on it as of "
             f"{r['until']} ({r['after']['source']}): " + ", ".join(f"{k} {v}" for k, v in r["by_model"].items())]
    lines += [f"  {x['removed_published'] or '?':<25} {x['state']} {x['agency']} ({x['model']})"
              f"  removed in {x['removed_in'] or '?'}, last on {x['last_seen']}" for x in r["rows"]]
    return "\n".join(lines)


def register(lsub, parent) -> None:
    """Add `timeline`, `plot`, `cancelled` to `moa ledger`, and `--by`/`--census` to its `counts`."""
    cnt = lsub.choices["counts"]
    cnt.add_argument("--by", choices=("county", "state", "agreement"),
                     help="counts by county or state with FIPS, population and agreements per 100,000 residents")
    cnt.add_argument("--census", metavar="FILE", help="Census county estimates (default: $MOA_CENSUS, else "
                                                      "../shared/census/co-estYYYY-alldata.csv)")
    cnt.set_defaults(func=cmd_counts, render=_render_counts)

    tl = lsub.add_parser("timeline", parents=[parent], help="agreements on the list at every snapshot date")
    tl.add_argument("--by", choices=("model", "state"), default="model")
    tl.add_argument("--weeks", action="store_true", help="agreements added, removed, changed per week instead")
    tl.set_defaults(func=cmd_timeline, render=_render_timeline)

    pl = lsub.add_parser("plot", parents=[parent], help="a figure as SVG or PNG: growth, states or county map")
    pl.add_argument("--kind", choices=("growth", "states", "map"), required=True)
    pl.add_argument("--as-of", metavar="DATE", help="YYYY-MM-DD for states and map (default: the newest list)")
    pl.add_argument("--by", choices=("model", "state"), default="model", help="growth: split by model or state")
    pl.add_argument("--measure", choices=("agreements", "per_100k"), default="agreements",
                    help="map: agreements, or agreements per 100,000 residents")
    pl.add_argument("--census", metavar="FILE", help="Census county estimates (as for counts)")
    pl.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.svg or FILE.png")
    pl.set_defaults(func=cmd_plot, render=lambda r: f"wrote {r['file']} ({r['bytes']:,} bytes)")

    cn = lsub.add_parser("cancelled", parents=[parent],
                         help="agreements on the list at a date that are no longer on it")
    cn.add_argument("--since", required=True, metavar="DATE", help="YYYY-MM-DD: the list as of this date")
    cn.add_argument("--until", metavar="DATE", help="YYYY-MM-DD (default: the newest list)")
    cn.set_defaults(func=cmd_cancelled, render=_render_cancelled)
