"""Measure the two thresholds of clause comparison (compare/tokendiff.py: NOISE_EDIT, PREFILTER_RATIO).

For real clauses cut from born-digital TFM MOAs it counts, per setting:
  split  — OCR-corrupted copies of a clause (realistic misreadings, see tests/compare_support.py) that would
           form a separate variant (should be 0);
  missed — copies with one genuine change of wording (a word swapped for another real word, a word removed,
           "not" inserted, a number changed), with OCR noise on top, that would NOT form a separate variant.
Then the same for the lenient path that low-quality readings take (`ocr_changes`, with the clauses' vocabulary):
a copy read from a poor scan joins its variant ("ocr-uncertain") only when OCR explains every difference.
Run: python3 bench/compare_threshold.py
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from compare_support import ocr_corrupt, text_layer_records  # noqa: E402
from test_compare import TFM_2025  # noqa: E402

from compare import ocrnoise, tokendiff  # noqa: E402
from compare.clauses import clause_of  # noqa: E402
from compare.wording import prepare, tokens, vocabulary  # noqa: E402
from moa.config import shared_corpus  # noqa: E402


def genuine_edit(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    real = [i for i, w in enumerate(words) if re.fullmatch(r"[a-z]{4,}", w)]
    kind = rng.randrange(4)
    if kind == 0:  # one real word for another real word of the same clause
        i, j = rng.sample(real, 2)
        while words[j] == words[i]:
            j = rng.choice(real)
        words[i] = words[j]
    elif kind == 1:
        del words[rng.choice(real)]
    elif kind == 2:
        words.insert(rng.choice(real), "not")
    else:
        nums = [i for i, w in enumerate(words) if re.fullmatch(r"\d+", w)]
        if nums:
            i = rng.choice(nums)
            words[i] = str(int(words[i]) + 1)
        else:
            words.insert(rng.choice(real), "three")
    return " ".join(words)


def main() -> None:
    recs = text_layer_records(shared_corpus(), TFM_2025[:6])
    keys = ["costs-and-expenditures", "nomination-of-personnel", "certification-and-authorization",
            "liability-and-responsibility", "ice-supervision", "designation-of-authorized-functions",
            "training-of-personnel", "complaint-procedures"]
    clauses = [c for r in recs for k in keys if (c := clause_of(r, k))]
    rng = random.Random(2026)
    noisy, edited = [], []
    for c in clauses:
        for rate in (0.03, 0.06, 0.10):
            for _ in range(3):
                noisy.append((c, tokens(prepare(ocr_corrupt(c.text, rng, rate), c.ctx))))
        for _ in range(4):
            edited.append((c, tokens(prepare(ocr_corrupt(genuine_edit(c.text, rng), rng, 0.03), c.ctx))))
    default = tokendiff.NOISE_EDIT, tokendiff.PREFILTER_RATIO
    print(f"{len(clauses)} real clauses, {len(noisy)} OCR-corrupted copies, {len(edited)} genuinely edited copies")
    print(f"{'NOISE_EDIT':>10} {'PREFILTER':>9} {'split':>8} {'missed':>8}")
    for edit in sorted({0.1, 0.15, 0.2, 0.25, tokendiff.NOISE_EDIT, 0.34, 0.5}):
        for pre in (70.0, 85.0, 95.0):
            tokendiff.NOISE_EDIT, tokendiff.PREFILTER_RATIO = edit, pre
            split = sum(not tokendiff.same_wording(c.toks, t) for c, t in noisy)
            missed = sum(tokendiff.same_wording(c.toks, t) for c, t in edited)
            print(f"{edit:>10} {pre:>9} {split / len(noisy):>8.2%} {missed / len(edited):>8.2%}")
    tokendiff.NOISE_EDIT, tokendiff.PREFILTER_RATIO = default
    df = vocabulary([c.toks for c in clauses] + [t for _c, t in noisy] + [t for _c, t in edited])
    split = sum(ocrnoise.ocr_changes(c.toks, t, df) > 0 for c, t in noisy)
    missed = sum(ocrnoise.ocr_changes(c.toks, t, df) == 0 for c, t in edited)
    print(f"low-quality path (ocr_changes): split {split / len(noisy):.2%}, missed {missed / len(edited):.2%}")


if __name__ == "__main__":
    main()
