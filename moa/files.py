"""Register files in the catalog: the blob on disk first, then its rows (so a row never points nowhere)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .blobs import BlobStore, sniff
from .catalog import data_path, now_iso


def register_blob(conn: sqlite3.Connection, data: bytes) -> str:
    """Store bytes as a blob and record them; return the sha256. Idempotent."""
    store = BlobStore(data_path(conn))
    sha = store.put_bytes(data)
    conn.execute(
        "INSERT OR IGNORE INTO blobs(sha256, bytes, media_type, first_seen) VALUES (?,?,?,?)",
        (sha, len(data), sniff(data), now_iso()),
    )
    return sha


def register_file(conn: sqlite3.Connection, path: Path, origin: str = "local", name: str | None = None,
                  source: str | None = None) -> str:
    """Store a local file as a blob under its name; return the sha256. Idempotent."""
    path = Path(path)
    data = path.read_bytes()
    sha = register_blob(conn, data)
    conn.execute(
        "INSERT OR IGNORE INTO files(sha256, name, origin, source, added_at) VALUES (?,?,?,?,?)",
        (sha, name or path.name, origin, source or str(path.resolve()), now_iso()),
    )
    return sha


def name_of(conn: sqlite3.Connection, sha: str) -> str | None:
    row = conn.execute("SELECT name FROM files WHERE sha256=? ORDER BY added_at LIMIT 1", (sha,)).fetchone()
    return row["name"] if row else None


def resolve_sha(conn: sqlite3.Connection, ref: str) -> str | None:
    """A full sha256, a unique prefix of at least 6 hex digits, or a file name → the full sha256."""
    ref = ref.strip()
    if len(ref) >= 6 and all(c in "0123456789abcdef" for c in ref.lower()):
        rows = conn.execute("SELECT sha256 FROM blobs WHERE sha256 LIKE ? LIMIT 2", (ref.lower() + "%",)).fetchall()
        if len(rows) == 1:
            return rows[0]["sha256"]
    row = conn.execute("SELECT sha256 FROM files WHERE name=? LIMIT 1", (Path(ref).name,)).fetchone()
    return row["sha256"] if row else None


def shas_by_name(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Lower-cased file name -> the sha256 of every file stored under that name (oldest first)."""
    out: dict[str, list[str]] = {}
    for r in conn.execute("SELECT name, sha256 FROM files ORDER BY added_at, sha256"):
        shas = out.setdefault(r["name"].lower(), [])
        if r["sha256"] not in shas:
            shas.append(r["sha256"])
    return out
