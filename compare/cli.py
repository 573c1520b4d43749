"""`moa compare`: variants of one clause, two agreements side by side, the deviation report, every key."""

from __future__ import annotations

import argparse
import textwrap

from moa.catalog import connect
from moa.errors import UserError

from .comparison import compare_all, compare_pair, compare_section, load_record, load_records, page_reader
from .deviation import deviation_report


def register(sub, parent) -> None:
    """Add `moa compare` to `moa`."""
    p = sub.add_parser("compare", parents=[parent], help="compare clauses across agreements",
                       description="Group every agreement's version of a clause into variants, show the standard "
                                   "text and a redline for each deviating agreement; or compare two agreements "
                                   "clause by clause (moa compare A B).")
    p.add_argument("docs", nargs="*", metavar="DOC", help="two agreements (sha256, prefix or file name)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--section", metavar="KEY", help="clause key to compare (a section or subsection key)")
    what.add_argument("--report", action="store_true", help="deviation report: every agreement, ranked")
    what.add_argument("--all", action="store_true", help="variant counts for every clause key")
    p.add_argument("--model", choices=["JEM", "WSO", "TFM", "jem", "wso", "tfm"], help="only this model")
    p.add_argument("--revision", metavar="DATE", help="only this template revision")
    p.add_argument("--full", action="store_true", help="print whole redlines, not just the changes in context")
    p.add_argument("--no-reread", dest="reread", action="store_false",
                   help="never OCR a page again: judge poor scans by their stored reading alone (by default a "
                        "scan's clause that differs from its standard is read again by other OCR, cached)")
    p.add_argument("--jobs", type=int, default=2, help="OCR worker processes for those readings (default 2)")
    p.set_defaults(func=run, render=render)


def run(args: argparse.Namespace) -> dict:
    conn = connect(args.data, readonly=True)
    try:
        if args.docs:
            if len(args.docs) != 2 or args.section or args.report or args.all:
                raise UserError("give exactly two agreements (moa compare A B), or one of --section/--report/--all")
            result = compare_pair(load_record(conn, args.docs[0]), load_record(conn, args.docs[1]))
            result["kind"] = "pair"
            return result
        if not (args.section or args.report or args.all):
            raise UserError("say what to compare: --section KEY, --report, --all, or two agreements A B")
        records = load_records(conn, args.model, args.revision)
        if not records:
            raise UserError("no extracted agreements match; run `moa extract` first or loosen --model/--revision")
        if args.jobs < 1:
            raise UserError("--jobs must be at least 1")
        reader = page_reader(conn, jobs=args.jobs) if args.reread else None
        if args.all:
            result = compare_all(records, reader=reader)
            result["kind"] = "all"
        elif args.report:
            result = deviation_report(records, reader=reader)
            result["kind"] = "report"
        else:
            result = compare_section(records, args.section, reader=reader)
            if not result["agreements"]:
                raise UserError(f"no agreement has a clause with key {args.section!r}; `moa compare --all` lists keys")
            result["kind"] = "section"
        result.update(model=args.model, revision=args.revision)
        result["full"] = bool(args.full)
        return result
    finally:
        conn.close()


def _who(d: dict) -> str:
    agency = d.get("agency") or d.get("file") or d.get("sha256", "")[:12]
    state = f" ({d['state']})" if d.get("state") else ""
    return f"{agency}{state}"


def _where(d: dict) -> str:
    sec = d.get("section") if isinstance(d.get("section"), dict) else {"number": d.get("number"), "title": d.get("title")}
    num = sec.get("number") or "?"
    page = f", p. {d['page']}" if d.get("page") else ""
    return f"§ {num} {sec.get('title') or ''}{page}".rstrip()


def render(result: dict) -> str:
    kind = result.get("kind")
    if kind == "all":
        lines = [f"{result['records']} agreements; variants per clause key:",
                 f"{'section key':<52} {'agreements':>10} {'forms':>6} {'variants':>8} {'largest':>8} {'deviating':>9} "
                 f"{'of them poor scans':>18} {'ocr-uncertain':>13}"]
        for r in result["rows"]:
            lines.append(f"{r['section'][:52]:<52} {r['agreements']:>10} {r['forms']:>6} {r['variants']:>8} "
                         f"{r['largest_variant']:>8} {r['deviating']:>9} {r['deviating_low_quality']:>18} "
                         f"{r['ocr_uncertain']:>13}")
        t = result["totals"]
        lines.append(f"{t['keys']} clause keys: {t['variants']} variants; {t['deviating']} clauses deviate from their "
                     f"standard, {t['deviating_low_quality']} of them read from poor scans (check their pages); "
                     f"{t['ocr_uncertain']} joined a variant as ocr-uncertain")
        return "\n".join(lines)
    if kind == "report":
        lines = [f"Deviation report: {result['agreements']} agreements, most deviant first"]
        for r in result["rows"]:
            if not (r["clauses_deviating"] or r["missing"] or r["added"]):
                continue
            lines.append(f"{r['rank']:>3}. {_who(r)} — {r['model'] or '?'} rev {r['template_revision'] or '?'}, "
                         f"signed {r['date_signed'] or 'n.d.'}: {r['changed_words']} words changed in "
                         f"{r['clauses_deviating'] - r['clauses_rewritten']} clause(s)"
                         + (f"; {r['clauses_rewritten']} clause(s) differ in extent" if r["clauses_rewritten"] else ""))
            for c in r["clauses"]:
                what = "words" if c["kind"] == "wording" else "words: differs in extent (other text or boundary)"
                lines.append(f"       {c['section']} (p. {c['page'] or '?'}): {c['changed_words']} {what}, "
                             f"variant {c['variant']} vs standard {c['standard_variant']}")
            if r["missing"]:
                lines.append(f"       missing: {', '.join(r['missing'])}")
            if r["added"]:
                lines.append(f"       added: {', '.join(r['added'])}")
        conforming = sum(1 for r in result["rows"] if not (r["clauses_deviating"] or r["missing"] or r["added"]))
        lines.append(f"{conforming} agreement(s) follow their template in every clause.")
        return "\n".join(lines)
    if kind == "pair":
        a, b = result["a"], result["b"]
        lines = [f"A: {a['agency'] or a['file']} — {a['model']} rev {a['template_revision']}, signed {a['date_signed']}",
                 f"B: {b['agency'] or b['file']} — {b['model']} rev {b['template_revision']}, signed {b['date_signed']}", ""]
        for r in result["rows"]:
            if r["status"] in ("only_a", "only_b"):
                lines.append(f"== {r['section']}: only in {'A' if r['status'] == 'only_a' else 'B'}")
                continue
            lines.append(f"== {r['section']}: {r['status']}"
                         + (f" ({r['changed_words']} words)" if r["status"] == "differs" else ""))
            if r["status"] == "differs":
                lines.append(r["side_by_side"])
            lines.append("")
        return "\n".join(lines)
    # one section
    full = result.get("full")
    lines = [f"{result['section']}: {result['agreements']} agreements, {len(result['variants'])} variant(s) "
             f"({result['forms']} distinct normalized forms)"]
    for s in result["standards"]:
        lines.append(f"\nStandard for {s['model']} rev {s['template_revision']}: variant {s['variant']}, "
                     f"{s['on_standard']} of {s['agreements']} agreements")
        lines.extend(textwrap.wrap(s["text"], 100, initial_indent="  ", subsequent_indent="  "))
    for v in result["variants"]:
        names = ", ".join(_who(m) for m in v["members"][:6]) + (" …" if len(v["members"]) > 6 else "")
        unsure = f", {v['ocr_uncertain']} ocr-uncertain" if v.get("ocr_uncertain") else ""
        lines.append(f"variant {v['variant']}{' (standard)' if v['standard'] else ''}: "
                     f"{v['agreements']} agreement(s){unsure}: {names}")
    if result["deviations"]:
        lines.append("\nDeviations from the standard (word-level redline: [-standard-]{+this agreement+}):")
    for d in result["deviations"]:
        extent = ", differs in extent" if d.get("kind") == "extent" else ""
        extent += ", read from low-quality pages" if d.get("low_quality") else ""
        lines.append(f"\n* {_who(d)} — signed {d['date_signed'] or 'n.d.'} — {_where(d)} — "
                     f"{d['changed_words']} words changed (variant {d['variant']}{extent})")
        text = d["redline"] if full else d["redline_brief"]
        lines.extend(textwrap.wrap(text, 100, initial_indent="  ", subsequent_indent="  "))
    return "\n".join(lines)
