"""`moa serve` under load and abuse, bounded and on 127.0.0.1 only: the real command on the search tests'
catalog, 20 clients in parallel for a few seconds over the search, document, PDF, compare and API routes
while the hostile queries of issue 18 arrive beside them. No connection error, no 5xx, every hostile query
answered cleanly (a 400 with the parser's position where the parser refuses it). Latency figures are
printed (`pytest -s`); the figures worth quoting come from bench/serve_load.py, not from a test.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import urllib.parse

import pytest
from load_support import ADVERSARIAL, run_load, table
from search_support import indexed_copy

from moa.errors import UserError
from search.query import parse

CLIENTS = 20
SECONDS = 6.0


@pytest.fixture(scope="module")
def served(small_catalog, tmp_path_factory):
    data, records = indexed_copy(small_catalog, tmp_path_factory.mktemp("serve-load") / "data")
    shas = [r["sha256"] for r in records]
    proc = subprocess.Popen([sys.executable, "-m", "moa", "serve", "--data", str(data), "--port", "0"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        m = re.search(r"at (http://127\.0\.0\.1:\d+)/", proc.stderr.readline())
        assert m, "moa serve did not start"
        yield {"url": m.group(1), "shas": shas}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def work(shas: list[str]) -> list[tuple[str, str]]:
    def q(path: str, **params: object) -> str:
        return f"{path}?{urllib.parse.urlencode(params)}"

    out = [("search", q("/", q=query, level=level)) for query, level in (
        ("overtime", "document"), ("model:TFM section:costs overtime", "clause"), ('"287(a)(2)"', "page"),
        ("LEA", "page"), ('"probable cause" /10 arrest', "page"), ("signer:sheriff", "document"))]
    out += [("search p2", q("/", q="LEA", level="page", page=2))]
    out += [("document", f"/doc/{sha}") for sha in shas[:4]]
    out += [("pdf", f"/doc/{shas[0]}/pdf"), ("documents", "/docs"), ("static", "/static/style.css")]
    out += [("compare", q("/compare", section="costs", model="TFM")),
            ("compare pair", q("/compare", a=shas[0], b=shas[1]))]
    out += [("api search", q("/api/v1/search", q="overtime", level="clause")),
            ("api document", f"/api/v1/documents/{shas[1]}"), ("api documents", "/api/v1/documents"),
            ("api compare", q("/api/v1/compare/section", section="costs"))]
    return out


def test_load_and_abuse(served):
    hostile: list[tuple[str, str, int, str]] = []  # (name, path, status, content type)

    def send_hostile() -> None:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlsplit(served["url"]).port, timeout=60)
        try:
            for name, query in ADVERSARIAL:
                for path in ("/", "/api/v1/search"):
                    target = f"{path}?{urllib.parse.urlencode({'q': query, 'level': 'page'})}"
                    conn.request("GET", target)
                    resp = conn.getresponse()
                    resp.read()
                    hostile.append((name, path, resp.status, resp.getheader("Content-Type") or ""))
                    if resp.will_close:
                        conn.close()
        finally:
            conn.close()

    side = threading.Thread(target=send_hostile)
    side.start()
    result = run_load(served["url"], work(served["shas"]), CLIENTS, SECONDS, timeout=60)
    side.join(120)
    print("\n" + table(result))
    for name, path, status, _ in hostile:
        print(f"hostile {name!r:24} {path:16} {status}")

    assert not result.errors(), result.errors()[:5]
    assert not result.server_errors(), [(s.route, s.status) for s in result.server_errors()[:5]]
    assert {s.status for s in result.samples} <= {200}, {s.route for s in result.samples if s.status != 200}
    assert len(result.samples) >= CLIENTS * 5 and set(result.routes()) == {r for r, _ in work(served["shas"])}

    assert not side.is_alive() and len(hostile) == 2 * len(ADVERSARIAL)
    for (name, query), answers in zip(ADVERSARIAL, zip(hostile[::2], hostile[1::2], strict=True), strict=True):
        try:
            parse(query.strip())
            refused = False
        except UserError:
            refused = True
        for _, path, status, ctype in answers:
            url_bytes = len(urllib.parse.urlencode({"q": query, "level": "page"})) + len(path) + 1
            if url_bytes > 16_384:
                assert status == 414, (name, path, status)
            elif refused:
                assert status == 400, (name, path, status)  # the parser's error, with its position
            else:
                assert status in (200, 400), (name, path, status)  # a result, or "too expensive"
            want = "application/json" if path.startswith("/api/") else "text/html"
            assert ctype.startswith(want), (name, path, ctype)


def test_hostile_query_errors_name_the_position(served):
    """Each refused hostile query's JSON error carries the parser's message and position."""
    import urllib.error
    import urllib.request

    for name, query in ADVERSARIAL:
        try:
            parse(query.strip())  # as the server reads a parameter
            continue
        except UserError as e:
            want = e
        url = served["url"] + "/api/v1/search?" + urllib.parse.urlencode({"q": query})
        if len(url) > 16_000:
            continue
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url, timeout=60)
        body = json.loads(err.value.read())
        assert err.value.code == 400 and body["code"] == "query", name
        assert body["position"] == getattr(want, "position", None) and body["error"] == str(want), name
