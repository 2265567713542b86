"""Messages to someone other than the person chatting (the submitter of a product, the
first on a waiting list), through the outbox, in their own language and zone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from conversations.i18n import Translator, translator
from conversations.messages import Outbound
from conversations.provinces import zone_of
from storage.models import OutboxMessage, User

if TYPE_CHECKING:
    from conversations.context import Context

# After replies to people chatting, before reminders and broadcasts.
NOTICE_PRIORITY = 1


def translator_for(user: User, default_zone: str) -> Translator:
    return translator(user.language, zone_of(user.province, default_zone))


def push(session: Session, user: User, kind: str, text: str, key: str, now: datetime,
         priority: int = NOTICE_PRIORITY) -> None:
    """Queue `text` for `user`; `key` makes it one message however often this runs."""
    session.add(OutboxMessage(
        channel=user.channel, address=user.address, user_id=user.id, kind=kind,
        priority=priority, payload=Outbound(text=text).to_payload(), idempotency_key=key,
        created_at=now, updated_at=now,
    ))


def push_here(ctx: Context, kind: str, message: Outbound) -> None:
    """Queue a message to the person chatting, where they are chatting, with the priority
    of a reply: for what a reply cannot carry (a file)."""
    inbound = ctx.inbound
    key = f"{kind}:{inbound.channel}:{inbound.message_id or uuid.uuid4().hex}"
    ctx.session.add(OutboxMessage(
        channel=inbound.channel, address=inbound.address,
        user_id=ctx.user.id if ctx.user is not None else None, kind=kind, priority=0,
        payload=message.to_payload(), idempotency_key=key, created_at=ctx.now,
        updated_at=ctx.now,
    ))
