"""My sign-ups: the programs a user (or their Lapas) signed up for, where each stands, and
cancelling one while registration is open.

    pick -> view -> cancel (yes/no) -> pick
         \\-> Find programs, when there is none yet

A cancelled seat goes to the first on the waiting list who fits it, and they are told.
"""

from __future__ import annotations

from typing import Any

from conversations import curation, program_text, signups, vocabulary
from conversations.choices import YES, Choice, yes_no
from conversations.context import Context
from conversations.flow import Branch, Flow, Start, Step
from conversations.flows.signup import status_text
from conversations.i18n import N_
from storage.models import Program, Registration

FIND, BACK, MENU, CANCEL = "find", "back", "menu", "cancel"
SHOWN = 10


def _mine(ctx: Context) -> list[tuple[Registration, Program]]:
    if "mine" not in ctx.cache:
        user = ctx.user
        ctx.cache["mine"] = ([] if user is None or user.id is None
                             else signups.of_party(ctx.session, user, SHOWN))
    return ctx.cache["mine"]


def pick_text(ctx: Context) -> str:
    if not _mine(ctx):
        return ctx._("You have not signed up for any program yet. Find programs shows those "
                     "open to you.")
    return ctx._("Your sign-ups. Choose one to see it or cancel it:")


def _label(ctx: Context, registration: Registration, program: Program) -> str:
    position = signups.waitlist_position(ctx.session, registration)
    return f"{program.title} ({status_text(ctx, registration, program, position)})"


def _pick_choices(ctx: Context) -> list[tuple[str, str]]:
    pairs = [(str(r.id), _label(ctx, r, p)) for r, p in _mine(ctx)]
    if not pairs:
        pairs.append((FIND, N_("Find programs")))
    return pairs


def _after_pick(answers: dict[str, Any]) -> Any:
    return Start("finder") if answers.get("pick") == FIND else "view"


def _viewed(ctx: Context) -> tuple[Registration, Program] | None:
    wanted = str(ctx.answers.get("pick"))
    return next(((r, p) for r, p in _mine(ctx) if str(r.id) == wanted), None)


def _may_cancel(ctx: Context, registration: Registration, program: Program) -> bool:
    return registration.status in signups.ACTIVE and signups.is_open(program, ctx.now)


def view_text(ctx: Context) -> str:
    found = _viewed(ctx)
    if found is None:
        return ctx._("That sign-up is no longer there.")
    registration, program = found
    _ = ctx._
    position = signups.waitlist_position(ctx.session, registration)
    lines = [program.title,
             _("Status: {status}").format(status=status_text(ctx, registration, program,
                                                               position)),
             _("Starts: {when}").format(when=program_text.starts(ctx.tr, program))]
    if program.venue:
        lines.append(_("Venue: {venue}").format(venue=program.venue))
    if registration.product_ids:
        names = [p.name for i in registration.product_ids
                 if (p := curation.get(ctx.session, i)) is not None]
        lines.append(_("Products: {names}").format(names=", ".join(names)))
    if registration.funding_route:
        lines.append(_("Funding: {route}").format(route=_(vocabulary.FUNDING_ROUTES.get(
            registration.funding_route, registration.funding_route))))
    if registration.notes:
        lines.append(_("Notes: {notes}").format(notes=registration.notes))
    lines.append(_("Signed up: {when}").format(when=ctx.tr.datetime(registration.signed_up_at)))
    if registration.status in signups.ACTIVE and not signups.is_open(program, ctx.now):
        lines.append(_("Registration has closed, so it can no longer be cancelled here. "
                       "If you cannot come, please tell the organiser."))
    return "\n".join(lines)


def _view_choices(ctx: Context) -> list[tuple[str, str]]:
    found = _viewed(ctx)
    if found is not None and _may_cancel(ctx, *found):
        return [(CANCEL, N_("Cancel this sign-up"))]
    return []


def cancel_text(ctx: Context) -> str:
    found = _viewed(ctx)
    title = found[1].title if found is not None else ""
    return ctx._("Cancel your sign-up for {title}? Your place goes to the next person on "
                 "the waiting list, and signing up again puts you at the back.").format(
        title=title)


def _cancel(ctx: Context) -> str | None:
    found = _viewed(ctx)
    ctx.cache.pop("mine", None)  # the list is shown again, as it is now
    if ctx.answers.get("cancel") != YES:
        return ctx._("Nothing changed: your sign-up stays.")
    user = ctx.user
    if found is None or user is None or not _may_cancel(ctx, *found):
        return ctx._("That sign-up can no longer be cancelled here.")
    registration, program = found
    cancelled, _ = signups.cancel(ctx.session, registration.id or 0, user, ctx.now,
                                  ctx.settings.default_zone)
    if cancelled is None:
        return ctx._("That sign-up can no longer be cancelled here.")
    return ctx._("Your sign-up for {title} is cancelled.").format(title=program.title)


my_signups = Flow("my_signups", title=N_("My sign-ups"), steps=[
    Step("pick", pick_text,
         Choice(choices=_pick_choices, words={FIND: ("cari", "cari program")}),
         then=Branch(_after_pick, (Start("finder"), "view"))),
    Step("view", view_text,
         Choice(choices=_view_choices,
                words={CANCEL: ("batalkan", "batalkan pendaftaran")}),
         then="cancel"),
    Step("cancel", cancel_text, yes_no(N_("Yes, cancel it"), N_("No, keep it")), then="pick",
         on_answer=_cancel),
])
