"""`kriya chat` (the terminal channel) and `kriya serve` (every other channel)."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from bot.channels.base import Due
from bot.channels.terminal import TerminalChannel
from bot.host import AppHost
from bot.wiring import build_conversations, config
from conversations import sending
from conversations.messages import Inbound
from storage.db import session_scope
from storage.models import utcnow

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
) -> None:
    """Serve the webhooks of every configured channel, with the outbox dispatcher, and the
    staff console at /console/."""
    import uvicorn

    from bot.server import create_app

    # No access log: a line per webhook call costs time and tells an operator nothing.
    uvicorn.run(create_app(config()), host=host, port=port, log_level="info", access_log=False)
