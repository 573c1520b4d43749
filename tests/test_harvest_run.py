"""Whole harvests against the real mirror (a thread on 127.0.0.1) serving files of the shared corpus."""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harvest.fetch import Fetcher
from harvest.mirror import Mirror
from harvest.run import harvest
from moa.catalog import connect
from tests.harvest_support import (
    FULL_SHEET,
    SMALL_SHEETS,
    VALIDATION_SHEET,
    build_site,
    check_store,
    linked_pdfs,
    pdf_shas,
    validation_dir,
    validation_manifest,
)

EXP = Path(__file__).parent / "expected" / "harvest"


@pytest.fixture(scope="module")
def small_pdfs(corpus) -> list[str]:
    return linked_pdfs(corpus, SMALL_SHEETS[0])


@pytest.fixture(scope="module")
def site(corpus, small_pdfs, tmp_path_factory):
    root = build_site(corpus, tmp_path_factory.mktemp("site"), SMALL_SHEETS, small_pdfs)
    with Mirror(root) as m:
        yield m


def run(conn: sqlite3.Connection, site: Mirror, **kw) -> dict:
    retry_failed = kw.pop("retry_failed", False)
    opts = {"delay": 0, "timeout": 5, "retries": 2, "backoff": 0} | kw
    fetcher = Fetcher(**opts)
    try:
        return harvest(conn, site.url, fetcher=fetcher, retry_failed=retry_failed)
    finally:
        fetcher.close()


def counts(r: dict) -> dict:
    return {"requests": r["requests"], "page": r["page"]["status"], "sheets": r["sheets"], "pdfs": r["pdfs"],
            "failures": r["failures"], "stopped": bool(r["stopped"])}


def test_first_and_second_harvest(site, data_dir, small_pdfs) -> None:
    conn = connect(data_dir)
    first, second = run(conn, site), run(conn, site)
    expected = json.loads((EXP / "small_site_runs.json").read_text())
    assert {"first": counts(first), "second": counts(second)} == expected
    assert first["pdfs"]["downloaded"] == len(small_pdfs) == 34
    assert second["requests"] == 3 and second["pdfs"]["downloaded"] == 0  # page + 2 sheets, all 304
    # every stored fetch carries full provenance
    rows = conn.execute("SELECT * FROM fetches WHERE outcome='stored'").fetchall()
    assert len(rows) == 1 + 2 + 34
    for r in rows:
        assert r["url"].startswith("https://www.ice.gov/") and r["requested_url"].startswith(site.url)
        assert r["final_url"] and r["status"] == 200 and r["etag"] and r["last_modified"] and r["fetched_at"]
        assert r["bytes"] > 0 and len(r["sha256"]) == 64 and r["declared_type"] and r["sniffed_type"]
    pdfs = conn.execute("SELECT name, source FROM files WHERE origin='harvest' AND name LIKE '%.pdf'").fetchall()
    assert sorted(r["name"] for r in pdfs) == sorted(small_pdfs)  # names as the corpus (and ICE) spell them
    assert conn.execute("SELECT COUNT(*) FROM fetches WHERE outcome='not_modified'").fetchone()[0] == 3
    dead = conn.execute("SELECT COUNT(*) FROM downloads WHERE state='failed' AND permanent=1 AND retry_after IS NOT"
                        " NULL").fetchone()[0]
    assert dead == first["pdfs"]["failed"] == first["pdfs"]["linked"] - 34
    check_store(conn, data_dir)
    # --retry-failed asks the dead links again, now
    third = run(conn, site, retry_failed=True)
    assert third["requests"] == 3 + dead and third["pdfs"]["downloaded"] == 0


FAULTS = {
    # fault spec (X = one PDF the sheet links) → (what the first run reports for X, options)
    "5xx:9@*X*": ("HTTP 503", {}),
    "html200@*X*": ("not a PDF", {}),
    "truncpdf@*X*": ("truncated PDF", {}),
    "truncate@*X*": ("connection failed", {}),
    "slow:1.5@*X*": ("timed out", {"timeout": 0.4, "retries": 0}),
    "429:120@*X*": ("stop", {}),
    "403@/identify-and-arrest/287g": ("stop", {}),
    "404@*participatingAgencies*": ("sheet", {}),
    "html200@*pendingAgencies*": ("not a spreadsheet", {}),
}


@pytest.mark.parametrize("spec", list(FAULTS))
def test_fault_is_recorded_logged_once_and_recovered(spec, site, data_dir, small_pdfs, caplog) -> None:
    victim = small_pdfs[len(small_pdfs) // 2]
    stem = victim.rsplit(".", 1)[0]
    what, opts = FAULTS[spec]
    conn = connect(data_dir)
    site.set_faults([spec.replace("X", stem)])
    try:
        with caplog.at_level(logging.INFO, logger="moa"):
            first = run(conn, site, **opts)
    finally:
        site.set_faults([])
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING and "dead links" not in r.getMessage()]
    assert len(loud) == 1, [r.getMessage() for r in loud]
    held = pdf_shas(conn)
    if what == "stop":
        assert first["stopped"] and "server refused" in loud[0].getMessage()
        assert first["pdfs"]["downloaded"] < len(small_pdfs)
    elif what == "sheet":
        assert first["sheets"]["failed"] == 1 and first["pdfs"]["downloaded"] == 0
        assert "404" in loud[0].getMessage()
    elif what == "not a spreadsheet":
        assert first["sheets"]["failed"] == 1 and first["pdfs"]["downloaded"] == len(small_pdfs)
        assert what in loud[0].getMessage() and "pendingAgencies" in loud[0].getMessage()
    else:
        assert what in loud[0].getMessage() and victim.split("_")[0] in loud[0].getMessage()
        assert first["pdfs"]["downloaded"] == len(small_pdfs) - 1 and not first["stopped"]
        row = conn.execute("SELECT * FROM downloads WHERE url LIKE ?", (f"%{stem}%",)).fetchone()
        assert row["state"] == "failed" and row["permanent"] == 0 and row["retry_after"] is None
        # the HTML error page or the half PDF never became a document
        assert conn.execute("SELECT COUNT(*) FROM blobs WHERE media_type='text/html'").fetchone()[0] <= 1
    check_store(conn, data_dir)
    if spec.startswith("429"):  # the URL that got 429 waits out its Retry-After (120 s) on a plain next run
        assert run(conn, site)["pdfs"]["backing_off"] == 1 + first["failures"].get("HTTP 404", 0)
    # the fault is gone: the next run completes, nothing lost, nothing twice
    before = pdf_shas(conn)
    second = run(conn, site, retry_failed=spec.startswith("429"))
    after = pdf_shas(conn)
    assert not second["stopped"] and len(after) == len(small_pdfs)
    assert all(after[u] == s for u, s in held.items())
    assert second["pdfs"]["downloaded"] == len(small_pdfs) - len(before)
    check_store(conn, data_dir)


def test_cli_polite_stop_exits_1_with_one_line(site, data_dir) -> None:
    site.set_faults(["403@/identify-and-arrest/287g"])
    try:
        r = subprocess.run([sys.executable, "-m", "moa", "harvest", "--data", str(data_dir), "--base-url", site.url,
                            "--delay", "0"], capture_output=True, text=True, timeout=120)
    finally:
        site.set_faults([])
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "stopping politely" in lines[0] and "403" in lines[0]
    assert "stopped: HTTP 403" in r.stdout


def test_killed_midway_resumes_without_duplicates(site, data_dir, small_pdfs) -> None:
    cmd = [sys.executable, "-m", "moa", "harvest", "--data", str(data_dir), "--base-url", site.url,
           "--delay", "0.05", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    db = data_dir / "moa.sqlite"
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        try:
            c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            done = c.execute("SELECT COUNT(*) FROM downloads WHERE kind='pdf' AND state='done'").fetchone()[0]
            c.close()
        except sqlite3.Error:
            continue
        if done >= 10:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the harvest finished before it could be killed"
    conn = connect(data_dir)
    check_store(conn, data_dir)
    before = pdf_shas(conn)
    assert 10 <= len(before) < len(small_pdfs)
    again = run(conn, site)
    after = pdf_shas(conn)
    assert len(after) == len(small_pdfs) and all(after[u] == s for u, s in before.items())
    assert again["pdfs"]["downloaded"] == len(small_pdfs) - len(before)
    check_store(conn, data_dir)


def test_interrupt_inside_a_download_rolls_back(site, data_dir, small_pdfs, monkeypatch) -> None:
    import harvest.run as run_mod

    real = run_mod.register_blob
    calls = {"n": 0}

    def flaky(conn, data):
        calls["n"] += 1
        if calls["n"] == 8:
            real(conn, data)  # the blob lands, then Ctrl-C before its rows commit
            raise KeyboardInterrupt
        return real(conn, data)

    monkeypatch.setattr(run_mod, "register_blob", flaky)
    conn = connect(data_dir)
    with pytest.raises(KeyboardInterrupt):
        run(conn, site)
    monkeypatch.setattr(run_mod, "register_blob", real)
    check_store(conn, data_dir)
    assert len(pdf_shas(conn)) == 8 - 3 - 1  # page and 2 sheets took 3 calls; the 8th rolled back
    run(conn, site)
    assert len(pdf_shas(conn)) == len(small_pdfs)
    check_store(conn, data_dir)


@pytest.mark.slow
def test_full_site_stores_every_corpus_and_validation_moa(corpus, tmp_path, data_dir) -> None:
    """Two lists link all 135 corpus PDFs and all 55 validation PDFs; the mirror serves the corpus and (--also)
    the validation folder in place, so all 190 are stored (and the rest 404)."""
    names = sorted(p.name for p in (corpus / "moa").iterdir())
    validation = sorted(validation_manifest(corpus))
    assert (len(names), len(validation)) == (135, 55)
    root = build_site(corpus, tmp_path / "site", (FULL_SHEET, VALIDATION_SHEET), names)
    conn = connect(data_dir)
    with Mirror(root, also=[validation_dir(corpus)]) as m:
        first = run(conn, m)
        second = run(conn, m)
    assert first["pdfs"]["downloaded"] == 190 and first["requests"] == 1 + 2 + first["pdfs"]["linked"]
    assert first["pdfs"]["failed"] == first["pdfs"]["linked"] - 190
    # the second run asks the page and the newest list again (304); the older list is held, not asked
    assert second["requests"] == 2 and second["sheets"]["held"] == 1 and second["pdfs"]["downloaded"] == 0
    stored = {r["name"] for r in conn.execute("SELECT name FROM files WHERE origin='harvest' AND name LIKE '%.pdf'")}
    assert stored == set(names) | set(validation)
    check_store(conn, data_dir)


def test_harvest_stores_the_validation_moas_as_published(corpus, tmp_path, data_dir) -> None:
    """ICE's sheets link the 55 validation MOAs: a harvest against the mirror serving their folder in place
    stores each one byte for byte (sha256 as MANIFEST.tsv gives it), and only harvests (no extraction)."""
    manifest = validation_manifest(corpus)
    root = build_site(corpus, tmp_path / "site", (VALIDATION_SHEET,), [])  # the list alone: corpus links 404
    conn = connect(data_dir)
    with Mirror(root, also=[validation_dir(corpus)]) as m:
        r = run(conn, m)
        served = {p for p, status, _ua in m.requests if status == 200 and p.endswith(".pdf")}
    assert r["pdfs"]["downloaded"] == len(manifest) == len(served) == 55
    rows = conn.execute("SELECT f.name, f.sha256 FROM files f JOIN downloads d ON d.sha256 = f.sha256"
                        " WHERE f.origin='harvest' AND d.kind='pdf' AND d.state='done'").fetchall()
    assert {row["name"]: row["sha256"] for row in rows} == manifest
    assert r["pdfs"]["failed"] == r["pdfs"]["linked"] - 55 and not r["stopped"]
    check_store(conn, data_dir)


def test_older_page_with_roster_table(corpus, tmp_path, data_dir) -> None:
    """ICE's older page carried the roster as an HTML table: its MOA links are harvested and the page itself
    enters the ledger as a snapshot."""
    names = sorted(p.name for p in (corpus / "moa").iterdir())
    root = build_site(corpus, tmp_path / "site", (), names)
    roster = "ParticipatingEntities-20250219163339.xlsx"
    (root / "sheets" / "wayback").mkdir(parents=True)
    (root / "sheets" / "wayback" / roster).symlink_to(corpus / "sheets" / "wayback-html-tables" / roster)
    conn = connect(data_dir)
    with Mirror(root, page="table") as m:
        r = run(conn, m)
    assert r["page"]["roster_rows"] > 100 and r["page"]["sheets"] == 0
    assert r["sheets"]["imported"] == 1  # the page, as an HTML roster
    p = r["pdfs"]
    assert p["downloaded"] > 20 and p["downloaded"] + p["failed"] == p["linked"]
    stored = {row["name"] for row in conn.execute("SELECT name FROM files WHERE origin='harvest' AND name LIKE '%.pdf'")}
    assert stored <= set(names) and len(stored) == p["downloaded"]
    check_store(conn, data_dir)


def test_one_harvest_at_a_time(site, data_dir) -> None:
    import fcntl

    from moa.errors import UserError

    conn = connect(data_dir)
    with open(data_dir / "harvest.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(UserError, match="another `moa harvest` is running"):
            run(conn, site)
    assert conn.execute("SELECT COUNT(*) FROM fetches").fetchone()[0] == 0
