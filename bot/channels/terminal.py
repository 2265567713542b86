"""The terminal channel (`kriya chat`): messages as plain lines, options as numbered lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from bot.channels.base import Channel, Due, Host, Limits
from bot.config import Config
from conversations.messages import Outbound
from conversations.sending import SENT, Outcome


def render(message: Outbound, media_dir: str | Path | None = None) -> str:
    lines = [message.text]
    if message.document:
        where = str(Path(media_dir) / message.document) if media_dir else message.document
        lines.append(f"[{message.filename or 'file'}: {where}]")
    if message.options:
        lines.append("")
        lines += [option.line(n) for n, option in enumerate(message.options, 1)]
    return "\n".join(lines)


class TerminalChannel(Channel):
    name: ClassVar[str] = "terminal"
    title: ClassVar[str] = "terminal"
    limits: ClassVar[Limits] = Limits(text=1_000_000, media=0, download_mb=0)
    rate = 1000.0

    def __init__(self, show: Callable[[str], None], media_dir: str | Path) -> None:
        self.show = show
        self.media_dir = media_dir

    @classmethod
    def configure(cls, config: Config, host: Host) -> TerminalChannel | None:
        return None  # nobody reads a server's terminal: it is for `kriya chat` alone

    async def send(self, due: Due) -> Outcome:
        self.show(render(Outbound.from_payload(due.payload), self.media_dir) + "\n")
        return SENT
