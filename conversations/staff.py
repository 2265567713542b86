"""Staff: the roles an office gives, what each role may do, and giving them."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from conversations.vocabulary import ADMIN, BROADCASTER, CURATOR
from storage import conversations as conversation_rows
from storage import users
from storage.models import User, utcnow


def is_staff(user: Any) -> bool:
    """Whether a user holds any staff role."""
    return user is not None and bool(user.staff_roles)


def is_curator(user: Any) -> bool:
    """Whether a user (a User, or None) may decide on products (`/kurasi`)."""
    return user is not None and CURATOR in (user.staff_roles or [])


def manages_programs(user: Any) -> bool:
    """Whether a user may see programs' sign-ups and select participants (`/program`)."""
    return user is not None and bool({ADMIN, CURATOR} & set(user.staff_roles or []))


def is_broadcaster(user: Any) -> bool:
    """Whether a user may send broadcasts (`/siaran`)."""
    return user is not None and BROADCASTER in (user.staff_roles or [])


def give_role(session: Session, channel: str, address: str, role: str,
              phone: str | None = None) -> User:
    """Give the person at an address a staff role, making their row if they never wrote;
    their conversation, if they have one, becomes theirs."""
    user = users.at(session, channel, address)
    if user is None:
        user = User(channel=channel, address=address, phone=phone)
        session.add(user)
    if role not in user.staff_roles:
        user.staff_roles = [*user.staff_roles, role]
        user.updated_at = utcnow()
    session.flush()
    assert user.id is not None
    conversation_rows.tie_to_user(session, channel, address, user.id)
    return user
