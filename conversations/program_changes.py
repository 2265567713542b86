"""What the staff of an office do to a program they run, beyond editing it: close its
registration now, copy it for next year as a draft, publish a draft, delete it while
nobody has signed up. Each change is in the audit log with how it looked before and after.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from conversations import audit, signups
from conversations.i18n import N_
from conversations.outbox import withdraw_reminders
from conversations.program_files import FIELDS
from conversations.programs import save
from storage import programs as rows
from storage.models import Program, User

LONGEST_ID = 48  # what program_files.SLUG allows


class ChangeRefused(ValueError):
    """A change that cannot be made to this program; `message` (marked N_) says why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def described(program: Program) -> dict[str, Any]:
    """A program's values as the audit log keeps them."""
    return {key: getattr(program, key) for key in (*FIELDS, "office_id", "draft")}


def close_now(session: Session, program: Program, now: datetime, default_zone: str, *,
              actor: User | None = None, via: str = audit.CONSOLE) -> Program:
    """Registration closes now: the deadline becomes this moment (its reminders are
    withdrawn, as for any deadline that moves)."""
    if not signups.is_open(program, now):
        raise ChangeRefused(N_("Registration for this program is already closed."))
    return save(session, {"id": program.id, "registration_deadline": now}, now, default_zone,
                actor=actor, via=via, action="program.closed")[0]


def publish(session: Session, program: Program, now: datetime, default_zone: str, *,
            actor: User | None = None, via: str = audit.CONSOLE) -> Program:
    """A draft becomes a program people can find, sign up for and be reminded of."""
    if not program.draft:
        raise ChangeRefused(N_("This program is already published."))
    return save(session, {"id": program.id, "draft": False}, now, default_zone, actor=actor,
                via=via, action="program.published")[0]


def duplicate(session: Session, program: Program, now: datetime, default_zone: str, *,
              actor: User | None = None, via: str = audit.CONSOLE) -> Program:
    """A copy for next year, as a draft of the same office: a new id, its dates one year
    on (in the program's own zone), the year in its title too; no sign-ups."""
    zone = ZoneInfo(program.timezone)
    year = program.starts_at.astimezone(zone).year
    values = {key: copy.deepcopy(value) for key, value in described(program).items()}
    values.update(
        id=_free_id(session, program.id, year), draft=True,
        title=re.sub(rf"\b{year}\b", str(year + 1), program.title),
        starts_at=_year_on(program.starts_at, zone), ends_at=_year_on(program.ends_at, zone),
        registration_deadline=(_year_on(program.registration_deadline, zone)
                               if program.registration_deadline else None))
    return save(session, values, now, default_zone, actor=actor, via=via,
                action="program.duplicated")[0]


def delete(session: Session, program: Program, now: datetime, *, actor: User | None = None,
           via: str = audit.CONSOLE) -> None:
    """Delete a program nobody has signed up for (not even cancelled since): sign-ups are
    people's history, kept with the program. Its reminders still waiting are withdrawn."""
    if any(rows.signup_counts(session, [program.id])[program.id].values()):
        raise ChangeRefused(N_("This program has sign-ups, so it cannot be deleted. Close "
                               "its registration instead."))
    withdraw_reminders(session, program.id, now)
    audit.record(session, actor, via, "program.deleted", "program", program.id,
                 before=described(program), office_id=program.office_id, now=now)
    rows.remove(session, program)


def _year_on(moment: datetime, zone: ZoneInfo) -> datetime:
    """The same local time a year later (29 February becomes the 28th)."""
    local = moment.astimezone(zone)
    try:
        later = local.replace(year=local.year + 1)
    except ValueError:
        later = local.replace(year=local.year + 1, day=28)
    return later.astimezone(UTC)


def _free_id(session: Session, program_id: str, year: int) -> str:
    """tei-2027 becomes tei-2028; an id without its year gets one (seminar-2028); -2, -3
    and on if that is taken."""
    if program_id.endswith(str(year)):
        base = program_id[: -len(str(year))] + str(year + 1)
    else:
        base = f"{program_id[: LONGEST_ID - 5]}-{year + 1}"
    candidate, n = base, 1
    while rows.get(session, candidate) is not None:
        n += 1
        candidate = f"{base[: LONGEST_ID - len(str(n)) - 1]}-{n}"
    return candidate
