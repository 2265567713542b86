"""Programs: made or changed by the offices (from files, the command line, the console),
found by the people they are for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from conversations import audit, offices, signups
from conversations.i18n import N_
from conversations.outbox import withdraw_reminders
from conversations.program_files import Problem, check_rows
from conversations.table_files import Table
from storage import programs as rows
from storage.models import Program, User

# A change of these dates makes the reminders of the old date wrong: withdrawn, and made
# again by the next tick.
REMINDED_OF = {"starts_at": "event-", "registration_deadline": "deadline-"}


def save(session: Session, values: dict[str, Any], now: datetime, default_zone: str, *,
         actor: User | None = None, via: str = audit.CLI, action: str | None = None
         ) -> tuple[Program, int]:
    """Add a program or update it by its id. Reminders of a date that moved are withdrawn;
    seats a change frees go to the waiting list, each told. Returns the program and how
    many moved up. The audit log of its office keeps what was made or changed (as
    `action`, if given: "program.closed")."""
    # The office must exist (the national one is made again should it be missing).
    if offices.get(session, values.get("office_id") or offices.NATIONAL) is None:
        raise ValueError(f"no office with the id {values.get('office_id')!r}")
    existing = rows.get(session, values["id"])
    before = {key: getattr(existing, key) for key in values} if existing else None
    program, changed = rows.save(session, values, now)
    if before is None or changed:
        action = action or ("program.changed" if before else "program.created")
        audit.record(session, actor, via, action, "program", program.id, before=before,
                     after={key: getattr(program, key) for key in values},
                     office_id=program.office_id, now=now)
    for field, kind in REMINDED_OF.items():
        if field in changed:
            withdraw_reminders(session, program.id, now, kind_prefix=kind)
            rows.forget_reminder_runs(session, program.id, kind)
    rows.lock(session, program.id)
    moved = signups.fill_seats(session, program, now, default_zone)
    return program, len(moved)


def save_all(session: Session, programs: Iterable[dict[str, Any]], now: datetime,
             default_zone: str, *, actor: User | None = None, via: str = audit.CLI
             ) -> tuple[int, int]:
    """Save every program of a file; returns how many, and how many people moved up from
    waiting lists."""
    saved = moved = 0
    for values in programs:
        moved += save(session, values, now, default_zone, actor=actor, via=via)[1]
        saved += 1
    return saved, moved


def import_rows(session: Session, found: Table, office_id: str, now: datetime,
                default_zone: str, *, actor: User | None = None, via: str = audit.CLI
                ) -> tuple[int, int]:
    """The programs of a file, for an office: all of them or, with any bad row (one that
    would take another office's program among them), none; ProgramFileError names each.
    Returns how many were saved, and how many people moved up from waiting lists."""
    return save_all(session, _checked(session, found, office_id), now, default_zone,
                    actor=actor, via=via)


@dataclass
class Planned:
    """What importing one row would do: add a program, change some of its values (the
    names of those), or nothing."""

    row: int
    id: str
    title: str
    changes: list[str] | None  # None: a new program


def preview_rows(session: Session, found: Table, office_id: str) -> list[Planned]:
    """What `import_rows` would do with a file, changing nothing; ProgramFileError as it
    would."""
    planned = []
    for (number, _), values in zip(found.rows, _checked(session, found, office_id),
                                   strict=True):
        existing = rows.get(session, values["id"])
        changes = None if existing is None else [
            key for key, value in values.items() if getattr(existing, key) != value]
        planned.append(Planned(number, values["id"], values["title"], changes))
    return planned


def _checked(session: Session, found: Table, office_id: str) -> list[dict[str, Any]]:
    checked = check_rows(found.rows, refuse=lambda values: _run_elsewhere(
        session, values["id"], office_id), headers=found.headers)
    return [{**values, "office_id": office_id} for values in checked]


def _run_elsewhere(session: Session, program_id: str, office_id: str) -> Problem | None:
    """Why a program may not be imported for this office: another office runs it."""
    program = rows.get(session, program_id)
    if program is None or program.office_id == office_id:
        return None
    return Problem(N_("the program {id} belongs to the office {office}"), "id", id=program_id,
                   office=program.office_id)


def get(session: Session, program_id: str | None) -> Program | None:
    return rows.get(session, program_id)


def every(session: Session, office_id: str | None = None) -> list[Program]:
    """Every program (one office's, if given)."""
    return rows.every(session, office_id)


def managed(session: Session, office_id: str | None, now: datetime, *,
            words: Sequence[str] = (), kind: str | None = None, province: str | None = None,
            state: str | None = None, offset: int = 0, limit: int = 20
            ) -> tuple[list[tuple[Program, dict[str, int]]], int]:
    """The programs an office runs (every one, office None), drafts too, as its staff
    manage them: each with how many sign-ups of each status it has; and how many match in
    all. `state`: open (taking sign-ups), closed or draft."""
    found, total = rows.managed(session, now, office_id=office_id, words=words, kind=kind,
                                province=province, state=state, offset=offset, limit=limit)
    counts = rows.signup_counts(session, [program.id for program in found])
    return [(program, counts[program.id]) for program in found], total


def find(session: Session, now: datetime, *, provinces: Sequence[str] | None = None,
         kind: str | None = None, audience: str | None = None,
         words: Sequence[Sequence[str]] = (), office_id: str | None = None,
         offset: int = 0, limit: int = 5) -> tuple[list[Program], int]:
    """Programs not yet over, for `audience` (those for everyone too), of one office if
    given, open ones first, nearest deadline first; and how many match in all."""
    return rows.upcoming(session, now, provinces=provinces, kind=kind,
                         audiences=(audience, "both") if audience else None, words=words,
                         office_id=office_id, offset=offset, limit=limit)
