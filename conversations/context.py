"""What a step's prompt, validator and side effect can see while one message is handled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from conversations.i18n import Translator
from conversations.messages import Inbound
from conversations.quiet_hours import NIGHT, QuietHours
from conversations.state import FlowState
from storage.conversations import ConversationState
from storage.db import Transaction
from storage.models import User


@dataclass
class Settings:
    """The few facts the engine needs from configuration."""

    default_zone: str = "Asia/Jakarta"
    consent_version: str = "2026-12"  # the consent question with the notice at /privasi
    media_dir: str = "media"  # the media store: product photos, and files made for staff
    # How long the request that produced a reply has to send it before the outbox
    # dispatcher may (a process that died mid-request loses no reply).
    reply_lease: timedelta | None = None
    # The night hours in which no push leaves (None: pushes go at any hour).
    quiet: QuietHours | None = NIGHT
    # The names people know the channels by ("telegram": "Telegram"), for telling them
    # where something was sent.
    channel_titles: Mapping[str, str] = field(default_factory=dict)
    # Where the full privacy notice is on the web (KRIYA_PUBLIC_URL + "/privasi"); None
    # when Kriya has no public address.
    privacy_url: str | None = None
    # The public base address of `kriya serve` (KRIYA_PUBLIC_URL), for console login links;
    # None: a local one.
    public_url: str | None = None

    def channel_title(self, channel: str) -> str:
        return self.channel_titles.get(channel, channel)


@dataclass
class Context:
    tr: Translator
    state: FlowState
    inbound: Inbound
    now: datetime
    transaction: Transaction  # the one this message is handled in
    conversation: ConversationState
    user: User | None
    settings: Settings
    forget: bool = False  # the person asked to be erased: nothing of theirs is saved
    # Values worked out once while this message is handled (a query that a question and
    # its options both need); gone with the message.
    cache: dict[str, Any] = field(default_factory=dict)

    def _(self, message: str) -> str:
        return self.tr._(message)

    @property
    def session(self) -> Session:
        """The ORM session of this message's transaction."""
        return self.transaction.session

    @property
    def answers(self) -> dict[str, Any]:
        """The person's answers in the current flow, by step."""
        return self.state.answers

    @property
    def scratch(self) -> dict[str, Any]:
        """The current flow's working values."""
        return self.state.scratch

    @property
    def arguments(self) -> dict[str, Any]:
        """What the current flow was started with."""
        return self.state.arguments

    @property
    def registered(self) -> bool:
        return self.user is not None and self.user.registered_at is not None
