"""The layout follows the data flow: a package imports only the packages below it (README, "Architecture").

Every import in every module is read (top-level or inside a function), so a lazy import cannot hide an edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> the project packages it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "moa": set(),
    # reference data: counties, populations (Census), county geometry; any stage may use it
    "places": {"moa"},
    "harvest": {"moa", "places"},
    "extract": {"moa"},
    "agreements": {"moa", "places", "harvest", "extract"},
    "search": {"moa", "agreements"},
    # compare reads documents through agreements; from extract it takes only tools: the page re-reader and the
    # word list (never a record)
    "compare": {"moa", "agreements", "extract"},
    "export": {"moa", "agreements", "search", "compare"},
    "web": {"moa", "places", "agreements", "search", "compare", "export", "alerts"},
    # alerts runs the whole flow (`moa update`) and watches the ledger and saved searches
    "alerts": {"moa", "harvest", "extract", "agreements", "search", "compare"},
}
# the `moa` command is the one place that imports every stage's CLI
EXEMPT = {"moa/cli.py"}
TOOLS_FROM_EXTRACT = {"extract.page_reader", "extract.wordlist"}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every absolute import in a file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out += [(node.lineno, node.module)]
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def edges() -> list[tuple[str, int, str]]:
    found = []
    for pkg in ALLOWED:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in EXEMPT:
                continue
            for line, mod in imports_of(path):
                top = mod.split(".")[0]
                if top in ALLOWED and top != pkg:
                    found.append((rel, line, mod))
    return found


def test_every_package_imports_only_what_stands_below_it() -> None:
    wrong = []
    for rel, line, mod in edges():
        pkg, top = rel.split("/")[0], mod.split(".")[0]
        if top not in ALLOWED[pkg]:
            wrong.append(f"{rel}:{line} imports {mod}")
        elif pkg == "compare" and top == "extract" and not any(
                mod == t or mod.startswith(t + ".") for t in TOOLS_FROM_EXTRACT):
            wrong.append(f"{rel}:{line} imports {mod}: compare reads documents through agreements")
    assert not wrong, "\n".join(wrong)


def test_harvest_and_extract_stand_side_by_side() -> None:
    crossing = [(rel, mod) for rel, _, mod in edges()
                if {rel.split("/")[0], mod.split(".")[0]} == {"harvest", "extract"}]
    assert crossing == []


@pytest.mark.parametrize("pkg", sorted(ALLOWED))
def test_no_in_project_import_is_optional(pkg: str) -> None:
    # An `except ImportError` around a project import hides a missing stage; outside packages (tesserocr,
    # RapidOCR) may be optional, project ones never.
    hidden = []
    for path in sorted((ROOT / pkg).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches = any(isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                          or isinstance(h.type, ast.Tuple) and any(getattr(e, "id", "") == "ImportError"
                                                                    for e in h.type.elts)
                          for h in node.handlers)
            if not catches:
                continue
            for sub in node.body:
                for inner in ast.walk(sub):
                    if isinstance(inner, ast.ImportFrom) and (inner.level > 0 or (inner.module or "").split(".")[0]
                                                              in ALLOWED):
                        hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not hidden, "optional project imports: " + ", ".join(hidden)


def test_the_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from harvest.ledger import rebuild\n")
    assert (2, "harvest.ledger") in imports_of(bad)
