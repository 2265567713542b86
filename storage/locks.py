"""Work that one process at a time does, whichever of several serves: a lock held until the
end of the transaction that took it (PostgreSQL's advisory locks). On SQLite every write
transaction already holds the database's one write lock from its start."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

# The locks' numbers: any bigint, the same in every process.
REMINDERS = 0x6B72_6979_6172_0001  # queueing the reminders that are due


def try_lock(session: Session, lock: int) -> bool:
    """True if this transaction now holds `lock`; False if another holds it (this one does
    not wait)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:lock)"),
                                {"lock": lock}).scalar_one())
