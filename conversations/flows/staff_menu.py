"""The staff menu: where a staff member who is not registered as an artisan or Lapas officer
rests between tasks, and what a registered one reaches from the main menu. Each sees the
tasks their roles allow: a viewer looks at programs; everyone gets a console link."""

from __future__ import annotations

from typing import Any

from conversations import staff
from conversations.choices import Choice
from conversations.context import Context
from conversations.flow import Branch, Flow, Start, Step
from conversations.i18n import N_
from conversations.replies import console_link

CURATE, PROGRAMS, BROADCAST, REGISTER = "curate", "programs", "broadcast", "register"
CONSOLE = "console"

# Each task, who may do it, and the flow it opens.
TASKS = (
    (CURATE, N_("Curate products (/kurasi)"), staff.is_curator, "curation"),
    (PROGRAMS, N_("Programs and sign-ups (/program)"), staff.sees_programs,
     "program_admin"),
    (BROADCAST, N_("Send an announcement (/siaran)"), staff.is_broadcaster, "broadcast"),
)
FLOW_OF = {key: flow for key, _, _, flow in TASKS}
LOOK_AT_PROGRAMS = N_("Look at programs and sign-ups (/program)")


def staff_menu_text(ctx: Context) -> str:
    if staff.only_looks(ctx.user):
        return ctx._("Staff menu. Your role (viewer) lets you look; what would you like to "
                     "see?")
    return ctx._("Staff menu. What would you like to do?")


def _choices(ctx: Context) -> list[tuple[str, str]]:
    looks = staff.only_looks(ctx.user)
    found = [(key, LOOK_AT_PROGRAMS if looks and key == PROGRAMS else label)
             for key, label, allowed, _ in TASKS if allowed(ctx.user)]
    if staff.is_staff(ctx.user):
        found.append((CONSOLE, N_("Link to the staff console (/konsol)")))
    if not ctx.registered:
        found.append((REGISTER, N_("Register as an artisan or Lapas officer")))
    return found


def _console(ctx: Context) -> str | None:
    """The console link, and the menu again."""
    if ctx.answers["choose"] == CONSOLE and staff.is_staff(ctx.user):
        return console_link(ctx)
    return None


def _next(answers: dict[str, Any]) -> Start | str:
    choice = answers["choose"]
    if choice == CONSOLE:
        return "choose"
    return Start(FLOW_OF.get(choice, "registration"))


staff_menu = Flow("staff_menu", title=N_("Staff menu"), steps=[
    Step("choose", staff_menu_text,
         Choice(choices=_choices,
                words={CURATE: ("kurasi", "/kurasi", "curate"),
                       PROGRAMS: ("program", "/program", "programs"),
                       BROADCAST: ("siaran", "/siaran", "pengumuman", "broadcast"),
                       CONSOLE: ("konsol", "/konsol", "console", "link"),
                       REGISTER: ("daftar", "register")}),
         then=Branch(_next, (*(Start(flow) for flow in FLOW_OF.values()),
                             Start("registration"), "choose")),
         on_answer=_console),
])
