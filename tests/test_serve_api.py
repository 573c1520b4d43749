"""The JSON API of `moa serve` on a real catalog (the search tests' born-digital MOAs), served by uvicorn on
127.0.0.1: every answer checked against the OpenAPI document the server publishes (itself validated), and
against the library's own answers; errors are JSON; the read-only token and the host warning of the command.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import jsonschema
import pytest
from openapi_spec_validator import validate
from search_support import indexed_copy
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from compare.comparison import compare_pair, compare_section
from moa.catalog import connect
from search.api import run_search
from web.app import create_app
from web.server import serving_in_thread
from web.site import site

TIMEOUT = 30


@pytest.fixture(scope="module")
def catalog(small_catalog, tmp_path_factory):
    data, records = indexed_copy(small_catalog, tmp_path_factory.mktemp("serve-api") / "data")
    return {"data": data, "records": records}


def _boom(request: Request) -> JSONResponse:
    raise RuntimeError("a bug in a route")


def _slow(request: Request) -> JSONResponse:
    """A catalog query that would run for minutes: only the request time limit can stop it."""
    with site(request).catalog() as conn:
        try:
            n = conn.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                             "SELECT count(*) FROM c").fetchone()[0]
        except sqlite3.OperationalError as e:
            request.app.state.interrupted.append(str(e))
            raise
        return JSONResponse({"n": n})


@pytest.fixture(scope="module")
def api(catalog):
    """The app on a free port, with two routes only tests have: one that crashes, one that runs away."""
    app = create_app(catalog["data"], timeout=1.0)
    app.state.interrupted = []
    app.router.routes[:0] = [Route("/api/v1/test-boom", _boom), Route("/test-boom", _boom),
                             Route("/api/v1/test-slow", _slow)]
    with serving_in_thread(app) as base:
        yield {"url": base, "data": catalog["data"], "app": app}


def get(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module")
def openapi(api):
    code, headers, body = get(api["url"], "/api/openapi.json")
    assert code == 200 and headers["content-type"].startswith("application/json")
    doc = json.loads(body)
    validate(doc)  # a valid OpenAPI 3.1 document
    assert doc["openapi"].startswith("3.1") and doc["servers"][0]["url"] == api["url"]
    return doc


def conforms(openapi: dict, schema: str, value: object) -> None:
    """`value` is valid under components/schemas/`schema` of the served document."""
    root = {"$ref": f"#/components/schemas/{schema}", "components": openapi["components"]}
    jsonschema.Draft202012Validator(root).validate(value)


def api_json(api, openapi, path: str, status: int = 200, schema: str | None = None) -> dict:
    code, headers, body = get(api["url"], path)
    assert code == status, (path, code, body[:300])
    assert headers["content-type"].startswith("application/json"), (path, headers)
    assert headers["x-content-type-options"] == "nosniff"
    value = json.loads(body)
    conforms(openapi, schema or ("Error" if status >= 400 else ""), value) if (schema or status >= 400) else None
    if status >= 400:
        assert value["status"] == status
    return value


def library_search(data, query: str, level: str, limit: int = 20, offset: int = 0) -> dict:
    conn = connect(data, readonly=True)
    try:
        return run_search(conn, query, level, "sqlite", limit=limit, offset=offset)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------- answers


def test_every_documented_path_is_served(api, openapi):
    served = {r.path for r in api["app"].routes if getattr(r, "path", "").startswith("/api/")}
    assert set(openapi["paths"]) <= served
    assert {p for p in served if "test-" not in p} == set(openapi["paths"])


@pytest.mark.parametrize("level", ["document", "page", "clause"])
def test_search_is_the_library_answer(api, openapi, level):
    query = "model:TFM section:costs overtime" if level != "page" else '"287(a)(2)"'
    got = api_json(api, openapi, "/api/v1/search?" + urllib.parse.urlencode({"q": query, "level": level}),
                   schema="SearchResult")
    want = library_search(api["data"], query, level)
    assert got == json.loads(json.dumps(want)) and got["total"] >= 1
    old = api_json(api, openapi, "/api/search?" + urllib.parse.urlencode({"q": query, "level": level}))
    assert old == got  # the unversioned path answers the same


def test_search_paging(api, openapi):
    want = library_search(api["data"], "LEA", "page", limit=5, offset=10)
    got = api_json(api, openapi, "/api/v1/search?q=LEA&level=page&limit=5&offset=10", schema="SearchResult")
    assert [(h["sha256"], h["page"]) for h in got["hits"]] == [(h["sha256"], h["page"]) for h in want["hits"]]
    assert len(got["hits"]) == 5 and got["total"] == want["total"]


def test_documents_list_and_one_document_as_moa_show(api, openapi, catalog):
    listing = api_json(api, openapi, "/api/v1/documents", schema="DocumentList")
    assert listing["total"] == len(catalog["records"]) == len(listing["documents"])
    assert {d["sha256"] for d in listing["documents"]} == {r["sha256"] for r in catalog["records"]}
    rec = next(r for r in catalog["records"] if "GraysonCountyDCKY_JEM" in r["file"])
    for text in (False, True):
        got = api_json(api, openapi, f"/api/v1/documents/{rec['sha256']}" + ("?text=1" if text else ""),
                       schema="Document")
        cli = subprocess.run([sys.executable, "-m", "moa", "show", rec["sha256"], "--json", "--data",
                              str(api["data"]), *(["--text"] if text else [])],
                             capture_output=True, text=True, timeout=120)
        assert cli.returncode == 0, cli.stderr
        assert got == json.loads(cli.stdout)
        assert bool(got["pages"][0].get("text")) == text
    by_prefix = api_json(api, openapi, f"/api/v1/documents/{rec['sha256'][:10]}", schema="Document")
    assert by_prefix["sha256"] == rec["sha256"]


def test_compare_section_and_pair_are_the_library_answers(api, openapi, catalog):
    tfm = [r for r in catalog["records"] if r["model"] == "TFM"]
    got = api_json(api, openapi, "/api/v1/compare/section?section=costs&model=tfm", schema="CompareSection")
    want = compare_section(tfm, "costs")
    assert got["agreements"] == want["agreements"] >= 2 and got["model"] == "TFM"
    assert [v["variant"] for v in got["variants"]] == [v["variant"] for v in want["variants"]]
    assert [(d["sha256"], d["changed_words"]) for d in got["deviations"]] == \
        [(d["sha256"], d["changed_words"]) for d in want["deviations"]]
    a = next(r for r in catalog["records"] if "GraysonCountyDetCenterKY_WSO" in r["file"])
    b = next(r for r in catalog["records"] if "OwyheeCo" in r["file"])
    pair = api_json(api, openapi, f"/api/v1/compare/pair?a={a['sha256']}&b={b['sha256']}", schema="ComparePair")
    assert pair["rows"] == json.loads(json.dumps(compare_pair(a, b)["rows"]))


# ---------------------------------------------------------------------------------------------- errors


def test_errors_are_json_with_their_schema(api, openapi):
    err = api_json(api, openapi, "/api/v1/search?q=" + urllib.parse.quote('overtime "costs'), status=400)
    assert err["code"] == "query" and isinstance(err["position"], int) and err["query"] == 'overtime "costs'
    assert 0 <= err["position"] <= len(err["query"])
    assert api_json(api, openapi, "/api/v1/search?q=x&level=sentence", status=400)["code"] == "bad_request"
    assert "give a query" in api_json(api, openapi, "/api/v1/search", status=400)["error"]
    assert api_json(api, openapi, "/api/v1/search?q=x&limit=ten", status=400)["code"] == "bad_request"
    assert api_json(api, openapi, "/api/v1/documents/" + "0" * 64, status=404)["code"] == "not_found"
    assert api_json(api, openapi, "/api/v1/documents/not-a-sha", status=404)["code"] == "not_found"
    assert api_json(api, openapi, "/api/v1/compare/section?section=no-such-key", status=404)["code"] == "not_found"
    assert api_json(api, openapi, "/api/v1/compare/section?section=costs&model=XYZ", status=400)
    assert api_json(api, openapi, "/api/v1/compare/pair?a=" + "0" * 64 + "&b=" + "1" * 64, status=404)
    assert api_json(api, openapi, "/api/v2/search?q=x", status=404)["code"] == "not_found"
    assert api_json(api, openapi, "/api/v1/search?q=" + "x" * 20_000, status=414)["code"] == "too_long"


def test_a_crash_is_a_clean_500(api, openapi):
    err = api_json(api, openapi, "/api/v1/test-boom", status=500)
    assert err["code"] == "internal" and "RuntimeError" not in err["error"]  # no internals leak
    code, headers, body = get(api["url"], "/test-boom")
    assert code == 500 and headers["content-type"].startswith("text/html") and b'data-status="500"' in body
    assert "default-src 'self'" in headers["content-security-policy"]


def test_a_runaway_request_is_stopped_and_its_query_interrupted(api, openapi):
    t0 = time.monotonic()
    err = api_json(api, openapi, "/api/v1/test-slow", status=503)
    assert err["code"] == "timeout" and time.monotonic() - t0 < 10
    deadline = time.monotonic() + 10
    while not api["app"].state.interrupted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api["app"].state.interrupted == ["interrupted"]  # the worker thread's query stopped, not left running
    assert get(api["url"], "/api/v1/documents")[0] == 200


# ---------------------------------------------------------------------------------------------- the command


def _serve(data, *args: str, env: dict | None = None) -> tuple[subprocess.Popen, str, list[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "moa", "serve", "--data", str(data), "--port", "0", *args],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, **(env or {})})
    lines = [proc.stderr.readline()]
    m = re.search(r"at http://[^:]+:(\d+)/", lines[0])
    assert m, lines
    if "--host" in args:
        lines.append(proc.stderr.readline())
    return proc, f"http://127.0.0.1:{m.group(1)}", lines


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stderr.close()


def test_token_is_required_on_every_route(catalog, openapi):
    token = "k3Y-" + "x" * 20
    proc, base, _ = _serve(catalog["data"], env={"MOA_SERVE_TOKEN": token})
    try:
        for path in ("/", "/docs", "/api/v1/documents", "/api/openapi.json", "/static/style.css", "/nowhere"):
            code, headers, body = get(base, path)
            assert code == 401 and headers["www-authenticate"].startswith("Bearer"), path
        code, headers, body = get(base, "/api/v1/documents", {"Authorization": "Bearer wrong-token-wrong-token"})
        assert code == 401
        conforms(openapi, "Error", json.loads(body))
        assert get(base, "/api/v1/documents", {"Authorization": f"Bearer {token}"})[0] == 200
        code, headers, body = get(base, "/?q=overtime&token=" + token)  # a browser's first visit
        assert code == 200 and b'<b id="total">' in body
        cookie = headers["set-cookie"].split(";")[0]
        assert "HttpOnly" in headers["set-cookie"] and cookie == f"moa_token={token}"
        assert get(base, "/docs", {"Cookie": cookie})[0] == 200  # the page's links work without ?token=
    finally:
        _stop(proc)


def test_serving_beyond_this_machine_warns(catalog):
    proc, base, lines = _serve(catalog["data"], "--host", "0.0.0.0", "--token", "t" * 32)
    try:
        assert "warning: listening on 0.0.0.0" in lines[1] and "--token" not in lines[1]
        assert get(base, "/api/v1/documents")[0] == 401
    finally:
        _stop(proc)
    r = subprocess.run([sys.executable, "-m", "moa", "serve", "--data", str(catalog["data"]), "--token", "short"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "token" in r.stderr


def test_worker_processes_serve_the_same_answers(catalog, openapi):
    proc, base, _ = _serve(catalog["data"], "--workers", "2", "--threads", "2")
    try:
        answers = [json.loads(get(base, "/api/v1/search?q=overtime&level=page")[2]) for _ in range(6)]
        assert answers[0]["total"] >= 1 and all(a == answers[0] for a in answers)
        conforms(openapi, "SearchResult", answers[0])
        children = subprocess.run(["ps", "-ww", "--ppid", str(proc.pid), "-o", "cmd="], capture_output=True,
                                  text=True).stdout
        assert children.count("--multiprocessing-fork") == 2, children
    finally:
        _stop(proc)
    assert proc.returncode == 0


def _established(pid: int, port: int) -> int:
    """Established TCP connections on local `port` held open by process `pid` (from /proc)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    n = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.read().splitlines()[1:]:
                cols = line.split()
                if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "01" and cols[9] in inodes:
                    n += 1
    return n


def test_workers_share_connections_out(catalog):
    # Each worker listens on its own socket, so a burst of keep-alive clients spreads over the workers instead
    # of piling onto whichever woke first. 40 connections: each worker holds at least 8 unless the spread is
    # broken (a fair split gives fewer than 8 with odds of about 1 in 80,000; one socket shared gave 40 and 0).
    import http.client

    proc, base, _ = _serve(catalog["data"], "--workers", "2", "--threads", "2")
    port = int(base.rsplit(":", 1)[1])
    conns = []
    try:
        for _ in range(40):  # connected at once, as a burst of clients would: all wait to be accepted together
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.connect()
            conns.append(c)
        for c in conns:
            c.request("GET", "/api/v1/documents")
            r = c.getresponse()
            r.read()
            assert r.status == 200
        children = [int(x) for x in subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "multiprocessing-fork"],
                                                    capture_output=True, text=True).stdout.split()]
        held = [_established(pid, port) for pid in children]
        assert len(held) == 2 and sum(held) == 40 and min(held) >= 8, held
    finally:
        for c in conns:
            c.close()
        _stop(proc)


def test_workers_refuse_a_busy_port(catalog):
    # SO_REUSEPORT lets sockets share a port, never one another server holds: with or without workers.
    proc, base, _ = _serve(catalog["data"], "--workers", "2", "--threads", "2")
    try:
        port = base.rsplit(":", 1)[1]
        for extra in ([], ["--workers", "2"]):
            r = subprocess.run([sys.executable, "-m", "moa", "serve", "--data", str(catalog["data"]), "--port", port,
                                *extra], capture_output=True, text=True, timeout=60)
            assert r.returncode == 2 and "cannot listen" in r.stderr, (extra, r.stderr[-500:])
    finally:
        _stop(proc)
