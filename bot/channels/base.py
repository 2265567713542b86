"""What a channel is to the rest of Kriya: a small protocol every channel implements.

A channel turns its platform's requests into `Inbound` messages (and hands them to
`Host.reply`), sends one outbox message at a time and says how it went (an `Outcome`:
sent, retry after N seconds, blocked, failed with a reason), and declares its routes, its
rate and its limits. The app factory, the dispatcher, one-shot delivery, the CLI and the
tests' fixtures know channels only through this.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from sqlalchemy import Engine as Database
from starlette.routing import BaseRoute

from bot.config import ChannelSettings, Config
from bot.gathering import Gathering
from bot.work import DatabaseWork
from conversations.messages import Inbound
from conversations.sending import Outcome
from storage.media import MediaStore


class Unavailable(Exception):
    """A message could not be handled now (the database is out of reach): nothing of it
    was kept, and the platform should deliver it again a little later."""

    retry_after = 5  # seconds


@dataclass(frozen=True)
class Limits:
    """What one message may carry on a platform."""

    text: int  # characters in one message; longer text goes as several
    media: int  # files shown with one message
    download_mb: int  # the largest file a person can send


@dataclass(frozen=True)
class Due:
    """An outbox message ready to go, with what a channel needs to send it."""

    key: str
    address: str
    kind: str
    payload: dict[str, Any]
    last_inbound: datetime | None = None  # when the person last wrote (if `needs_window`)


@dataclass(frozen=True)
class AddressOption:
    """How operators name a person of the channel on the command line (`--telegram ID`)."""

    metavar: str
    help: str


class Host(Protocol):
    """What the app gives a channel (bot.host.AppHost is the one Kriya makes)."""

    media: MediaStore  # where photos people send are kept, and files sent come from
    gathering: Gathering  # where the parts of one answer wait for each other
    database: Database  # where a channel keeps what it made at its platform
    work: DatabaseWork  # how database work runs from the event loop

    async def reply(self, channel: Channel, inbound: Inbound) -> None:
        """Handle one message and send its replies through `channel` at once; raises
        `Unavailable` when it cannot be handled now."""

    async def set_reachable(self, channel: str, address: str, reachable: bool) -> None:
        """The platform says the person blocked the bot (False) or let it back in (True)."""

    async def record_report(self, provider_id: str, state: str, error_code: str | None,
                            failure: Outcome | None, as_template_for: Sequence[str]) -> None:
        """The platform's later report on a message it took (conversations.sending)."""


class Channel:
    """One platform. Subclasses set the class attributes and implement `configure` and
    `send`; the rest is optional."""

    name: ClassVar[str]  # stored with every row of the channel: "telegram"
    title: ClassVar[str]  # as people know it: "Telegram"
    limits: ClassVar[Limits]
    # Sending depends on when the person last wrote (WhatsApp's 24-hour window).
    needs_window: ClassVar[bool] = False
    # Its addresses are phone numbers (people on an office's list are reached there).
    phone_addresses: ClassVar[bool] = False
    address_option: ClassVar[AddressOption | None] = None
    enabled_by: ClassVar[str] = ""  # the setting that turns it on, for operators
    settings: ClassVar[type[ChannelSettings] | None] = None  # its own, read from the environment

    rate: float = 1.0  # messages a second the outbox may send

    @classmethod
    def configure(cls, config: Config, host: Host) -> Channel | None:
        """The channel as configured, or None when it is not."""
        raise NotImplementedError

    @classmethod
    def address(cls, text: str) -> str:
        """A person's address on the channel as an operator typed it; ValueError with a
        one-line reason if it is not one."""
        raise ValueError(f"{cls.title} addresses cannot be given here")

    def routes(self) -> list[BaseRoute]:
        return []

    async def start(self) -> None:
        """Open what sending needs (HTTP sessions belong to the running event loop)."""

    async def stop(self) -> None:
        """Close what `start` opened."""

    async def announce(self) -> None:
        """When a server starts: tell the platform what it needs to reach it (a webhook)."""

    def background(self) -> list[Callable[[], Awaitable[None]]]:
        """Work that runs as long as the server does (long polling)."""
        return []

    async def send(self, due: Due) -> Outcome:
        raise NotImplementedError
