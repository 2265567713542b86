"""Making and editing a program from the console (uploading a file: `program_upload`).

The form's fields are the program file's (`program_files.FIELDS`) and are checked as
`kriya programs import` checks a row: the same rules, the same messages, here in the
reader's language, each beside its field. What was typed is shown again with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import Route

from bot.console import program_upload, web
from bot.console.web import Console, Desk, NotFound
from conversations import audit, programs, provinces
from conversations.i18n import N_
from conversations.program_files import FIELDS, Problem, checked
from conversations.vocabulary import AUDIENCES, CATEGORIES, FUNDING_ROUTES, PROGRAM_KINDS
from storage.models import Program

ZONES = {provinces.WIB: "WIB (Asia/Jakarta)", provinces.WITA: "WITA (Asia/Makassar)",
         provinces.WIT: "WIT (Asia/Jayapura)"}
MODES = {"offline": N_("at the venue"), "online": N_("online"),
         "hybrid": N_("at the venue and online")}


def _typed(desk: Desk) -> dict[str, str]:
    """The form as posted, by the program file's field names."""
    typed = {name: desk.field(name) for name in FIELDS}
    if desk.form is not None:
        typed["categories"] = ",".join(value for value in desk.form.getlist("categories")
                                       if isinstance(value, str))
    return typed


def _as_typed(program: Program) -> dict[str, str]:
    """A program as its form shows it: times in its own zone, as a file would have them."""
    def local(moment: datetime | None) -> str:
        zone = ZoneInfo(program.timezone)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    found = provinces.by_name(program.province)
    own_zone = found.zone if found else provinces.WIB
    return {
        "id": program.id, "kind": program.kind, "title": program.title,
        "organiser": program.organiser, "description": program.description,
        "venue": program.venue, "province": program.province,
        "categories": ",".join(program.categories),
        "starts_at": local(program.starts_at), "ends_at": local(program.ends_at),
        "registration_deadline": local(program.registration_deadline),
        "timezone": "" if program.timezone == own_zone else program.timezone,
        "quota": str(program.quota or ""), "audience": program.audience,
        "requires_curated_product": "yes" if program.requires_curated_product else "no",
        "mode": program.mode,
        "funding_routes": ",".join(r["route"] + (f":{r['seats']}" if r.get("seats") else "")
                                   for r in program.funding_routes),
    }


def _form(desk: Desk, typed: dict[str, str], problems: Sequence[Problem] = (),
          program: Program | None = None, status: int = 200) -> Response:
    errors: dict[str | None, list[str]] = {}
    for problem in problems:
        field = problem.field if problem.field in FIELDS else None
        errors.setdefault(field, []).append(problem.text(desk._))
    return desk.render(
        "console/program_form.html", status=status, here="programs", typed=typed,
        errors=errors, program=program, kinds=labels(desk, PROGRAM_KINDS),
        crafts=labels(desk, CATEGORIES),
        chosen=set(filter(None, typed.get("categories", "").split(","))),
        provinces=[province.name for province in provinces.PROVINCES], zones=ZONES,
        audiences=labels(desk, AUDIENCES), modes=labels(desk, MODES),
        routes=", ".join(FUNDING_ROUTES))


def labels(desk: Desk, table: dict[str, str]) -> dict[str, str]:
    """A table of codes and their names, in the reader's language."""
    return {code: desk._(label) for code, label in table.items()}


def new_form(desk: Desk) -> Response:
    office = desk.reach.office
    return _form(desk, {"province": office.provinces[0] if office.provinces else ""})


def create(desk: Desk) -> Response:
    typed = _typed(desk)
    values, problems = checked(typed)
    if values is not None and programs.get(desk.session, values["id"]) is not None:
        problems = [Problem(N_("A program with this id already exists. Choose another id."),
                            "id")]
    if values is None or problems:
        return _form(desk, typed, problems, status=400)
    program, _ = programs.save(desk.session, {**values, "office_id": desk.reach.office.id},
                               desk.now, desk.console.default_zone, actor=desk.user,
                               via=audit.CONSOLE)
    return desk.redirect(f"/program/{program.id}", ok="created")


def owned(desk: Desk) -> Program:
    """The program named in the address, if this office runs it; 404 for anyone else's,
    exactly as for one that does not exist."""
    program = programs.get(desk.session, desk.request.path_params["program_id"])
    if program is None or not desk.reach.owns(program):
        raise NotFound
    return program


def edit_form(desk: Desk) -> Response:
    program = owned(desk)
    return _form(desk, _as_typed(program), program=program)


def update(desk: Desk) -> Response:
    """The same program (its id stays), changed: a date that moved moves its reminders, a
    seat freed moves the waiting list, as an import does."""
    program = owned(desk)
    typed = {**_typed(desk), "id": program.id}
    values, problems = checked(typed)
    if values is None or problems:
        return _form(desk, typed, problems, program=program, status=400)
    programs.save(desk.session, values, desk.now, desk.console.default_zone, actor=desk.user,
                  via=audit.CONSOLE)
    return desk.redirect(f"/program/{program.id}", ok="saved")


def routes(console: Console) -> list[Route]:
    def page(path: str, get: web.Handler, post: web.Handler) -> list[Route]:
        return [Route(path, web.staff_page(console, get, changes=True, programs=True),
                      methods=["GET"]),
                Route(path, web.staff_page(console, post, programs=True), methods=["POST"])]

    return [*page("/program/baru", new_form, create), *program_upload.routes(console),
            *page("/program/{program_id}/ubah", edit_form, update)]
