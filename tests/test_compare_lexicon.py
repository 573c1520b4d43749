"""compare.lexicon: Tesseract's English dictionary is found where Tesseract itself looks for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compare import lexicon
from compare.wording import canon


@pytest.fixture
def installed() -> Path:
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed")
    found = lexicon.traineddata("eng")
    if found is None:
        pytest.skip("no eng.traineddata installed")
    return found


def test_traineddata_is_where_tesseract_lists_its_languages(installed: Path, monkeypatch) -> None:
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    assert installed.name == "eng.traineddata" and installed.is_file()
    assert lexicon.traineddata("no-such-language") is None


def test_tessdata_prefix_overrides_the_installed_directory(installed: Path, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TESSDATA_PREFIX", str(installed.parent))
    assert lexicon.traineddata("eng") == installed.parent / "eng.traineddata"
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))  # a prefix without English: no dictionary, no fallback
    assert lexicon.traineddata("eng") is None


def test_english_holds_real_words_and_no_misreadings(installed: Path) -> None:
    real = lexicon.english()
    assert len(real) > 100_000
    assert {canon(w) for w in ("personnel", "under", "forth")} <= real  # comparison keys, look-alikes folded
    assert lexicon.nonword(canon("fmlh")) and not lexicon.nonword(canon("under"))  # "fmlh" is OCR's "forth"
