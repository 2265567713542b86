"""How a program reads in a chat: its times, time left, seats.

Times are read as a traveller needs them. What happens at a place (an offline or hybrid
program) is shown in the venue's zone, with the reader's own time in brackets when it
differs; an online program has no such place and is shown in each reader's zone. A
registration deadline is shown as the organiser set it, in the program's zone, with the
reader's time in brackets when it differs; in a list, its date is the organiser's for all.
Every chat text, notification and reminder that names a program's time comes through here.
"""

from __future__ import annotations

from datetime import datetime

from conversations import vocabulary
from conversations.context import Context
from conversations.i18n import Translator
from storage.models import Program

ONLINE = "online"


def event_time(tr: Translator, program: Program, moment: datetime) -> str:
    """When something of the program happens (it starts, it ends)."""
    if program.mode == ONLINE:
        return tr.datetime(moment)
    return tr.datetime_there(moment, program.timezone)


def starts(tr: Translator, program: Program) -> str:
    return event_time(tr, program, program.starts_at)


def deadline_time(tr: Translator, program: Program, deadline: datetime) -> str:
    """When registration closes, as the organiser set it."""
    return tr.datetime_there(deadline, program.timezone)


def closing_time(tr: Translator, program: Program) -> str:
    """When sign-ups stop: the deadline, or the start for a program without one."""
    if program.registration_deadline is None:
        return starts(tr, program)
    return deadline_time(tr, program, program.registration_deadline)


def _list_date(tr: Translator, moment: datetime, now: datetime) -> str:
    """'21 Des', with the year only when it is not this one."""
    same_year = tr.local(moment).year == tr.local(now).year
    return tr.day_month(moment) if same_year else tr.short_date(moment)


def deadline_note(ctx: Context, deadline: datetime | None) -> str:
    if deadline is None:
        return ctx._("no deadline")
    left = deadline - ctx.now
    if left.total_seconds() <= 0:
        return ctx._("registration closed")
    return ctx._("{time} left").format(time=ctx.tr.duration(left))


def list_label(ctx: Context, program: Program) -> str:
    """One line in a list of programs: title and when registration closes."""
    return f"{program.title} ({list_when(ctx, program)})"


def list_when(ctx: Context, program: Program) -> str:
    """When registration closes, in a list ("closes 21 Dec"), or when it starts."""
    organiser = ctx.tr.in_zone(program.timezone)
    if program.registration_deadline is None:
        reader = ctx.tr if program.mode == ONLINE else organiser
        when = ctx._("starts {date}").format(date=_list_date(reader, program.starts_at, ctx.now))
    elif program.registration_deadline <= ctx.now:
        when = ctx._("registration closed")
    else:
        when = ctx._("closes {date}").format(
            date=_list_date(organiser, program.registration_deadline, ctx.now))
    return when


def funding_text(ctx: Context, program: Program) -> str:
    parts = []
    for route in program.funding_routes:
        label = ctx._(vocabulary.FUNDING_ROUTES.get(route["route"], route["route"]))
        seats = route.get("seats")
        if seats:
            label += " " + ctx.tr.ngettext("({n} seat)", "({n} seats)", seats).format(n=seats)
        parts.append(label)
    return ", ".join(parts)


def describe(ctx: Context, program: Program) -> str:
    """The full detail of a program, every time with its zone label."""
    _ = ctx._
    tr = ctx.tr
    lines = [
        program.title,
        f"{_(vocabulary.PROGRAM_KINDS.get(program.kind, program.kind))} · {program.organiser}",
        "",
        _("Starts: {when}").format(when=starts(tr, program)),
        _("Ends: {when}").format(when=event_time(tr, program, program.ends_at)),
    ]
    if program.venue:
        lines.append(_("Venue: {venue}").format(venue=program.venue))
    if program.registration_deadline is not None:
        lines.append(
            _("Registration closes: {when}, {left}").format(
                when=deadline_time(tr, program, program.registration_deadline),
                left=deadline_note(ctx, program.registration_deadline),
            )
        )
    if program.quota:
        lines.append(_("Seats: {n}").format(n=program.quota))
    else:
        lines.append(_("Seats: no limit"))
    if program.funding_routes:
        lines.append(_("Funding: {routes}").format(routes=funding_text(ctx, program)))
    lines.append(_("For: {who}").format(who=_(vocabulary.AUDIENCES.get(program.audience, ""))))
    if program.categories:
        crafts = ", ".join(_(vocabulary.CATEGORIES.get(c, c)) for c in program.categories)
        lines.append(_("Crafts: {crafts}").format(crafts=crafts))
    if program.requires_curated_product:
        lines.append(_("Needs a product that passed curation."))
    if program.description:
        lines += ["", program.description]
    return "\n".join(lines)
