"""Citations of exported quotes: the pinpoint form, the check that refuses a quote without its full citation,
and the fixed time every format stamps, so the same items give the same bytes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from moa.errors import MoaError
from moa.program import MODEL_NAMES

# A fixed moment for every timestamp a format insists on (zip entries, xlsx properties): the same input must
# give the same bytes. SOURCE_DATE_EPOCH (the reproducible-builds convention) overrides it.
FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)


class CitationError(MoaError):
    """A quote reached an exporter without its full pinpoint citation (a bug upstream, never written out)."""

    exit_code = 1


def fixed_time() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return FIXED_TIME


def citation_problems(item: dict) -> list[str]:
    """What the item's citation lacks for its quote to be exported (empty: fine)."""
    cit = item.get("citation") or {}
    problems = []
    if not cit.get("sha256") and not (cit.get("agreement_id") and not item.get("quote")):
        problems.append("sha256")  # only an agreement cited without a quote may lack a document
    if not (cit.get("agency") or cit.get("file")):
        problems.append("agency")
    if item.get("quote"):
        if not isinstance(cit.get("page"), int) or cit["page"] < 1:
            problems.append("page")
        for k in ("model", "date_signed", "section"):
            if k not in cit:
                problems.append(k)  # present, even if null ("n.d."), so the reader sees it is unknown
        if not (item.get("provenance") or {}).get("sha256"):
            problems.append("provenance")
    return problems


def checked(items: Iterable[dict]) -> Iterator[dict]:
    """Pass items through, raising CitationError at the first quote without its full citation."""
    for n, item in enumerate(items, 1):
        problems = citation_problems(item)
        if problems:
            cit = item.get("citation") or {}
            raise CitationError(f"export refused: item {n} ({cit.get('file') or cit.get('sha256') or '?'}) has a "
                                f"quote without {', '.join(problems)} in its citation")
        yield item


def pinpoint(cit: dict) -> str:
    """A pinpoint citation: Agency (ST), 287(g) MOA (Model), signed DATE, § IV.E (Costs and Expenditures), p. 5."""
    parts = [cit.get("agency") or cit.get("file") or "unknown agency"]
    if cit.get("state"):
        parts[0] += f" ({cit['state']})"
    model = cit.get("model")
    parts.append(f"287(g) Memorandum of Agreement ({MODEL_NAMES.get(model, model)})" if model
                 else "287(g) Memorandum of Agreement")
    parts.append(f"signed {cit['date_signed']}" if cit.get("date_signed") else "n.d.")
    sec = cit.get("section") or {}
    if sec.get("number") or sec.get("title"):
        title = (sec.get("title") or "").title()
        parts.append(f"§ {sec.get('number') or ''} ({title})".replace("§  (", "§ (").replace(" ()", ""))
    if cit.get("page"):
        parts.append(f"p. {cit['page']}")
    return ", ".join(parts)


_MARK = re.compile(r"</?mark>|\[\[|\]\]")


def clean_quote(text: str | None) -> str | None:
    if not text:
        return None
    t = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", _MARK.sub("", text))  # control bytes of broken fonts
    t = re.sub(r"\s+", " ", t).strip()
    return t or None
