"""Shared fixtures: the real corpus beside the checkout, and a fresh data directory per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from moa.config import shared_corpus

# Real Elasticsearch nodes for the tests (fixture `es_url`): tests/es_node.py
pytest_plugins = ["es_node"]

CORPUS = shared_corpus()
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """main() sets moa's logging up (its handler on the root logger, level INFO); undone after each test, so a
    later test's server threads (uvicorn's error log of a route's deliberate bug) do not log to the terminal."""
    import logging

    from moa.log import _Stderr

    root = logging.getLogger()
    level = root.level
    try:
        return (yield)
    finally:
        root.handlers[:] = [h for h in root.handlers if not isinstance(h, _Stderr)]
        root.setLevel(level)


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "moa").is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def small_catalog(corpus: Path, tmp_path_factory) -> dict:
    """The search tests' small real catalog (tests/search_support.py), extracted once per session."""
    from search_support import build_catalog

    data = tmp_path_factory.mktemp("small-catalog") / "data"
    conn, ledger = build_catalog(data, corpus)
    conn.close()
    return {"data": data, "ledger": ledger}
