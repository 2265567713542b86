"""Broadcasts: the announcements staff sent, each with its audience and text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from storage.models import Broadcast
from storage.statuses import BroadcastStatus


def add(session: Session, broadcast: Broadcast) -> Broadcast:
    session.add(broadcast)
    session.flush()
    return broadcast


def get(session: Session, broadcast_id: int | None) -> Broadcast | None:
    return session.get(Broadcast, broadcast_id) if broadcast_id is not None else None


def by_form_key(session: Session, key: str) -> Broadcast | None:
    return session.exec(select(Broadcast).where(Broadcast.form_key == key)).first()


def recent(session: Session, created_by: int | None = None, limit: int = 5) -> list[Broadcast]:
    """The latest broadcasts (of one staff member, if given), newest first."""
    query = select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)
    if created_by is not None:
        query = query.where(Broadcast.created_by == created_by)
    return list(session.exec(query))


def mark_stopped(session: Session, broadcast_id: int, now: datetime) -> bool:
    """Mark a broadcast stopped unless it is already: whether this call stopped it."""
    result = session.execute(
        update(Broadcast).where(col(Broadcast.id) == broadcast_id,
                                Broadcast.status != BroadcastStatus.STOPPED)
        .values(status=BroadcastStatus.STOPPED, stopped_at=now)
        .execution_options(synchronize_session=False))
    found = session.get(Broadcast, broadcast_id)
    if found is not None:
        session.refresh(found)  # as the statement left it
    return result.rowcount == 1


def of_office(session: Session, office_id: str | None, offset: int, limit: int
              ) -> tuple[list[Broadcast], int]:
    """An office's broadcasts (every one for None), newest first, a page of them, and how
    many in all."""
    query = select(Broadcast)
    total = select(func.count()).select_from(Broadcast)
    if office_id is not None:
        query = query.where(Broadcast.office_id == office_id)
        total = total.where(Broadcast.office_id == office_id)
    found = session.exec(query.order_by(col(Broadcast.id).desc()).offset(offset).limit(limit))
    return list(found), int(session.exec(total).one())
