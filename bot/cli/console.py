"""The staff console from the command line: a one-time login link for a staff member, for
when the chat cannot bring it (a first login, a lost phone)."""

from __future__ import annotations

import typer

from bot.cli.common import BadInput, with_address_options
from bot.wiring import config, open_database
from conversations import logins, staff
from storage.db import session_scope
from storage.models import utcnow

console_app = typer.Typer(no_args_is_help=True, help="The staff console.")


@console_app.command("link")
@with_address_options
def console_link(address: tuple[str, str]) -> None:
    """Print a one-time login link to the staff console for a staff member: it works once,
    within 10 minutes; whoever opens it acts as them."""
    channel, at = address
    with session_scope(open_database(config())) as session:
        user = staff.member_at(session, channel, at)
        if user is None:
            raise BadInput(f"no staff member at {channel} {at} (see kriya staff list)")
        token = logins.new_link(session, user, utcnow())
    typer.echo(logins.link_url(config().public_url, token))
