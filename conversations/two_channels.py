"""A person on two channels: which one a push goes to.

Someone may be registered twice: on Telegram with the phone they typed, and on WhatsApp
from that same number. The rule:

- Linked: two users rows on different channels with the same phone (stored normalised,
  E.164), both registered and both having given consent. A third row with the phone
  changes nothing: the earliest is the one linked.
- Pushes (a curator's decision, a selection, a seat, a reminder, a broadcast) to a linked
  person go to the channel they last wrote on, when it is not out of reach; one queued for
  both rows by one cause (a broadcast, a reminder run) goes once.
- When the platform says they cannot be reached on one (Telegram: blocked; WhatsApp:
  63003, 63024), the push goes to the other, once.
- BERHENTI on either stops reminders and broadcasts on both.

Applied where the outbox takes a message to send (conversations.sending) and where a
send's outcome is recorded: the person may write on the other channel between the moment a
push is queued and the moment it leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from conversations.outbox import OPTIONAL_KINDS, MessageKind
from storage import linked
from storage.linked import Row
from storage.models import OutboxMessage
from storage.statuses import OutboxStatus

PUSHES = (MessageKind.DECISION, MessageKind.SELECTION, MessageKind.SIGNUP,
          MessageKind.REMINDER, MessageKind.BROADCAST)
SENT_ELSEWHERE = "sent on their other channel"
STOPPED = "opted out or unreachable"
FELL_BACK = "fell_back"  # in a push's payload: moved once because the first was out of reach


def route(session: Session, messages: Sequence[OutboxMessage], now: datetime
          ) -> list[OutboxMessage]:
    """The claimed messages that stay on their channel. A push to a linked person that
    belongs on their other channel moves there, ready at once; one they get through the
    other row already is skipped."""
    pairs = linked.same_phone(session, {m.user_id for m in messages
                                        if m.user_id is not None and m.kind in PUSHES})
    staying = []
    for message in messages:
        pair = pairs.get(message.user_id) if message.kind in PUSHES else None  # type: ignore[arg-type]
        if pair is None:
            staying.append(message)
            continue
        mine, other = pair
        if message.kind in OPTIONAL_KINDS and (mine.opted_out or other.opted_out):
            _skip(message, STOPPED, now)
        elif _goes_elsewhere(session, message, (mine.id, other.id)):
            _skip(message, SENT_ELSEWHERE, now)
        elif _belongs_on(mine, other) and not message.payload.get(FELL_BACK):
            _move(message, other, now)
        else:
            staying.append(message)
    return staying


def fall_back(session: Session, message: OutboxMessage, now: datetime) -> bool:
    """The platform says the person cannot be reached on the message's channel: a push
    goes to their other channel, once. Returns whether it did."""
    if message.kind not in PUSHES or message.user_id is None or message.payload.get(FELL_BACK):
        return False
    pair = linked.same_phone(session, [message.user_id]).get(message.user_id)
    if pair is None:
        return False
    other = pair[1]
    if other.unreachable or (message.kind in OPTIONAL_KINDS and other.opted_out):
        return False
    _move(message, other, now)
    message.payload = {**message.payload, FELL_BACK: True}
    message.attempts = 0
    return True


def _belongs_on(mine: Row, other: Row) -> bool:
    """Whether a push to `mine` goes to `other` instead: it can be reached there, and
    `mine` cannot, or they wrote there last."""
    if other.unreachable:
        return False
    if mine.unreachable:
        return True
    return other.wrote_at is not None and (mine.wrote_at is None
                                           or other.wrote_at > mine.wrote_at)


def _goes_elsewhere(session: Session, message: OutboxMessage, ids: tuple[int, int]) -> bool:
    """Another message of the same cause to the person is sent, or goes first."""
    return any(status == OutboxStatus.SENT
               or (status == OutboxStatus.PENDING and other_id < (message.id or 0))
               for other_id, status in linked.same_cause(session, message, ids))


def _move(message: OutboxMessage, to: Row, now: datetime) -> None:
    message.channel, message.address, message.user_id = to.channel, to.address, to.id
    message.status, message.not_before, message.updated_at = OutboxStatus.PENDING, None, now
    message.provider_id = message.delivery_status = message.error_code = None


def _skip(message: OutboxMessage, reason: str, now: datetime) -> None:
    message.status, message.last_error, message.updated_at = OutboxStatus.SKIPPED, reason, now
