"""Console login without passwords: a one-time link sent through the chat (or printed by
the command line) opens a session in a browser.

A link is good for 10 minutes and once; a session ends at logout, when revoked, when
its holder loses every staff role, or after 12 hours without use. Only hashes of the
secrets are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

from conversations import staff
from storage import access as rows
from storage import users
from storage.access_models import LoginLink, StaffSession
from storage.models import User

LINK_LIFE = timedelta(minutes=10)
IDLE_LIMIT = timedelta(hours=12)
# A session's last use is written at most this often: a page view is not a write each.
TOUCH_EVERY = timedelta(minutes=1)
LOGIN_PATH = "/console/login/"


class Refusal(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    NOT_STAFF = "not_staff"


class LoginRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_link(session: Session, user: User, now: datetime) -> str:
    """A fresh login secret for a staff member (the path's last part)."""
    if not staff.is_staff(user) or user.id is None:
        raise staff.StaffError("only staff members log in to the console")
    token = secrets.token_urlsafe(32)
    rows.add_link(session, LoginLink(token_hash=digest(token), user_id=user.id,
                                     created_at=now, expires_at=now + LINK_LIFE))
    return token


def link_url(public_url: str | None, token: str) -> str:
    base = (public_url or "http://localhost:8000").rstrip("/")  # `kriya serve` by default
    return f"{base}{LOGIN_PATH}{token}"


def check(session: Session, token: str, now: datetime) -> Refusal | None:
    """Why a link would be refused, without using it (None: it would open a session)."""
    link = rows.get_link(session, digest(token))
    if link is None:
        return Refusal.UNKNOWN
    if link.used_at is not None:
        return Refusal.USED
    if link.expires_at <= now:
        return Refusal.EXPIRED
    return None if staff.is_staff(users.by_id(session, link.user_id)) else Refusal.NOT_STAFF


def redeem(session: Session, token: str, now: datetime, agent: str = "") -> tuple[str, User]:
    """Use a link: returns the new session's secret (for the cookie) and its staff member."""
    hashed = digest(token)
    if not rows.use_link(session, hashed, now):
        link = rows.get_link(session, hashed)
        if link is None:
            raise LoginRefused(Refusal.UNKNOWN)
        raise LoginRefused(Refusal.USED if link.used_at is not None else Refusal.EXPIRED)
    link = rows.get_link(session, hashed)
    user = users.by_id(session, link.user_id if link else None)
    if not staff.is_staff(user):
        raise LoginRefused(Refusal.NOT_STAFF)
    assert user is not None and user.id is not None
    secret = secrets.token_urlsafe(32)
    rows.add_session(session, StaffSession(token_hash=digest(secret), user_id=user.id,
                                           created_at=now, last_seen_at=now,
                                           agent=agent[:200]))
    return secret, user


def signed_in(session: Session, secret: str | None, now: datetime
              ) -> tuple[StaffSession, User] | None:
    """The open session a cookie names and its staff member, who still holds a role; the
    session's use is noted. None when it ended, idled out, or its holder lost every role."""
    if not secret:
        return None
    found = rows.session_by_hash(session, digest(secret))
    if found is None or found.ended_at is not None:
        return None
    if now - found.last_seen_at > IDLE_LIMIT:
        found.ended_at = found.last_seen_at + IDLE_LIMIT
        session.flush()
        return None
    user = users.by_id(session, found.user_id)
    if not staff.is_staff(user):
        return None
    assert user is not None
    if now - found.last_seen_at >= TOUCH_EVERY:
        found.last_seen_at = now
        session.flush()
    return found, user


def csrf_token(secret: str) -> str:
    """The token every changing form of a session carries: derived from the session's
    secret, so nothing more is stored and another session's token never fits."""
    return hashlib.sha256(f"csrf:{secret}".encode()).hexdigest()[:40]


def csrf_ok(secret: str | None, sent: str | None) -> bool:
    return bool(secret and sent) and secrets.compare_digest(csrf_token(secret or ""), sent or "")


def end(session: Session, staff_session: StaffSession, now: datetime) -> None:
    if staff_session.ended_at is None:
        staff_session.ended_at = now
        session.flush()


def open_sessions(session: Session, user_ids: list[int], now: datetime) -> list[StaffSession]:
    return rows.open_sessions(session, user_ids, now - IDLE_LIMIT)


def session_by_id(session: Session, session_id: int) -> StaffSession | None:
    return rows.session_by_id(session, session_id)


def end_all(session: Session, user_id: int, now: datetime) -> int:
    """End every session of a person (their roles were taken away)."""
    return rows.end_sessions_of(session, user_id, now)
