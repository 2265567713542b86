"""Counts for the console's summary, each within a set of provinces (None: all) and, for
programs and sign-ups, of one office's programs (None: every program)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, or_, select

from storage.models import OutboxMessage, Product, Program, Registration, User


def _in(column: Any, provinces: Collection[str] | None) -> list[Any]:
    return [] if provinces is None else [col(column).in_(list(provinces))]


def _owned(office_id: str | None) -> list[Any]:
    return [] if office_id is None else [Program.office_id == office_id]


def users_by_province_and_channel(session: Session, provinces: Collection[str] | None
                                  ) -> list[tuple[str | None, str, int]]:
    query = (select(User.province, User.channel, func.count())
             .where(col(User.registered_at).is_not(None), *_in(User.province, provinces))
             .group_by(User.province, User.channel).order_by(User.province, User.channel))
    return [(province, channel, int(n)) for province, channel, n in session.exec(query)]


def registered_since(session: Session, since: datetime, provinces: Collection[str] | None
                     ) -> int:
    query = (select(func.count()).select_from(User)
             .where(User.registered_at >= since, *_in(User.province, provinces)))
    return int(session.exec(query).one())


def programs_open(session: Session, now: datetime, office_id: str | None) -> int:
    """Programs taking sign-ups now: not begun, and their deadline (if any) not passed."""
    query = (select(func.count()).select_from(Program)
             .where(Program.starts_at > now, col(Program.draft).is_(False),
                    or_(col(Program.registration_deadline).is_(None),
                        Program.registration_deadline >= now), *_owned(office_id)))
    return int(session.exec(query).one())


def products_waiting(session: Session, statuses: Collection[str],
                     provinces: Collection[str] | None) -> tuple[int, datetime | None]:
    """How many products wait for curation, and since when the oldest has."""
    query = (select(func.count(), func.min(Product.submitted_at))
             .where(col(Product.status).in_(list(statuses)), *_in(Product.province, provinces)))
    count, oldest = session.exec(query).one()  # MIN keeps the column's type: a moment
    return int(count), oldest


def signups(session: Session, statuses: Sequence[str], office_id: str | None) -> int:
    query = (select(func.count()).select_from(Registration)
             .join(Program, Program.id == Registration.program_id)
             .where(col(Registration.status).in_(list(statuses)), *_owned(office_id)))
    return int(session.exec(query).one())


def signup_moments(session: Session, since: datetime, office_id: str | None
                   ) -> list[datetime]:
    """When each sign-up since `since` was made (counted per day in the reader's zone)."""
    query = (select(Registration.signed_up_at)
             .join(Program, Program.id == Registration.program_id)
             .where(Registration.signed_up_at >= since, *_owned(office_id)))
    return list(session.exec(query))


def outbox(session: Session, now: datetime, statuses: Sequence[str],
           provinces: Collection[str] | None) -> dict[tuple[str, bool], int]:
    """Messages by status, and whether each waits for a later moment (held, for the
    night or a set time): {(status, held): n}."""
    held = func.coalesce(OutboxMessage.not_before > now, False)
    query = (select(OutboxMessage.status, held, func.count())
             .where(col(OutboxMessage.status).in_(list(statuses))))
    if provinces is not None:
        query = query.join(User, User.id == OutboxMessage.user_id).where(
            *_in(User.province, provinces))
    query = query.group_by(OutboxMessage.status, held)
    return {(status, bool(is_held)): int(n) for status, is_held, n in session.exec(query)}
