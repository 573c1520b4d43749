"""HTML helpers for the web interface: escaping, the page layout, snippets and citation links.

Every piece of text from the catalog passes through `esc` (or `snippet_html`, which escapes around the
backend's highlight marks), so a document's text can never inject markup.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlencode

from search.backend import HIGHLIGHT_POST, HIGHLIGHT_PRE

_MARKUP = re.compile(r"[&<>\"']")
_HEX = re.compile(r"[0-9a-fA-F]*")


def esc(value: object) -> str:
    """Escaped text; None becomes an empty string. (Most values hold nothing to escape, and one regex search
    is a fifth of html.escape's five replaces: a results page escapes about 300 values.)"""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    return html.escape(text, quote=True) if _MARKUP.search(text) else text


def url(path: str, **params: object) -> str:
    """A local URL with its query string (None values left out)."""
    q = {k: v for k, v in params.items() if v is not None and v != ""}
    return path + ("?" + urlencode(q) if q else "")


def _ref(sha: str) -> str:
    return sha if _HEX.fullmatch(sha) else quote(sha)  # a sha256 needs no quoting


def doc_url(sha: str, page: int | None = None) -> str:
    return f"/doc/{_ref(sha)}" + (f"#p{int(page)}" if page else "")


def pdf_url(sha: str, page: int | None = None) -> str:
    """The original PDF, opened at a page (PDF viewers honour #page=N)."""
    return f"/doc/{_ref(sha)}/pdf" + (f"#page={int(page)}" if page else "")


def snippet_html(snippet: str | None) -> str:
    """A backend snippet as HTML: the text escaped, only the highlight marks kept as <mark>."""
    out = []
    s = snippet or ""
    pos = 0
    while True:
        i = s.find(HIGHLIGHT_PRE, pos)
        if i < 0:
            out.append(esc(s[pos:]))
            break
        j = s.find(HIGHLIGHT_POST, i + len(HIGHLIGHT_PRE))
        if j < 0:
            out.append(esc(s[pos:].replace(HIGHLIGHT_PRE, "")))
            break
        out.append(esc(s[pos:i]))
        out.append("<mark>" + esc(s[i + len(HIGHLIGHT_PRE):j]) + "</mark>")
        pos = j + len(HIGHLIGHT_POST)
    return re.sub(r"\s+", " ", "".join(out)).strip()


_WORD_DIFF = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.S)


def _elide(words: list[str], context: int, first: bool, last: bool) -> str:
    if len(words) <= 2 * context + 1:
        return " ".join(words)
    head = [] if first else words[:context]
    tail = [] if last else words[-context:]
    return " ".join([*head, "…", *tail])


def word_diff_html(text: str | None, context: int | None = None) -> str:
    """`[-old-]{+new+}` redline text (search/redline.render_text) as escaped HTML with <del>/<ins>; with
    `context`, unchanged runs keep only that many words either side of a change."""
    s = text or ""
    segs: list[tuple[str, str]] = []
    pos = 0
    for m in _WORD_DIFF.finditer(s):
        segs.append(("equal", s[pos:m.start()]))
        segs.append(("del", m.group(1)) if m.group(1) is not None else ("ins", m.group(2)))
        pos = m.end()
    segs.append(("equal", s[pos:]))
    out = []
    for i, (tag, part) in enumerate(segs):
        if tag == "equal":
            words = part.split()
            out.append(esc(_elide(words, context, i == 0, i == len(segs) - 1) if context else part.strip()))
        else:
            out.append(f"<{tag}>{esc(part)}</{tag}>")
    return " ".join(x for x in out if x)


def section_label(section: dict | None) -> str:
    if not section:
        return ""
    num = section.get("number") or ""
    return f"§ {num} {section.get('title') or ''}".strip()


def layout(title: str, body: str, query: str = "", level: str = "document") -> str:
    """A whole page: header with the search box, navigation, the body."""
    levels = "".join(f'<option value="{lv}"{" selected" if lv == level else ""}>{lv}</option>'
                     for lv in ("document", "page", "clause", "agreement"))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} — moa</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header>
<a class="brand" href="/">moa</a>
<span class="tag">287(g) Memoranda of Agreement</span>
<form class="searchbar" action="/" method="get" role="search">
<input type="search" name="q" value="{esc(query)}" placeholder='model:TFM section:costs overtime' aria-label="query">
<select name="level" aria-label="level">{levels}</select>
<button type="submit">Search</button>
</form>
<nav><a href="/">Search</a> <a href="/agreements">Agreements</a> <a href="/docs">Documents</a> <a href="/compare">Compare</a>
<a href="/program">Program</a> <a href="/changes">Changes</a></nav>
</header>
<main>
{body}
</main>
<footer>moa — read-only view of the catalog. Every quote links to its page in the original PDF.</footer>
</body>
</html>
"""
