"""Selecting participants of a program that chooses among its applicants.

Staff take applicants in the order they applied and mark each selected or not. The
applicant is told only UNDO_WINDOW later, through the outbox: until then the staff member
who decided may undo it, and the applicant, told nothing, is waiting again. After that the
decision is final. Two staff deciding the same applicant at once: the first decision
counts. No more are selected than the quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from conversations import audit, lapas, program_text, staff
from conversations import reach as reaching
from conversations.i18n import Translator
from conversations.messages import Outbound
from conversations.outbox import Message, MessageKind, Recipient, queue, translator_for
from conversations.signups import DECIDED, UNDO_WINDOW, selection_topic
from storage import outbox as outbox_rows
from storage import programs
from storage import signups as rows
from storage.models import Program, Registration, User
from storage.statuses import OutboxStatus, SignUpStatus


def told_at(registration: Registration) -> datetime | None:
    """When the applicant hears of the decision: from then on it is final."""
    return registration.decided_at + UNDO_WINDOW if registration.decided_at else None


def undoable(registration: Registration | None, user: User | None, now: datetime) -> bool:
    """Whether `user` may still undo the decision on `registration`: their own, not yet told."""
    final = told_at(registration) if registration is not None else None
    return registration is not None and registration.status in DECIDED and final is not None \
        and now < final and user is not None and registration.decided_by == user.id


def _deciding(session: Session, decider: User) -> reaching.Reach | None:
    """The reach of one who may decide on applicants (manages programs); None for others."""
    reach = reaching.of(session, decider)
    if not staff.manages_programs(decider) or reach is None or decider.id is None:
        return None
    return reach


def places_left(session: Session, program: Program) -> int | None:
    """How many more applicants the quota lets be selected; None: no quota."""
    if program.quota is None:
        return None
    return max(0, program.quota - rows.count(session, program.id, SignUpStatus.SELECTED))


def decide(session: Session, registration_id: int, decider: User, selected: bool,
           now: datetime, default_zone: str, *, via: str = audit.CHAT
           ) -> tuple[Registration | None, str]:
    """Mark an applicant selected or not; they are told UNDO_WINDOW later, and the audit
    log keeps it. Returns the registration and "ok", or None and why not: "not_allowed"
    (the decider does not manage programs, or not this one: another office runs it),
    "gone", "decided" (someone else was first) or "full" (as many selected as the quota)."""
    reach = _deciding(session, decider)
    if reach is None:
        return None, "not_allowed"
    registration = rows.get(session, registration_id)
    if registration is None:
        return None, "gone"
    program = programs.lock(session, registration.program_id)
    session.refresh(registration)
    if program is None:
        return None, "gone"
    if not reach.owns(program):
        return None, "not_allowed"
    if registration.status != SignUpStatus.CONFIRMED:
        return None, "decided"
    if selected and places_left(session, program) == 0:
        return None, "full"
    registration.status = SignUpStatus.SELECTED if selected else SignUpStatus.NOT_SELECTED
    registration.decided_by = decider.id
    registration.decided_at = registration.updated_at = now
    session.flush()
    audit.record(session, decider, via, "selection.decided", "registration", registration.id,
                 before={"status": SignUpStatus.CONFIRMED},
                 after={"status": registration.status}, office_id=reach.office.id, now=now)
    _tell_applicant(session, registration, program, now, default_zone)
    return registration, "ok"


@dataclass(frozen=True)
class Batch:
    """What deciding several applicants did: who was decided, who was left as they were
    and why ("decided": someone was first; "gone"); or, with `refused`, nothing at all
    ("not_allowed", "gone", "full": more ticked than places left, `places_left`)."""

    decided: list[Registration]
    unchanged: list[tuple[Registration, str]]
    refused: str | None = None
    places_left: int | None = None


def decide_many(session: Session, program_id: str, registration_ids: Sequence[int],
                decider: User, selected: bool, now: datetime, default_zone: str, *,
                via: str = audit.CHAT) -> Batch:
    """Mark applicants of one program selected or not, each as `decide` does. Within the
    quota or not at all: when more of them wait than places are left, nothing is done.
    Those someone else decided meanwhile stay as they are and are named."""
    reach = _deciding(session, decider)
    if reach is None:
        return Batch([], [], "not_allowed")
    program = programs.lock(session, program_id)
    if program is None:
        return Batch([], [], "gone")
    if not reach.owns(program):
        return Batch([], [], "not_allowed")
    here = [r for r in (rows.get(session, i) for i in dict.fromkeys(registration_ids))
            if r is not None and r.program_id == program.id]
    for registration in here:
        session.refresh(registration)  # as it stands under the lock
    waiting = [r for r in here if r.status == SignUpStatus.CONFIRMED]
    left = places_left(session, program)
    if selected and left is not None and len(waiting) > left:
        return Batch([], [], "full", left)
    done: list[Registration] = []
    unchanged = [(r, "decided") for r in here if r.status != SignUpStatus.CONFIRMED]
    for registration in waiting:
        decided, outcome = decide(session, registration.id or 0, decider, selected, now,
                                  default_zone, via=via)
        if decided is None:
            unchanged.append((registration, outcome))
        else:
            done.append(decided)
    return Batch(done, unchanged, None, left)


def undo(session: Session, registration_id: int | None, user: User | None, now: datetime,
         *, via: str = audit.CHAT) -> tuple[Registration | None, str]:
    """Take back a decision not yet told: the applicant waits again, and the message that
    would tell them is withdrawn. Returns the registration and "ok", or None and why not:
    "not_allowed", "gone", or "final" (told already, decided by someone else, or undone)."""
    reach = reaching.of(session, user)
    if not staff.manages_programs(user) or user is None or reach is None:
        return None, "not_allowed"
    registration = rows.get(session, registration_id)
    program = programs.lock(session, registration.program_id) if registration else None
    if registration is None or program is None:
        return None, "gone"
    if not reach.owns(program):
        return None, "not_allowed"
    session.refresh(registration)
    if not undoable(registration, user, now):
        return None, "final"
    outbox_rows.change_pending(session, now, topic=selection_topic(registration.id),
                               kind=MessageKind.SELECTION, status=OutboxStatus.WITHDRAWN)
    before = registration.status
    registration.status = SignUpStatus.CONFIRMED
    registration.decided_by = registration.decided_at = None
    registration.updated_at = now
    session.flush()
    audit.record(session, user, via, "selection.undone", "registration", registration.id,
                 before={"status": before}, after={"status": registration.status},
                 office_id=reach.office.id, now=now)
    return registration, "ok"


def _tell_applicant(session: Session, registration: Registration, program: Program,
                    now: datetime, default_zone: str) -> None:
    """Queue the news for the applicant, to leave when the decision becomes final. Each
    decision is its own message: one undone and made again is told anew."""
    user = session.get(User, registration.user_id)
    if user is None or registration.decided_at is None:
        return
    tr = translator_for(user, default_zone)
    stamp = f"{registration.decided_at:%Y%m%dT%H%M%S%f}"
    queue(session, [Message(
        Recipient.of(user), MessageKind.SELECTION,
        f"selection:{registration.id}:{registration.seq}:{registration.status}:{stamp}",
        Outbound(text=news(tr, registration, program)).to_payload(),
        not_before=told_at(registration), topic=selection_topic(registration.id))], now, once=True)


def news(tr: Translator, registration: Registration, program: Program) -> str:
    """What an applicant is told of the decision, in their language and zone."""
    if registration.status == SignUpStatus.SELECTED:
        return tr._("Congratulations! You have been selected for {title}. It starts {when}. "
                    "The organiser will contact you about the next steps.").format(
            title=program.title, when=program_text.starts(tr, program))
    return tr._("Thank you for applying to {title}. We are sorry: you were not selected "
                "this time. Other programs are waiting in Find programs.").format(
        title=program.title)


def next_applicant(session: Session, program_id: str, exclude: Sequence[int] = ()
                   ) -> Registration | None:
    """The earliest applicant not yet decided."""
    found = rows.with_status(session, program_id, SignUpStatus.CONFIRMED, exclude)
    return found[0] if found else None


def decided(session: Session, program_id: str, offset: int = 0, limit: int = 5
            ) -> tuple[list[Registration], int]:
    """A program's applicants decided on, the latest decision first; and how many."""
    return rows.decided(session, program_id, DECIDED, offset, limit)


def applicant_name(session: Session, registration: Registration) -> str:
    """Who applied, as staff tell two of the same name apart: "Siti Aminah (UD Karet
    Jaya, Palembang)"; a Lapas by its name."""
    workshop = lapas.get(session, registration.lapas_id)
    if workshop is not None:
        return workshop.name
    person = session.get(User, registration.user_id)
    if person is None:
        return "-"
    where = ", ".join(part for part in (person.business_name, person.city) if part)
    return f"{person.name or '-'} ({where})" if where else person.name or "-"


def get(session: Session, registration_id: int | None) -> Registration | None:
    return rows.get(session, registration_id)
