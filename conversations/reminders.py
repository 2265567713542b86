"""Reminders, computed from rows each time the scheduler ticks.

Whom a program concerns, and when:
- people it suits (audience, province, crafts) who have not signed up: its registration
  deadline, three days and one day before;
- people holding a place: the event, seven days, one day and two hours before.

A tick queues, through the outbox, the reminders whose time has come. Each (program, kind,
moment reminded of) is queued once, and each message has an idempotency key of its user,
program, kind and moment, so ticks may run as often as they like. No push leaves between
21.00 and 07.00 in the user's own zone: it waits for 07.00, unless by then it would be too
late. A reminder the server missed while down goes out marked "(terlambat)", only while
what it reminds of is still ahead; when several kinds are due, the nearest one alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import String, and_, bindparam, cast, insert, or_
from sqlmodel import Session, col, select

from conversations import domain
from conversations.i18n import N_, Translator, translator
from conversations.messages import Outbound
from conversations.provinces import zone_of
from storage import signups
from storage.models import OutboxMessage, Program, Registration, ReminderRun, User

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
REMINDER_PRIORITY = 2  # after replies and notices, before broadcasts
BATCH = 5000  # rows a statement


@dataclass(frozen=True)
class Due:
    program: Program
    kind: str
    anchor: datetime
    late: bool


def _anchor(program: Program, what: str) -> datetime | None:
    return program.registration_deadline if what == DEADLINE else program.starts_at


def due_now(programs: Iterable[Program], now: datetime) -> list[Due]:
    """For each program and each thing reminded of, the nearest kind whose time has come,
    while that thing is still ahead."""
    found = []
    for program in programs:
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


@dataclass(frozen=True)
class QuietHours:
    """The hours of the night in which no push leaves, in each person's own zone."""

    start: time = time(21, 0)
    end: time = time(7, 0)

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """"21:00-07:00" (the default), or "off" for none; ValueError for anything else."""
        if text.strip().lower() in ("off", "none", ""):
            return None
        found = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})\s*", text)
        try:
            if found is None:
                raise ValueError
            h1, m1, h2, m2 = map(int, found.groups())
            hours = cls(time(h1, m1), time(h2, m2))
        except ValueError:
            raise ValueError(f"{text!r} is not a span of hours") from None
        if hours.start == hours.end:
            raise ValueError(f"{text!r} starts and ends at the same time")
        return hours

    def covers(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # across midnight

    def until(self, now: datetime, zone: str) -> datetime | None:
        """When a push may leave, if `now` is in these hours in `zone`; else None."""
        local = now.astimezone(translator("id", zone).tz)
        if not self.covers(local.time()):
            return None
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=local.tzinfo)


NIGHT = QuietHours()


def quiet_until(now: datetime, zone: str, hours: QuietHours | None = NIGHT) -> datetime | None:
    """When a push may leave, if `now` is in the quiet hours of `zone`; else None."""
    return hours.until(now, zone) if hours is not None else None


def night_hold(default_zone: str, hours: QuietHours | None = NIGHT
               ) -> Callable[[str | None, datetime], datetime | None]:
    """For the dispatcher: when a push to someone of a province may leave, if it is night
    there at the moment its turn comes (a long broadcast, a retry); None if it may now."""

    def hold(province: str | None, now: datetime) -> datetime | None:
        return quiet_until(now, zone_of(province, default_zone), hours)

    return hold

TEXTS = {
    DEADLINE: N_("Reminder: registration for {title} closes {when}. To sign up, open Find "
                 "programs in the menu."),
    EVENT: N_("Reminder: {title} starts {when}{venue}. See you there!"),
}


@cache
def _tr(lang: str, zone: str) -> Translator:
    return translator(lang, zone)


def reminder_text(tr: Translator, program: Program, what: str, anchor: datetime,
                  late: bool) -> str:
    venue = ", " + tr._("at {venue}").format(venue=program.venue) if program.venue else ""
    text = tr._(TEXTS[what]).format(title=program.title, when=tr.datetime(anchor),
                                    venue=venue if what == EVENT else "")
    late_mark = tr._("(late)")
    return f"{late_mark} {text}" if late else text


# Who a reminder goes to


USER_COLUMNS = (User.id, User.channel, User.address, User.language, User.province,
                User.categories, User.role, User.lapas_id)


def reachable() -> Any:
    return and_(col(User.registered_at).is_not(None), col(User.opted_out).is_(False),
                col(User.unreachable).is_(False))


# Without the crafts: those are matched in SQL, and reading them would mean decoding
# JSON for every one of perhaps a hundred thousand people.
RECIPIENT_COLUMNS = tuple(c for c in USER_COLUMNS if c is not User.categories)


def suited(session: Session, program: Program) -> list[Any]:
    """Registered users the program is for who have not signed up (nor their Lapas)."""
    query = select(*RECIPIENT_COLUMNS).where(reachable())
    if program.audience in (domain.ARTISAN, domain.LAPAS_OFFICER):
        query = query.where(User.role == program.audience)
    else:
        query = query.where(col(User.role).in_((domain.ARTISAN, domain.LAPAS_OFFICER)))
    if program.province != "nasional":
        query = query.where(User.province == program.province)
    if program.categories:
        crafts = cast(User.categories, String)
        # Someone who named no craft (a Lapas) is not left out for it.
        query = query.where(or_(crafts == "[]", *(crafts.like(f'%"{code}"%')
                                                  for code in program.categories)))
    taken = {party for (party,) in session.execute(
        select(Registration.party).where(Registration.program_id == program.id,
                                         col(Registration.status).in_(signups.ACTIVE)))}
    found = []
    for row in session.connection().execute(query):
        party = (f"lapas:{row.lapas_id}" if row.role == signups.LAPAS_ROLE
                 and row.lapas_id is not None else f"user:{row.id}")
        if party not in taken:
            found.append(row)
    return found


def holding_a_place(session: Session, program: Program) -> list[Any]:
    places = ((signups.SELECTED,) if signups.has_selection(program) else signups.SEATED)
    return list(session.execute(
        select(*USER_COLUMNS).join(Registration, col(Registration.user_id) == User.id)
        .where(Registration.program_id == program.id, col(Registration.status).in_(places),
               reachable())
    ))


# The tick


def run_due(session: Session, now: datetime, default_zone: str = "Asia/Jakarta",
            quiet: QuietHours | None = NIGHT) -> int:
    """Queue every reminder due at `now`; returns how many messages were queued."""
    programs = session.exec(select(Program).where(or_(
        and_(col(Program.registration_deadline) > now,
             col(Program.registration_deadline) <= now + LONGEST[DEADLINE]),
        and_(Program.starts_at > now, Program.starts_at <= now + LONGEST[EVENT]),
    ))).all()
    queued = 0
    for due in due_now(programs, now):
        if session.get(ReminderRun, (due.program.id, due.kind, due.anchor)) is not None:
            continue
        what = KINDS[due.kind][0]
        people = (suited(session, due.program) if what == DEADLINE
                  else holding_a_place(session, due.program))
        rows = []
        texts: dict[tuple[str, str], dict[str, Any]] = {}
        stamp = due.anchor.strftime("%Y%m%dT%H%M")
        for person in people:
            zone = zone_of(person.province, default_zone)
            wait = quiet_until(now, zone, quiet)
            if wait is not None and wait >= due.anchor:
                continue  # by 07.00 it is too late to remind of it
            lang = person.language or "id"
            payload = texts.get((lang, zone))
            if payload is None:
                text = reminder_text(_tr(lang, zone), due.program, what, due.anchor, due.late)
                payload = texts[(lang, zone)] = Outbound(text=text).to_payload()
            rows.append({
                "channel": person.channel, "address": person.address, "user_id": person.id,
                "kind": "reminder", "priority": REMINDER_PRIORITY, "payload": payload,
                # The run's minute too: a run made again after the date moved and came back
                # is a new message (one run per program, kind and date is ReminderRun's).
                "idempotency_key": f"reminder:{due.kind}:{person.id}:{due.program.id}:{stamp}"
                                   f":{now:%Y%m%d%H%M}",
                "status": "pending", "attempts": 0, "not_before": wait,
                "topic": f"program:{due.program.id}", "expires_at": due.anchor,
                "created_at": now, "updated_at": now,
            })
        insert_new(session, rows)
        session.add(ReminderRun(program_id=due.program.id, kind=due.kind, anchor=due.anchor,
                                queued=len(rows), ran_at=now))
        session.flush()
        queued += len(rows)
    return queued


def insert_new(session: Session, rows: list[dict[str, Any]]) -> None:
    """Queue many messages at once, passing over any already queued under the same key.

    One statement compiled once and run by the driver's executemany. Rows share most
    values (the time, the text of a language and zone), so each distinct value is turned
    into its database form once, not once a row: a fan-out of 100,000 costs the
    database's time, not Python's."""
    if not rows:
        return
    table = OutboxMessage.__table__
    conn = session.connection()
    names = list(rows[0])
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"])
    else:
        statement = insert(table).prefix_with("OR IGNORE")
    compiled = statement.values({n: bindparam(n) for n in names}).compile(dialect=conn.dialect)
    processors = {n: table.c[n].type._cached_bind_processor(conn.dialect) for n in names}
    converted: dict[tuple[str, Any], Any] = {}

    def db_value(name: str, value: Any) -> Any:
        process = processors[name]
        if process is None or value is None:
            return value
        key = (name, id(value) if isinstance(value, dict | list) else value)
        if key not in converted:
            converted[key] = process(value)
        return converted[key]

    if compiled.positional:
        order = compiled.positiontup or []
        params: list[Any] = [tuple(db_value(n, row[n]) for n in order) for row in rows]
    else:
        params = [{n: db_value(n, row[n]) for n in names} for row in rows]
    for start in range(0, len(params), BATCH):
        conn.exec_driver_sql(str(compiled), params[start:start + BATCH])
