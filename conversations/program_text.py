"""How a program reads in a chat: its dates in the reader's own zone, time left, seats."""

from __future__ import annotations

from datetime import datetime

from conversations import vocabulary
from conversations.context import Context
from storage.models import Program


def deadline_note(ctx: Context, deadline: datetime | None) -> str:
    if deadline is None:
        return ctx._("no deadline")
    left = deadline - ctx.now
    if left.total_seconds() <= 0:
        return ctx._("registration closed")
    return ctx._("{time} left").format(time=ctx.tr.duration(left))


def list_label(ctx: Context, program: Program) -> str:
    """One line in a list of programs: title and when registration closes."""
    if program.registration_deadline is None:
        when = ctx._("starts {date}").format(date=ctx.tr.short_date(program.starts_at))
    elif program.registration_deadline <= ctx.now:
        when = ctx._("registration closed")
    else:
        when = ctx._("closes {date}").format(date=ctx.tr.short_date(program.registration_deadline))
    return f"{program.title} ({when})"


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
    """The full detail of a program, every time in the reader's zone with its label."""
    _ = ctx._
    tr = ctx.tr
    lines = [
        program.title,
        f"{_(vocabulary.PROGRAM_KINDS.get(program.kind, program.kind))} · {program.organiser}",
        "",
        _("Starts: {when}").format(when=tr.datetime(program.starts_at)),
        _("Ends: {when}").format(when=tr.datetime(program.ends_at)),
    ]
    if program.venue:
        lines.append(_("Venue: {venue}").format(venue=program.venue))
    if program.registration_deadline is not None:
        lines.append(
            _("Registration closes: {when} ({left})").format(
                when=tr.datetime(program.registration_deadline),
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
