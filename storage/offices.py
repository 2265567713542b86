"""Offices: stored, found and listed."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Office, User


def get(session: Session, office_id: str | None) -> Office | None:
    return session.get(Office, office_id) if office_id else None


def save(session: Session, office: Office) -> Office:
    session.add(office)
    session.flush()
    return office


def every(session: Session) -> list[Office]:
    return list(session.exec(select(Office).order_by(Office.id)))


def staff_counts(session: Session) -> dict[str, int]:
    """How many staff each office has."""
    found: dict[str, int] = {}
    for office_id in session.exec(select(User.office_id).where(User.office_id.is_not(None))):
        found[office_id] = found.get(office_id, 0) + 1
    return found
