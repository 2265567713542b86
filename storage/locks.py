"""Work that one process at a time does, whichever of several serves: a lock held until the
end of the transaction that took it (PostgreSQL's advisory locks, one set per schema). On
SQLite every write transaction already holds the database's one write lock from its start."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

# The locks' numbers: any 32-bit number, the same in every process.
REMINDERS = 0x6B72_0001  # queueing the reminders that are due


def hold(session: Session, lock: int) -> None:
    """Take `lock` for the rest of this transaction, waiting while another holds it. Take
    it first: what the other wrote meanwhile is then seen by the statements after it."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # The schema's name in the key: Kriyas in two schemas of one database keep apart.
    session.execute(text("SELECT pg_advisory_xact_lock(:lock, hashtext(current_schema()))"),
                    {"lock": lock})
