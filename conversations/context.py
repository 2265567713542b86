"""What a step's prompt, validator and side effect can see while one message is handled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from conversations.i18n import Translator
from conversations.messages import Inbound
from conversations.reminders import NIGHT, QuietHours
from storage.models import User
from storage.store import ConversationState

# A memo key: set by a step that moves to another flow, that flow starts at its first step
# even if a draft of it waits (the step handed over what to work on).
FRESH_START = "fresh_start"
# An answers key: while set, leaving the flow neither keeps nor drops its draft (work on
# something already sent, which must not take the place of a draft of a new one).
NO_DRAFT = "_no_draft"

@dataclass
class Settings:
    """The few facts the engine needs from configuration."""

    default_zone: str = "Asia/Jakarta"
    consent_version: str = "2026-11"
    media_dir: str = "media"  # the media store: product photos, and files made for staff
    # How long the request that produced a reply has to send it before the outbox
    # dispatcher may (a process that died mid-request loses no reply).
    reply_lease: timedelta | None = None
    # The night hours in which no push leaves (None: pushes go at any hour).
    quiet: QuietHours | None = NIGHT


@dataclass
class Context:
    tr: Translator
    answers: dict[str, Any]
    inbound: Inbound
    now: datetime
    session: Session
    conversation: ConversationState
    user: User | None
    settings: Settings
    forget: bool = False
    memo: dict[str, Any] = field(default_factory=dict)

    def _(self, message: str) -> str:
        return self.tr._(message)

    @property
    def registered(self) -> bool:
        return self.user is not None and self.user.registered_at is not None
