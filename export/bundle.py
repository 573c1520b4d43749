"""The ZIP bundle: the brief (HTML and Markdown), the table (CSV), the citations (CSL-JSON), the items
(JSON Lines) and the cited PDFs from the blob store. Items are spooled once to a temporary JSON Lines file, so
a large result set never sits in memory; entries carry a fixed timestamp so the bundle is reproducible."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from . import brief, csl, tabular
from .citation import fixed_time


def _spooled(spool: IO[bytes]) -> Iterator[dict]:
    spool.seek(0)
    for line in spool:
        yield json.loads(line)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:120] or "document.pdf"


def write_zip(items: Iterable[dict], fh: IO[bytes], title: str = "moa export", data_dir: Path | None = None) -> None:
    stamp = fixed_time().timetuple()[:6]
    docs: dict[str, str] = {}
    with tempfile.TemporaryFile() as spool, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as z:
        for item in items:
            spool.write((json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
            if item["citation"].get("sha256"):  # an agreement cited without a held MOA has no PDF to bundle
                docs.setdefault(item["citation"]["sha256"], item["citation"].get("file") or "document.pdf")

        def entry(name: str) -> zipfile.ZipInfo:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            return info

        for name, write in (("brief.html", lambda f: brief.write_html(_spooled(spool), f, title=title)),
                            ("brief.md", lambda f: brief.write_markdown(_spooled(spool), f, title=title)),
                            ("citations.csl.json", lambda f: csl.write_csl(_spooled(spool), f)),
                            ("items.jsonl", lambda f: tabular.write_jsonl(_spooled(spool), f)),
                            ("results.csv", lambda f: tabular.write_csv(_spooled(spool), f))):
            with z.open(entry(name), "w") as out:
                write(out)
        missing = []
        for sha in sorted(docs):
            blob = Path(data_dir) / "blobs" / sha[:2] / sha if data_dir else None
            if blob is None or not blob.exists():
                missing.append(sha)
                continue
            with open(blob, "rb") as src, z.open(entry(f"pdfs/{sha[:12]}-{_safe(docs[sha])}"), "w") as out:
                shutil.copyfileobj(src, out, 1 << 20)
        if missing:
            with z.open(entry("pdfs/MISSING.txt"), "w") as out:
                out.write(("Cited documents whose PDF is not in the blob store:\n"
                           + "".join(f"{s}\n" for s in missing)).encode("utf-8"))
