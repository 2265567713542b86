"""Reminders, computed from rows each time the scheduler ticks.

Whom a program concerns, and when:
- people it suits (audience, province, crafts) who have not signed up: its registration
  deadline, three days and one day before;
- people holding a place: the event, seven days, one day and two hours before.

A tick queues, through the outbox, the reminders whose time has come. Each (program, kind,
moment reminded of) is queued once, and each message has an idempotency key of its user,
program, kind and moment, so ticks may run as often as they like. No push leaves between
21.00 and 07.00 in the user's own zone: it waits for 07.00, unless by then it would be too
late. A reminder the server missed while down goes out as "Pengingat (terkirim terlambat)",
only while what it reminds of is still ahead; when several kinds are due, the nearest one
alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlmodel import Session

from conversations import program_text, signups
from conversations.i18n import N_, Translator, translator
from conversations.messages import Outbound
from conversations.outbox import (
    Message,
    MessageKind,
    Recipient,
    program_topic,
    queue,
    reminder_key,
)
from conversations.provinces import zone_of
from conversations.quiet_hours import NIGHT, QuietHours, quiet_until
from storage import programs
from storage.models import Program

DEADLINE, EVENT = "deadline", "event"
KINDS = {  # kind: (what it reminds of, how long before)
    "deadline-3d": (DEADLINE, timedelta(days=3)),
    "deadline-1d": (DEADLINE, timedelta(days=1)),
    "event-7d": (EVENT, timedelta(days=7)),
    "event-1d": (EVENT, timedelta(days=1)),
    "event-2h": (EVENT, timedelta(hours=2)),
}
LONGEST = {DEADLINE: timedelta(days=3), EVENT: timedelta(days=7)}
# Later than this after its time, a reminder is marked late.
LATE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class Due:
    program: Program
    kind: str
    anchor: datetime
    late: bool


def _anchor(program: Program, what: str) -> datetime | None:
    return program.registration_deadline if what == DEADLINE else program.starts_at


def due_now(candidates: Iterable[Program], now: datetime) -> list[Due]:
    """For each program and each thing reminded of, the nearest kind whose time has come,
    while that thing is still ahead."""
    found = []
    for program in candidates:
        for what in (DEADLINE, EVENT):
            anchor = _anchor(program, what)
            if anchor is None or now >= anchor:
                continue
            ready = [(offset, kind) for kind, (w, offset) in KINDS.items()
                     if w == what and anchor - offset <= now]
            if ready:
                offset, kind = min(ready)
                found.append(Due(program, kind, anchor, now - (anchor - offset) > LATE_AFTER))
    return found


# {label} is "Reminder", or "Reminder (sent late)" when the tick that should have sent it
# was missed: a late mark in front would read as "you are late".
TEXTS = {
    DEADLINE: N_("{label}: registration for {title} closes {when}. To sign up, open Find "
                 "programs in the main menu."),
    EVENT: N_("{label}: {title} starts {when}{venue}. See you there!"),
}


@cache
def _tr(lang: str, zone: str) -> Translator:
    return translator(lang, zone)


def reminder_text(tr: Translator, program: Program, what: str, anchor: datetime,
                  late: bool) -> str:
    venue = ", " + tr._("at {venue}").format(venue=program.venue) if program.venue else ""
    when = (program_text.deadline_time(tr, program, anchor) if what == DEADLINE
            else program_text.event_time(tr, program, anchor))
    label = tr._("Reminder (sent late)") if late else tr._("Reminder")
    return tr._(TEXTS[what]).format(label=label, title=program.title, when=when,
                                    venue=venue if what == EVENT else "")


# The tick


def run_due(session: Session, now: datetime, default_zone: str = "Asia/Jakarta",
            quiet: QuietHours | None = NIGHT) -> int:
    """Queue every reminder due at `now`; returns how many messages were queued."""
    found = programs.with_dates_within(session, now, LONGEST[DEADLINE], LONGEST[EVENT])
    queued = 0
    for due in due_now(found, now):
        if programs.reminder_ran(session, due.program.id, due.kind, due.anchor):
            continue
        what = KINDS[due.kind][0]
        people = (signups.suited_people(session, due.program) if what == DEADLINE
                  else signups.people_with_a_place(session, due.program))
        messages = []
        payloads: dict[tuple[str, str], dict[str, Any]] = {}
        for person in people:
            zone = zone_of(person.province, default_zone)
            wait = quiet_until(now, zone, quiet)
            if wait is not None and wait >= due.anchor:
                continue  # by the morning it is too late to remind of it
            lang = person.language or "id"
            payload = payloads.get((lang, zone))
            if payload is None:  # one text a language and zone, shared by their rows
                text = reminder_text(_tr(lang, zone), due.program, what, due.anchor, due.late)
                payload = payloads[(lang, zone)] = Outbound(text=text).to_payload()
            messages.append(Message(
                Recipient.of(person), MessageKind.REMINDER,
                reminder_key(due.kind, person.id, due.program.id, due.anchor, now), payload,
                not_before=wait, topic=program_topic(due.program.id), expires_at=due.anchor))
        queued += queue(session, messages, now, once=True)
        programs.record_reminder_run(session, due.program.id, due.kind, due.anchor,
                                     len(messages), now)
    return queued
