"""Lapas and the invite codes their officers join with."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from conversations import audit, offices
from storage import lapas as rows
from storage.models import Lapas, User

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to mistake


def new_invite_code() -> str:
    return "-".join(
        "".join(secrets.choice(INVITE_ALPHABET) for _ in range(4)) for _ in range(2))


class LapasError(ValueError):
    """A Lapas that cannot be registered as asked; the message says why."""


def add(session: Session, name: str, province: str, *, office_id: str = offices.NATIONAL,
        actor: User | None = None, via: str = audit.CLI) -> Lapas:
    """Register a Lapas, for an office that reaches its province; its officers join with
    the invite code it gets (kept out of the audit log: it lets people in)."""
    office = offices.get(session, office_id)
    if office is None:
        raise LapasError(f"no office with the id {office_id!r} (see kriya office list)")
    if not offices.reaches(office, province):
        raise LapasError(f"{province} is outside the reach of the office {office_id} "
                         f"({', '.join(office.provinces)})")
    added = rows.add(session, " ".join(name.split()), province, new_invite_code())
    audit.record(session, actor, via, "lapas.added", "lapas", added.id,
                 after={"name": added.name, "province": added.province}, office_id=office_id)
    return added


def by_code(session: Session, code: str) -> Lapas | None:
    """The Lapas of an invite code typed any way: 'kx7p 3m9q', 'KX7P-3M9Q'."""
    wanted = "".join(c for c in code.upper() if c.isalnum())
    if len(wanted) != 8:
        return None
    return rows.by_code(session, f"{wanted[:4]}-{wanted[4:]}")


def get(session: Session, lapas_id: int | None) -> Lapas | None:
    return rows.get(session, lapas_id)


# A revoked code: no typed code ever reads like it (those are XXXX-XXXX), and it stays
# unique per Lapas as the column wants.
REVOKED = "~"


def code_active(lapas: Lapas) -> bool:
    return not lapas.invite_code.startswith(REVOKED)


def new_code(session: Session, lapas: Lapas) -> str:
    """A new invite code; the old one stops working at once. Officers already joined stay."""
    lapas.invite_code = new_invite_code()
    session.flush()
    return lapas.invite_code


def revoke_code(session: Session, lapas: Lapas) -> None:
    """No code lets anyone join this Lapas until a new one is made."""
    lapas.invite_code = f"{REVOKED}{lapas.id}"
    session.flush()
