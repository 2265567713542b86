"""Staf (admins only): the office's staff with their roles and open sessions, giving and
taking roles, ending sessions; and the office's Lapas with their invite codes."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from bot import channels
from bot.console import web
from bot.console.web import Console, Desk, NotFound
from conversations import audit, lapas, logins, people, staff, vocabulary
from conversations.i18n import N_
from storage.models import User


def _named(desk: Desk) -> list[tuple[str, str, str]]:
    """The channels a person can be named by: (name, title, what to type)."""
    return [(kind.name, kind.title, kind.address_option.metavar)
            for kind in channels.CHANNELS if kind.address_option is not None]


def page(desk: Desk, errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
         done: str | None = None, status: int = 200) -> Response:
    desk.need_admin()
    office = desk.reach.office
    members = people.staff_of(desk.session, office.id)
    sessions = logins.open_sessions(desk.session, [m.id for m in members if m.id], desk.now)
    by_member: dict[int, list[Any]] = {}
    for found in sessions:
        by_member.setdefault(found.user_id, []).append(found)
    roles = [(code, desk._(label)) for code, label in vocabulary.STAFF_ROLES.items()]
    return desk.render(
        "console/staff.html", status=status, here="staff", members=members,
        sessions=by_member, roles=roles, role_names=dict(roles), channels=_named(desk),
        lapas_list=people.lapas_within(desk.session, desk.reach), code_active=lapas.code_active,
        errors=errors or {}, typed=typed or {},
        done=desk._(DONE[key]) if (key := desk.query("ok") or done or "") in DONE else None)


def add_role(desk: Desk) -> Response:
    desk.need_admin()
    typed = {name: desk.field(name) for name in ("channel", "address", "role")}
    errors: dict[str, str] = {}
    kind = channels.by_name(typed["channel"])
    if kind is None or kind.address_option is None:
        errors["channel"] = desk._("Choose Telegram or WhatsApp.")
    if typed["role"] not in vocabulary.STAFF_ROLES:
        errors["role"] = desk._("Choose a role.")
    address = ""
    if kind is not None and not errors.get("channel"):
        try:
            address = kind.address(typed["address"])
        except ValueError:
            errors["address"] = desk._(
                "This is not a Telegram user id or WhatsApp number. Example: 123456789, or "
                "0812 3456 7890.")
    if errors:
        return page(desk, errors, typed, status=400)
    assert kind is not None
    phone = address if kind.phone_addresses else None
    try:
        user = staff.give_role(desk.session, kind.name, address, typed["role"], phone=phone,
                               office_id=desk.reach.office.id)
    except staff.StaffError:
        errors["address"] = desk._("This person is staff of another office. That office "
                                   "must take their roles away first.")
        return page(desk, errors, typed, status=400)
    audit.record(desk.session, desk.user, audit.CONSOLE, "staff.role_given", "staff",
                 user.id, after={"channel": kind.name, "user": user.id,
                                 "role": typed["role"]}, now=desk.now)
    return desk.redirect("/staf", ok="added")


def _member(desk: Desk) -> tuple[User, list[User]]:
    """A staff member of this office named in the address, with all of the office's
    staff; 404 for anyone else."""
    desk.need_admin()
    try:
        user_id = int(desk.request.path_params["user_id"])
    except ValueError:
        raise NotFound from None
    members = people.staff_of(desk.session, desk.reach.office.id)
    found = next((m for m in members if m.id == user_id), None)
    if found is None:
        raise NotFound
    return found, members


def take_role(desk: Desk) -> Response:
    member, members = _member(desk)
    role = desk.field("role") or None
    before = list(member.staff_roles)
    admins = [m for m in members if vocabulary.ADMIN in m.staff_roles]
    if member.id == desk.user.id and role in (None, vocabulary.ADMIN) and len(admins) == 1:
        return page(desk, {"roles": desk._(
            "You are the office's only administrator: give the role to a colleague first, "
            "so that someone can still manage the office.")}, status=400)
    try:
        staff.take_role(desk.session, member.channel, member.address, role)
    except staff.StaffError:
        raise NotFound from None
    if not member.staff_roles and member.id is not None:
        logins.end_all(desk.session, member.id, desk.now)
    audit.record(desk.session, desk.user, audit.CONSOLE, "staff.role_taken", "staff",
                 member.id, before={"roles": before}, after={"roles": member.staff_roles},
                 office_id=desk.reach.office.id, now=desk.now)
    return desk.redirect("/staf", ok="removed")


def end_session(desk: Desk) -> Response:
    desk.need_admin()
    try:
        found = logins.session_by_id(desk.session, int(desk.request.path_params["session_id"]))
    except ValueError:
        found = None
    members = {m.id for m in people.staff_of(desk.session, desk.reach.office.id)}
    if found is None or found.user_id not in members:
        raise NotFound
    logins.end(desk.session, found, desk.now)
    audit.record(desk.session, desk.user, audit.CONSOLE, "session.ended", "session", found.id,
                 after={"user": found.user_id}, now=desk.now)
    if found.id == desk.staff_session.id:
        return desk.redirect("/masuk")
    return desk.redirect("/staf", ok="ended")


def _lapas(desk: Desk) -> Any:
    desk.need_admin()
    try:
        found = lapas.get(desk.session, int(desk.request.path_params["lapas_id"]))
    except ValueError:
        found = None
    if found is None or not desk.reach.covers(found.province):
        raise NotFound
    return found


def new_code(desk: Desk) -> Response:
    found = _lapas(desk)
    lapas.new_code(desk.session, found)
    audit.record(desk.session, desk.user, audit.CONSOLE, "lapas.new_code", "lapas", found.id,
                 now=desk.now)
    return desk.redirect("/staf", ok="code")


def revoke_code(desk: Desk) -> Response:
    found = _lapas(desk)
    lapas.revoke_code(desk.session, found)
    audit.record(desk.session, desk.user, audit.CONSOLE, "lapas.code_revoked", "lapas",
                 found.id, now=desk.now)
    return desk.redirect("/staf", ok="revoked")


DONE = {"added": N_("The role was given."), "removed": N_("The role was taken away."),
        "ended": N_("The session was ended."), "code": N_("A new invite code was made; the "
                                                         "old one no longer works."),
        "revoked": N_("The invite code was revoked: nobody can join with it.")}


def routes(console: Console) -> list[Route]:
    def post(path: str, handler: web.Handler) -> Route:
        return Route(path, web.staff_page(console, handler), methods=["POST"])

    return [Route("/staf", web.staff_page(console, page), methods=["GET"]),
            post("/staf/tambah", add_role),
            post("/staf/{user_id}/cabut", take_role),
            post("/staf/sesi/{session_id}/akhiri", end_session),
            post("/staf/lapas/{lapas_id}/kode-baru", new_code),
            post("/staf/lapas/{lapas_id}/cabut-kode", revoke_code)]
