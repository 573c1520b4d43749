"""Where a signature page's signature blocks begin, from a reading's word boxes.

PP-OCR, the costliest second reading of a signature page (extract.sigocr), need not read the agreement's
last clauses above the blocks. The blocks begin at the first of: "By signing this MOA", a party's header
("FOR THE LEA", "FOR ICE", "For U.S. Immigration ..."), or a block's label (Name, Title, Date, Signature). A
false anchor in the clauses above (a "Title 8" of the text) only makes the region larger; with no anchor at
all the whole page is read. The region starts an inch above the first anchor, so that a signature or a
typed name written over a label's line stays inside it.
"""

from __future__ import annotations

import re
from typing import Any

from extract.signatures import _ICE_HDR, _LEA_HDR

_LABEL = re.compile(r"(?:Name|NAME|Title|TITLE|Date|DATE|Signature|SIGNATURE)\W*")
MARGIN_IN = 1.0  # inches above the first anchor


def region_top(words: list[Any], dpi: int) -> int | None:
    """The top (px at `dpi`, the words' scale) of the region holding the signature blocks; None when no
    anchor is read (read the whole page)."""
    toks = [(str(t), box) for t, _, box in words if str(t).strip()]
    tops = []
    for k, (t, box) in enumerate(toks):
        three = " ".join(w for w, _ in toks[k:k + 4])
        if (_LABEL.fullmatch(t) or (t.lower() == "by" and three.lower().startswith("by signing"))
                or (t.lower() == "for" and (_LEA_HDR.match(three) or _ICE_HDR.match(three)))):
            tops.append(int(box[1]))
    if not tops:
        return None
    return max(0, min(tops) - int(MARGIN_IN * dpi))
