"""Which comparison keys are words: the small dictionary, Tesseract's large English one, and what is no word.

Comparing clauses turns on one question asked of every changed key: is it a word a drafter could have written,
or something OCR made? A real word swapped for another is a change of meaning; a key in no dictionary (and
rare across the clauses) is a misreading; a lone letter or a repeated one is a speck.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from extract.wordlist import words

from .wording import canon

# Without a dictionary, a key found in this many clauses counts as a real word.
REAL_WORD_DF = 3


def traineddata(lang: str) -> Path | None:
    """The installed `<lang>.traineddata`, found as Tesseract finds it: in TESSDATA_PREFIX when set, else in
    the directory `tesseract --list-langs` names on its first line; None when there is none."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        dirs = [Path(prefix), Path(prefix) / "tessdata"]  # Tesseract 4+ / 3.x meaning of the variable
    else:
        try:
            out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return None
        first = (out.stdout or out.stderr).strip().splitlines()[:1]
        m = re.search(r'"([^"]+)"', first[0]) if first else None
        dirs = [Path(m.group(1))] if m else []
    return next((d / f"{lang}.traineddata" for d in dirs if (d / f"{lang}.traineddata").is_file()), None)


@lru_cache(maxsize=1)
def dictionary() -> frozenset[str]:
    """Comparison keys of real English words (extraction's wordlist): one real word swapped for another is a
    change of meaning (alien → aliens, his → her, shall → may), never OCR noise."""
    return frozenset(canon(w) for w in words())


@lru_cache(maxsize=1)
def english() -> frozenset[str]:
    """Comparison keys of every word in Tesseract's English dictionary (about 340,000, read from the installed
    eng.traineddata; empty when its tools are missing). Far larger than `dictionary`: a key absent from it is no
    English word at all, so it can only be a misreading, never a drafter's change of wording."""
    data = traineddata("eng")
    if data is None:
        return frozenset()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["combine_tessdata", "-u", str(data), f"{tmp}/eng."], check=True, capture_output=True)
            subprocess.run(["dawg2wordlist", f"{tmp}/eng.lstm-unicharset", f"{tmp}/eng.lstm-word-dawg",
                            f"{tmp}/words.txt"], check=True, capture_output=True)
            text = Path(tmp, "words.txt").read_text(encoding="utf-8", errors="replace")
    except (OSError, subprocess.CalledProcessError):
        return frozenset()
    return frozenset(canon(w) for w in text.split() if w.isalpha()) | dictionary()


def is_junk(tok: str) -> bool:
    """A key OCR makes out of specks, bullets and fill-in lines: one letter (not 'a') or one letter repeated
    ("bbbbbbbb" from an underline in a shifted font); never a number or placeholder."""
    return tok.isalpha() and ((len(tok) == 1 and tok != "a") or (len(tok) >= 4 and len(set(tok)) == 1))


def garbled(tok: str, df: dict[str, int] | None) -> bool:
    """A key that is no word: not in the dictionary and not common across the clauses ("fedend", "pe1'so11nel")."""
    if tok.startswith("§") or tok.isdigit() or len(tok) < 3:
        return False
    real = dictionary()
    if real and tok in real:
        return False
    return df is None or df.get(tok, 0) < REAL_WORD_DF


def nonword(tok: str) -> bool:
    """A key of letters Tesseract's English dictionary lacks (never, when that dictionary is not installed)."""
    real = english()
    return bool(real) and tok.isalpha() and tok not in real
