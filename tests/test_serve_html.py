"""The web interface's pieces that need no corpus: escaping of snippets and redlines, an empty catalog."""

from __future__ import annotations

from moa.catalog import connect
from search.backend import HIGHLIGHT_POST, HIGHLIGHT_PRE
from web.app import App
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


def test_empty_catalog_pages(data_dir):
    connect(data_dir).close()
    app = App(data_dir)
    r = app.handle("/", "q=overtime")
    assert r.status == 200 and b"moa index" in r.body  # the hint that the index is empty
    assert app.handle("/docs", "").status == 200
    assert app.handle("/doc/" + "a" * 64, "").status == 404
    assert app.handle("/", "q=%28overtime").status == 400
    assert app.handle("/api/search", "q=x&level=sentence").status == 400
    assert app.handle("/static/../moa.sqlite", "").status == 404
