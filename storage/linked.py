"""The rows of one person on two channels, and pushes with the same cause: the queries the
rule in conversations.two_channels asks for by name."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import Conversation, OutboxMessage, User


@dataclass(frozen=True)
class Row:
    """One of a person's rows, with when they last wrote from its chat."""

    id: int
    channel: str
    address: str
    opted_out: bool
    unreachable: bool
    wrote_at: datetime | None


def _registered(user) -> object:
    return and_(col(user.phone).is_not(None), col(user.registered_at).is_not(None),
                col(user.consent_at).is_not(None))


def same_phone(session: Session, user_ids: Collection[int]) -> dict[int, tuple[Row, Row]]:
    """For each of `user_ids` registered with consent and a phone: (its row, the row on
    another channel registered with consent and the same phone), where there is one."""
    if not user_ids:
        return {}
    me, other = aliased(User), aliased(User)
    my_chat, other_chat = aliased(Conversation), aliased(Conversation)
    found = session.execute(
        select(me.id, me.channel, me.address, me.opted_out, me.unreachable,
               my_chat.last_inbound_at,
               other.id, other.channel, other.address, other.opted_out, other.unreachable,
               other_chat.last_inbound_at)
        .join(other, and_(other.phone == me.phone, other.channel != me.channel,
                          _registered(other)))
        .outerjoin(my_chat, and_(my_chat.channel == me.channel,
                                 my_chat.address == me.address))
        .outerjoin(other_chat, and_(other_chat.channel == other.channel,
                                    other_chat.address == other.address))
        .where(col(me.id).in_(list(user_ids)), _registered(me))
        .order_by(me.id, other.id))
    pairs: dict[int, tuple[Row, Row]] = {}
    for values in found:
        # A third row with the phone: the earliest is the one linked.
        pairs.setdefault(values[0], (Row(*values[:6]), Row(*values[6:])))
    return pairs


def same_cause(session: Session, message: OutboxMessage, user_ids: Collection[int]
               ) -> list[tuple[int, str]]:
    """(id, status) of the other messages to these users of the same kind and topic,
    queued at the same moment as `message`: one cause (a broadcast, a reminder run)."""
    if message.topic is None:
        return []
    return [(int(i), status) for i, status in session.execute(
        select(OutboxMessage.id, OutboxMessage.status).where(
            col(OutboxMessage.user_id).in_(list(user_ids)),
            OutboxMessage.kind == message.kind, OutboxMessage.topic == message.topic,
            OutboxMessage.created_at == message.created_at, OutboxMessage.id != message.id))]
