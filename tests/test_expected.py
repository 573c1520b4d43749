"""Every saved input against its expected JSON, found by name (tests/expected_cases.py says how).

Adding a case is adding two files (or, for a corpus document, one): nothing here changes. An expected file that
is no case of an area belongs to a test of its own (a comparison across many documents, the ledger over every
snapshot), which must name it: one no test names is an orphan, and fails here.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from expected_cases import EXPECTED, TESTS, cases

CASES = cases()


@pytest.mark.parametrize("area,source,expected", CASES,
                         ids=[f"{a.name}/{e.stem}" for a, _, e in CASES])
def test_saved_input_gives_expected_json(area, source, expected) -> None:
    got = json.loads(json.dumps(area.produce(source), default=str))
    if os.environ.get("MOA_REGEN_EXPECTED"):
        expected.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(expected.read_text(encoding="utf-8"))


def test_cases_are_found() -> None:
    # the three areas each hold cases (a wrong input path would silently find none)
    assert {a.name for a, _, _ in CASES} == {"harvest", "sheets", "fields"}


def test_no_expected_file_is_an_orphan() -> None:
    discovered = {e for _, _, e in CASES}
    texts = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("*.py"))
    orphans = []
    for expected in sorted(EXPECTED.glob("*/*.json")):
        if expected in discovered:
            continue
        stem = expected.stem
        named = {stem, re.sub(r"^[a-z]+_", "", stem)}  # "sections_<document>" is named by its document
        if not any(n in texts for n in named):
            orphans.append(str(expected.relative_to(EXPECTED)))
    assert orphans == []
