"""`moa mirror` serves the shared corpus as ICE's site: page, sheets, PDFs, 304s, faults, control endpoint."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from harvest.mirror import Fault, Mirror
from harvest.page import PAGE_PATH, parse_page


@pytest.fixture(scope="module")
def mirror(corpus):
    with Mirror(corpus) as m:
        yield m


def test_page_links_newest_lists_first_then_archive(mirror) -> None:
    r = requests.get(mirror.url + PAGE_PATH, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    page = parse_page(r.content, aliases=(mirror.url,))
    current = {s.kind: s.name for s in page.sheets if s.current}
    # newest by the workbooks' own modification time (file names carry wrong dates)
    assert current == {"participating": "participatingAgencies05182026am.xlsx",
                       "pending": "pendingAgencies02272026am.xlsx"}
    lib = mirror.library
    n_sheets = len(lib.sheets["participating"]) + len(lib.sheets["pending"]) + len(lib.rosters)
    assert len(page.sheets) == n_sheets == 480 + 19


def test_serves_files_at_ice_paths(mirror, corpus) -> None:
    pdf = requests.get(mirror.url + "/doclib/287gMOA/287gWSO_BayCoFl2019-10-15.pdf", timeout=10)
    assert pdf.status_code == 200 and pdf.content == (corpus / "moa" / "287gWSO_BayCoFl2019-10-15.pdf").read_bytes()
    assert pdf.headers["Content-Type"] == "application/pdf"
    # the corpus keeps the name with a literal %20; ICE's URL has %20 for a space
    r = requests.get(mirror.url + "/doclib/287gMOA/287gJEM_%20etowahCoAL_06-09-2020.pdf", timeout=10)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    sheet = requests.get(mirror.url + "/doclib/about/offices/ero/287g/pendingAgencies02272026am.xlsx", timeout=10)
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert requests.get(mirror.url + "/doclib/287gMOA/NoSuchCoXX.pdf", timeout=10).status_code == 404
    assert requests.get(mirror.url + "/etc/passwd", timeout=10).status_code == 404


def test_conditional_requests_get_304(mirror) -> None:
    url = mirror.url + "/doclib/287gMOA/287gWSO_BayCoFl2019-10-15.pdf"
    first = requests.get(url, timeout=10)
    by_etag = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    by_date = requests.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}, timeout=10)
    assert (by_etag.status_code, by_etag.content, by_date.status_code) == (304, b"", 304)


def test_faults_switch_over_http_and_expire(mirror) -> None:
    url = mirror.url + "/doclib/287gMOA/287gWSO_BayCoFl2019-10-15.pdf"
    r = requests.post(mirror.url + "/__mirror__/faults", json=["5xx:2@*BayCo*", "429:30@*PolkCo*"], timeout=10)
    assert r.status_code == 200 and len(r.json()["faults"]) == 2
    try:
        assert [requests.get(url, timeout=10).status_code for _ in range(3)] == [503, 503, 200]
        polk = requests.get(mirror.url + "/doclib/287gMOA/287gWSO_PolkCoFl2019-05-06.pdf", timeout=10)
        assert polk.status_code == 429 and polk.headers["Retry-After"] == "30"
        html = Fault.parse("html200")
        mirror.set_faults([html])
        r = requests.get(url, timeout=10)
        assert r.status_code == 200 and r.content.startswith(b"<!DOCTYPE html>")
    finally:
        mirror.set_faults([])
    stats = requests.get(mirror.url + "/__mirror__/stats", timeout=10).json()
    assert stats["by_status"]["503"] >= 2 and stats["faults"] == []


def test_truncate_cuts_the_connection(mirror) -> None:
    mirror.set_faults(["truncate@*BayCo*"])
    try:
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            _ = requests.get(mirror.url + "/doclib/287gMOA/287gWSO_BayCoFl2019-10-15.pdf", timeout=10).content
    finally:
        mirror.set_faults([])


def test_bad_fault_spec_is_a_user_error() -> None:
    with pytest.raises(ValueError, match="bad fault"):
        Fault.parse("teapot")
    assert Fault.parse("5xx:3@*.pdf") == Fault("5xx", 3.0, "*.pdf", 3)
    assert Fault.parse("html200").glob == "*.pdf"


def test_cli_serves_and_older_table_page(corpus, tmp_path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "moa", "mirror", str(corpus), "--port", "0", "--page", "table"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("moa mirror: serving") and "480 participating" not in line
        url = line.split(" at ")[1].split("/identify-and-arrest")[0]
        r = requests.get(url + PAGE_PATH, timeout=30)
        page = parse_page(r.content, aliases=(url,))
        assert page.roster_header[:2] == ["STATE", "LAW ENFORCEMENT AGENCY"] and len(page.roster) > 100
        assert any(row.links for row in page.roster)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "moa", "mirror", str(tmp_path / "nope")], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "mirror folder not found" in bad.stderr


def test_also_serves_another_folder_in_place(corpus, tmp_path) -> None:
    """`--also DIR` serves the validation MOAs (ICE's sheets link them too) from their own folder, after DIR."""
    validation = corpus.parent / "validation" / "moa"
    name = "pascoCoSheriff_TFM_MOA_02272025.pdf"
    with Mirror(corpus, also=[validation]) as m:
        r = requests.get(m.url + "/doclib/287gMOA/" + name, timeout=10)
        assert r.status_code == 200 and r.content == (validation / name).read_bytes()
        assert m.library.files[name] == validation / name  # read where it lies, not copied
        assert m.library.files["README.md"] == corpus / "README.md"  # a name in both: the first folder's
    with Mirror(corpus) as m:
        assert requests.get(m.url + "/doclib/287gMOA/" + name, timeout=10).status_code == 404
    proc = subprocess.Popen([sys.executable, "-m", "moa", "mirror", str(corpus), "--also", str(validation),
                             "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"serving {corpus} + {validation} at http" in line
        assert line.rstrip().endswith(f"pending sheets, {135 + 55} PDFs)")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "moa", "mirror", str(corpus), "--also", str(tmp_path / "nope")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and f"mirror folder not found: {tmp_path / 'nope'}" in bad.stderr
