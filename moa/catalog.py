"""The catalog: one SQLite file per data directory, WAL mode, forward-only migrations.

Migrations are the files `moa/migrations/NNNN_<stage>.sql`, applied in order; `PRAGMA user_version` holds
the number of the last one applied. Each stage owns its own migration files and tables, and reads the
tables of the stage before it only through that stage's public functions.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from .config import data_dir as resolve_data_dir
from .errors import UserError

CATALOG_NAME = "moa.sqlite"
_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) for every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("moa.migrations").iterdir():
        m = _MIGRATION.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {numbers}")
    return found


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration newer than the catalog; return the resulting schema version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    known = migrations()
    if current > len(known):
        raise UserError(
            f"catalog schema version {current} is newer than this moa knows ({len(known)}); upgrade moa"
        )
    for number, _name, sql in known:
        if number <= current:
            continue
        # executescript commits first; wrap the migration and its version bump in one transaction.
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    return conn.execute("PRAGMA user_version").fetchone()[0]


def connect(data: str | Path | None = None, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) the catalog in the data directory, migrated to the current schema."""
    root = resolve_data_dir(data)
    path = root / CATALOG_NAME
    if readonly:
        if not path.exists():
            raise UserError(f"no catalog at {path}; run `moa harvest`, `moa ledger import` or `moa extract` first")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    else:
        conn = sqlite3.connect(path, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error (Ctrl-C included)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def data_path(conn: sqlite3.Connection) -> Path:
    """The data directory a connection belongs to."""
    row = conn.execute("PRAGMA database_list").fetchone()
    return Path(row["file"]).parent
