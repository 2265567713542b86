"""Programs: made or changed by the offices (from files, the command line, the console),
found by the people they are for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from conversations import offices, signups
from conversations.outbox import withdraw_reminders
from storage import programs as rows
from storage.models import Program

# A change of these dates makes the reminders of the old date wrong: withdrawn, and made
# again by the next tick.
REMINDED_OF = {"starts_at": "event-", "registration_deadline": "deadline-"}


def save(session: Session, values: dict[str, Any], now: datetime, default_zone: str
         ) -> tuple[Program, int]:
    """Add a program or update it by its id. Reminders of a date that moved are withdrawn;
    seats a change frees go to the waiting list, each told. Returns the program and how
    many moved up."""
    # The office must exist (the national one is made again should it be missing).
    if offices.get(session, values.get("office_id") or offices.NATIONAL) is None:
        raise ValueError(f"no office with the id {values.get('office_id')!r}")
    program, changed = rows.save(session, values, now)
    for field, kind in REMINDED_OF.items():
        if field in changed:
            withdraw_reminders(session, program.id, now, kind_prefix=kind)
            rows.forget_reminder_runs(session, program.id, kind)
    rows.lock(session, program.id)
    moved = signups.fill_seats(session, program, now, default_zone)
    return program, len(moved)


def save_all(session: Session, programs: Iterable[dict[str, Any]], now: datetime,
             default_zone: str) -> tuple[int, int]:
    """Save every program of a file; returns how many, and how many people moved up from
    waiting lists."""
    saved = moved = 0
    for values in programs:
        moved += save(session, values, now, default_zone)[1]
        saved += 1
    return saved, moved


def get(session: Session, program_id: str | None) -> Program | None:
    return rows.get(session, program_id)


def every(session: Session) -> list[Program]:
    return rows.every(session)


def find(session: Session, now: datetime, *, provinces: Sequence[str] | None = None,
         kind: str | None = None, audience: str | None = None,
         words: Sequence[Sequence[str]] = (), offset: int = 0, limit: int = 5
         ) -> tuple[list[Program], int]:
    """Programs not yet over, for `audience` (those for everyone too), open ones first,
    nearest deadline first; and how many match in all."""
    return rows.upcoming(session, now, provinces=provinces, kind=kind,
                         audiences=(audience, "both") if audience else None, words=words,
                         offset=offset, limit=limit)
