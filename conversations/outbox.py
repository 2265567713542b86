"""The one way a message enters the outbox, and the order in which messages leave.

Every message Kriya sends (a reply, a curator's decision, a reminder, a broadcast, an
invitation) is first a row, written in the same transaction as what caused it, with an
idempotency key that makes it one message however often the cause runs. Its kind says
which template carries it outside WhatsApp's window and whether BERHENTI stops it; its
priority follows from the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

from conversations.i18n import Translator, translator
from conversations.messages import Outbound
from conversations.provinces import zone_of
from storage import outbox as rows
from storage.models import User
from storage.statuses import OutboxStatus


class MessageKind(StrEnum):
    """What a message is; `TWILIO_TEMPLATE_<KIND>` names the template of each."""

    REPLY = "reply"  # an answer to what the person just wrote
    VERIFICATION = "verification"  # a code that proves two chats are one person
    EXPORT = "export"  # a file staff asked for in the chat
    DECISION = "decision"  # a curator's decision on a product
    SELECTION = "selection"  # selected or not for a program
    SIGNUP = "signup"  # a seat that opened up
    REMINDER = "reminder"
    BROADCAST = "broadcast"
    INVITATION = "invitation"  # the first message to someone on an office's list


class Priority(IntEnum):
    """The order in which waiting messages leave: lowest first."""

    REPLY = 0  # someone is waiting for it
    NOTICE = 1  # news about something of theirs
    REMINDER = 2
    BROADCAST = 3


PRIORITIES = {
    MessageKind.REPLY: Priority.REPLY, MessageKind.VERIFICATION: Priority.REPLY,
    MessageKind.EXPORT: Priority.REPLY, MessageKind.DECISION: Priority.NOTICE,
    MessageKind.SELECTION: Priority.NOTICE, MessageKind.SIGNUP: Priority.NOTICE,
    MessageKind.REMINDER: Priority.REMINDER, MessageKind.BROADCAST: Priority.BROADCAST,
    MessageKind.INVITATION: Priority.BROADCAST,
}
# Pushes a person can stop with BERHENTI; replies and news about what is theirs (a
# decision, a seat) always go.
OPTIONAL_KINDS = (MessageKind.REMINDER, MessageKind.BROADCAST)


@dataclass(frozen=True)
class Recipient:
    """Where a message goes: a chat address on a channel, and its person if registered."""

    channel: str
    address: str
    user_id: int | None = None

    @classmethod
    def of(cls, user: Any) -> Recipient:
        """A user row, or a row of storage.users.RECIPIENT_COLUMNS."""
        return cls(user.channel, user.address, user.id)


@dataclass(frozen=True)
class Message:
    """One message to queue."""

    to: Recipient
    kind: MessageKind
    key: str  # its idempotency key: the same key is the same message
    payload: dict[str, Any]  # Outbound.to_payload(), and what a channel needs besides
    not_before: datetime | None = None  # not sent before then (the night, a chosen time)
    topic: str | None = None  # what it is about: "program:tei-2027", "broadcast:12"
    expires_at: datetime | None = None  # not sent after then (the event began)
    # A spread broadcast's window (conversations.spread): none leaves once it closes.
    window_opens: datetime | None = None
    window_closes: datetime | None = None


def queue(where: Session | Connection, messages: Sequence[Message], now: datetime,
          once: bool = False) -> int:
    """Put messages in the outbox, in the transaction of `where`. With `once`, a message
    whose key is already there is passed over instead of refused. Returns how many were
    added."""
    conn = where.connection() if isinstance(where, Session) else where
    return rows.insert(conn, [
        {"channel": m.to.channel, "address": m.to.address, "user_id": m.to.user_id,
         "kind": m.kind, "priority": PRIORITIES[m.kind], "payload": m.payload,
         "idempotency_key": m.key, "status": OutboxStatus.PENDING,
         "not_before": m.not_before, "topic": m.topic, "expires_at": m.expires_at,
         "window_opens": m.window_opens, "window_closes": m.window_closes,
         "created_at": now, "updated_at": now}
        for m in messages
    ], skip_duplicates=once)


def notify(session: Session, user: User | None, kind: MessageKind, key: str, now: datetime,
           default_zone: str, words: Callable[[Translator], str]) -> None:
    """Queue news for someone other than the person chatting, where they chat, worded by
    `words` in their own language and zone; nothing if they are gone (erased meanwhile).
    `key` makes it one message however often this runs."""
    if user is None:
        return
    text = words(translator_for(user, default_zone))
    queue(session, [Message(Recipient.of(user), kind, key, Outbound(text=text).to_payload())],
          now, once=True)


def program_topic(program_id: str) -> str:
    """The topic of the messages about a program (its reminders)."""
    return f"program:{program_id}"


def reminder_key(kind: str, user_id: int, program_id: str, anchor: datetime,
                 run_at: datetime) -> str:
    """A reminder's idempotency key. The run's minute is in it too: a run made again after
    the program's date moved and came back is a new message."""
    return f"reminder:{kind}:{user_id}:{program_id}:{_stamps(anchor, run_at)}"


@lru_cache(maxsize=64)
def _stamps(anchor: datetime, run_at: datetime) -> str:
    return f"{anchor:%Y%m%dT%H%M}:{run_at:%Y%m%d%H%M}"


def withdraw_reminders(session: Session, program_id: str, now: datetime, *,
                       kind_prefix: str = "", user_id: int | None = None) -> int:
    """Reminders of a program still waiting to go (of the kinds starting with
    `kind_prefix`, e.g. "event-"; to one user, if given) are withdrawn: not sent."""
    return rows.change_pending(session, now, topic=program_topic(program_id),
                               kind=MessageKind.REMINDER, key_prefix=f"reminder:{kind_prefix}",
                               user_id=user_id, status=OutboxStatus.WITHDRAWN)


def translator_for(user: Any, default_zone: str) -> Translator:
    """How to speak to a user who is not the one chatting: their language and zone."""
    return translator(user.language, zone_of(user.province, default_zone))
