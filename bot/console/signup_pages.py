"""Pendaftar: the sign-ups of one program as a table, filtered and sorted in the address;
where the program selects among its applicants, staff mark them lolos or tidak lolos one
by one or all the ticked ones at once, and may undo their own decision until the
applicant is told; the waiting list moves up into free seats; the list goes out as the
same CSV or XLSX file as `kriya export registrations`. Viewers look, nothing more."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from bot.console import web
from bot.console.people import photo_url
from bot.console.program_form import owned
from bot.console.web import Console, Desk, Pages, Refused
from conversations import audit, exports, products_view, selection, signup_table, signups
from conversations.i18n import N_
from conversations.signup_table import NO_ROUTE, Entry, Wanted
from conversations.vocabulary import FUNDING_ROUTES
from storage.models import Program
from storage.statuses import SignUpStatus

ORDER_LABELS = {"time": N_("time of sign-up"), "name": N_("name"),
                "province": N_("province"), "status": N_("status")}
WAITING_FOR_SELECTION = N_("applied, waiting for the selection")
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _wanted(desk: Desk, program: Program) -> Wanted:
    return Wanted.checked(desk.query("status"), desk.query("provinsi"), desk.query("jalur"),
                          desk.query("urut"),
                          signup_table.provinces(desk.session, program))


def _kept(wanted: Wanted, number: int = 1) -> dict[str, Any]:
    """The table's filters, order and page as the address keeps them."""
    found = {"status": wanted.status, "provinsi": wanted.province, "jalur": wanted.route,
             "urut": "" if wanted.order == "time" else wanted.order,
             "hal": number if number > 1 else ""}
    return {key: value for key, value in found.items() if value}


def status_label(desk: Desk, program: Program, status: str) -> str:
    if status == SignUpStatus.CONFIRMED and signups.has_selection(program):
        return desk._(WAITING_FOR_SELECTION)
    return desk._(signups.STATUS_LABELS.get(status, status))


def _row(desk: Desk, program: Program, entry: Entry) -> dict[str, Any]:
    registration, tr = entry.registration, desk.tr
    route = registration.funding_route
    left = entry.undo_left(desk.user, desk.now)
    person = entry.person
    return {
        "entry": entry, "id": registration.id,
        "link": f"{web.PREFIX}/pengguna/{person.id}"
        if entry.workshop is None and desk.reach.sees_user(person) else None,
        "business": entry.workshop.name if entry.workshop is not None
        else (person.business_name if person is not None else "") or "",
        "route": desk._(FUNDING_ROUTES.get(route, route)) if route else "-",
        "status": status_label(desk, program, registration.status),
        "signed": f"{tr.short_date(registration.signed_up_at)} "
                  f"{tr.time(registration.signed_up_at)}",
        "products": [products_view.shown(tr, product, lambda path, p=product: photo_url(
            desk, p.id or 0, path)) for product in entry.products],
        "waiting": registration.status == SignUpStatus.CONFIRMED,
        "undo_left": tr.duration(left) if left is not None else None,
        "told": tr.time(entry.told_at) if entry.told_at and entry.told_at > desk.now
        and registration.status in signups.DECIDED else None,
    }


def table_page(desk: Desk, notice: str | None = None, problem: str | None = None,
               status: int = 200) -> Response:
    program = owned(desk)
    wanted = _wanted(desk, program)
    number = desk.page_number()
    found, total = signup_table.page(desk.session, program, wanted,
                                     (number - 1) * web.PAGE_SIZE, web.PAGE_SIZE)
    kept = _kept(wanted, number)
    counts = signups.counts(desk.session, program.id)
    return desk.render(
        "console/signups.html", status=status, here="programs", program=program,
        rows=[_row(desk, program, entry) for entry in found], wanted=wanted,
        pages=Pages(number, total, web.PAGE_SIZE), kept=urlencode(kept),
        page_link=lambda n: "?" + urlencode({**_kept(wanted), "hal": n}),
        statuses={code: status_label(desk, program, code) for code in SignUpStatus},
        provinces=signup_table.provinces(desk.session, program),
        routes={**{code: desk._(label) for code, label in FUNDING_ROUTES.items()},
                NO_ROUTE: desk._("no funding route")},
        orders={code: desk._(label) for code, label in ORDER_LABELS.items()},
        selecting=signups.has_selection(program) and desk.reach.runs_programs,
        selected=counts.get(SignUpStatus.SELECTED, 0),
        full=selection.places_left(desk.session, program) == 0,
        promotable=signup_table.promotable(desk.session, program)
        if desk.reach.runs_programs else 0,
        notice=notice or _done(desk), problem=problem)


DONE = {
    "lolos": N_("Marked selected: {n}. They are told 10 minutes after the decision; until "
                "then you can undo it."),
    "tidak": N_("Marked not selected: {n}. They are told 10 minutes after the decision; "
                "until then you can undo it."),
    "batal": N_("Decision undone: the applicant is waiting for the selection again and "
                "was told nothing."),
    "naik": N_("Moved up from the waiting list: {n}. Each of them is told."),
}


def _done(desk: Desk) -> str | None:
    key, n = desk.query("ok"), desk.query("n", "0")
    if key not in DONE:
        return None
    return desk._(DONE[key]).format(n=int(n) if n.isdigit() else 0)


def _back(desk: Desk, program: Program, **done: Any) -> Response:
    kept = dict(desk.request.query_params)
    kept.pop("ok", None)
    kept.pop("n", None)
    return desk.redirect(f"/program/{program.id}/pendaftar", **kept, **done)


def change(desk: Desk) -> Response:
    """The table's one form: a row's Lolos, Tidak lolos or undo button, or the ticked
    rows' Lolos or Tidak lolos."""
    program = owned(desk)
    for field, selected in (("lolos", True), ("tidak", False)):
        if desk.field(field):
            return _decide(desk, program, desk.field(field), selected)
    if desk.field("batalkan"):
        return _undo(desk, program, desk.field("batalkan"))
    if desk.field("naikkan"):
        return _promote(desk, program)
    return _back(desk, program)


def _id(value: object) -> int | None:
    """A row's id as the form sends it; None for anything no row could have."""
    if not isinstance(value, str) or not value.isdigit() or len(value) > 9:
        return None
    return int(value)


def _ids(desk: Desk, which: str) -> list[int]:
    ticked = [which] if which != "centang" else \
        desk.form.getlist("pilih") if desk.form is not None else []
    return [found for value in ticked if (found := _id(value)) is not None]


def _decide(desk: Desk, program: Program, which: str, selected: bool) -> Response:
    ids = _ids(desk, which)
    if not ids:
        return table_page(desk, problem=desk._("Tick at least one applicant first."),
                          status=400)
    batch = selection.decide_many(desk.session, program.id, ids, desk.user, selected,
                                  desk.now, desk.console.default_zone, via=audit.CONSOLE)
    if batch.refused == "not_allowed":
        raise Refused
    if batch.refused == "full" and not batch.places_left:
        return table_page(desk, problem=desk._(
            "All {n} places are filled, so no one else can be selected; nothing was "
            "changed.").format(n=program.quota), status=409)
    if batch.refused == "full":
        return table_page(desk, problem=desk.tr.ngettext(
            "Only {left} place is left of the quota of {quota}, and you ticked {n}. "
            "Nothing was changed: tick fewer.",
            "Only {left} places are left of the quota of {quota}, and you ticked {n}. "
            "Nothing was changed: tick fewer.", batch.places_left or 0).format(
            left=batch.places_left or 0, quota=program.quota, n=len(ids)), status=409)
    if batch.unchanged:
        done = desk._(DONE["lolos" if selected else "tidak"]).format(n=len(batch.decided)) \
            if batch.decided else None
        return table_page(desk, notice=done, problem=_unchanged(desk, program, batch),
                          status=200 if batch.decided else 409)
    return _back(desk, program, ok="lolos" if selected else "tidak", n=len(batch.decided))


def _unchanged(desk: Desk, program: Program, batch: selection.Batch) -> str:
    """Which rows were not changed, and why: who decided them first, and how."""
    lines = []
    for registration, _why in batch.unchanged:
        who = selection.applicant_name(desk.session, registration)
        decider = signup_table.decider_name(desk.session, registration)
        state = status_label(desk, program, registration.status)
        lines.append(desk._("{who}: already {status}, decided by {name}.").format(
            who=who, status=state, name=decider) if decider and registration.status
            in signups.DECIDED else desk._("{who}: now {status}.").format(who=who,
                                                                        status=state))
    return desk._("Not changed:") + " " + " ".join(lines)


def _undo(desk: Desk, program: Program, which: str) -> Response:
    registration = selection.get(desk.session, _id(which))
    if registration is None or registration.program_id != program.id:
        return _back(desk, program)
    undone, outcome = selection.undo(desk.session, registration.id, desk.user, desk.now,
                                     via=audit.CONSOLE)
    if outcome == "not_allowed":
        raise Refused
    if undone is None:
        return table_page(desk, problem=desk._(
            "This decision can no longer be undone: the applicant has been told, or it "
            "was not yours to undo."), status=409)
    return _back(desk, program, ok="batal")


def _promote(desk: Desk, program: Program) -> Response:
    moved = signup_table.promote(desk.session, program.id, desk.user, desk.now,
                                 desk.console.default_zone, via=audit.CONSOLE)
    if moved is None:
        raise Refused
    return _back(desk, program, ok="naik", n=len(moved))


def download(desk: Desk) -> Response:
    """The list file, for those who run programs: lists of people never leave Kriya
    through a viewer."""
    program = owned(desk)
    fmt = desk.request.path_params["fmt"]
    if fmt not in FORMATS:
        raise web.NotFound
    if not desk.reach.runs_programs:
        raise Refused
    tr = desk.tr.in_zone(exports.FILE_ZONE)
    data, n = exports.registrations_file(desk.session, program, tr,
                                       desk.console.media_root, fmt)
    audit.record(desk.session, desk.user, audit.CONSOLE, "signups.exported", "program",
                 program.id, after={"format": fmt, "rows": n}, office_id=desk.reach.office.id,
                 now=desk.now)
    name = exports.file_name(program, fmt, desk.now)
    return Response(data, media_type=FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


def routes(console: Console) -> list[Route]:
    def page(path: str, handler: web.Handler, methods: tuple[str, ...] = ("GET",)) -> Route:
        return web.route(console, path, handler, methods, programs=True)

    return [
        page("/program/{program_id}/pendaftar", table_page),
        page("/program/{program_id}/pendaftar/ubah", change, ("POST",)),
        page("/program/{program_id}/pendaftar/unduh/{fmt}", download),
    ]
