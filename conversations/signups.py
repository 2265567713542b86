"""Sign-ups for programs: who may sign up, seats first come first served, the waiting list
and who moves up from it, and who is told. Deciding a selection is conversations.selection.

Every change to a program's sign-ups first locks the program's row, so that the count of
taken seats and the new sign-up are one step: fifty people tapping at once for ten seats
get ten seats and a waiting list in the order they were let in. Each use case is one
transaction: the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from conversations import program_text
from conversations.i18n import N_
from conversations.outbox import MessageKind, notify, withdraw_reminders
from conversations.vocabulary import ARTISAN, LAPAS_OFFICER
from storage import outbox as outbox_rows
from storage import products, programs, users
from storage import signups as rows
from storage.models import Product, Program, Registration, User
from storage.statuses import OutboxStatus, ProductStatus, SignUpStatus

SEATED = (SignUpStatus.CONFIRMED, SignUpStatus.SELECTED)  # holding a place
ACTIVE = (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED, SignUpStatus.SELECTED)
# Programs whose organisers choose among those who apply: everyone may apply, and the
# quota is the number they select.
SELECTION_KINDS = ("seleksi", "pendampingan")
DECIDED = (SignUpStatus.SELECTED, SignUpStatus.NOT_SELECTED)
# A selection decision waits this long before the applicant is told; until then the staff
# member who made it may undo it, and nobody learns of it.
UNDO_WINDOW = timedelta(minutes=10)
NATIONAL = "nasional"

# A sign-up's status as its owner reads it.
STATUS_LABELS = {
    SignUpStatus.CONFIRMED: N_("confirmed"),
    SignUpStatus.WAITLISTED: N_("on the waiting list"),
    SignUpStatus.SELECTED: N_("selected"),
    SignUpStatus.NOT_SELECTED: N_("not selected"),
    SignUpStatus.CANCELLED: N_("cancelled"),
}


def has_selection(program: Program) -> bool:
    return program.kind in SELECTION_KINDS


def party_of(user: Any) -> str:
    """Who holds a place: a Lapas officer signs up their Lapas, anyone else themselves."""
    if user.role == LAPAS_OFFICER and user.lapas_id is not None:
        return f"lapas:{user.lapas_id}"
    return f"user:{user.id}"


def is_open(program: Program, now: datetime) -> bool:
    """Whether sign-ups and cancellations are still taken: before the deadline, or before
    the start where there is none."""
    return now < (program.registration_deadline or program.starts_at)


def route_seats(program: Program, route: str | None) -> int | None:
    """The seats a funding route has, if the program limits it."""
    for entry in program.funding_routes:
        if entry.get("route") == route:
            seats = entry.get("seats")
            return int(seats) if seats else None
    return None


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

    def with_one_more(self, route: str | None) -> Seats:
        return Seats(self.taken + 1, {**self.by_route, route: self.by_route.get(route, 0) + 1})


def get(session: Session, registration_id: int | None) -> Registration | None:
    return rows.get(session, registration_id)


def seats(session: Session, program_id: str) -> Seats:
    by_route = rows.by_route(session, program_id, SEATED)
    return Seats(sum(by_route.values()), by_route)


def own(session: Session, program_id: str, user: Any) -> Registration | None:
    """The user's (or their Lapas') sign-up for a program, unless cancelled."""
    found = rows.of_party(session, program_id, party_of(user))
    return found if found is not None and found.status != SignUpStatus.CANCELLED else None


def waitlist_position(session: Session, registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if registration.status != SignUpStatus.WAITLISTED:
        return None
    return rows.count(session, registration.program_id, SignUpStatus.WAITLISTED,
                      before_seq=registration.seq) + 1


# Who a program is for


def _roles(program: Program) -> tuple[str, ...]:
    return (program.audience,) if program.audience in (ARTISAN, LAPAS_OFFICER) \
        else (ARTISAN, LAPAS_OFFICER)


def accepted_products(session: Session, user: Any, categories: Sequence[str] = (),
                      limit: int = 20) -> list[Product]:
    """Products of a party that passed curation, in the crafts given (any when none)."""
    if user.role == LAPAS_OFFICER and user.lapas_id is None:
        return []
    return products.of_submitter(session, **_submitter(user),
                                 statuses=(ProductStatus.ACCEPTED,), categories=categories,
                                 latest_decision_first=True, limit=limit)


def products_with_curators(session: Session, user: Any) -> int:
    """How many of a party's products are still with the curators."""
    if user.role == LAPAS_OFFICER and user.lapas_id is None:
        return 0
    return products.count_of_submitter(
        session, (ProductStatus.SUBMITTED, ProductStatus.IN_REVIEW), **_submitter(user))


def _submitter(user: Any) -> dict[str, int | None]:
    if user.role == LAPAS_OFFICER:
        return {"lapas_id": user.lapas_id}
    return {"owner_id": user.id}


def refusal(session: Session, user: User | None, program: Program | None,
            now: datetime) -> str | None:
    """Why `user` may not sign up for `program`, as a reason code; None if they may."""
    if program is None or program.draft:
        return "gone"
    if user is None or user.id is None or user.registered_at is None:
        return "unregistered"
    if user.role == LAPAS_OFFICER and user.lapas_id is None:
        return "no_lapas"
    if own(session, program.id, user) is not None:
        return "already"
    if not is_open(program, now):
        return "closed"
    if user.role not in _roles(program):
        return "audience"
    if program.province not in (NATIONAL, user.province):
        return "province"
    if program.categories and user.categories and not set(program.categories) & set(
            user.categories):
        return "category"
    if program.requires_curated_product and not accepted_products(session, user,
                                                                  program.categories):
        return "product"
    return None


def suited_people(session: Session, program: Program) -> list[Any]:
    """People pushes may reach whom the program is for (audience, province, crafts) and
    who have not signed up (nor their Lapas). Someone who named no craft (a Lapas) is
    not left out for it."""
    people = users.reachable(
        session, roles=_roles(program),
        provinces=None if program.province == NATIONAL else (program.province,),
        crafts=program.categories, crafts_may_be_empty=True)
    taken = rows.parties(session, program.id, ACTIVE)
    return [person for person in people if party_of(person) not in taken]


def people_with_a_place(session: Session, program: Program) -> list[Any]:
    """People pushes may reach who hold a place: selected ones where there is a
    selection, seated ones elsewhere."""
    places = (SignUpStatus.SELECTED,) if has_selection(program) else SEATED
    return users.holding(session, program.id, places)


# Use cases


@dataclass(frozen=True)
class SignUp:
    registration: Registration
    created: bool  # False: this party already had a place, which is returned unchanged
    position: int | None  # on the waiting list


def sign_up(session: Session, program_id: str, user: User, *, route: str | None,
            product_ids: Sequence[int], notes: str, now: datetime) -> SignUp | None:
    """Give `user` (or their Lapas) a seat, or a place on the waiting list. None if the
    program is gone. A party already signed up keeps what it has."""
    program = programs.lock(session, program_id)
    if program is None or program.draft:
        return None
    party = party_of(user)
    existing = rows.of_party(session, program_id, party)
    if existing is not None and existing.status != SignUpStatus.CANCELLED:
        return SignUp(existing, False, waitlist_position(session, existing))
    free = seats(session, program_id).free_for(program, route)
    values: dict[str, Any] = dict(
        user_id=user.id, lapas_id=user.lapas_id if party.startswith("lapas:") else None,
        seq=rows.last_seq(session, program_id) + 1,
        status=SignUpStatus.CONFIRMED if free else SignUpStatus.WAITLISTED,
        funding_route=route, product_ids=list(product_ids), notes=notes, signed_up_at=now,
        decided_by=None, decided_at=None, cancelled_at=None, updated_at=now,
    )
    if existing is None:  # signing up again after cancelling reuses the row, at the back
        existing = Registration(program_id=program_id, party=party, created_at=now, **values)
        session.add(existing)
    else:
        for key, value in values.items():
            setattr(existing, key, value)
    session.flush()
    return SignUp(existing, True, waitlist_position(session, existing))


def waiting_to_move(session: Session, program: Program) -> list[Registration]:
    """Who on the waiting list a free seat is there for now, in order. Someone waiting
    for a funding route that is full lets the next one, on another route, go first."""
    if has_selection(program):
        return []
    taken = seats(session, program.id)
    moving = []
    for registration in rows.with_status(session, program.id, SignUpStatus.WAITLISTED):
        if taken.free_for(program, registration.funding_route):
            taken = taken.with_one_more(registration.funding_route)
            moving.append(registration)
        elif program.quota is not None and taken.taken >= program.quota:
            break
    return moving


def fill_seats(session: Session, program: Program, now: datetime, default_zone: str
               ) -> list[Registration]:
    """Move people from the waiting list into free seats, in order, and tell each; returns
    who moved. The caller holds the program's lock."""
    moved = waiting_to_move(session, program)
    for registration in moved:
        registration.status = SignUpStatus.CONFIRMED
        registration.updated_at = now
    session.flush()
    for registration in moved:
        _tell_promoted(session, registration, program, now, default_zone)
    return moved


def _tell_promoted(session: Session, registration: Registration, program: Program,
                   now: datetime, default_zone: str) -> None:
    notify(session, session.get(User, registration.user_id), MessageKind.SIGNUP,
           f"promoted:{registration.id}:{registration.seq}", now, default_zone,
           lambda tr: tr._("Good news: a seat opened up for {title}, and it is yours. Your "
                           "sign-up is confirmed. It starts {when}.").format(
               title=program.title, when=program_text.starts(tr, program)))


def cancel(session: Session, registration_id: int, user: User, now: datetime,
           default_zone: str) -> tuple[Registration | None, list[Registration]]:
    """Cancel a party's own sign-up while registration is open; returns it (None if it is
    not theirs, not active, or closed) and those moved up into the seat it frees."""
    registration = rows.get(session, registration_id)
    if registration is None or registration.party != party_of(user):
        return None, []
    program = programs.lock(session, registration.program_id)
    session.refresh(registration)
    if program is None or registration.status not in ACTIVE or not is_open(program, now):
        return None, []
    return registration, _cancel(session, registration, program, now, default_zone)


def _cancel(session: Session, registration: Registration, program: Program, now: datetime,
            default_zone: str) -> list[Registration]:
    """Cancel a sign-up whose program the caller has locked; its seat goes to the waiting
    list. Returns who moved up."""
    registration.status = SignUpStatus.CANCELLED
    registration.cancelled_at = registration.updated_at = now
    withdraw_reminders(session, program.id, now, kind_prefix="event-",
                       user_id=registration.user_id)
    # News of a selection not told yet would come after the cancelling: it stays untold.
    outbox_rows.change_pending(session, now, topic=selection_topic(registration.id),
                               kind=MessageKind.SELECTION, status=OutboxStatus.WITHDRAWN)
    session.flush()
    return fill_seats(session, program, now, default_zone)


def release_all(session: Session, user: User, now: datetime, default_zone: str) -> None:
    """Before a person's data is erased: their own sign-ups are cancelled (freeing seats,
    whose new holders are told), and a Lapas' sign-up they made passes to another officer
    of the Lapas if there is one."""
    for registration in rows.of_user(session, user.id or 0, ACTIVE):
        if registration.lapas_id is not None:
            colleague = users.colleague(session, registration.lapas_id, user.id or 0)
            if colleague is not None:
                registration.user_id = colleague.id or 0
                continue
        program = programs.lock(session, registration.program_id)
        session.refresh(registration)  # as it stands under the lock: staff may have decided
        if program is not None and registration.status in ACTIVE:
            _cancel(session, registration, program, now, default_zone)
    session.flush()


def counts(session: Session, program_id: str) -> dict[str, int]:
    return rows.counts(session, program_id)


def of_party(session: Session, user: User, limit: int = 10
             ) -> list[tuple[Registration, Program]]:
    """A party's sign-ups with their programs, latest first."""
    return rows.of_party_with_programs(session, party_of(user), limit)


def of_program(session: Session, program_id: str) -> list[Registration]:
    return rows.of_program(session, program_id)


def programs_with_signups(session: Session, since: datetime, *,
                          words: Sequence[Sequence[str]] = (), program_id: str | None = None,
                          office_id: str | None = None, offset: int = 0, limit: int = 10
                          ) -> tuple[list[tuple[Program, int]], int]:
    """Programs not over before `since` (and the one `program_id` names, whenever it
    ended) whose text holds one of each set of `words`, of one office if given, and how
    many active sign-ups each has, those with sign-ups first; and how many match in all."""
    return programs.with_signups(session, since, ACTIVE, words=words, program_id=program_id,
                                 office_id=office_id, offset=offset, limit=limit)


def selection_topic(registration_id: int | None) -> str:
    """The topic of the message that tells an applicant of a selection decision."""
    return f"selection:{registration_id}"


def shown_status(registration: Registration, now: datetime) -> str:
    """A sign-up's status as its owner may know it: a selection decision that staff may
    still undo is not theirs to see yet."""
    if registration.status in DECIDED and registration.decided_at is not None \
            and now < registration.decided_at + UNDO_WINDOW:
        return SignUpStatus.CONFIRMED
    return registration.status
