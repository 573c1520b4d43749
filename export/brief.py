"""The research brief (Markdown or HTML): every quote followed by its pinpoint citation; a provenance block
(ICE URL, retrieval time, sha256) for every document cited. Quotes are written as they arrive; the provenance
block, one line per document, comes at the end."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import IO

from .citation import pinpoint

CSS = """body{font-family:Georgia,'DejaVu Serif',serif;max-width:54rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
blockquote{border-left:4px solid #888;margin:1rem 0 .3rem;padding:.2rem 1rem;background:#f6f6f6}
p.cite{margin:0 0 1.4rem 1.2rem;font-size:.92rem}p.cite::before{content:"— "}
del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
code{font-size:.8rem;word-break:break-all}"""


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")


def _prov_rows(docs: dict[str, tuple[dict, dict]]) -> list[tuple[str, str, str, str]]:
    rows = []
    for sha in sorted(docs, key=lambda s: (docs[s][0].get("agency") or "", s)):
        cit, prov = docs[sha]
        rows.append((cit.get("agency") or cit.get("file") or "?", prov.get("url") or "(not harvested: local file "
                     + (cit.get("file") or "?") + ")", prov.get("retrieved_at") or "unknown", sha))
    return rows


def write_markdown(items: Iterable[dict], fh: IO[bytes], title: str = "moa export") -> None:
    w = lambda s: fh.write(s.encode("utf-8"))  # noqa: E731
    w(f"# {_md_escape(title)}\n\n")
    docs: dict[str, tuple[dict, dict]] = {}
    n = 0
    for item in items:
        cit = item["citation"]
        docs.setdefault(cit["sha256"], (cit, item.get("provenance") or {}))
        n += 1
        fields = item.get("fields") or {}
        if item.get("quote"):
            w("> " + _md_escape(item["quote"]) + "\n\n")
            w(f"— {_md_escape(pinpoint(cit))}\n\n")
        else:
            w(f"- {_md_escape(pinpoint(cit))} (cited, not quoted)\n\n")
        if fields.get("redline"):
            w("Redline against the standard text (`[-standard-]{+this agreement+}`, "
              f"{fields.get('changed_words')} words changed):\n\n")
            w("```text\n" + fields["redline"] + "\n```\n\n")
    if not n:
        w("_No results._\n\n")
    w("## Provenance\n\n| agency | ICE URL | retrieved | sha256 |\n|---|---|---|---|\n")
    for agency, url, when, sha in _prov_rows(docs):
        w(f"| {_md_escape(agency)} | {url} | {when} | `{sha}` |\n")


def write_html(items: Iterable[dict], fh: IO[bytes], title: str = "moa export") -> None:
    w = lambda s: fh.write(s.encode("utf-8"))  # noqa: E731
    e = html.escape
    w(f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{e(title)}</title>\n'
      f"<style>{CSS}</style>\n</head>\n<body>\n<h1>{e(title)}</h1>\n<main>\n")
    docs: dict[str, tuple[dict, dict]] = {}
    n = 0
    for item in items:
        cit = item["citation"]
        prov = item.get("provenance") or {}
        docs.setdefault(cit["sha256"], (cit, prov))
        n += 1
        fields = item.get("fields") or {}
        url = f' cite="{e(prov["url"])}"' if prov.get("url") else ""
        w(f'<article class="item" data-sha256="{e(cit["sha256"])}">\n')
        if item.get("quote"):
            w(f"<blockquote{url}>{e(item['quote'])}</blockquote>\n")
        w(f'<p class="cite">{e(pinpoint(cit))}</p>\n')
        if fields.get("redline_html"):
            w(f'<p class="redline"><strong>Redline against the standard text ({fields.get("changed_words")} words '
              f"changed):</strong> {fields['redline_html']}</p>\n")
        w("</article>\n")
    if not n:
        w("<p>No results.</p>\n")
    w('</main>\n<section id="provenance">\n<h2>Provenance</h2>\n<table>\n'
      "<tr><th>agency</th><th>ICE URL</th><th>retrieved</th><th>sha256</th></tr>\n")
    for agency, url, when, sha in _prov_rows(docs):
        link = f'<a href="{e(url)}">{e(url)}</a>' if url.startswith("http") else e(url)
        w(f"<tr><td>{e(agency)}</td><td>{link}</td><td>{e(when)}</td><td><code>{sha}</code></td></tr>\n")
    w("</table>\n</section>\n</body>\n</html>\n")
