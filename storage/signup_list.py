"""A program's sign-ups as a table for staff: each with the person (or Lapas) who holds
it, filtered and sorted in the database, one page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from storage.models import Lapas, Registration, User

# The orders a table may be read in; each ends with the order of arrival.
ORDERS = ("time", "name", "province", "status")


def _province() -> Any:
    return func.coalesce(col(Lapas.province), col(User.province), "")


def _name() -> Any:
    return func.coalesce(col(Lapas.name), col(User.name), "")


def page(session: Session, program_id: str, *, status: str | None = None,
         province: str | None = None, route: str | None = None, order: str = "time",
         status_order: Sequence[str] = (), offset: int = 0, limit: int = 20
         ) -> tuple[list[tuple[Registration, User | None, Lapas | None]], int]:
    """One page of a program's sign-ups with who holds each, and how many match in all.
    `route` "" means sign-ups without a funding route; by status, in `status_order`."""
    conditions: list[Any] = [Registration.program_id == program_id]
    if status:
        conditions.append(Registration.status == status)
    if province:
        conditions.append(_province() == province)
    if route is not None:
        conditions.append(col(Registration.funding_route).is_(None) if route == ""
                          else Registration.funding_route == route)
    joined = (select(Registration, User, Lapas)
              .join(User, col(User.id) == Registration.user_id, isouter=True)
              .join(Lapas, col(Lapas.id) == Registration.lapas_id, isouter=True)
              .where(*conditions))
    total = session.exec(select(func.count()).select_from(joined.subquery())).one()
    first = {"name": [func.lower(_name())], "province": [_province()],
             "status": [case({code: n for n, code in enumerate(status_order)},
                             value=col(Registration.status), else_=len(status_order))]
             }.get(order, [])
    found = session.exec(joined.order_by(*first, col(Registration.signed_up_at),
                                         col(Registration.seq))
                         .offset(offset).limit(limit)).all()
    return [(registration, user, lapas) for registration, user, lapas in found], int(total)


def provinces(session: Session, program_id: str) -> list[str]:
    """The provinces a program's sign-ups come from, for a filter's choices."""
    found = session.exec(
        select(_province()).select_from(Registration)
        .join(User, col(User.id) == Registration.user_id, isouter=True)
        .join(Lapas, col(Lapas.id) == Registration.lapas_id, isouter=True)
        .where(Registration.program_id == program_id).distinct())
    return sorted(p for p in found if p)
