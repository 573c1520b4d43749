"""How many of `moa compare`'s deviations hold another clause's heading: text extraction read past a heading it
missed (a garbled "XI. | REPORTING REQUIREMENTS" inside ICE SUPERVISION), reported as a wording change.

A deviation counts when the words it adds (its redline's inserted side) hold a run of capitals whose letters
match a known article title of another key (`extract.sections.ARTICLE_KEYS`, 85 or more). Readings are the kept
ones only (`<data>/cache/reread/`, as the web page uses), so the figures match `moa compare --all` after it ran.

Run:  python3 bench/compare_headings.py --data DIR [--list]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compare.comparison import compare_section, load_records, page_reader, section_keys  # noqa: E402
from extract.sections import ARTICLE_KEYS  # noqa: E402
from moa.catalog import connect  # noqa: E402

TITLES = {re.sub(r"[^A-Z]", "", t): k for t, k in ARTICLE_KEYS.items()}
# Up to 13 words of capitals (a letter or two of lower case, OCR's, allowed in each)
CAPS_RUN = re.compile(r"(?:[^\sa-z]*[A-Z][^\sa-z]*(?:[a-z]{0,2}[^\sa-z]*)?\s+){1,12}[^\sa-z]*[A-Z][^\sa-z]*")


def heading_in(text: str, own: str) -> str | None:
    """The first run of capitals in `text` that reads as the title of an article other than `own`."""
    for m in CAPS_RUN.finditer(text):
        letters = re.sub(r"[^A-Z]", "", m.group(0).upper())
        for title, key in TITLES.items():
            if key != own and len(title) >= 6 and any(
                    fuzz.ratio(letters[i:i + len(title)], title) >= 85 for i in range(max(1, len(letters) - 5))):
                return m.group(0).strip()
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="an extracted catalog")
    ap.add_argument("--list", action="store_true", help="print each deviation that holds a heading")
    args = ap.parse_args()
    conn = connect(Path(args.data), readonly=True)
    records = load_records(conn)
    reader = page_reader(conn, cache_only=True)
    total, found = 0, []
    for key in section_keys(records):
        for d in compare_section(records, key, reader=reader)["deviations"]:
            total += 1
            head = heading_in(" ".join(op.get("new") or "" for op in d["ops"]), key)
            if head:
                found.append((key, d["file"], d["changed_words"], head))
    if args.list:
        for key, file, words, head in found:
            print(f"  {key:28} {file[:48]:48} {words:4} words  {head[:60]!r}")
    print(f"{len(found)} of {total} deviations hold another clause's heading "
          f"({sum(w for _k, _f, w, _h in found)} words changed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
