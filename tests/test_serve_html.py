"""The web interface's pieces that need no corpus: escaping of snippets and redlines, an empty catalog served
for real (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request

from moa.catalog import connect
from search.backend import HIGHLIGHT_POST, HIGHLIGHT_PRE
from web.app import create_app
from web.html import snippet_html, word_diff_html
from web.pages import filter_term


def test_snippet_keeps_only_highlight_marks():
    s = f"a <b>bold</b> & {HIGHLIGHT_PRE}over<i>time{HIGHLIGHT_POST} end"
    assert snippet_html(s) == "a &lt;b&gt;bold&lt;/b&gt; &amp; <mark>over&lt;i&gt;time</mark> end"
    assert snippet_html(f"unclosed {HIGHLIGHT_PRE}mark") == "unclosed mark"


def test_word_diff_escapes_and_elides():
    red = "one two three four five six [-old <x>-] {+new & more+} seven eight nine ten eleven twelve"
    assert word_diff_html(red) == ("one two three four five six <del>old &lt;x&gt;</del> <ins>new &amp; more</ins> "
                                   "seven eight nine ten eleven twelve")
    assert word_diff_html(red, context=2) == ("… five six <del>old &lt;x&gt;</del> <ins>new &amp; more</ins> "
                                              "seven eight …")


def test_filter_terms_quote_what_needs_it():
    assert filter_term("model", "TFM") == "model:TFM"
    assert filter_term("revision", "2025-02-15") == 'revision:"2025-02-15"'


def _get(base: str, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _raw_status(base: str, target: str) -> int:
    """The status of a request line sent as is (urllib would normalise `..`)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", target)
        return conn.getresponse().status
    finally:
        conn.close()


def test_empty_catalog_pages(data_dir):
    from web.server import serving_in_thread

    connect(data_dir).close()
    with serving_in_thread(create_app(data_dir)) as base:
        code, body = _get(base, "/?q=overtime")
        assert code == 200 and b"moa index" in body  # the hint that the index is empty
        assert _get(base, "/docs")[0] == 200
        assert _get(base, "/doc/" + "a" * 64)[0] == 404
        assert _get(base, "/?q=%28overtime")[0] == 400
        assert _get(base, "/api/search?q=x&level=sentence")[0] == 400
        for target in ("/static/../moa.sqlite", "/static/%2e%2e/moa.sqlite", "/static/..%2fmoa.sqlite",
                       "/doc/../../moa.sqlite/pdf"):
            assert _raw_status(base, target) == 404, target
        assert _get(base, "/static/style.css")[0] == 200
        assert _huge_head_status(base) == 400  # h11 bounds a request's head; it is not read into memory


def _huge_head_status(base: str) -> int:
    import socket

    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(b"GET /static/style.css HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n")
        return int(s.recv(64).split()[1])


def test_cached_answers_last_until_the_catalog_changes(data_dir):
    from web.site import Site

    connect(data_dir).close()
    site = Site.open(data_dir)
    builds = []

    def build() -> int:
        builds.append(1)
        return len(builds)

    assert site.cached(("k",), build) == 1 and site.cached(("k",), build) == 1
    conn = connect(data_dir)  # another process writing the catalog (moa extract, moa index)
    conn.execute("CREATE TABLE scratch (x)")
    conn.commit()
    conn.close()
    assert site.cached(("k",), build) == 2 and site.cached(("k",), build) == 2
