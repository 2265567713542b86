"""Finding people for staff: by name, business or phone, within a set of provinces."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import String, cast
from sqlmodel import Session, col, func, or_, select

from storage.models import Lapas, Program, Registration, User


def search(session: Session, words: Sequence[str], digits: str,
           provinces: Collection[str] | None, offset: int, limit: int
           ) -> tuple[list[User], int]:
    """People who joined Kriya (staff aside), each word in their name or business, or
    their phone holding `digits`; newest first, and how many in all."""
    conditions: list[Any] = [col(User.role).is_not(None)]
    if provinces is not None:
        conditions.append(col(User.province).in_(list(provinces)))
    for word in words:
        pattern = f"%{word.lower()}%"
        matches = [func.lower(User.name).like(pattern),
                   func.lower(User.business_name).like(pattern)]
        if digits:
            matches.append(col(User.phone).like(f"%{digits}%"))
        conditions.append(or_(*matches))
    total = session.exec(select(func.count()).select_from(User).where(*conditions)).one()
    found = session.exec(select(User).where(*conditions)
                         .order_by(col(User.registered_at).desc().nulls_last(),
                                   col(User.id).desc())
                         .offset(offset).limit(limit))
    return list(found), int(total)


def signups_with_programs(session: Session, user_id: int, lapas_id: int | None
                          ) -> list[tuple[Registration, Program]]:
    """A person's sign-ups, and their Lapas' (made by any of its officers), latest first."""
    whose = [Registration.user_id == user_id]
    if lapas_id is not None:
        whose.append(Registration.lapas_id == lapas_id)
    return [(r, p) for r, p in session.exec(
        select(Registration, Program).join(Program, col(Program.id) == Registration.program_id)
        .where(or_(*whose))
        .order_by(col(Registration.signed_up_at).desc(), col(Registration.id).desc()))]


def lapas_in(session: Session, provinces: Collection[str] | None) -> list[Lapas]:
    query = select(Lapas).order_by(Lapas.province, Lapas.name)
    if provinces is not None:
        query = query.where(col(Lapas.province).in_(list(provinces)))
    return list(session.exec(query))


def staff_of(session: Session, office_id: str) -> list[User]:
    return list(session.exec(select(User).where(User.office_id == office_id,
                                                cast(User.staff_roles, String) != "[]")
                             .order_by(User.name, User.id)))
