"""The people Kriya serves: found across channels, reachable or not, and erased on request."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from conversations import signups
from storage import users as rows
from storage.models import User


def erase(session: Session, user: User, now: datetime, default_zone: str) -> None:
    """Delete a person and everything kept about them (UU PDP: the right to erasure). Their
    seats go to the waiting list first (who moves up is told), and a Lapas' sign-up they
    made passes to a colleague."""
    if user.id is not None:
        signups.release_all(session, user, now, default_zone)
    rows.delete_with_messages(session, user)


def registered_elsewhere(session: Session, phone: str | None, channel: str) -> User | None:
    """Someone registered on another channel with this phone number, if anyone."""
    return rows.registered_with_phone(session, phone, not_on=channel) if phone else None


def set_reachable(session: Session, channel: str, address: str, reachable: bool) -> None:
    """The platform says the person blocked the bot (False) or let it back in (True)."""
    rows.set_reachable(session, channel, address, reachable)


def get(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None
