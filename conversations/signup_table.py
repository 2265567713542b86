"""A program's sign-ups as staff read them in the console's table: who, from where, on
which funding route, with which products, in which status and place on the waiting list;
filtered and sorted as asked, a page at a time. Selecting and undoing are
conversations.selection, moving up from the waiting list conversations.signups: the same
functions the chat calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from conversations import audit, selection, signups, staff
from conversations import reach as reaching
from conversations.vocabulary import FUNDING_ROUTES
from storage import programs, signup_list
from storage.models import Lapas, Product, Program, Registration, User
from storage.statuses import SignUpStatus

ORDERS = signup_list.ORDERS
NO_ROUTE = "-"  # the filter's value for sign-ups without a funding route
# Sorted by status: those holding a place, those waiting, then the rest.
STATUS_ORDER = (SignUpStatus.SELECTED, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED,
                SignUpStatus.NOT_SELECTED, SignUpStatus.CANCELLED)


@dataclass(frozen=True)
class Wanted:
    """What the table shows: each filter empty for all, and the order."""

    status: str = ""
    province: str = ""
    route: str = ""
    order: str = "time"

    @classmethod
    def checked(cls, status: str, province: str, route: str, order: str,
                provinces: list[str]) -> Wanted:
        """Only values the table knows; anything else is no filter (a link edited by hand)."""
        return cls(status if status in set(SignUpStatus) else "",
                   province if province in provinces else "",
                   route if route in FUNDING_ROUTES or route == NO_ROUTE else "",
                   order if order in ORDERS else "time")


@dataclass(frozen=True)
class Entry:
    """One sign-up as a row of the table."""

    registration: Registration
    person: User | None
    workshop: Lapas | None
    products: list[Product]
    position: int | None  # on the waiting list
    decider: str  # who decided a selection, if anyone did
    told_at: datetime | None  # when the applicant hears of the decision

    @property
    def name(self) -> str:
        if self.workshop is not None:
            return self.workshop.name
        return (self.person.name if self.person is not None else None) or "-"

    @property
    def province(self) -> str:
        if self.workshop is not None:
            return self.workshop.province
        return (self.person.province if self.person is not None else None) or "-"

    def undo_left(self, user: User, now: datetime) -> timedelta | None:
        """How long `user` may still undo this decision; None when they may not."""
        if not selection.undoable(self.registration, user, now) or self.told_at is None:
            return None
        return self.told_at - now


def provinces(session: Session, program: Program) -> list[str]:
    return signup_list.provinces(session, program.id)


def page(session: Session, program: Program, wanted: Wanted, offset: int, limit: int
         ) -> tuple[list[Entry], int]:
    """The sign-ups of one page of the table, and how many match in all."""
    route = None if not wanted.route else "" if wanted.route == NO_ROUTE else wanted.route
    found, total = signup_list.page(
        session, program.id, status=wanted.status or None, province=wanted.province or None,
        route=route, order=wanted.order, status_order=STATUS_ORDER, offset=offset,
        limit=limit)
    return [_entry(session, registration, person, workshop)
            for registration, person, workshop in found], total


def _entry(session: Session, registration: Registration, person: User | None,
           workshop: Lapas | None) -> Entry:
    products = [p for p in (session.get(Product, i) for i in registration.product_ids)
                if p is not None]
    return Entry(registration, person, workshop, products,
                 signups.waitlist_position(session, registration),
                 decider_name(session, registration), selection.told_at(registration))


def decider_name(session: Session, registration: Registration) -> str:
    """Who decided on a sign-up, by name; empty when nobody has."""
    if registration.decided_by is None:
        return ""
    decider = session.get(User, registration.decided_by)
    return (decider.name if decider is not None else None) or "-"


def promotable(session: Session, program: Program) -> int:
    """How many on the waiting list a free seat is there for now."""
    return len(signups.waiting_to_move(session, program))


def promote(session: Session, program_id: str, actor: User, now: datetime,
            default_zone: str, *, via: str = audit.CONSOLE) -> list[Registration] | None:
    """Staff move the waiting list into the seats free now, as a change of the program or
    a cancellation does by itself: each one told, and in the audit log. None when the
    program is gone or not the actor's office's to run."""
    reach = reaching.of(session, actor)
    program = programs.lock(session, program_id)
    if reach is None or not staff.manages_programs(actor) or not reach.owns(program):
        return None
    assert program is not None
    moved = signups.fill_seats(session, program, now, default_zone)
    for registration in moved:
        audit.record(session, actor, via, "signup.promoted", "registration", registration.id,
                     before={"status": SignUpStatus.WAITLISTED},
                     after={"status": registration.status}, office_id=reach.office.id,
                     now=now)
    return moved
