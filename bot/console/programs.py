"""Program: the office's programs, searched and filtered; one program's page with its
sign-ups by status, and what its staff may do to it: close registration now, copy it for
next year as a draft, publish a draft, delete one nobody signed up for. Programs are not
personal data: searches and filters stay in the address, to be shared and bookmarked."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from bot.console import program_form, web
from bot.console.program_form import MODES, labels
from bot.console.web import Console, Desk, Pages
from conversations import program_changes, program_text, programs, provinces, signups
from conversations.i18n import N_, Translator
from conversations.program_changes import ChangeRefused
from conversations.vocabulary import AUDIENCES, CATEGORIES, FUNDING_ROUTES, PROGRAM_KINDS
from storage.models import Program
from storage.statuses import SignUpStatus

STATES = {"open": N_("open for sign-up"), "closed": N_("closed"), "draft": N_("draft")}
DONE = {
    "created": N_("The program was made. People can find it in the chat now."),
    "saved": N_("The changes were saved."),
    "closed": N_("Registration is closed as of now."),
    "copied": N_("This is a copy for next year, as a draft: check its dates, change what "
                 "differs, then publish it."),
    "published": N_("The program is published: people can find it in the chat now."),
    "deleted": N_("The program was deleted."),
}


def state_of(program: Program, now: datetime) -> str:
    if program.draft:
        return "draft"
    return "open" if signups.is_open(program, now) else "closed"


def short_time(tr: Translator, program: Program, moment: datetime, event: bool = True) -> str:
    """'20 Okt 2027 10.00 WIB': an event time where it happens (an online program's in the
    reader's zone), a deadline as the organiser set it; always with its zone label."""
    reader = tr if event and program.mode == program_text.ONLINE else tr.in_zone(
        program.timezone)
    return f"{reader.short_date(moment)} {reader.time(moment)}"


def _filters(desk: Desk) -> dict[str, str]:
    wanted = {"q": desk.query("q")[:100], "jenis": desk.query("jenis"),
              "provinsi": desk.query("provinsi"), "status": desk.query("status")}
    if wanted["jenis"] not in PROGRAM_KINDS:
        wanted["jenis"] = ""
    if wanted["provinsi"] not in province_names():
        wanted["provinsi"] = ""
    if wanted["status"] not in STATES:
        wanted["status"] = ""
    return wanted


def province_names() -> list[str]:
    return [provinces.NATIONAL, *(province.name for province in provinces.PROVINCES)]


def list_page(desk: Desk) -> Response:
    wanted = _filters(desk)
    number = desk.page_number()
    found, total = programs.managed(
        desk.session, desk.reach.program_office, desk.now, words=wanted["q"].split(),
        kind=wanted["jenis"] or None, province=wanted["provinsi"] or None,
        state=wanted["status"] or None, offset=(number - 1) * web.PAGE_SIZE,
        limit=web.PAGE_SIZE)
    rows = [_row(desk, program, counts) for program, counts in found]
    kept = {key: value for key, value in wanted.items() if value}
    return desk.render(
        "console/programs.html", here="programs", rows=rows, wanted=wanted,
        pages=Pages(number, total), page_link=lambda n: "?" + urlencode({**kept, "hal": n}),
        kinds=labels(desk, PROGRAM_KINDS), states=labels(desk, STATES),
        provinces=province_names(), done=_done(desk))


def _row(desk: Desk, program: Program, counts: dict[str, int]) -> dict[str, Any]:
    deadline = program.registration_deadline
    return {
        "program": program, "kind": desk._(PROGRAM_KINDS.get(program.kind, program.kind)),
        "starts": short_time(desk.tr, program, program.starts_at),
        "deadline": short_time(desk.tr, program, deadline, event=False) if deadline else "",
        "signed": sum(counts.get(status, 0) for status in signups.ACTIVE),
        "waiting": counts.get(SignUpStatus.WAITLISTED, 0),
        "state": state_of(program, desk.now),
    }


def _done(desk: Desk) -> str | None:
    key = desk.query("ok")
    if key == "uploaded":
        n = int(desk.query("n", "0")) if desk.query("n", "0").isdigit() else 0
        return desk.tr.ngettext("{n} program imported from the file.",
                                "{n} programs imported from the file.", n).format(n=n)
    return desk._(DONE[key]) if key in DONE else None


def program_page(desk: Desk, problem: str | None = None, status: int = 200) -> Response:
    program = program_form.owned(desk)
    counts = programs_counts(desk, program)
    return desk.render(
        "console/program.html", status=status, here="programs", program=program,
        details=_details(desk, program), counts=counts,
        has_signups=any(n for _, n in counts), state=state_of(program, desk.now),
        states=labels(desk, STATES), done=_done(desk), problem=problem)


def programs_counts(desk: Desk, program: Program) -> list[tuple[str, int]]:
    """How many sign-ups of each status, as the reader calls them."""
    found = signups.counts(desk.session, program.id)
    return [(desk._(signups.STATUS_LABELS[status]), found.get(status, 0))
            for status in SignUpStatus]


def _details(desk: Desk, program: Program) -> list[tuple[str, str]]:
    _, tr = desk._, desk.tr
    deadline = program.registration_deadline
    routes = [_(FUNDING_ROUTES.get(r["route"], r["route"])) + (" " + tr.ngettext(
        "({n} seat)", "({n} seats)", r["seats"]).format(n=r["seats"]) if r.get("seats") else "")
        for r in program.funding_routes]
    return [
        (_("Kind of program"), _(PROGRAM_KINDS.get(program.kind, program.kind))),
        (_("Organiser"), program.organiser or "-"), (_("Venue"), program.venue or "-"),
        (_("Province"), program.province), (_("Held"), _(MODES.get(program.mode, "-"))),
        (_("Starts"), program_text.starts(tr, program)),
        (_("Ends"), program_text.event_time(tr, program, program.ends_at)),
        (_("Registration deadline"), program_text.deadline_time(tr, program, deadline)
         if deadline else _("none: sign-ups are taken until it starts")),
        (_("Quota"), str(program.quota) if program.quota else _("no limit")),
        (_("For"), _(AUDIENCES.get(program.audience, program.audience))),
        (_("Crafts"), ", ".join(_(CATEGORIES.get(c, c)) for c in program.categories)
         or _("every craft")),
        (_("Needs a product that passed curation"),
         _("required") if program.requires_curated_product else _("not required")),
        (_("Funding routes"), ", ".join(routes) or "-"),
        (_("Description"), program.description or "-"),
        ("Id", program.id),
    ]


def _act(desk: Desk, change: Any) -> Response:
    """A change to the program of the address, then its page again (or why not)."""
    program = program_form.owned(desk)
    try:
        changed, done = change(program)
    except ChangeRefused as refused:
        return program_page(desk, problem=desk._(refused.message), status=409)
    if changed is None:
        return desk.redirect("/program", ok=done)
    return desk.redirect(f"/program/{changed.id}", ok=done)


def close(desk: Desk) -> Response:
    return _act(desk, lambda program: (program_changes.close_now(
        desk.session, program, desk.now, desk.console.default_zone, actor=desk.user),
        "closed"))


def duplicate(desk: Desk) -> Response:
    return _act(desk, lambda program: (program_changes.duplicate(
        desk.session, program, desk.now, desk.console.default_zone, actor=desk.user),
        "copied"))


def publish(desk: Desk) -> Response:
    return _act(desk, lambda program: (program_changes.publish(
        desk.session, program, desk.now, desk.console.default_zone, actor=desk.user),
        "published"))


def delete(desk: Desk) -> Response:
    return _act(desk, lambda program: (program_changes.delete(
        desk.session, program, desk.now, actor=desk.user), "deleted"))


def routes(console: Console) -> list[Route]:
    def page(path: str, handler: web.Handler, methods: tuple[str, ...] = ("GET",)) -> Route:
        return web.route(console, path, handler, methods, programs=True)

    return [
        page("/program", list_page),
        *program_form.routes(console),
        page("/program/{program_id}", program_page),
        page("/program/{program_id}/tutup", close, ("POST",)),
        page("/program/{program_id}/salin", duplicate, ("POST",)),
        page("/program/{program_id}/terbitkan", publish, ("POST",)),
        page("/program/{program_id}/hapus", delete, ("POST",)),
    ]
