"""The commands that send: reminders, the outbox, broadcasts."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import BadInput, deliver, moment
from bot.scheduler import run_reminders
from bot.wiring import build_conversations, config, open_database, quiet_hours
from conversations import audit, broadcasts, offices, provinces, vocabulary
from conversations import reach as reaching
from conversations.spread import NoHoursLeft, SendWindow
from storage import broadcasts as broadcast_rows
from storage.db import session_scope
from storage.models import utcnow

reminders_app = typer.Typer(no_args_is_help=True, help="Reminders of deadlines and events.")
outbox_app = typer.Typer(no_args_is_help=True, help="Messages waiting to be sent.")
broadcast_app = typer.Typer(no_args_is_help=True, help="Announcements to many users.")


@reminders_app.command("run-due")
def reminders_run_due(
    now: Annotated[str | None, typer.Option("--now", help="ISO 8601; default: now.")] = None,
) -> None:
    """Queue the reminders due at that time, deliver the outbox once, and exit."""
    at = moment(now)
    conversations = build_conversations(config())
    queued = run_reminders(conversations.database, conversations.settings, at)
    typer.echo(f"{queued} reminders queued for {at.isoformat(timespec='minutes')}")
    deliver()


@outbox_app.command("flush")
def outbox_flush() -> None:
    """Deliver what may be sent now from the outbox, once, and exit."""
    deliver()


def _audience(province: list[str] | None, category: list[str] | None,
              role: str | None) -> dict[str, object]:
    audience: dict[str, object] = {}
    if province:
        found = [provinces.exact(p) or provinces.match(p)[0] for p in province]
        unknown = [p for p, f in zip(province, found, strict=True) if f is None]
        if unknown:
            raise BadInput(f"unknown province {unknown[0]!r}")
        audience["provinces"] = [f.name for f in found if f is not None]
    if category:
        unknown = [c for c in category if c not in vocabulary.CATEGORIES]
        if unknown:
            raise BadInput(f"unknown category {unknown[0]!r}; one of "
                           f"{', '.join(vocabulary.CATEGORIES)}")
        audience["categories"] = list(category)
    if role is not None:
        if role not in vocabulary.ROLES:
            raise BadInput(f"--role must be one of {', '.join(vocabulary.ROLES)}")
        audience["role"] = role
    return audience


def _window(spread: str | None, at: str | None) -> SendWindow | None:
    if spread is None:
        return None
    if at:
        raise BadInput("--spread and --at do not go together")
    try:
        return SendWindow.parse(spread)
    except ValueError as error:
        raise BadInput(f"--spread: {error}; e.g. 08:00-16:00") from None


@broadcast_app.command("send")
def broadcast_send(
    text: Annotated[str, typer.Option("--text", help="The announcement.")],
    province: Annotated[list[str] | None, typer.Option("--province", help="Repeatable.")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="Repeatable.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="artisan or lapas")] = None,
    at: Annotated[str | None, typer.Option("--at", help="ISO 8601; default: now.")] = None,
    spread: Annotated[str | None, typer.Option(
        "--spread", help="spread over these hours in each recipient's zone, e.g. 08:00-16:00")
    ] = None,
    office: Annotated[str, typer.Option(
        "--office", help="the office's id: only people of its provinces (default: pusat)")
    ] = offices.NATIONAL,
) -> None:
    """Queue a broadcast for an office; prints its id and how many will receive it."""
    text = text.strip()
    if not text:
        raise BadInput("--text is empty")
    if len(text) > 4000:
        raise BadInput(f"--text is {len(text)} characters long; at most 4000")
    audience = _audience(province, category, role)
    send_at = moment(at) if at else None
    window = _window(spread, at)
    with session_scope(open_database(config())) as session:
        reach = reaching.of_office(session, office)
        if reach is None:
            raise BadInput(f"no office with the id {office!r} (see kriya office list)")
        try:
            broadcast = broadcasts.queue(session, text, audience, now=utcnow(),
                                         send_at=send_at, default_zone=config().timezone,
                                         quiet=quiet_hours(config()), office=reach,
                                         via=audit.CLI, spread=window)
        except broadcasts.OutOfReach:
            raise BadInput(f"the office {office} reaches only "
                           f"{', '.join(reach.office.provinces)}") from None
        except NoHoursLeft as error:
            raise BadInput(f"--spread {error}") from None
    typer.echo(f"broadcast {broadcast.id}: {broadcast.recipients} recipients, sending from "
               f"{broadcast.send_at.isoformat(timespec='minutes')}")


@broadcast_app.command("status")
def broadcast_status(broadcast_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """How a broadcast's messages stand."""
    with session_scope(open_database(config())) as session:
        found = broadcast_rows.get(session, broadcast_id)
        if found is None:
            raise BadInput(f"no broadcast {broadcast_id}")
        counted = broadcasts.counts(session, broadcast_id)
    typer.echo(f"broadcast {broadcast_id} ({found.status}), {found.recipients} recipients")
    for name, n in counted.items():
        typer.echo(f"{name}\t{n}")
