"""What the commands of `kriya` share: the operator's mistakes, times on the command line,
naming a person by a channel's address, and delivering the outbox once."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from bot import channels
from bot.wiring import config
from conversations import sending
from storage.db import session_scope
from storage.models import utcnow


class BadInput(Exception):
    """The operator's mistake: reported in one line, exit status 2."""


def moment(text: str | None) -> datetime:
    """An ISO 8601 moment from the command line; without an offset, in KRIYA_TIMEZONE."""
    if text is None:
        return utcnow()
    try:
        found = datetime.fromisoformat(text)
    except ValueError as error:
        raise BadInput(f"{text!r} is not an ISO 8601 time, e.g. 2027-03-07T09:00+07:00") \
            from error
    if found.tzinfo is None:
        found = found.replace(tzinfo=ZoneInfo(config().timezone))
    return found


def with_address_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give `command` one option for each channel people can be named by (`--telegram ID`,
    `--whatsapp PHONE`); it is called with `address=(channel, address)` for the one given."""
    named = [kind for kind in channels.CHANNELS if kind.address_option is not None]
    signature = inspect.signature(command, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name != "address"]
    options = [
        inspect.Parameter(kind.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                          annotation=Annotated[str | None, typer.Option(
                              f"--{kind.name}", metavar=kind.address_option.metavar,
                              help=kind.address_option.help)])
        for kind in named if kind.address_option is not None
    ]

    @wraps(command)
    def run(**given: Any) -> Any:
        chosen = [(kind, given.pop(kind.name)) for kind in named if given.get(kind.name)]
        for kind in named:
            given.pop(kind.name, None)
        if len(chosen) != 1:
            flags = " or ".join(f"--{k.name} {k.address_option.metavar}" for k in named
                                if k.address_option is not None)
            raise BadInput(f"give exactly one of {flags}")
        kind, text = chosen[0]
        try:
            address = kind.address(text)
        except ValueError as error:
            raise BadInput(str(error)) from error
        return command(address=(kind.name, address), **given)

    run.__signature__ = signature.replace(parameters=[*kept, *options])  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in [*kept, *options]}
    return run


def deliver() -> None:
    """Deliver the outbox once and say, per channel, what was tried and what waits."""
    from bot.server import create_app, deliver_once

    app = create_app(config())
    tried = asyncio.run(deliver_once(app))
    with session_scope(app.state.database) as session:
        later = sending.waiting(session, utcnow())
    report(tried, later)


def report(tried: dict[str, int], later: dict[str, tuple[int, datetime]]) -> None:
    if not tried:
        settings = ", ".join(kind.enabled_by for kind in channels.CHANNELS if kind.enabled_by)
        typer.echo(f"no channel is configured ({settings}): nothing sent")
    zone = ZoneInfo(config().timezone)
    for channel, count in tried.items():
        line = f"{channel}: {count} messages tried"
        if channel in later:
            waiting, first = later[channel]
            line += (f"; {waiting} waiting (the night, a retry, or a send under way), the "
                     f"first at {first.astimezone(zone).isoformat(timespec='minutes')}")
        typer.echo(line)
