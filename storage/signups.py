"""Sign-ups for programs: seats first come, first served, the waiting list, selection.

Every change to a program's sign-ups first locks the program's row (`FOR UPDATE` on
PostgreSQL; SQLite's BEGIN IMMEDIATE already lets one writer in at a time), so that the
count of taken seats and the new sign-up are one step: fifty people tapping at once for
ten seats get ten seats and a waiting list in the order they were let in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import store
from storage.models import Product, Program, Registration, User

CONFIRMED, WAITLISTED = "confirmed", "waitlisted"
SELECTED, NOT_SELECTED, CANCELLED = "selected", "not_selected", "cancelled"
STATUSES = (CONFIRMED, WAITLISTED, SELECTED, NOT_SELECTED, CANCELLED)
SEATED = (CONFIRMED, SELECTED)  # holding a place
ACTIVE = (CONFIRMED, WAITLISTED, SELECTED)  # may still be cancelled
# Programs whose organisers choose among those who apply: everyone may apply, and the
# quota is the number they select.
SELECTION_KINDS = ("seleksi", "pendampingan")
LAPAS_ROLE = "lapas"


def has_selection(program: Program) -> bool:
    return program.kind in SELECTION_KINDS


def party_of(user: User) -> str:
    """Who holds a place: a Lapas officer signs up their Lapas, anyone else themselves."""
    if user.role == LAPAS_ROLE and user.lapas_id is not None:
        return f"lapas:{user.lapas_id}"
    return f"user:{user.id}"


def route_seats(program: Program, route: str | None) -> int | None:
    """The seats a funding route has, if the program limits it."""
    for entry in program.funding_routes:
        if entry.get("route") == route:
            seats = entry.get("seats")
            return int(seats) if seats else None
    return None


def lock_program(session: Session, program_id: str) -> Program | None:
    """The program, locked until the transaction ends, read fresh from the database."""
    query = (select(Program).where(Program.id == program_id).with_for_update()
             .execution_options(populate_existing=True))
    return session.exec(query).first()


@dataclass(frozen=True)
class Seats:
    """Places taken in a program: in all, and per funding route."""

    taken: int
    by_route: dict[str | None, int]

    def free_for(self, program: Program, route: str | None) -> bool:
        if has_selection(program):
            return True  # anyone may apply; the quota bounds the selection
        if program.quota is not None and self.taken >= program.quota:
            return False
        seats = route_seats(program, route)
        return seats is None or self.by_route.get(route, 0) < seats

    def left(self, program: Program, route: str | None = None) -> int | None:
        """Seats still free (for a route, if given); None when nothing limits them."""
        limits = []
        if program.quota is not None:
            limits.append(program.quota - self.taken)
        seats = route_seats(program, route) if route is not None else None
        if seats is not None:
            limits.append(seats - self.by_route.get(route, 0))
        return max(0, min(limits)) if limits else None


def seats(session: Session, program_id: str) -> Seats:
    rows = session.exec(
        select(Registration.funding_route, func.count())
        .where(Registration.program_id == program_id, col(Registration.status).in_(SEATED))
        .group_by(Registration.funding_route)
    ).all()
    by_route = {route: int(n) for route, n in rows}
    return Seats(sum(by_route.values()), by_route)


def registration_of(session: Session, program_id: str, party: str) -> Registration | None:
    """Read fresh: a copy loaded earlier in the transaction (before the program's lock)
    may be out of date."""
    return session.exec(
        select(Registration).where(Registration.program_id == program_id,
                                   Registration.party == party)
        .execution_options(populate_existing=True)
    ).first()


def waitlist_position(session: Session, registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if registration.status != WAITLISTED:
        return None
    ahead = session.exec(
        select(func.count()).select_from(Registration).where(
            Registration.program_id == registration.program_id,
            Registration.status == WAITLISTED, Registration.seq < registration.seq)
    ).one()
    return int(ahead) + 1


@dataclass(frozen=True)
class SignUp:
    registration: Registration
    created: bool  # False: this party already had a place, which is returned unchanged
    position: int | None  # on the waiting list


def sign_up(
    session: Session, program_id: str, user: User, *, route: str | None,
    product_ids: Sequence[int], notes: str, now: datetime,
) -> SignUp | None:
    """Give `user` (or their Lapas) a seat, or a place on the waiting list. None if the
    program is gone. A party already signed up keeps what it has."""
    program = lock_program(session, program_id)
    if program is None:
        return None
    party = party_of(user)
    existing = registration_of(session, program_id, party)
    if existing is not None and existing.status != CANCELLED:
        return SignUp(existing, False, waitlist_position(session, existing))
    status = CONFIRMED if seats(session, program_id).free_for(program, route) else WAITLISTED
    last = session.exec(
        select(func.max(Registration.seq)).where(Registration.program_id == program_id)
    ).one()
    values: dict[str, Any] = dict(
        user_id=user.id, lapas_id=user.lapas_id if party.startswith("lapas:") else None,
        seq=int(last or 0) + 1, status=status, funding_route=route,
        product_ids=list(product_ids), notes=notes, signed_up_at=now, decided_by=None,
        decided_at=None, cancelled_at=None, updated_at=now,
    )
    if existing is None:  # signing up again after cancelling reuses the row, at the back
        existing = Registration(program_id=program_id, party=party, created_at=now, **values)
        session.add(existing)
    else:
        for key, value in values.items():
            setattr(existing, key, value)
    session.flush()
    return SignUp(existing, True, waitlist_position(session, existing))


def fill_seats(session: Session, program: Program, now: datetime) -> list[Registration]:
    """Move people from the waiting list into free seats, in order; returns who moved.
    Someone waiting for a funding route that is full lets the next one, on another
    route, go first. The caller holds the program's lock."""
    if has_selection(program):
        return []
    taken = seats(session, program.id)
    by_route = dict(taken.by_route)
    total = taken.taken
    promoted = []
    waiting = session.exec(
        select(Registration).where(Registration.program_id == program.id,
                                   Registration.status == WAITLISTED)
        .order_by(Registration.seq)
    ).all()
    for registration in waiting:
        if Seats(total, by_route).free_for(program, registration.funding_route):
            registration.status = CONFIRMED
            registration.updated_at = now
            total += 1
            by_route[registration.funding_route] = by_route.get(registration.funding_route,
                                                                0) + 1
            promoted.append(registration)
        elif program.quota is not None and total >= program.quota:
            break
    session.flush()
    return promoted


def cancel(
    session: Session, registration_id: int, party: str, now: datetime
) -> tuple[Registration | None, list[Registration]]:
    """Cancel a party's own sign-up; returns it (None if it is not theirs or not active)
    and those moved up from the waiting list into the seat it frees."""
    registration = session.get(Registration, registration_id)
    if registration is None or registration.party != party:
        return None, []
    program = lock_program(session, registration.program_id)
    session.refresh(registration)
    if program is None or registration.status not in ACTIVE:
        return None, []
    registration.status = CANCELLED
    registration.cancelled_at = registration.updated_at = now
    store.withdraw_reminders(session, program.id, registration.user_id, "reminder:event-")
    session.flush()
    return registration, fill_seats(session, program, now)


def decide(
    session: Session, registration_id: int, staff_id: int, selected: bool, now: datetime
) -> tuple[Registration | None, str]:
    """Mark an applicant selected or not. Returns the registration and "ok", or None and
    why not: "gone", "decided" (someone else was first) or "full" (as many selected as
    the quota)."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        return None, "gone"
    program = lock_program(session, registration.program_id)
    session.refresh(registration)
    if program is None:
        return None, "gone"
    if registration.status != CONFIRMED:
        return None, "decided"
    if selected and program.quota is not None:
        chosen = session.exec(
            select(func.count()).select_from(Registration).where(
                Registration.program_id == program.id, Registration.status == SELECTED)
        ).one()
        if int(chosen) >= program.quota:
            return None, "full"
    registration.status = SELECTED if selected else NOT_SELECTED
    registration.decided_by = staff_id
    registration.decided_at = registration.updated_at = now
    session.flush()
    return registration, "ok"


def next_applicant(
    session: Session, program_id: str, exclude: Sequence[int] = ()
) -> Registration | None:
    """The earliest applicant not yet decided."""
    query = select(Registration).where(Registration.program_id == program_id,
                                       Registration.status == CONFIRMED)
    if exclude:
        query = query.where(col(Registration.id).not_in(list(exclude)))
    return session.exec(query.order_by(Registration.seq)).first()


def counts(session: Session, program_id: str) -> dict[str, int]:
    rows = session.exec(
        select(Registration.status, func.count())
        .where(Registration.program_id == program_id).group_by(Registration.status)
    ).all()
    found = {status: int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in STATUSES}


def of_party(session: Session, party: str, limit: int = 10) -> list[tuple[Registration, Program]]:
    """A party's sign-ups with their programs, latest first."""
    rows = session.exec(
        select(Registration, Program).join(Program, col(Program.id) == Registration.program_id)
        .where(Registration.party == party)
        .order_by(col(Registration.signed_up_at).desc(), col(Registration.id).desc())
        .limit(limit)
    ).all()
    return [(registration, program) for registration, program in rows]


def of_program(session: Session, program_id: str) -> list[Registration]:
    """Every sign-up of a program in order of arrival, cancelled ones included."""
    return list(session.exec(
        select(Registration).where(Registration.program_id == program_id)
        .order_by(Registration.seq)
    ))


def with_signups(
    session: Session, since: datetime, limit: int = 10
) -> list[tuple[Program, int]]:
    """Programs not over before `since`, and how many active sign-ups each has: those
    with sign-ups first, then the next to start."""
    active = (select(Registration.program_id, func.count().label("n"))
              .where(col(Registration.status).in_(ACTIVE))
              .group_by(Registration.program_id).subquery())
    rows = session.exec(
        select(Program, func.coalesce(active.c.n, 0))
        .outerjoin(active, active.c.program_id == Program.id)
        .where(Program.ends_at >= since)
        .order_by(func.coalesce(active.c.n, 0) == 0, Program.starts_at, Program.id)
        .limit(limit)
    ).all()
    return [(program, int(n)) for program, n in rows]


def accepted_products(
    session: Session, user: User, categories: Sequence[str] = (), limit: int = 20
) -> list[Product]:
    """Products of a party that passed curation, in the crafts given (any when none)."""
    if user.role == LAPAS_ROLE:
        if user.lapas_id is None:
            return []
        mine = Product.lapas_id == user.lapas_id
    else:
        mine = Product.owner_id == user.id
    query = select(Product).where(mine, Product.status == "accepted")
    if categories:
        query = query.where(col(Product.category).in_(list(categories)))
    return list(session.exec(query.order_by(col(Product.decided_at).desc()).limit(limit)))


def waiting_products(session: Session, user: User) -> int:
    """How many of a party's products are still with the curators."""
    if user.role == LAPAS_ROLE and user.lapas_id is None:
        return 0
    mine = (Product.lapas_id == user.lapas_id if user.role == LAPAS_ROLE
            else Product.owner_id == user.id)
    return int(session.exec(
        select(func.count()).select_from(Product)
        .where(mine, col(Product.status).in_(("submitted", "in_review")))
    ).one())


def release_all(session: Session, user: User, now: datetime) -> list[tuple[Registration,
                                                                          Program]]:
    """Before a person's data is erased: their own sign-ups are cancelled (freeing seats),
    and a Lapas' sign-up they made passes to another officer of the Lapas if there is
    one. Returns who moved up from a waiting list, with the program."""
    moved = []
    mine = session.exec(select(Registration).where(Registration.user_id == user.id,
                                                   col(Registration.status).in_(ACTIVE))).all()
    for registration in mine:
        if registration.lapas_id is not None:
            colleague = session.exec(
                select(User).where(User.lapas_id == registration.lapas_id, User.id != user.id,
                                   col(User.registered_at).is_not(None))).first()
            if colleague is not None:
                registration.user_id = colleague.id
                continue
        _, promoted = cancel(session, registration.id or 0, registration.party, now)
        program = session.get(Program, registration.program_id)
        moved += [(p, program) for p in promoted if program is not None]
    session.flush()
    return moved
