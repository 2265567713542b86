"""People as staff see them: found within the office's reach, one person's data with
their products and sign-ups. Nothing here exports anyone: lists of people leave Kriya
only as a program's organiser gets them (conversations.exports)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from sqlmodel import Session

from conversations.answers import phone_national
from conversations.reach import Reach
from storage import lapas as lapas_rows
from storage import people as rows
from storage import products, users
from storage.models import Lapas, Product, Program, Registration, User

SEARCH_WORDS = 6


def search(session: Session, reach: Reach, typed: str, offset: int = 0, limit: int = 20
           ) -> tuple[list[User], int]:
    """People within reach whose name, business or phone has what was typed ('Siti
    tenun', '0812 3456'); everyone within reach when nothing was typed."""
    words = typed.split()[:SEARCH_WORDS]
    digits = re.sub(r"\D", "", typed)
    if digits.startswith("0"):
        digits = digits[1:]  # 0812… is stored as +62812…
    if digits and len(digits) < 4:
        digits = ""  # too few to mean a phone number
    if digits:
        words = [w for w in words if not re.fullmatch(r"[\d+\-()]+", w)] or [typed.strip()]
    return rows.search(session, words, digits, reach.provinces, offset, limit)


@dataclass
class Person:
    user: User
    lapas: Lapas | None
    products: list[Product]
    signups: list[tuple[Registration, Program]]


def person(session: Session, reach: Reach, user_id: int) -> Person | None:
    """One person within reach, with what they sent and signed up for; None for anyone
    out of reach, staff, or nobody."""
    user = users.by_id(session, user_id)
    if user is None or user.role is None or not reach.sees_user(user):
        return None
    assert user.id is not None
    lapas = lapas_rows.get(session, user.lapas_id)
    sent = products.of_submitter(session, owner_id=user.id, limit=50)
    return Person(user, lapas, sent, rows.signups_with_programs(session, user.id, None))


def lapas_within(session: Session, reach: Reach) -> list[Lapas]:
    return rows.lapas_in(session, reach.provinces)


def staff_of(session: Session, office_id: str) -> list[User]:
    return rows.staff_of(session, office_id)


def phone_shown(phone: str | None) -> str | None:
    """'0812-3456-7890', as people write their own number."""
    if not phone:
        return None
    try:
        return phone_national(phone)
    except phonenumbers.NumberParseException:
        return phone
