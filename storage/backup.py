"""A consistent copy of a SQLite database, also while a server writes to it: SQLite's own
backup API copies the pages of one snapshot (in WAL mode writers go on meanwhile)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import normalise_url


class NotSQLite(ValueError):
    """The database is not a SQLite file (PostgreSQL has pg_dump)."""


def sqlite_path(url: str) -> Path:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        raise NotSQLite(parsed.get_backend_name())
    if not parsed.database or parsed.database == ":memory:":
        raise FileNotFoundError("an in-memory database has no file to copy")
    return Path(parsed.database)


def backup(url: str, target: Path) -> str:
    """Copy the database of `url` to `target` (replaced if there) and check the copy;
    returns SQLite's verdict on it ("ok"). The copy is written beside `target` first and
    renamed: a copy cut short never takes its name."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise FileNotFoundError(f"no SQLite database at {source_path}")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # every page at once: one snapshot
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    if verdict != "ok":
        with contextlib.suppress(OSError):
            partial.unlink()
        return str(verdict)
    os.replace(partial, target)
    return "ok"
