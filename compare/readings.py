"""Second readings: a poor scan's change against the standard counts only when every reading of its page shows it.

Two OCR readings rarely misread the same words the same way, and a drafter's change of wording is on the page,
so every reading shows it. A low-quality clause that the noise rules (`compare.ocrnoise`) leave apart from its
nearest variant is read again (`Reader`, e.g. `extract.page_reader.PageReader`); the clause is found in each other
reading of its pages (`reading_of`), and a changed run counts only where each reading also differs from the
standard there (`compare.ocrnoise.confirmed_changes`). "Truce" for "take" in Bradford Co. FL's 2019 WSO is
printed so on the scan: every reading confirms it. Cleveland Co. NC's "this MOA." that Tesseract's layout
dropped at the end of a line is read by its block mode: the run is OCR's.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Protocol

from .clauses import Clause
from .wording import prepare, tokens

# Matching runs of at least this many keys anchor a clause in another reading; that reading must match at least
# ANCHORED of the clause's keys, else it is not the same text (a page read into columns, a reading that failed).
MIN_BLOCK = 3
ANCHORED = 0.5
# Blocks further than this many keys off the longest block's alignment belong to another place on the pages.
DRIFT = 40
# How far from where their count puts them the clause's first and last keys are looked for in another reading.
EDGE_SLACK = 3


class Reader(Protocol):
    """Other readings of a document's pages, by engine."""

    @property
    def engines(self) -> tuple[str, ...]: ...

    def read(self, engine: str, wanted: Sequence[tuple[str, Sequence[tuple[int, str]]]]) -> list[dict[int, str] | None]:
        """For each (sha256, [(page number, method)]) the pages' text in `engine`'s reading, or None."""
        ...


def reading_of(clause: Clause, texts: dict[int, str]) -> list[str] | None:
    """The clause's keys in another reading of its pages: the span that lines up with the clause's own keys, or
    None when too little of the clause is found there."""
    toks: list[str] = []
    for number in sorted(texts):
        toks += tokens(prepare(texts[number], clause.ctx))
    if not toks or not clause.toks:
        return None
    blocks = [m for m in SequenceMatcher(None, clause.toks, toks, autojunk=False).get_matching_blocks()
              if m.size >= MIN_BLOCK]
    if not blocks:
        return None
    anchor = max(blocks, key=lambda m: m.size)
    blocks = [m for m in blocks if abs((m.b - m.a) - (anchor.b - anchor.a)) <= DRIFT]
    if sum(m.size for m in blocks) < ANCHORED * len(clause.toks):
        return None
    first, last = blocks[0], blocks[-1]
    start = max(0, first.b - first.a)
    end = min(len(toks), last.b + last.size + (len(clause.toks) - last.a - last.size))
    # The keys outside the blocks may be read as more or fewer keys there ("LEApersonnel" as two): where the
    # clause's first (last) key is read near where its count puts it, the span begins (ends) there instead.
    if first.a:
        near = [i for i in range(start - EDGE_SLACK, start + EDGE_SLACK + 1)
                if 0 <= i < first.b and toks[i] == clause.toks[0]]
        start = min(near, key=lambda i: (abs(i - start), i), default=start)
    if last.a + last.size < len(clause.toks):
        near = [i + 1 for i in range(end - 1 - EDGE_SLACK, end + EDGE_SLACK)
                if last.b + last.size <= i < len(toks) and toks[i] == clause.toks[-1]]
        end = min(near, key=lambda i: (abs(i - end), i), default=end)
    return toks[start:end]
