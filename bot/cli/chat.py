"""`kriya chat` (the terminal channel) and `kriya serve` (every other channel)."""

from __future__ import annotations

import asyncio
import copy
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy.engine import make_url

from bot.channels.base import Due
from bot.channels.telegram import TelegramSettings
from bot.channels.terminal import TerminalChannel
from bot.cli.common import BadInput
from bot.host import AppHost
from bot.wiring import build_conversations, config, open_database
from conversations import sending
from conversations.messages import Inbound
from storage.db import normalise_url, session_scope
from storage.models import utcnow

if TYPE_CHECKING:
    from starlette.applications import Starlette

TERMINAL_USER = "local"


def chat(
    as_: Annotated[str, typer.Option("--as", help="Chat as this user id.")] = TERMINAL_USER,
) -> None:
    """Talk to the bot in the terminal (one answer a line; options by their number)."""
    asyncio.run(_chat(as_))


async def _chat(address: str) -> None:
    settings = config()
    conversations = build_conversations(settings)
    host = AppHost(conversations, settings.media_dir)
    recorder = host.recorder
    terminal = TerminalChannel(typer.echo, settings.media_dir)
    interactive = sys.stdin.isatty()

    async def say(inbound: Inbound) -> None:
        await host.reply(terminal, inbound)
        await recorder.flush()  # the replies shown are recorded as sent before looking
        # Besides the replies, what was queued for this person (a file, a notice).
        with session_scope(conversations.database) as session:
            pushed = sending.ready_for(session, terminal.name, address, utcnow())
            due = [Due(m.idempotency_key, m.address, m.kind, m.payload) for m in pushed]
        for item in due:
            await recorder.add(item.key, await terminal.send(item))
        await recorder.flush()

    await say(Inbound(channel=terminal.name, address=address, new_conversation=True))
    while True:
        try:
            line = input("> ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if not interactive and line == "":
            break
        if line.strip():
            await say(Inbound(channel=terminal.name, address=address, text=line.rstrip("\n")))


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, help="Server processes on this port (needs PostgreSQL).")] = 1,
) -> None:
    """Serve the webhooks of every configured channel, with the outbox dispatcher, and the
    staff console at /console/."""
    import uvicorn

    from bot.server import create_app

    settings = config()
    # No access log: a line per webhook call costs time and tells an operator nothing.
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info",
                               "access_log": False, "log_config": log_config()}
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    if make_url(normalise_url(settings.database_url)).get_backend_name() != "postgresql":
        raise BadInput("--workers needs PostgreSQL (KRIYA_DATABASE_URL=postgresql://...): "
                       "SQLite takes one writer at a time; serve it with one process")
    if not settings.public_url and settings.settings_for(TelegramSettings).bot_token:
        raise BadInput("--workers needs KRIYA_PUBLIC_URL (Telegram's webhook): without it "
                       "Telegram is long-polled, which one process alone may do")
    # An empty database is given its schema here, once, not by every process at once.
    open_database(settings).dispose()
    uvicorn.run("bot.cli.chat:app_from_environment", factory=True, workers=workers, **options)


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with Kriya's own lines (a send, a refused update, a photo that
    failed: never a number or a message's text) shown beside uvicorn's, in every process."""
    from uvicorn.config import LOGGING_CONFIG

    found = copy.deepcopy(LOGGING_CONFIG)
    found["loggers"]["kriya"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return found


def app_from_environment() -> Starlette:
    """The app of one of `kriya serve --workers N`'s processes, configured as the first."""
    from bot.server import create_app

    return create_app(config())
