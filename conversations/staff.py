"""Staff: the roles an office gives, what each role may do, and giving them."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from conversations import offices
from conversations.vocabulary import ADMIN, BROADCASTER, CURATOR, VIEWER
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


def sees_programs(user: Any) -> bool:
    """Whether a user may look at programs and their sign-ups (`/program`): those who
    run them, and viewers."""
    return user is not None and bool({ADMIN, CURATOR, VIEWER} & set(user.staff_roles or []))


def only_looks(user: Any) -> bool:
    """Whether a staff member's roles only let them look (a viewer and nothing more)."""
    return is_staff(user) and not set(user.staff_roles) - {VIEWER}


def is_broadcaster(user: Any) -> bool:
    """Whether a user may send broadcasts (`/siaran`)."""
    return user is not None and BROADCASTER in (user.staff_roles or [])


class StaffError(ValueError):
    """A role that cannot be given or taken as asked; the message says why."""


def give_role(session: Session, channel: str, address: str, role: str,
              phone: str | None = None, office_id: str = "pusat") -> User:
    """Give the person at an address a staff role in an office, making their row if they
    never wrote; their conversation, if they have one, becomes theirs. A staff member
    works for one office: roles in another need their roles here taken away first."""
    if offices.get(session, office_id) is None:
        raise StaffError(f"no office with the id {office_id!r} (see kriya office list)")
    user = users.at(session, channel, address)
    if user is None:
        user = User(channel=channel, address=address, phone=phone)
        session.add(user)
    if user.staff_roles and user.office_id not in (None, office_id):
        raise StaffError(f"already staff of the office {user.office_id}: remove those roles "
                         "first (kriya staff remove)")
    user.office_id = office_id
    if role not in user.staff_roles:
        user.staff_roles = [*user.staff_roles, role]
        user.updated_at = utcnow()
    session.flush()
    assert user.id is not None
    conversation_rows.tie_to_user(session, channel, address, user.id)
    return user


def take_role(session: Session, channel: str, address: str, role: str | None = None
              ) -> User:
    """Take a role away (every role when none is named), at once: the next message the
    person sends finds it gone. Without roles they belong to no office."""
    user = users.at(session, channel, address)
    if user is None or not user.staff_roles:
        raise StaffError("no staff member at that address")
    if role is not None and role not in user.staff_roles:
        raise StaffError(f"they do not have the role {role}")
    user.staff_roles = [r for r in user.staff_roles if role is not None and r != role]
    if not user.staff_roles:
        user.office_id = None
    user.updated_at = utcnow()
    session.flush()
    return user


def member_at(session: Session, channel: str, address: str) -> User | None:
    """The staff member at an address; None for anyone without a role."""
    user = users.at(session, channel, address)
    return user if is_staff(user) else None


def everyone(session: Session) -> list[User]:
    """Every staff member, by office."""
    return users.staff(session)
