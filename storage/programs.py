"""Programs, the runs of their reminders, and the searches over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, delete, func, or_
from sqlmodel import Session, col, select

from storage.models import Program, Registration, ReminderRun

# Programs people may see: a draft is its office's alone.
PUBLISHED = col(Program.draft).is_(False)


def get(session: Session, program_id: str | None) -> Program | None:
    return session.get(Program, program_id) if program_id else None


def lock(session: Session, program_id: str) -> Program | None:
    """The program, locked until the transaction ends, read fresh from the database
    (`FOR UPDATE` on PostgreSQL; SQLite's BEGIN IMMEDIATE already lets one writer in)."""
    query = (select(Program).where(Program.id == program_id).with_for_update()
             .execution_options(populate_existing=True))
    return session.exec(query).first()


def save(session: Session, values: dict[str, Any], now: datetime) -> tuple[Program, set[str]]:
    """Add a program or update it by its id; returns it and the names of the values that
    changed."""
    program = session.get(Program, values["id"])
    if program is None:
        program = Program(**values)
        session.add(program)
        session.flush()
        return program, set(values)
    changed = {key for key, value in values.items() if getattr(program, key) != value}
    for key, value in values.items():
        setattr(program, key, value)
    program.updated_at = now
    session.flush()
    return program, changed


def every(session: Session, office_id: str | None = None) -> list[Program]:
    """Every program (of one office, if given), the first to start first."""
    query = select(Program).order_by(Program.starts_at, Program.id)
    if office_id is not None:
        query = query.where(Program.office_id == office_id)
    return list(session.exec(query))


def upcoming(
    session: Session, now: datetime, *, provinces: Sequence[str] | None = None,
    kind: str | None = None, audiences: Sequence[str] | None = None,
    words: Sequence[Sequence[str]] = (), office_id: str | None = None, offset: int = 0,
    limit: int = 5,
) -> tuple[list[Program], int]:
    """Programs not yet over (of one office, if given; no drafts), open ones first, nearest
    deadline first; and how many in all. Each entry of `words` is alternatives, one of which
    must appear somewhere in the program's text."""
    conditions: list[Any] = [Program.ends_at >= now, PUBLISHED]
    if office_id is not None:
        conditions.append(Program.office_id == office_id)
    if provinces:
        conditions.append(col(Program.province).in_(provinces))
    if kind:
        conditions.append(Program.kind == kind)
    if audiences:
        conditions.append(col(Program.audience).in_(audiences))
    haystack = (Program.title, Program.description, Program.organiser, Program.venue,
                Program.province, Program.kind, cast(Program.categories, String))
    for alternatives in words:
        patterns = [f"%{word.lower()}%" for word in alternatives]
        conditions.append(or_(*(func.lower(column).like(pattern)
                                for pattern in patterns for column in haystack)))
    closed = case((or_(col(Program.registration_deadline).is_(None),
                       Program.registration_deadline >= now), 0), else_=1)
    order = (closed, func.coalesce(Program.registration_deadline, Program.starts_at), Program.id)
    total = session.exec(select(func.count()).select_from(Program).where(*conditions)).one()
    found = session.exec(
        select(Program).where(*conditions).order_by(*order).offset(offset).limit(limit))
    return list(found), int(total)


def with_signups(session: Session, since: datetime, active: Sequence[str], *,
                 words: Sequence[Sequence[str]] = (), program_id: str | None = None,
                 office_id: str | None = None, offset: int = 0, limit: int = 10
                 ) -> tuple[list[tuple[Program, int]], int]:
    """Programs not over before `since` (of one office, if given; no drafts), and how many
    sign-ups
in `active` statuses each has: those with sign-ups first, then the next to start;
    and how many match in all. Each entry of `words` is alternatives, one of which must appear
    in the program's id, title, kind, organiser, venue or province. The program
    `program_id` is found however long ago it ended."""
    counted = (select(Registration.program_id, func.count().label("n"))
               .where(col(Registration.status).in_(active))
               .group_by(Registration.program_id).subquery())
    haystack = (Program.id, Program.title, Program.kind, Program.organiser, Program.venue,
                Program.province)
    matching = and_(Program.ends_at >= since, *(
        or_(*(func.lower(column).like(f"%{word.lower()}%")
              for word in alternatives for column in haystack))
        for alternatives in words))
    if program_id:
        matching = or_(matching, Program.id == program_id)
    matching = and_(matching, PUBLISHED)
    if office_id is not None:
        matching = and_(matching, Program.office_id == office_id)
    total = session.exec(select(func.count()).select_from(Program).where(matching)).one()
    found = session.exec(
        select(Program, func.coalesce(counted.c.n, 0))
        .outerjoin(counted, counted.c.program_id == Program.id)
        .where(matching)
        .order_by(func.coalesce(counted.c.n, 0) == 0, Program.starts_at, Program.id)
        .offset(offset).limit(limit)
    ).all()
    return [(program, int(n)) for program, n in found], int(total)


def managed(session: Session, now: datetime, *, office_id: str | None = None,
            words: Sequence[str] = (), kind: str | None = None, province: str | None = None,
            state: str | None = None, offset: int = 0, limit: int = 20
            ) -> tuple[list[Program], int]:
    """An office's programs (every one, office None) as its staff manage them, drafts too:
    those not over first, the next to start first, then those over, the latest first; and
    how many match in all. Every word must appear in the id, title, organiser or venue;
    `state` is open (taking sign-ups), closed or draft."""
    conditions: list[Any] = [] if office_id is None else [Program.office_id == office_id]
    for word in words:
        conditions.append(or_(*(func.lower(column).like(f"%{word.lower()}%") for column in
                                (Program.id, Program.title, Program.organiser, Program.venue))))
    if kind:
        conditions.append(Program.kind == kind)
    if province:
        conditions.append(Program.province == province)
    closes = func.coalesce(Program.registration_deadline, Program.starts_at)
    conditions += {"open": [PUBLISHED, closes > now], "closed": [PUBLISHED, closes <= now],
                   "draft": [col(Program.draft).is_(True)]}.get(state or "", [])
    over = Program.ends_at < now
    order = (over, case((over, None), else_=Program.starts_at),
             col(Program.starts_at).desc(), Program.id)
    total = session.exec(select(func.count()).select_from(Program).where(*conditions)).one()
    found = session.exec(select(Program).where(*conditions).order_by(*order)
                         .offset(offset).limit(limit))
    return list(found), int(total)


def signup_counts(session: Session, program_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """How many sign-ups of each status each of these programs has (the statuses it has)."""
    found: dict[str, dict[str, int]] = {program_id: {} for program_id in program_ids}
    rows = session.exec(select(Registration.program_id, Registration.status, func.count())
                        .where(col(Registration.program_id).in_(program_ids))
                        .group_by(Registration.program_id, Registration.status))
    for program_id, status, n in rows:
        found[program_id][status] = int(n)
    return found


def remove(session: Session, program: Program) -> None:
    """Delete a program with its reminder runs (its sign-ups too: ask first whether any)."""
    session.execute(delete(ReminderRun).where(ReminderRun.program_id == program.id))
    session.delete(program)
    session.flush()


def with_dates_within(session: Session, now: datetime, deadline_within: timedelta,
                      start_within: timedelta) -> list[Program]:
    """Programs whose registration closes, or which start, within these spans of `now`
    (no drafts: they remind nobody)."""
    return list(session.exec(select(Program).where(PUBLISHED, or_(
        and_(col(Program.registration_deadline) > now,
             col(Program.registration_deadline) <= now + deadline_within),
        and_(Program.starts_at > now, Program.starts_at <= now + start_within),
    ))))


# Reminder runs: one per program, kind of reminder and moment reminded of


def reminder_ran(session: Session, program_id: str, kind: str, anchor: datetime) -> bool:
    return session.get(ReminderRun, (program_id, kind, anchor)) is not None


def record_reminder_run(session: Session, program_id: str, kind: str, anchor: datetime,
                        queued: int, now: datetime) -> None:
    session.add(ReminderRun(program_id=program_id, kind=kind, anchor=anchor, queued=queued,
                            ran_at=now))
    session.flush()


def forget_reminder_runs(session: Session, program_id: str, kind_prefix: str) -> None:
    session.execute(delete(ReminderRun).where(ReminderRun.program_id == program_id,
                                              col(ReminderRun.kind).startswith(kind_prefix)))

