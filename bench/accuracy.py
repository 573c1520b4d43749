"""Field accuracy of extraction against hand-labeled MOAs: per-field accuracy, coverage, and every miss.

Labels: `../shared/corpus/labels/dev.jsonl` (read in place) and `tests/labels/*.json` (same schema).
Page text comes from a catalog (`--data`, default /work/devdata when it holds extracted pages, else $MOA_DATA)
so nothing is OCR'd twice; documents missing there are read with `extract.pages.read_pages` (OCR cached
under `--cache`). The PDF itself is passed too, as the pipeline does: its signature dictionaries and form
fields, and fresh OCR of scanned signature pages (cached under `<data>/cache/ocr`, else `--cache`).

Comparison is exact after this normalization, and nothing more:
- names and agency: case, accents, whitespace, punctuation and quote marks ignored (so "Sheriff's" =
  "Sheriffs" = 'Sheriff"s'); agency also ignores a leading "the", a trailing state suffix (", FL", ", Florida"), and
  reads "Co." as "County", "Dept." as "Department";
- articles: "<ROMAN>. <TITLE>" with case and whitespace ignored;
- dates: ISO; the label's "MM/DD/YYYY" revision is converted to ISO.
A value we give where the label has none (a blank date line, an unreadable signature) counts as wrong.

Run:  python -m bench.accuracy [--data DIR] [--labels dev|ours|all] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sqlite3
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.fields import extract_fields  # noqa: E402
from extract.states import strip_state  # noqa: E402
from moa.config import shared_corpus  # noqa: E402


def load_labels(which: str = "all") -> list[dict[str, Any]]:
    out = []
    if which in ("dev", "all"):
        dev = shared_corpus() / "labels" / "dev.jsonl"
        if dev.exists():
            out += [dict(json.loads(line), _set="dev") for line in dev.open() if line.strip()]
    if which in ("ours", "all"):
        for f in sorted((ROOT / "tests" / "labels").glob("*.json")):
            out.append(dict(json.loads(f.read_text()), _set="ours"))
    return out


# ---- normalization -------------------------------------------------------------------------------------

def norm_text(s: str | None) -> str:
    if s is None:
        return ""
    t = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    t = t.replace("’", "").replace("'", "").replace('"', "").replace("“", "").replace("”", "")
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def norm_agency(s: str | None) -> str:
    if not s:
        return ""
    t = strip_state(s)
    t = re.sub(r"^the\s+", "", t, flags=re.IGNORECASE)
    t = re.sub(r"\bCo\.?(?=\s|$)", "County", t)
    t = re.sub(r"\bDept\.?(?=\s|$)", "Department", t)
    return norm_text(t)


def norm_article(s: str) -> str:
    return re.sub(r"\s+", " ", s.upper()).strip()


def iso_revision(s: str | None) -> str | None:
    if not s:
        return None
    m = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", s)
    return f"{m.group(3)}-{m.group(1)}-{m.group(2)}" if m else s


# ---- page sources --------------------------------------------------------------------------------------

class CatalogPages:
    """Stored page text from an extract catalog, opened read-only."""

    def __init__(self, data_dir: Path | None):
        self.conn = None
        db = data_dir / "moa.sqlite" if data_dir else None
        if db and db.exists():
            self.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            self.conn.row_factory = sqlite3.Row
            try:
                self.conn.execute("SELECT 1 FROM extract_pages LIMIT 1")
            except sqlite3.Error:
                self.conn = None

    def get(self, sha: str) -> list[Any] | None:
        if self.conn is None:
            return None
        from extract.pages import Page

        rows = self.conn.execute("SELECT * FROM extract_pages WHERE sha256=? ORDER BY number", (sha,)).fetchall()
        if not rows:
            return None
        pages = []
        for r in rows:
            words = json.loads(r["words"]) if r["words"] else []
            pages.append(Page(number=r["number"], text=r["text"] or "", method=r["method"], quality=r["quality"],
                              reason=r["reason"] or "", chars=r["chars"], words=words, mean_conf=r["mean_conf"]))
        return pages


def layer_kinds() -> dict[str, str]:
    """file -> text-layer kind ("text", "scanned+ocr_text_layer", ...) from the corpus manifest."""
    out: dict[str, str] = {}
    manifest = shared_corpus() / "MANIFEST.tsv"
    if manifest.exists():
        rows = manifest.read_text().splitlines()
        head = rows[0].split("\t")
        for row in rows[1:]:
            cells = dict(zip(head, row.split("\t"), strict=False))
            if cells.get("path", "").startswith("moa/"):
                out[cells["path"]] = cells.get("text_layer", "")
    return out


def pages_for(pdf: Path, catalog: CatalogPages, cache: Path | None) -> tuple[list[Any], str]:
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    got = catalog.get(sha)
    if got is not None:
        return got, "catalog"
    from extract.pages import read_pages

    return read_pages(pdf, mode="auto", cache_dir=cache, jobs=2), "read_pages"


# ---- scoring -------------------------------------------------------------------------------------------

class Tally:
    def __init__(self) -> None:
        self.n: dict[str, int] = defaultdict(int)  # labeled values that exist
        self.given: dict[str, int] = defaultdict(int)  # values we gave (where a label exists to compare)
        self.given_of_present: dict[str, int] = defaultdict(int)
        self.correct: dict[str, int] = defaultdict(int)
        self.misses: list[str] = []

    def add(self, fld: str, doc: str, want: Any, got: Any, ok: bool, present: bool = True) -> None:
        if present:
            self.n[fld] += 1
        if got not in (None, "", []):
            self.given[fld] += 1
            if present:
                self.given_of_present[fld] += 1
            if ok:
                self.correct[fld] += 1
            else:
                self.misses.append(f"{doc}: {fld}: got {got!r}, want {want!r}")
        elif present:
            self.misses.append(f"{doc}: {fld}: not given, want {want!r}")


def score_doc(label: dict[str, Any], fields: dict[str, Any], t: Tally) -> None:
    doc = Path(label["file"]).stem
    t.add("model", doc, label["model"], fields.get("model"), fields.get("model") == label["model"])
    ag = fields.get("agency") or {}
    t.add("agency", doc, label["agency_name"], ag.get("name"),
          norm_agency(ag.get("name")) == norm_agency(label["agency_name"]))
    t.add("state", doc, label["state"], ag.get("state"), ag.get("state") == label["state"])
    want_rev = iso_revision(label.get("template_revision"))
    got_rev = fields.get("template_revision")
    if want_rev or got_rev:
        t.add("template_revision", doc, want_rev, got_rev, got_rev == want_rev, present=bool(want_rev))
    ours = defaultdict(list)
    for s in fields.get("signatories", []):
        ours[s["party"]].append(s)
    for party, key in (("lea", "lea_signatories"), ("ice", "ice_signatories")):
        for i, want in enumerate(label.get(key, [])):
            got = ours[party][i] if i < len(ours[party]) else {}
            name_present = want.get("name_status") == "present"
            gname = got.get("name")
            if want.get("name") is not None or gname:
                t.add("signatory_name", doc + f" {party}", want.get("name"), gname,
                      norm_text(gname) == norm_text(want.get("name")), present=name_present)
            gtitle = got.get("title")
            if want.get("title") is not None or gtitle:
                t.add("signatory_title", doc + f" {party}", want.get("title"), gtitle,
                      norm_text(gtitle) == norm_text(want.get("title")), present=want.get("title") is not None)
            date_present = want.get("date_status") == "present"
            gdate = got.get("date")
            if want.get("date") is not None or gdate:
                t.add("signatory_date", doc + f" {party}", want.get("date"), gdate, gdate == want.get("date"),
                      present=date_present)
    got_secs = {norm_article(f"{s['number']}. {s['title']}") for s in fields.get("sections", [])}
    for sec in label.get("sections", []):
        ok = norm_article(sec) in got_secs
        t.add("articles", doc, sec, sec if ok else None, ok)
    got_apps = {norm_article(f"APPENDIX {a['letter']}: {a['title']}") for a in fields.get("appendices", [])}
    for app in label.get("appendices", []):
        ok = norm_article(app) in got_apps
        t.add("appendices", doc, app, app if ok else None, ok)


FIELDS = ["model", "agency", "state", "template_revision", "signatory_name", "signatory_title", "signatory_date",
          "articles", "appendices"]


def report(t: Tally, docs: int) -> dict[str, Any]:
    rows = {}
    for f in FIELDS:
        n, given, correct = t.n[f], t.given[f], t.correct[f]
        rows[f] = {
            "labeled": n, "given": given, "correct": correct,
            "accuracy_when_given": round(correct / given, 4) if given else None,
            "coverage": round(t.given_of_present[f] / n, 4) if n else None,
            "correct_of_labeled": round(correct / n, 4) if n else None,
        }
    return {"documents": docs, "fields": rows, "misses": t.misses}


def by_party(sigs: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """Names and dates given of the two parties of each document, without the labels: the figures
    bench/validation.py gives for MOAs with no labels, for a like-for-like comparison. A party signing a form
    with no Name line (extract.signatures: `name_line` False) of whom no name was read is left out of
    `name_given_where_printed`, as the labels leave out the names they mark unreadable."""
    names = sum(bool(s.get("name")) for s in sigs)
    unprinted = sum(1 for s in sigs if not s.get("name") and s.get("name_line") is False)
    return {"parties": n, "name_given": round(names / n, 4) if n else None,
            "name_given_where_printed": round(names / (n - unprinted), 4) if n - unprinted else None,
            "name_not_printed": unprinted,
            "date_given": round(sum(bool(s.get("date")) for s in sigs) / n, 4) if n else None}


def template_of(fields: dict[str, Any]) -> str:
    """The signature form's era: the 2025 templates print a "Revised MM/DD/2025" footer; the 2019-2020 ones none."""
    return "2025 template" if fields.get("template_revision") else "2019-2020 template"


def by_template(docs: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """`by_party` for each template era. The two sets hold the eras in different shares (validation has more
    2019-2020 scans, with handwritten dates and signatures across the printed names), so a gap between the sets'
    totals can be their mix; the gap within an era is the one that says whether the rules fit documents."""
    eras: dict[str, list[dict[str, Any]]] = {}
    counts: Counter[str] = Counter()
    for era, sigs in docs:
        eras.setdefault(era, []).extend(sigs)
        counts[era] += 1
    return {era: {"documents": counts[era], **by_party(eras[era], 2 * counts[era])} for era in sorted(eras)}


def print_by_template(rows: dict[str, Any]) -> None:
    for era, pt in rows.items():
        print(f"  {era:<19} {pt['documents']:>3} documents: names given where the form prints a name "
              f"{pt['name_given_where_printed']:.1%}, dates given {pt['date_given']:.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_data = Path("/work/devdata") if Path("/work/devdata/moa.sqlite").exists() else None
    env = os.environ.get("MOA_DATA")
    ap.add_argument("--data", type=Path, default=default_data or (Path(env) if env else None))
    ap.add_argument("--labels", choices=["dev", "ours", "all"], default="all")
    ap.add_argument("--cache", type=Path, default=None, help="OCR cache for documents not in the catalog")
    ap.add_argument("--only", default=None, help="substring of file names to run")
    ap.add_argument("--missing", choices=["read", "skip"], default="read",
                    help="documents not in the catalog: read (and OCR) them, or leave them out")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    labels = load_labels(args.labels)
    if args.only:
        labels = [lb for lb in labels if args.only in lb["file"]]
    catalog = CatalogPages(args.data)
    kinds = layer_kinds()
    t = Tally()
    by_kind: dict[str, Tally] = defaultdict(Tally)
    sources: dict[str, int] = defaultdict(int)
    parties: list[dict[str, Any]] = []
    n_parties = 0
    eras: list[tuple[str, list[dict[str, Any]]]] = []
    for lb in labels:
        pdf = shared_corpus() / lb["file"]
        if args.missing == "skip" and catalog.get(hashlib.sha256(pdf.read_bytes()).hexdigest()) is None:
            sources["skipped (not in catalog)"] += 1
            continue
        pages, src = pages_for(pdf, catalog, args.cache)
        sources[src] += 1
        fields = extract_fields(pages, pdf=pdf, ocr_cache=args.data / "cache" / "ocr" if args.data else args.cache,
                                source_name=pdf.name)
        score_doc(lb, fields, t)
        sigs = [s for s in fields.get("signatories") or [] if s.get("party") in ("lea", "ice")][:2]
        parties += sigs
        eras.append((template_of(fields), sigs))
        n_parties += 2
        score_doc(lb, fields, by_kind[kinds.get(lb["file"], "unknown")])
    rep = report(t, len(labels) - sources.get("skipped (not in catalog)", 0))
    rep["page_sources"] = dict(sources)
    rep["parties"] = by_party(parties, n_parties)
    rep["parties_by_template"] = by_template(eras)
    rep["by_layer_kind"] = {k: report(v, 0)["fields"] for k, v in sorted(by_kind.items())}
    cmd = "python -m bench.accuracy" + (f" --data {args.data}" if args.data else "") + f" --labels {args.labels}"
    cmd += f" --missing {args.missing}" + (f" --only {args.only}" if args.only else "")
    rep["command"] = cmd
    if args.json:
        print(json.dumps(rep, indent=2))
        return 0
    print(f"{rep['documents']} labeled documents ({args.labels}); page text from {dict(sources)}")
    print(f"{'field':<18}{'accuracy when given':>20}{'coverage':>10}{'given':>7}{'labeled':>9}")
    for f, r in rep["fields"].items():
        acc = f"{r['accuracy_when_given']:.1%}" if r["accuracy_when_given"] is not None else "-"
        cov = f"{r['coverage']:.1%}" if r["coverage"] is not None else "-"
        print(f"{f:<18}{acc:>20}{cov:>10}{r['given']:>7}{r['labeled']:>9}")
    pt = rep["parties"]
    print(f"\nas bench/validation.py counts (of the two parties of each document, no label used): names given "
          f"{pt['name_given']:.1%}, where the form prints a name {pt['name_given_where_printed']:.1%} "
          f"({pt['name_not_printed']} of {pt['parties']} parties sign a form with no Name line and no name was read "
          f"elsewhere); dates given {pt['date_given']:.1%}")
    print_by_template(rep["parties_by_template"])
    print("\nby text-layer kind (MANIFEST.tsv): accuracy when given / coverage")
    for kind, rows in rep["by_layer_kind"].items():
        cells = []
        for f in ("agency", "state", "signatory_name", "signatory_date", "articles"):
            r = rows[f]
            if r["labeled"]:
                acc = f"{r['accuracy_when_given']:.0%}" if r["accuracy_when_given"] is not None else "-"
                cells.append(f"{f} {acc}/{r['coverage']:.0%}")
        print(f"  {kind:<30} " + "  ".join(cells))
    print(f"\nmisses ({len(t.misses)}):")
    for m in t.misses:
        print("  " + m)
    print(f"\nreproduce: {cmd}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
