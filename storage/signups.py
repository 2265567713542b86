"""Sign-ups for programs (the `registrations` table): the queries conversations.signups asks
for. Who gets a seat, and in what order, is decided there."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Program, Registration
from storage.statuses import SignUpStatus


def get(session: Session, registration_id: int | None) -> Registration | None:
    return session.get(Registration, registration_id) if registration_id is not None else None


def of_party(session: Session, program_id: str, party: str) -> Registration | None:
    """A party's sign-up for a program, read fresh: a copy loaded earlier in the
    transaction (before the program's lock) may be out of date."""
    return session.exec(
        select(Registration).where(Registration.program_id == program_id,
                                   Registration.party == party)
        .execution_options(populate_existing=True)
    ).first()


def by_route(session: Session, program_id: str, statuses: Collection[str]
             ) -> dict[str | None, int]:
    """How many sign-ups in `statuses` each funding route has."""
    found = session.exec(
        select(Registration.funding_route, func.count())
        .where(Registration.program_id == program_id, col(Registration.status).in_(statuses))
        .group_by(Registration.funding_route)
    ).all()
    return {route: int(n) for route, n in found}


def count(session: Session, program_id: str, status: str, before_seq: int | None = None) -> int:
    """Sign-ups of a program with `status` (that arrived before `before_seq`, if given)."""
    query = select(func.count()).select_from(Registration).where(
        Registration.program_id == program_id, Registration.status == status)
    if before_seq is not None:
        query = query.where(Registration.seq < before_seq)
    return int(session.exec(query).one())


def last_seq(session: Session, program_id: str) -> int:
    found = session.exec(
        select(func.max(Registration.seq)).where(Registration.program_id == program_id)).one()
    return int(found or 0)


def with_status(session: Session, program_id: str, status: str,
                exclude: Sequence[int] = ()) -> list[Registration]:
    """A program's sign-ups with `status`, in order of arrival."""
    query = select(Registration).where(Registration.program_id == program_id,
                                       Registration.status == status)
    if exclude:
        query = query.where(col(Registration.id).not_in(list(exclude)))
    return list(session.exec(query.order_by(Registration.seq)))


def counts(session: Session, program_id: str) -> dict[str, int]:
    """How many sign-ups of a program have each status (every status, zero or not)."""
    found = dict(session.exec(
        select(Registration.status, func.count())
        .where(Registration.program_id == program_id).group_by(Registration.status)
    ).all())
    return {status: int(found.get(status, 0)) for status in SignUpStatus}


def of_party_with_programs(session: Session, party: str, limit: int = 10
                           ) -> list[tuple[Registration, Program]]:
    """A party's sign-ups with their programs, latest first."""
    found = session.exec(
        select(Registration, Program).join(Program, col(Program.id) == Registration.program_id)
        .where(Registration.party == party)
        .order_by(col(Registration.signed_up_at).desc(), col(Registration.id).desc())
        .limit(limit)
    ).all()
    return [(registration, program) for registration, program in found]


def of_program(session: Session, program_id: str) -> list[Registration]:
    """Every sign-up of a program in order of arrival, cancelled ones included."""
    return list(session.exec(
        select(Registration).where(Registration.program_id == program_id)
        .order_by(Registration.seq)))


def of_user(session: Session, user_id: int, statuses: Collection[str]) -> list[Registration]:
    """The sign-ups a person made, in `statuses`."""
    return list(session.exec(select(Registration).where(
        Registration.user_id == user_id, col(Registration.status).in_(statuses))))


def parties(session: Session, program_id: str, statuses: Collection[str]) -> set[str]:
    """Who holds a sign-up for a program in `statuses`."""
    return set(session.exec(select(Registration.party).where(
        Registration.program_id == program_id, col(Registration.status).in_(statuses))))


def decided(session: Session, program_id: str, statuses: Collection[str], offset: int = 0,
            limit: int = 5) -> tuple[list[Registration], int]:
    """A program's sign-ups in `statuses` (decisions), the latest decided first; and how
    many there are in all."""
    conditions = (Registration.program_id == program_id, col(Registration.status).in_(statuses))
    total = session.exec(select(func.count()).select_from(Registration).where(*conditions)).one()
    found = session.exec(select(Registration).where(*conditions)
                         .order_by(col(Registration.decided_at).desc(),
                                   col(Registration.seq).desc())
                         .offset(offset).limit(limit))
    return list(found), int(total)
