"""Threads of questions and their messages: stored, found, listed and closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, case, col, func, select, update

from storage.models import Conversation, User
from storage.thread_models import Thread, ThreadMessage, ThreadStatus


def get(session: Session, thread_id: int) -> Thread | None:
    return session.get(Thread, thread_id)


def open_of(session: Session, user_id: int) -> Thread | None:
    """The person's open thread, if any (the newest, should there be more)."""
    return session.exec(select(Thread).where(Thread.user_id == user_id,
                                             Thread.status == ThreadStatus.OPEN)
                        .order_by(col(Thread.id).desc())).first()


def add(session: Session, thread: Thread) -> Thread:
    session.add(thread)
    session.flush()
    return thread


def add_message(session: Session, message: ThreadMessage) -> ThreadMessage:
    session.add(message)
    session.flush()
    return message


def messages(session: Session, thread_id: int) -> list[ThreadMessage]:
    return list(session.exec(select(ThreadMessage).where(ThreadMessage.thread_id == thread_id)
                             .order_by(ThreadMessage.at, col(ThreadMessage.id))))


def has_photo(session: Session, thread_id: int, path: str) -> bool:
    """Whether the thread holds this file (as a photo or its thumbnail)."""
    found = session.exec(select(func.count()).select_from(ThreadMessage).where(
        ThreadMessage.thread_id == thread_id,
        (ThreadMessage.photo == path) | (ThreadMessage.thumb == path))).one()
    return int(found) > 0


def files_of_user(session: Session, user_id: int) -> set[str]:
    """Every photo a person sent in their threads, and its thumbnail."""
    rows = session.exec(select(ThreadMessage.photo, ThreadMessage.thumb)
                        .join(Thread, col(Thread.id) == ThreadMessage.thread_id)
                        .where(Thread.user_id == user_id,
                               col(ThreadMessage.photo).is_not(None)))
    return {path for pair in rows for path in pair if path}


def close(session: Session, thread_id: int, staff_id: int | None, now: datetime) -> bool:
    """Close an open thread. One statement: of two closing it at once, one does."""
    result = session.exec(update(Thread)
                          .where(col(Thread.id) == thread_id, Thread.status == ThreadStatus.OPEN)
                          .values(status=ThreadStatus.CLOSED.value, closed_at=now,
                                  closed_by=staff_id, waiting_since=None))
    return result.rowcount == 1


def of_office(session: Session, office_id: str, *, status: str | None = None,
              assigned_to: int | None = None, offset: int = 0, limit: int = 20
              ) -> tuple[list[tuple[Thread, User, str | None]], int]:
    """An office's threads with their person and the name of whom each is assigned to:
    open first (the longest waiting first), then closed (latest closed first)."""
    conditions: list[Any] = [Thread.office_id == office_id]
    if status is not None:
        conditions.append(Thread.status == status)
    if assigned_to is not None:
        conditions.append(Thread.assigned_to == assigned_to)
    total = session.exec(select(func.count()).select_from(Thread).where(*conditions)).one()
    assignee = select(User.name).where(col(User.id) == Thread.assigned_to) \
        .correlate(Thread).scalar_subquery()
    opened_first = case((Thread.status == ThreadStatus.OPEN, 0), else_=1)
    query = (select(Thread, User, assignee).join(User, col(User.id) == Thread.user_id)
             .where(*conditions)
             .order_by(opened_first, col(Thread.waiting_since).asc().nulls_last(),
                       col(Thread.closed_at).desc().nulls_last(), col(Thread.id).desc())
             .offset(offset).limit(limit))
    return [(t, u, name) for t, u, name in session.exec(query)], int(total)


def waiting(session: Session, office_id: str) -> tuple[int, datetime | None]:
    """How many of an office's threads are open, and since when the longest-waiting
    person has waited for an answer."""
    count, oldest = session.exec(select(func.count(), func.min(Thread.waiting_since))
                                 .where(Thread.office_id == office_id,
                                        Thread.status == ThreadStatus.OPEN)).one()
    return int(count), oldest


def staff_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.name).where(col(User.id).in_(list(ids))))
    return {user_id: name or "" for user_id, name in rows if user_id is not None}


def conversation_flow(session: Session, channel: str, address: str) -> str | None:
    """The flow an address's conversation is in now (read only)."""
    return session.exec(select(Conversation.flow).where(
        Conversation.channel == channel, Conversation.address == address)).first()
