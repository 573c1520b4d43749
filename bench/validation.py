"""Extraction measured on MOAs no rule was tuned on, against ICE's own listing of each (weak labels, free).

The set: `../shared/validation/moa` (55 signed MOAs, all three models; `--validation DIR` for another).
Each file is extracted into a data directory of its own (`--data DIR`, else `$MOA_VALIDATION_DATA`, else
`~/.cache/moa/validation`, i.e. `$XDG_CACHE_HOME/moa/validation`), never the main catalog: the first run
imports ICE's sheets (`../shared/corpus/sheets/ice`) into its ledger and OCRs the scans (cached under
`<data>/cache/ocr`), later runs only recompute the fields from the stored pages with the code as it is now,
so a rule change is measured without bumping `extract.fields.VERSION`.

Every file finds ICE's listing by its file name (`agreements.listing.listing_for`, the ledger's
`listings_for_document`). Scored per field:
- model: equal to ICE's MODEL.
- state: given (of documents), right (of those given): equal to ICE's STATE.
- agency: given, and right by a fuzzy match against ICE's AGENCY (see `agency_match`): both names normalized
  (case, accents, punctuation, a trailing state, a leading "the"; "Co." = County, "Dept." = Department,
  "PD" = Police Department, "SO" = Sheriff's Office), then rapidfuzz's token_sort_ratio >= 90 on the whole
  name AND token_set_ratio >= 90 on its distinctive words (what is left without the generic agency vocabulary: "county",
  "sheriff's office", "police department", ...). The second test is what makes the match strict: two sheriff's
  offices of different counties score 80-90 on the whole name ("Monroe County Sheriff's Office" / "Martin
  County Sheriff's Office": 88), and the run prints, as the threshold's check, the highest score any
  extracted name reaches against another document's ICE name, next to the lowest one a right name gets.
  One more case counts as right: the same distinctive words and the same kind of agency, one name leaving out
  a generic word the other prints ("Pasco Sheriff's Office" for ICE's "Pasco County Sheriff's Office").
- signing date: our signed date (ICE's signature date, else the latest signatory date: `extracted_signed_date`)
  equal to ICE's SIGNED; or explained by the document: ICE's SIGNED is the date another signatory wrote
  (the LEA's), or ICE's SIGNED falls after every date the document gives (ICE signed or listed it later;
  counted apart, within 183 days, the longest gap between two parties' signatures in the labeled set); or a
  disagreement a person read on the page and found to be ICE's (`bench/validation_checked.tsv`, which holds
  only for the exact value it was written for).
- signatory names and dates: given, of the two parties of each document (ICE's listing names neither); names
  also given where the form prints one: a party signing a form with no Name line (the 2025 Task Force form's
  Date/Signature/Title) of whom no name was read elsewhere is left out, as the labeled set leaves out the names
  it marks unreadable (`bench.accuracy` prints the same two figures for the labeled set).

Run:  nice -n 10 python3 bench/validation.py [--data DIR] [--only SUBSTR] [--jobs 2] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from agreements.listing import extracted_signed_date, listing_for  # noqa: E402
from bench.accuracy import CatalogPages, by_template, norm_agency, print_by_template, template_of  # noqa: E402
from extract import pipeline  # noqa: E402
from extract.fields import extract_fields  # noqa: E402
from extract.sigocr import MAX_GAP_DAYS  # noqa: E402
from harvest import ledger  # noqa: E402
from harvest.sheets import SheetError  # noqa: E402
from moa.catalog import connect  # noqa: E402
from moa.config import shared_corpus  # noqa: E402

MATCH = 90  # token_sort_ratio, whole name and distinctive words (see the module doc and the printed check)
# ICE's SIGNED after every date the document gives, by at most the longest gap between two parties' signatures
# (extract.sigocr.MAX_GAP_DAYS, from the labeled set): ICE signed (or listed it) later than the dates we read.
LATER_DAYS = MAX_GAP_DAYS
_GENERIC = {
    "county", "sheriffs", "sheriff", "office", "police", "department", "of", "the", "and", "city", "town",
    "village", "public", "safety", "services", "service", "division", "bureau", "state", "jail", "detention",
    "center", "corrections", "correctional", "authority", "parish",
}


_KINDS = {"sheriffs", "sheriff", "police", "corrections", "correctional", "jail", "detention", "patrol", "safety"}


def default_data() -> Path:
    env = os.environ.get("MOA_VALIDATION_DATA")
    if env:
        return Path(env)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "moa" / "validation"


def default_set() -> Path:
    return shared_corpus().parent / "validation" / "moa"


# ---- the agency match ----------------------------------------------------------------------------------

def norm_agency_name(s: str | None) -> str:
    """A name for comparison: the labeled set's form (bench.accuracy.norm_agency: no state suffix, no leading
    'the', Co./Dept. spelled out, plain words), with PD, SO and '&' spelled out too."""
    if not s:
        return ""
    t = re.sub(r"\bPD\b", "Police Department", s)
    t = re.sub(r"\bS\.?O\.?(?=\s|$)", "Sheriff's Office", t)
    return norm_agency(t.replace("&", " and "))


def distinctive(normed: str) -> str:
    return " ".join(w for w in normed.split() if w not in _GENERIC)


def agency_score(ours: str | None, ice: str | None) -> int:
    """min(whole-name score, distinctive-words score), 0..100."""
    a, b = norm_agency_name(ours), norm_agency_name(ice)
    if not a or not b:
        return 0
    whole = fuzz.token_sort_ratio(a, b)
    da, db = distinctive(a), distinctive(b)
    # token_set: ICE may shorten a name ("Sunny Isles Police Department" for "Sunny Isles Beach Police
    # Department"); the whole-name score keeps "State of Florida" from matching "Florida Department of Lottery".
    part = fuzz.token_set_ratio(da, db) if (da or db) else 100
    ga, gb = set(a.split()) - set(da.split()), set(b.split()) - set(db.split())
    if da and sorted(da.split()) == sorted(db.split()) and (ga <= gb or gb <= ga) and ga & gb & _KINDS:
        # The same distinctive words and kind, one name leaving out a generic word the other prints ("Pasco
        # Sheriff's Office" for ICE's "Pasco County Sheriff's Office"): the same agency.
        return 100
    return int(min(whole, part))


def agency_match(ours: str | None, ice: str | None) -> bool:
    return agency_score(ours, ice) >= MATCH


# ---- the signing date ----------------------------------------------------------------------------------

CHECKED = Path(__file__).with_name("validation_checked.tsv")


def checked_on_page() -> dict[tuple[str, str, str], str]:
    """(file, field, our value) -> what the page says, for disagreements with ICE's listing read on the page
    by a person and found to be ICE's (bench/validation_checked.tsv). A note holds only for the value it was
    written for: when extraction gives another value, the disagreement counts again."""
    out = {}
    for line in CHECKED.read_text().splitlines()[1:]:
        if line.strip():
            f, field, ours, note = line.split("\t")
            out[(f, field, ours)] = note
    return out


def date_verdict(fields: dict[str, Any], signed: list[str]) -> tuple[str, str | None]:
    """(verdict, our date): equal, explained-other-signatory, explained-later, wrong, not-given, no-listing."""
    ours = extracted_signed_date(fields)
    if not signed:
        return "no-listing-date", ours
    if ours is None:
        return "not-given", None
    if ours in signed:
        return "equal", ours
    dates = {s.get("date") for s in fields.get("signatories") or [] if s.get("date")}
    if dates & set(signed):
        return "explained-other-signatory", ours
    latest = max(dates)
    gap = min((dt.date.fromisoformat(s) - dt.date.fromisoformat(latest)).days for s in signed)
    if 0 < gap <= LATER_DAYS:
        return "explained-later", ours
    return "wrong", ours


# ---- the run -------------------------------------------------------------------------------------------

def ensure_ledger(conn: Any) -> dict[str, int]:
    """Import ICE's sheets once (idempotent; skipped when every sheet is already a snapshot)."""
    sheets = sorted(f for f in (shared_corpus() / "sheets" / "ice").iterdir()
                    if f.is_file() and f.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".html", ".htm"))
    have = conn.execute("SELECT COUNT(*) FROM ledger_snapshots").fetchone()[0]
    out = {"sheets": len(sheets), "imported": 0, "not_rosters": 0}
    if have < len(sheets):
        for f in sheets:
            try:
                r = ledger.import_snapshot(conn, f.read_bytes(), f.name, source=str(f), rebuild_after=False)
                out["imported"] += r["status"] == "imported"
            except SheetError:
                out["not_rosters"] += 1
    if ledger.needs_rebuild(conn):
        ledger.rebuild(conn)
    return out


def ensure_pages(conn: Any, pdfs: list[Path], jobs: int) -> dict[str, Any]:
    """Extract (pages and a first record) every file whose pages this pages-version has not stored."""
    todo = []
    for pdf in pdfs:
        sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
        row = conn.execute("SELECT extractor FROM extract_documents WHERE sha256=?", (sha,)).fetchone()
        if row is None or not str(row[0]).startswith(pipeline.PAGES_VERSION + "+"):
            todo.append(pdf)
    if not todo:
        return {"extracted": 0}
    summary = pipeline.run(conn, todo, mode="auto", jobs=jobs, force=True)
    return {"extracted": len(summary.extracted), "ocr_pages": summary.ocr_pages, "ocr_run": summary.ocr_run,
            "seconds": round(summary.seconds, 1), "errors": summary.errors}


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    listed = [r for r in rows if r["ice"]]

    def pct(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    model_ok = sum(r["model"] == r["ice"].get("model") for r in listed)
    st_given = [r for r in listed if r["state"]]
    st_ok = sum(r["state"] == r["ice"].get("state") for r in st_given)
    ag_given = [r for r in listed if r["agency"]]
    ag_ok = sum(r["agency_ok"] for r in ag_given)
    verdicts = Counter(r["date_verdict"] for r in listed)
    dated = sum(v for k, v in verdicts.items() if k not in ("not-given", "no-listing-date"))
    date_ok = sum(verdicts[k] for k in ("equal", "explained-other-signatory", "explained-later",
                                          "checked-on-page"))
    sigs = [s for r in rows for s in r["signatories"]]
    parties = 2 * n
    return {
        "documents": n, "listed": len(listed),
        "model": {"right": pct(model_ok, len(listed)), "n": len(listed)},
        "state": {"given": pct(len(st_given), len(listed)), "right_when_given": pct(st_ok, len(st_given))},
        "agency": {"given": pct(len(ag_given), len(listed)), "right_when_given": pct(ag_ok, len(ag_given))},
        "signing_date": {"given": pct(dated, len(listed)), "right_when_given": pct(date_ok, dated),
                         "equal_when_given": pct(verdicts["equal"], dated), "verdicts": dict(verdicts)},
        "signatory_name": {"given": pct(sum(bool(s.get("name")) for s in sigs), parties),
                           "given_where_printed": pct(sum(bool(s.get("name")) for s in sigs),
                                                      parties - not_printed(sigs)),
                           "not_printed": not_printed(sigs)},
        "signatory_date": {"given": pct(sum(bool(s.get("date")) for s in sigs), parties)},
        "by_template": by_template([(r["template"], r["signatories"][:2]) for r in rows]),
    }


def not_printed(sigs: list[dict[str, Any]]) -> int:
    """Parties whose form prints no name (a Task Force form's Date/Signature/Title lines only) and of whom no
    name was read elsewhere (typed beside the header, a digital signature): the labeled set marks these names
    "unreadable" and leaves them out of its coverage, so `given_where_printed` is the figure to compare."""
    return sum(1 for s in sigs if not s.get("name") and s.get("name_line") is False)


def threshold_check(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The lowest score a name we call right gets, and the highest any name gets against another file's ICE
    name (an impostor): the threshold must sit between them."""
    listed = [r for r in rows if r["ice"] and r["agency"]]
    right = [r["agency_score"] for r in listed if agency_match(r["agency"], r["ice"].get("agency"))]
    impostor = (0, None, None)
    for r in listed:
        for o in listed:
            if o is r or norm_agency_name(o["ice"].get("agency")) == norm_agency_name(r["ice"].get("agency")):
                continue
            sc = agency_score(r["agency"], o["ice"].get("agency"))
            if sc > impostor[0]:
                impostor = (sc, r["agency"], o["ice"].get("agency"))
    return {"threshold": MATCH, "lowest_right": min(right) if right else None,
            "highest_impostor": impostor[0], "impostor_pair": impostor[1:]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=default_data(), help="data directory (default %(default)s)")
    ap.add_argument("--validation", type=Path, default=default_set(), help="the PDFs (default %(default)s)")
    ap.add_argument("--only", default=None, help="substring of file names to run")
    ap.add_argument("--jobs", type=int, default=2, help="OCR processes for the first run")
    ap.add_argument("--no-extract", action="store_true",
                    help="score only the files already extracted into --data (no OCR now)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    pdfs = sorted(args.validation.glob("*.pdf"), key=lambda p: p.name.lower())
    if args.only:
        pdfs = [p for p in pdfs if args.only.lower() in p.name.lower()]
    if not pdfs:
        print(f"no PDFs under {args.validation}", file=sys.stderr)
        return 2
    args.data.mkdir(parents=True, exist_ok=True)
    conn = connect(args.data)
    imported = ensure_ledger(conn)
    extracted = {"skipped": "--no-extract"} if args.no_extract else ensure_pages(conn, pdfs, args.jobs)
    catalog = CatalogPages(args.data)
    rows = []
    for pdf in pdfs:
        sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
        pages = catalog.get(sha)
        if pages is None:
            if args.no_extract:
                continue
            pages = []
        fields = extract_fields(pages, pdf=pdf, ocr_cache=args.data / "cache" / "ocr", source_name=pdf.name,
                                ocr_jobs=args.jobs)
        ice = listing_for(conn, pdf.name, fields) or {}
        if not ice.get("listed"):
            ice = {}
        ag = fields.get("agency") or {}
        verdict, our_date = date_verdict(fields, ice.get("signed_dates") or [])
        notes = checked_on_page()
        if verdict == "wrong" and notes.get((pdf.name, "signing_date", our_date or "")):
            verdict = "checked-on-page"
        agency_ok = agency_match(ag.get("name"), ice.get("agency"))
        note_agency = notes.get((pdf.name, "agency", ag.get("name") or ""))
        rows.append({
            "file": pdf.name, "ice": ice, "note_agency": note_agency,
            "note_date": notes.get((pdf.name, "signing_date", our_date or "")), "model": fields.get("model"), "state": ag.get("state"),
            "state_how": (ag.get("evidence") or {}).get("state", {}).get("how"),
            "agency": ag.get("name"), "agency_how": (ag.get("evidence") or {}).get("how"),
            "agency_score": agency_score(ag.get("name"), ice.get("agency")),
            "agency_ok": agency_ok or bool(note_agency),
            "date_verdict": verdict, "date": our_date,
            "signatories": [{k: s.get(k) for k in ("party", "name", "date", "page", "confidence", "reasons",
                                                   "name_line")}
                            for s in fields.get("signatories") or []],
            "reasons": fields.get("reasons") or [],
            "template": template_of(fields),
        })
    cmd = "nice -n 10 python3 bench/validation.py" + (f" --data {args.data}" if args.data != default_data() else "")
    cmd += f" --validation {args.validation}" if args.validation != default_set() else ""
    cmd += f" --only {args.only}" if args.only else ""
    cmd += " --no-extract" if args.no_extract else ""
    rep = {"set": str(args.validation), "data": str(args.data), "ledger": imported, "extraction": extracted,
           "scores": score(rows), "agency_threshold": threshold_check(rows),
           "disagreements": disagreements(rows), "command": cmd}
    if args.json:
        rep["documents"] = rows
        print(json.dumps(rep, indent=2, default=str))
        return 0
    print_report(rep)
    return 0


def disagreements(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for r in rows:
        ice, f = r["ice"], r["file"]
        if not ice:
            out.append(f"{f}: not on ICE's lists (no label)")
            continue
        if r["model"] != ice.get("model"):
            out.append(f"{f}: model: ours {r['model']!r}, ICE {ice.get('model')!r}")
        if r["state"] != ice.get("state"):
            why = f" [{r['state_how']}]" if r["state"] else f" ({_reason(r, 'state')})"
            out.append(f"{f}: state: ours {r['state']!r}{why}, ICE {ice.get('state')!r}")
        if r["note_agency"]:
            out.append(f"{f}: agency: ours {r['agency']!r}, ICE {ice.get('agency')!r}: checked on the page: "
                       f"{r['note_agency']}")
        elif not r["agency_ok"]:
            why = f" [{r['agency_how']}, score {r['agency_score']}]" if r["agency"] else f" ({_reason(r, 'agency')})"
            out.append(f"{f}: agency: ours {r['agency']!r}{why}, ICE {ice.get('agency')!r}")
        if r["date_verdict"] == "checked-on-page":
            out.append(f"{f}: signing date ours {r['date']!r}, ICE SIGNED {ice.get('signed_dates')}: checked on the "
                       f"page: {r['note_date']}")
        elif r["date_verdict"] not in ("equal", "no-listing-date"):
            sig = "; ".join(f"{s['party']} {s['date']}" for s in r["signatories"])
            out.append(f"{f}: signing date {r['date_verdict']}: ours {r['date']!r} (signatories: {sig}), "
                       f"ICE SIGNED {ice.get('signed_dates')}")
        for s in r["signatories"]:
            missing = [k for k in ("name", "date") if not s.get(k)]
            if missing:
                why = "; ".join(s.get("reasons") or [])[:160]
                out.append(f"{f}: {s['party']} {'/'.join(missing)} not given ({why})")
    return out


def _reason(row: dict[str, Any], prefix: str) -> str:
    return next((r[len(prefix) + 2:] for r in row["reasons"] if r.startswith(prefix + ":")), "no reason")[:160]


def print_report(rep: dict[str, Any]) -> None:
    s = rep["scores"]

    def p(x: float | None) -> str:
        return f"{x:.1%}" if x is not None else "-"

    print(f"{s['documents']} validation MOAs ({s['listed']} on ICE's lists) from {rep['set']}; data {rep['data']}")
    print(f"ledger: {rep['ledger']}; extraction this run: {rep['extraction']}")
    print(f"{'field':<16}{'given':>9}{'right when given':>18}")
    print(f"{'model':<16}{'':>9}{p(s['model']['right']):>18}")
    for f in ("state", "agency", "signing_date"):
        print(f"{f:<16}{p(s[f]['given']):>9}{p(s[f]['right_when_given']):>18}")
    print(f"{'signatory_name':<16}{p(s['signatory_name']['given']):>9}{'(no label)':>18}"
          f"   given where the form prints a name: {p(s['signatory_name']['given_where_printed'])} "
          f"({s['signatory_name']['not_printed']} of {2 * s['documents']} parties sign a form with no Name line "
          "and no name was read elsewhere)")
    print(f"{'signatory_date':<16}{p(s['signatory_date']['given']):>9}{'(no label)':>18}")
    print_by_template(s["by_template"])
    sd = s["signing_date"]
    print(f"signing date vs ICE's SIGNED: {sd['verdicts']} (equal {p(sd['equal_when_given'])} of those given)")
    t = rep["agency_threshold"]
    print(f"agency match: threshold {t['threshold']}; lowest score of a right name {t['lowest_right']}; highest "
          f"against another file's ICE name {t['highest_impostor']} {t['impostor_pair']}")
    print(f"\ndisagreements ({len(rep['disagreements'])}):")
    for d in rep["disagreements"]:
        print("  " + d)
    print(f"\nreproduce: {rep['command']}")


if __name__ == "__main__":
    raise SystemExit(main())
