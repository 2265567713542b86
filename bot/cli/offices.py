"""The commands for offices and their staff: who works for which office, in which role."""

from __future__ import annotations

from typing import Annotated

import typer

from bot import channels
from bot.cli.common import BadInput, with_address_options
from bot.wiring import config, open_database
from conversations import audit, logins, offices, staff, vocabulary
from storage.db import session_scope
from storage.models import utcnow

office_app = typer.Typer(no_args_is_help=True, help="Offices and the provinces they reach.")
staff_app = typer.Typer(no_args_is_help=True, help="Staff roles, each in one office.")


@office_app.command("add")
def office_add(
    name: str,
    office_id: Annotated[str, typer.Option("--id", help="a short id, e.g. disperindag-ntb")],
    province: Annotated[list[str] | None, typer.Option(
        "--province", help="a province it reaches (repeat for more; none: all of Indonesia)")
    ] = None,
    kind: Annotated[str | None, typer.Option(
        help="national, trade, dekranasda or kanwil (default: trade with provinces, "
             "else national)")] = None,
) -> None:
    """Add an office, or change the one with this id."""
    try:
        with session_scope(open_database(config())) as session:
            office = offices.add(session, name, office_id, province or [], kind)
            reach = ", ".join(office.provinces) or "all of Indonesia"
            typer.echo(f"{office.id}: {office.name} ({office.kind}; {reach})")
    except offices.OfficeError as error:
        raise BadInput(str(error)) from None


@office_app.command("list")
def office_list() -> None:
    """Every office: id, kind, staff count, name and the provinces it reaches."""
    with session_scope(open_database(config())) as session:
        for office, count in offices.every(session):
            reach = ", ".join(office.provinces) or "nasional"
            typer.echo(f"{office.id}\t{office.kind}\t{count} staff\t{office.name}\t{reach}")


@staff_app.command("add")
@with_address_options
def staff_add(
    role: Annotated[str, typer.Option("--role", help="admin, curator, broadcaster or viewer")],
    address: tuple[str, str],
    office: Annotated[str, typer.Option("--office", help="the office's id")] = offices.NATIONAL,
) -> None:
    """Give a person a staff role in an office."""
    if role not in vocabulary.STAFF_ROLES:
        raise BadInput(f"role must be one of {', '.join(vocabulary.STAFF_ROLES)}")
    channel, at = address
    kind = channels.by_name(channel)
    phone = at if kind is not None and kind.phone_addresses else None
    try:
        with session_scope(open_database(config())) as session:
            held = staff.member_at(session, channel, at)
            new = held is None or role not in held.staff_roles
            user = staff.give_role(session, channel, at, role, phone=phone, office_id=office)
            if new:  # the person by channel and number: a WhatsApp address is a phone
                audit.record(session, None, audit.CLI, "staff.role_given", "staff", user.id,
                             after={"channel": channel, "user": user.id, "role": role},
                             office_id=office)
            typer.echo(f"{channel} {at}: {', '.join(user.staff_roles)} ({user.office_id})")
    except staff.StaffError as error:
        raise BadInput(str(error)) from None


@staff_app.command("remove")
@with_address_options
def staff_remove(
    address: tuple[str, str],
    role: Annotated[str | None, typer.Option("--role", help="the role (default: all)")] = None,
) -> None:
    """Take a role (or every role) away, at once."""
    channel, at = address
    try:
        with session_scope(open_database(config())) as session:
            held = staff.member_at(session, channel, at)
            before, office = (list(held.staff_roles), held.office_id) if held else ([], None)
            user = staff.take_role(session, channel, at, role)
            audit.record(session, None, audit.CLI, "staff.role_taken", "staff", user.id,
                         before={"roles": before}, after={"roles": user.staff_roles},
                         office_id=office)
            if not user.staff_roles and user.id is not None:  # and their console sessions
                logins.end_all(session, user.id, utcnow())
            left = ", ".join(user.staff_roles) or "no staff role"
            typer.echo(f"{channel} {at}: {left}")
    except staff.StaffError as error:
        raise BadInput(str(error)) from None


@staff_app.command("list")
def staff_list() -> None:
    """Every staff member: office, channel, address, roles and name."""
    with session_scope(open_database(config())) as session:
        for user in staff.everyone(session):
            typer.echo(f"{user.office_id or '-'}\t{user.channel}\t{user.address}\t"
                       f"{','.join(user.staff_roles)}\t{user.name or '-'}")
