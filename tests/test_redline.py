"""Word-level redlines on real clauses: the ops, and the text, HTML and side-by-side renderings."""

from __future__ import annotations

import json
from pathlib import Path

from compare_support import text_layer_records

from compare.comparison import clause_of, clause_redline
from compare.redline import changed_words, diff_words, render_html, render_side_by_side, render_text

EXPECTED = Path(__file__).parent / "expected" / "compare" / "redline_local_charges_smith_vs_oklahoma_bn.json"


def test_diff_words_keeps_printed_words_and_marks_changes() -> None:
    ops = diff_words("The LEA will bear the costs.", "The LEA shall bear all the costs.")
    assert render_text(ops) == "The LEA [-will-] {+shall+} bear {+all+} the costs."
    assert changed_words(ops) == 2
    html = render_html(diff_words("a < b", "a > b"))
    assert html == "a <del>&lt;</del> <ins>&gt;</ins> b"


def test_elided_context_and_side_by_side() -> None:
    old = " ".join(f"w{i}" for i in range(40)) + " end"
    new = " ".join(f"w{i}" for i in range(40)) + " finish"
    ops = diff_words(old, new)
    brief = render_text(ops, context=3)
    assert brief == "… w37 w38 w39 [-end-] {+finish+}"
    sbs = render_side_by_side(ops, width=60, labels=("standard", "agency"))
    lines = sbs.splitlines()
    assert lines[0].startswith("standard") and "| agency" in lines[0]
    assert any(" | " in ln and "finish" in ln for ln in lines)


def test_real_redline_matches_expected(corpus: Path) -> None:
    # The Oklahoma Bureau of Narcotics' MOA words its local-charges clause differently from the template that
    # Smith County signed ("determined to be a removable alien, the alien will be arrested").
    smith, okla = text_layer_records(corpus, ["SmithCoSheriffsOfficeTX_TFM_MOA_02.18.25.pdf",
                                              "OklahomaBureauNarcotics_TFM_MOA_02.18.25.pdf"])
    a, b = clause_of(smith, "resolution-of-local-charges"), clause_of(okla, "resolution-of-local-charges")
    ops = clause_redline(a, b)
    got = {"changes": [op.to_dict() for op in ops if op.tag != "equal"], "changed_words": changed_words(ops),
           "brief": render_text(ops, context=4)}
    assert got == json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert "<ins>alien, the alien</ins>" in render_html(ops)
