"""`moa extract`'s progress line: documents and pages done, OCR pages left and an ETA on a terminal, nothing
otherwise. Run on real PDFs through a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from moa.progress import ExtractProgress

ROOT = Path(__file__).resolve().parent.parent
# A born-digital MOA with one scanned page (OCR'd), and one whose pages are all text.
SCANNED_ONE = "LaramieCoSheriffsOfficeWY_TFM_MOA_06112025.pdf"  # 14 pages
TEXT_ONLY = "GraysonCountyDCKY_JEM_MOA_030425.pdf"
LINE = re.compile(r"extract: (\d+)/(\d+) documents, (\d+)/(\d+) pages, (\d+|\?) OCR pages left, ETA (\S+)")


def _extract_on_pty(args: list[str]) -> tuple[int, str, str]:
    """`moa extract ARGS` with stderr on a pseudo-terminal: (exit code, stdout, what the terminal showed)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "moa", "extract", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=follower, text=True)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read() if proc.stdout else ""
    code = proc.wait()
    os.close(leader)
    return code, out, shown.decode("utf-8", "replace")


@pytest.mark.slow
def test_progress_on_a_terminal_and_silence_off_it(corpus: Path, data_dir: Path) -> None:
    files = [str(corpus / "moa" / SCANNED_ONE), str(corpus / "moa" / TEXT_ONLY)]
    code, out, shown = _extract_on_pty(["--data", str(data_dir), *files])
    assert code == 0, shown
    pages = int(re.search(r"extracted 2 document\(s\), (\d+) pages \((\d+) OCR", out).group(1))
    ocr_pages = int(re.search(r"\((\d+) OCR", out).group(1))
    lines = [m.groups() for m in LINE.finditer(shown)]
    assert lines, shown
    # Once both text layers are read, the run's pages and OCR pages are known, before any document is done.
    first_known = next(g for g in lines if g[4] != "?")
    assert (first_known[1], first_known[3]) == ("2", str(pages))
    assert int(first_known[4]) == ocr_pages >= 1
    # The last line: everything done, nothing left.
    assert lines[-1][:5] == ("2", "2", str(pages), str(pages), "0")
    assert shown.endswith("\n")

    # The same command with stderr not a terminal shows nothing (warm: the OCR cache answers).
    plain = subprocess.run([sys.executable, "-m", "moa", "extract", "--data", str(data_dir), "--force", *files],
                           cwd=ROOT, capture_output=True, text=True)
    assert plain.returncode == 0 and "extracted 2 document(s)" in plain.stdout
    assert "OCR pages left" not in plain.stderr and "OCR pages left" not in plain.stdout


class _Terminal:
    """A stream that says it is a terminal."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


def test_eta_from_the_rate_of_ocr_pages_then_of_documents() -> None:
    now = [0.0]
    term = _Terminal()
    p = ExtractProgress(4, term, every=0, clock=lambda: now[0])
    assert p.line() == "extract: 0/4 documents, 0 pages, ? OCR pages left, ETA ?"
    p.planned(40, 10)
    now[0] = 30.0
    for _ in range(3):
        p.ocr_page()
    # 3 OCR pages in 30 s: 7 left take 70 s.
    assert p.eta() == pytest.approx(70.0)
    assert "0/4 documents, 0/40 pages, 7 OCR pages left, ETA 1m10s" in term.text
    for _ in range(7):
        p.ocr_page()
    now[0] = 100.0
    p.document(10)
    # No OCR left: the documents left at the rate documents finish (one in 100 s).
    assert p.eta() == pytest.approx(300.0)
    assert "1/4 documents, 10/40 pages, 0 OCR pages left, ETA 5m00s" in term.text
    p.close()
    assert term.text.endswith("\n")
    quiet = ExtractProgress(1, open(os.devnull, "w"))
    quiet.planned(1, 1)
    quiet.document(1)
    quiet.close()
    assert not quiet.enabled
