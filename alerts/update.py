"""`moa update`: the daily job in one command, on the embedded default: harvest (ICE, or a mirror), the ledger,
extraction of what is new, the SQLite index, then alerts. Each stage is the library call its own command
makes, so each is incremental and resumable, and a second run with nothing new does nothing and says so.

One run at a time per data directory: a lock file (`update.lock`, flock) that `moa alerts run` takes too, so
two deliverers never send the same alert; the kernel drops the lock when a run dies, however it dies.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from extract.pipeline import run as extract_run
from harvest.ledger import needs_rebuild, rebuild
from harvest.page import ICE_BASE
from harvest.run import harvest
from moa.catalog import data_path
from moa.errors import ExternalError
from moa.lock import Busy, exclusive
from search.backend import get_backend
from search.index import update_index

from .outbox import Settings
from .watch import run_alerts


@contextmanager
def watch_lock(data: Path) -> Iterator[None]:
    """Hold `<data>/update.lock` for the duration, or fail at once when another run holds it."""
    try:
        with exclusive(data / "update.lock"):
            yield
    except Busy as e:
        raise ExternalError(f"another `moa update` or `moa alerts run` is running on {data} (pid {e.holder});"
                            " this run did nothing") from None


def run_update(conn: sqlite3.Connection, *, base_url: str = ICE_BASE, delay: float = 1.0, ocr: str = "auto",
               jobs: int = 2, since: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """harvest → ledger → extract → index → alerts. Returns each stage's summary, `ok` and a one-line `summary`."""
    out: dict[str, Any] = {"base_url": base_url}
    with watch_lock(data_path(conn)):
        started = time.perf_counter()
        out["harvest"] = harvest(conn, base_url, delay=delay)
        out["ledger"] = rebuild(conn) if needs_rebuild(conn) else {}
        extracted = extract_run(conn, mode=ocr, jobs=jobs)
        out["extract"] = {k: v for k, v in extracted.to_dict().items() if k != "documents"}
        out["extract"]["files"] = [d["file"] for d in extracted.to_dict()["documents"]]
        backend = get_backend("sqlite", conn)
        try:
            out["index"] = update_index(conn, backend)
        finally:
            backend.close()
        out["alerts"] = run_alerts(conn, settings, since=since)
        out["seconds"] = round(time.perf_counter() - started, 1)
    h, a = out["harvest"], out["alerts"]
    out["ok"] = not (h.get("stopped") or h["page"].get("status") == "failed" or out["extract"]["errors"]
                     or a["deliveries"]["pending"] or a["deliveries"]["failed"])
    out["summary"] = summary_line(out)
    return out


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def summary_line(r: dict[str, Any]) -> str:
    """One line for cron: what was new, and what needs attention."""
    h, x, i, a = r["harvest"], r["extract"], r["index"], r["alerts"]
    d = a["deliveries"]
    new = {"sheets": h["sheets"]["downloaded"], "pdfs": h["pdfs"]["downloaded"], "events": a["new"],
           "extracted": x["extracted"], "indexed": i["indexed"] + i["removed"],
           "fired": sum(a["fired"].values()), "sent": d["sent"]}
    problems = []
    if h.get("stopped"):
        problems.append(f"harvest stopped: {h['stopped']}")
    elif h["page"].get("status") == "failed":
        problems.append("ICE's page could not be fetched")
    if x["errors"]:
        problems.append(_n(len(x["errors"]), "extraction error"))
    if d["pending"] or d["failed"]:
        first = f" ({d['errors'][0]})" if d["errors"] else ""
        problems.append(f"{_n(d['pending'], 'delivery', 'deliveries')} waiting, {d['failed']} given up{first}")
    if a["malformed_snapshots"]:
        problems.append(f"{_n(len(a['malformed_snapshots']), 'malformed snapshot')} ignored "
                        f"({', '.join(s['name'] for s in a['malformed_snapshots'])})")
    tail = "".join(f"; {p}" for p in problems)
    if not any(new.values()):
        line = f"moa update: nothing new ({h['requests']} requests, {r['seconds']} s)"
        if a["first_run"] and a["baseline"]:
            line += f"; alerts start from now ({_n(a['baseline'], 'earlier event')} taken as known)"
        return line + tail
    parts = [f"{_n(new['sheets'], 'sheet')} and {_n(new['pdfs'], 'PDF')} new", _n(new["events"], "ledger event"),
             f"{new['extracted']} extracted", f"{new['indexed']} indexed", f"{_n(new['fired'], 'alert')} fired",
             f"{_n(new['sent'], 'delivery', 'deliveries')} sent"]
    return f"moa update: {', '.join(parts)} ({r['seconds']} s){tail}"
