"""`moa serve` end to end: a real catalog (born-digital MOAs of the shared corpus through the real extraction
and the sqlite index), the real command in a child process on a free port, checked over HTTP and in headless
Chromium. What a page must show is read from the extracted records and the search library itself, so the
pages are checked against the same answers `moa show` and `moa search --json` give.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from search_support import indexed_copy

from search.api import run_search
from search.backend import get_backend
from search.index import update_index

TIMEOUT = 30


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def catalog(small_catalog, tmp_path_factory):
    data, records = indexed_copy(small_catalog, tmp_path_factory.mktemp("serve") / "data")
    return {"data": data, "records": records}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def server(catalog):
    """`moa serve --port 0` in a child process; yields its base URL, then checks it wrote nothing."""
    data = catalog["data"]
    before = _digest(data / "moa.sqlite")
    proc = subprocess.Popen([sys.executable, "-m", "moa", "serve", "--data", str(data), "--port", "0"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        line = proc.stderr.readline()
        m = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert m, f"moa serve did not start: {line!r}"
        yield {"url": m.group(1).rstrip("/"), "data": data}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert _digest(data / "moa.sqlite") == before, "the web interface must not write to the catalog"


def fetch(server, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(server["url"] + path, timeout=TIMEOUT) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def page(server, path: str, status: int = 200) -> str:
    code, ctype, body = fetch(server, path)
    assert code == status, (path, code, body[:500])
    assert ctype.startswith("text/html")
    return body.decode("utf-8")


def q(query: str, **kw) -> str:
    return "/?" + urllib.parse.urlencode({"q": query, **kw})


def library_search(server, query: str, level: str = "document", limit: int = 20, offset: int = 0) -> dict:
    from moa.catalog import connect

    conn = connect(server["data"], readonly=True)
    try:
        return run_search(conn, query, level, "sqlite", limit=limit, offset=offset)
    finally:
        conn.close()


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment (tags dropped, entities decoded, spaces collapsed)."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def record_named(catalog, part: str) -> dict:
    return next(r for r in catalog["records"] if part in r["file"])


# ---------------------------------------------------------------------------------------------- search


def test_search_page_shows_hits_snippets_and_facets(server):
    query = "model:TFM section:costs overtime"
    want = library_search(server, query, "clause")
    assert want["total"] >= 1
    body = page(server, q(query, level="clause"))
    assert f'<b id="total">{want["total"]}</b>' in body
    for h in want["hits"]:
        assert f'href="/doc/{h["sha256"]}#p{h["page"]}"' in body      # pinpoint citation link
        assert f'href="/doc/{h["sha256"]}/pdf#page={h["page"]}"' in body
        assert html.escape(f'§ {h["section"]["number"]} {h["section"]["title"]}') in body
    assert "<mark>overtime</mark>" in body.lower()
    # facets: counts as in the library's answer; filter links add the field to the query
    for value, n in want["facets"]["template_revision"].items():
        assert re.search(rf'>{re.escape(value)}</(a|span)> <span class="count">{n}</span>', body)
    assert 'data-facet="model"' in body and 'data-facet="state"' in body


def test_facet_link_filters_the_search(server):
    body = page(server, q("responsible", level="document"))
    links = re.findall(r'<a href="([^"]+)" data-filter="state:([A-Z]{2})">', body)
    assert links, "state facet values are links"
    href, state = links[0]
    filtered = page(server, html.unescape(href))
    want = library_search(server, f"responsible state:{state}")
    assert want["total"] >= 1 and all(h["state"] == state for h in want["hits"])
    assert f'<b id="total">{want["total"]}</b>' in filtered
    assert f'value="responsible state:{state}"' in filtered  # the search box shows the filtered query


def test_paging_page_level(server):
    query = "LEA"
    first = library_search(server, query, "page", limit=20)
    assert first["total"] > 20, "enough pages mention the LEA to page through"
    body = page(server, q(query, level="page"))
    assert 'rel="next"' in body and 'rel="prev"' not in body
    body2 = page(server, q(query, level="page", page=2))
    assert '<ol class="hits" start="21">' in body2 and 'rel="prev"' in body2
    second = library_search(server, query, "page", limit=20, offset=20)
    for h in second["hits"][:5]:
        assert f'href="/doc/{h["sha256"]}#p{h["page"]}"' in body2


def test_api_search_is_moa_search_json(server):
    query = '"287(a)(2)"'
    code, ctype, body = fetch(server, "/api/search?" + urllib.parse.urlencode({"q": query, "level": "page"}))
    assert code == 200 and ctype.startswith("application/json")
    cli = subprocess.run([sys.executable, "-m", "moa", "search", query, "--level", "page", "--json",
                          "--data", str(server["data"])], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(body) == json.loads(cli.stdout)


def test_bad_syntax_is_400_with_the_message(server):
    body = page(server, q('"overtime AND'), status=400)
    assert "Query syntax error" in body and "unbalanced quote" in body
    code, ctype, raw = fetch(server, "/api/search?q=" + urllib.parse.quote("(overtime"))
    assert code == 400 and ctype.startswith("application/json")
    err = json.loads(raw)
    assert "syntax" in err["error"] and isinstance(err["position"], int)


def test_everything_is_escaped(server):
    body = page(server, q('<script>alert(1)</script> "x'), status=400)
    assert "<script>" not in body and "&lt;script&gt;" in body
    body = page(server, q('<img src=x onerror=alert(1)>'))
    assert "<img" not in body


# ---------------------------------------------------------------------------------------------- one agreement


def build_corpus_of(catalog):
    from agreements.join import build
    from moa.catalog import connect

    conn = connect(catalog["data"], readonly=True)
    try:
        return build(conn)
    finally:
        conn.close()


def test_document_page_shows_record(server, catalog):
    rec = record_named(catalog, "GraysonCountyDCKY_JEM")
    body = page(server, f"/doc/{rec['sha256']}")
    visible = text_of(body)
    assert rec["model"] == "JEM" and "Jail Enforcement Model" in visible
    assert html.escape(rec["agency"]["name"]) in body
    assert f'State (as the document reads) {rec["agency"]["state"] or "unknown"} ' in visible
    # the agreement it belongs to, under the agency's name as ICE lists it, with a link to its page
    owner = build_corpus_of(catalog).by_document()[rec["sha256"]]
    assert f'href="/agreement/{owner.id}"' in body and html.escape(owner.agency) in body
    assert text_of(re.search(r"<h1>(.*?)</h1>", body, re.S).group(1)) == owner.agency
    sigs = re.search(r'<table class="signatories">(.*?)</table>', body, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", sigs.split("<tbody>")[1], re.S)
    assert len(rows) == len(rec["signatories"]) >= 2
    for s, row in zip(rec["signatories"], rows, strict=True):
        cells = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        assert cells[0] == s["party"].upper()
        for value, cell in ((s.get("name"), cells[1]), (s.get("title"), cells[2]), (s.get("date"), cells[3])):
            assert cell == (value if value else "not readable")
        assert cells[4] == (str(s["page"]) if s.get("page") else "")
    secs = re.search(r'<table class="sections">(.*?)</table>', body, re.S).group(1)
    for sec in rec["sections"]:
        assert f'<td>{html.escape(sec["number"])}</td><td>{html.escape(sec["title"])}</td>' in secs
        if sec.get("page_start"):
            assert f'href="#p{sec["page_start"]}"' in secs
        for sub in sec.get("subsections") or []:
            assert html.escape(sub["title"]) in secs
    for p in rec["pages"]:
        m = re.search(rf'<section class="page" id="p{p["number"]}" data-method="([a-z]+)">', body)
        assert m and m.group(1) == p["method"]
        assert f'/doc/{rec["sha256"]}/pdf#page={p["number"]}' in body
    assert html.escape(rec["pages"][0]["text"].strip()[:60]) in body


def test_document_listing_compares_signed_dates(server, catalog):
    """ICE's listed signed date beside the one read from the signatures, when the ledger holds the document."""
    from harvest.ledger import listings_for_document
    from moa.catalog import connect

    conn = connect(server["data"], readonly=True)
    try:
        listed = [(r, listings_for_document(conn, r["file"])) for r in catalog["records"]]
    finally:
        conn.close()
    listed = [(r, x) for r, x in listed if x]
    if not listed:
        pytest.skip("no test document is on the imported rosters")
    rec, listings = listed[0]
    body = page(server, f"/doc/{rec['sha256']}")
    table = re.search(r'<table class="listing">(.*?)</table>', body, re.S).group(1)
    for x in listings:
        if x.get("signed"):
            assert f"<td>{x['signed']}</td>" in table
        assert f'class="status {x["status"]}"' in table


def test_pdf_is_the_original_blob(server, catalog):
    rec = record_named(catalog, "TavaresPoliceDept")
    code, ctype, body = fetch(server, f"/doc/{rec['sha256']}/pdf")
    assert code == 200 and ctype == "application/pdf"
    assert hashlib.sha256(body).hexdigest() == rec["sha256"]


def test_unknown_document_is_404(server):
    for path in ("/doc/" + "0" * 64, "/doc/not-a-sha", "/doc/" + "0" * 64 + "/pdf", "/nothing/here"):
        body = page(server, path, status=404)
        assert 'data-status="404"' in body


def test_sha_prefix_redirects_to_the_document(server, catalog):
    rec = record_named(catalog, "SmithCo")
    body = page(server, f"/doc/{rec['sha256'][:12]}")  # urllib follows the redirect
    assert f'data-sha="{rec["sha256"]}"' in body


# ---------------------------------------------------------------------------------------------- compare


def test_compare_section(server, catalog):
    from compare.comparison import compare_section

    tfm = [r for r in catalog["records"] if r["model"] == "TFM"]
    want = compare_section(tfm, "costs")
    body = page(server, "/compare?section=costs&model=TFM")
    assert f'<p class="summary">{want["agreements"]} agreements have this clause; {len(want["variants"])} variant' in body
    for d in want["deviations"]:
        assert f'href="/doc/{d["sha256"]}' in body
    assert body.count('<li class="deviation">') == len(want["deviations"])
    page(server, "/compare?section=no-such-clause", status=404)


def test_compare_pair(server, catalog):
    a = record_named(catalog, "GraysonCountyDetCenterKY_WSO")
    b = record_named(catalog, "OwyheeCo")
    body = page(server, f"/compare?a={a['sha256']}&b={b['sha256']}")
    from compare.comparison import compare_pair

    want = compare_pair(a, b)
    assert body.count('<li class="row ') == len(want["rows"])
    for r in want["rows"]:
        assert f"<code>{html.escape(r['section'])}</code>" in body
    if any(r["status"] == "differs" for r in want["rows"]):
        assert "<del>" in body or "<ins>" in body
    page(server, f"/compare?a={a['sha256']}&b={'0' * 64}", status=404)


def test_serve_refuses_a_busy_port(server):
    port = urllib.parse.urlsplit(server["url"]).port
    r = subprocess.run([sys.executable, "-m", "moa", "serve", "--data", str(server["data"]), "--port", str(port)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "cannot listen" in r.stderr


# ---------------------------------------------------------------------------------------------- agreements


def test_agreement_and_agency_pages(server, catalog, tmp_path):
    corpus = build_corpus_of(catalog)
    rec = record_named(catalog, "GraysonCountyDCKY_JEM")
    a = corpus.by_document()[rec["sha256"]]
    body = page(server, "/agreements?" + urllib.parse.urlencode({"state": a.state, "model": a.model}))
    want = [x for x in corpus.agreements if x.state == a.state and x.model == a.model]
    assert f"{len(want)} agreement(s)" in text_of(body) and f'href="/agreement/{a.id}"' in body
    body = page(server, f"/agreement/{a.id}")
    visible = text_of(body)
    assert html.escape(a.agency) in body and f'href="/doc/{rec["sha256"]}"' in body
    assert a.listing.agency in visible and "On ICE's lists" in visible
    for sec in rec["sections"]:
        assert html.escape(sec["title"]) in body
    body = page(server, f"/agency/{a.agency_id}")
    for aid in corpus.agencies[a.agency_id].agreement_ids:
        assert f'href="/agreement/{aid}"' in body
    # an agreement whose PDF we do not hold has its page too
    bare = next(x for x in corpus.agreements if x.listing and not x.moa)
    assert "we do not hold it" in text_of(page(server, f"/agreement/{bare.id}")) or not bare.listing.files
    page(server, "/agreement/no-such-agreement", status=404)
    # the ledger's history page of the same agreement leads to it
    assert f'href="/agreement/{a.id}"' in page(server, f"/program/agreement/{a.listing.ledger_id}")
    code, ctype, raw = fetch(server, "/api/v1/agreements?status=removed")
    assert code == 200 and ctype.startswith("application/json")
    got = json.loads(raw)
    assert got["total"] == len([x for x in corpus.agreements if x.status == "removed"]) == len(got["agreements"])
    code, ctype, raw = fetch(server, "/api/v1/agreements?status=removed&format=csv")
    assert code == 200 and ctype.startswith("text/csv") and raw.decode().count("\n") == got["total"] + 1
    code, _, raw = fetch(server, f"/api/v1/agreements/{a.id}")
    assert code == 200 and json.loads(raw)["documents"][0]["sha256"] == rec["sha256"]
    code, _, raw = fetch(server, "/api/v1/agreements?status=cancelled")
    assert code == 400 and "unknown status" in json.loads(raw)["error"]
    # searching agreements by their listing: hits under ICE's name, the MOA linked where we hold it
    body = page(server, q(f"state:{a.state} model:{a.model}", level="agreement"))
    assert f'href="/agreement/{a.id}"' in body
    dom = browse(f"{server['url']}/agreement/{a.id}", "--dump-dom").stdout
    assert '<dl class="facts">' in dom and html.escape(a.agency, quote=False) in dom


# ---------------------------------------------------------------------------------------------- browser


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.skip("Debian's chromium is not installed (.ci/setup.d/browser.sh installs it)")
    return exe


def browse(url: str, *extra: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", *extra, url],
            capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": profile})


@pytest.mark.slow
def test_browser_renders_search_and_document(server, catalog, tmp_path):
    query = "model:TFM section:costs overtime"
    want = library_search(server, query, "clause")
    dom = browse(server["url"] + q(query, level="clause"), "--dump-dom").stdout
    assert f'<b id="total">{want["total"]}</b>' in dom
    assert "<mark>" in dom and 'data-facet="model"' in dom
    rec = record_named(catalog, "GraysonCountyDCKY_JEM")
    dom = browse(f"{server['url']}/doc/{rec['sha256']}", "--dump-dom").stdout
    assert '<table class="signatories">' in dom and '<table class="sections">' in dom
    names = [s["name"] for s in rec["signatories"] if s.get("name")]
    for n in names:
        assert html.escape(n, quote=False) in dom
    dom = browse(server["url"] + q('"overtime'), "--dump-dom").stdout
    assert "Query syntax error" in dom
    dom = browse(f"{server['url']}/doc/{'f' * 64}", "--dump-dom").stdout
    assert 'data-status="404"' in dom
    shot = tmp_path / "search.png"
    r = browse(server["url"] + q(query, level="clause"), f"--screenshot={shot}", "--window-size=1280,900")
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", r.stderr[-2000:]


# ---------------------------------------------------------------------------------------------- elasticsearch


@pytest.mark.slow
@pytest.mark.es
def test_serve_on_elasticsearch_answers_like_the_library(catalog, es_url, monkeypatch, tmp_path):
    """`moa serve --backend elasticsearch` against a real node: the same answers as the library gives."""
    from moa.catalog import connect

    # Indexing writes the index state into the catalog: work on a copy, so the module's read-only check holds.
    data = tmp_path / "data"
    shutil.copytree(catalog["data"], data)
    alias = f"moa-serve-test-{os.getpid()}"
    monkeypatch.setenv("MOA_ES_INDEX", alias)
    conn = connect(data)
    backend = get_backend("elasticsearch", conn, es_url)
    try:
        update_index(conn, backend, rebuild=True)
    finally:
        backend.close()
    query = "model:TFM section:costs overtime"
    try:
        want = run_search(conn, query, "clause", "elasticsearch", es_url=es_url)
    finally:
        conn.close()
    proc = subprocess.Popen([sys.executable, "-m", "moa", "serve", "--data", str(data), "--port", "0",
                             "--backend", "elasticsearch", "--es-url", es_url],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, "MOA_ES_INDEX": alias})
    try:
        m = re.search(r"at (http://127\.0\.0\.1:\d+)/", proc.stderr.readline())
        assert m
        srv = {"url": m.group(1)}
        code, _, body = fetch(srv, "/api/search?" + urllib.parse.urlencode({"q": query, "level": "clause"}))
        assert code == 200
        got = json.loads(body)
        assert got["total"] == want["total"] >= 1
        assert [(h["sha256"], h["page"]) for h in got["hits"]] == [(h["sha256"], h["page"]) for h in want["hits"]]
        html_body = page(srv, q(query, level="clause"))
        assert f'<b id="total">{want["total"]}</b>' in html_body and "<mark>" in html_body.lower()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
        from elasticsearch import Elasticsearch

        with Elasticsearch(es_url) as es:  # leave a user's cluster ($MOA_ES_URL) as it was
            es.options(ignore_status=404).indices.delete(index=f"{alias}-*", allow_no_indices=True)
