"""Broadcasts: the announcements staff sent, each with its audience and text."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Broadcast


def add(session: Session, broadcast: Broadcast) -> Broadcast:
    session.add(broadcast)
    session.flush()
    return broadcast


def get(session: Session, broadcast_id: int | None) -> Broadcast | None:
    return session.get(Broadcast, broadcast_id) if broadcast_id is not None else None


def recent(session: Session, created_by: int | None = None, limit: int = 5) -> list[Broadcast]:
    """The latest broadcasts (of one staff member, if given), newest first."""
    query = select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)
    if created_by is not None:
        query = query.where(Broadcast.created_by == created_by)
    return list(session.exec(query))
