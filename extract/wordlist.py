"""A small English wordlist for scoring text layers (share of dictionary words).

The shipped list (`data/words.json`) is built by `python -m extract.wordlist build`: the words of Tesseract's
own English dictionary that occur in the shared corpus's text layers, plus the vocabulary that born-digital
MOAs share (words in at least two of them). It is domain-shaped on purpose: a good page of an MOA scores
near 1, a garbage OCR layer far lower.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

WORDS_FILE = Path(__file__).parent / "data" / "words.json"
_WORD = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=1)
def words() -> frozenset[str]:
    """The shipped wordlist, lower case."""
    return frozenset(json.loads(WORDS_FILE.read_text(encoding="utf-8")))


def _tesseract_words() -> set[str]:
    tessdata = Path("/usr/share/tesseract-ocr/5/tessdata/eng.traineddata")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["combine_tessdata", "-u", str(tessdata), f"{tmp}/eng."], check=True,
                       capture_output=True)
        subprocess.run(["dawg2wordlist", f"{tmp}/eng.lstm-unicharset", f"{tmp}/eng.lstm-word-dawg",
                        f"{tmp}/words.txt"], check=True, capture_output=True)
        return {w.strip().lower() for w in open(f"{tmp}/words.txt", encoding="utf-8") if w.strip().isalpha()}


def build(corpus: Path) -> list[str]:
    import pypdfium2 as pdfium

    from .shifted import decode_page

    kinds = {}
    for line in (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if cols[0].startswith("moa/"):
            kinds[cols[0][4:]] = cols[7]
    seen: set[str] = set()
    born_digital: Counter[str] = Counter()
    for name, kind in sorted(kinds.items()):
        pdf = pdfium.PdfDocument(str(corpus / "moa" / name))
        doc: set[str] = set()
        for i in range(len(pdf)):
            text, _ = decode_page(pdf[i].get_textpage().get_text_range())
            doc |= {w.lower() for w in _WORD.findall(text)}
        pdf.close()
        seen |= doc
        if kind.startswith("text"):
            born_digital.update(doc)
    dictionary = _tesseract_words()
    chosen = {w for w in seen if w in dictionary and len(w) > 1} | {w for w, n in born_digital.items() if n >= 2}
    chosen |= {"a", "i"}
    return sorted(chosen)


if __name__ == "__main__":
    if sys.argv[1:2] == ["build"]:
        from moa.config import shared_corpus

        result = build(Path(sys.argv[2]) if len(sys.argv) > 2 else shared_corpus())
        WORDS_FILE.write_text(json.dumps(result, indent=0) + "\n", encoding="utf-8")
        print(f"{len(result)} words → {WORDS_FILE}")
