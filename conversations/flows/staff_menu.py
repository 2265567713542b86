"""The staff menu: where a staff member who is not registered as an artisan or Lapas officer
rests between tasks, and what a registered one reaches from the main menu."""

from __future__ import annotations

from typing import Any

from conversations import staff
from conversations.choices import Choice
from conversations.context import Context
from conversations.flow import Branch, Flow, Start, Step
from conversations.i18n import N_

CURATE, PROGRAMS, BROADCAST, REGISTER = "curate", "programs", "broadcast", "register"

# Each task, who may do it, and the flow it opens.
TASKS = (
    (CURATE, N_("Curate products (/kurasi)"), staff.is_curator, "curation"),
    (PROGRAMS, N_("Programs and sign-ups (/program)"), staff.manages_programs,
     "program_admin"),
    (BROADCAST, N_("Send an announcement (/siaran)"), staff.is_broadcaster, "broadcast"),
)
FLOW_OF = {key: flow for key, _, _, flow in TASKS}


def staff_menu_text(ctx: Context) -> str:
    return ctx._("Staff menu. What would you like to do?")


def _choices(ctx: Context) -> list[tuple[str, str]]:
    found = [(key, label) for key, label, allowed, _ in TASKS if allowed(ctx.user)]
    if not ctx.registered:
        found.append((REGISTER, N_("Register as an artisan or Lapas officer")))
    return found


def _next(answers: dict[str, Any]) -> Start:
    choice = answers["choose"]
    return Start(FLOW_OF.get(choice, "registration"))


staff_menu = Flow("staff_menu", title=N_("Staff menu"), steps=[
    Step("choose", staff_menu_text,
         Choice(choices=_choices,
                words={CURATE: ("kurasi", "/kurasi", "curate"),
                       PROGRAMS: ("program", "/program", "programs"),
                       BROADCAST: ("siaran", "/siaran", "pengumuman", "broadcast"),
                       REGISTER: ("daftar", "register")}),
         then=Branch(_next, (*(Start(flow) for flow in FLOW_OF.values()),
                             Start("registration")))),
])
