"""Login links and console sessions, found by the hash of their secret."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select, update

from storage.access_models import LoginLink, StaffSession


def add_link(session: Session, link: LoginLink) -> LoginLink:
    session.add(link)
    session.flush()
    return link


def use_link(session: Session, token_hash: str, now: datetime) -> bool:
    """Mark an unused, unexpired link used. One statement: of two opening it at once,
    exactly one gets it."""
    result = session.exec(update(LoginLink)
                          .where(col(LoginLink.token_hash) == token_hash,
                                 col(LoginLink.used_at).is_(None),
                                 col(LoginLink.expires_at) > now)
                          .values(used_at=now))
    return result.rowcount == 1


def get_link(session: Session, token_hash: str) -> LoginLink | None:
    return session.get(LoginLink, token_hash)


def add_session(session: Session, staff_session: StaffSession) -> StaffSession:
    session.add(staff_session)
    session.flush()
    return staff_session


def session_by_hash(session: Session, token_hash: str) -> StaffSession | None:
    return session.exec(select(StaffSession)
                        .where(StaffSession.token_hash == token_hash)).first()


def session_by_id(session: Session, session_id: int) -> StaffSession | None:
    return session.get(StaffSession, session_id)


def open_sessions(session: Session, user_ids: Collection[int], idle_since: datetime
                  ) -> list[StaffSession]:
    """Sessions not ended and used since `idle_since`, newest use first."""
    if not user_ids:
        return []
    return list(session.exec(select(StaffSession)
                             .where(col(StaffSession.user_id).in_(list(user_ids)),
                                    col(StaffSession.ended_at).is_(None),
                                    StaffSession.last_seen_at >= idle_since)
                             .order_by(col(StaffSession.last_seen_at).desc())))


def end_sessions_of(session: Session, user_id: int, now: datetime) -> int:
    result = session.exec(update(StaffSession)
                          .where(StaffSession.user_id == user_id,
                                 col(StaffSession.ended_at).is_(None))
                          .values(ended_at=now))
    return result.rowcount
