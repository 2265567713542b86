"""A broadcast as staff follow it: before it goes, who receives it on which channel (on
WhatsApp, as free text inside the person's 24-hour window or as the approved template
outside it); once sent, how its messages stand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from conversations.broadcasts import DELIVERED, topic
from conversations.sending import in_reply_window
from storage import conversations as conversation_rows
from storage import outbox as outbox_rows
from storage.statuses import DeliveryStatus, OutboxStatus

TELEGRAM, WHATSAPP = "telegram", "whatsapp"
# How a recipient receives it: the keys of `ways`.
WHATSAPP_TEXT, WHATSAPP_TEMPLATE = "whatsapp_text", "whatsapp_template"
REASONED = (OutboxStatus.FAILED, OutboxStatus.BLOCKED, OutboxStatus.SKIPPED)


def ways(session: Session, people: Sequence[Any], now: datetime) -> dict[str, int]:
    """How many recipients get it by each way: "telegram", "whatsapp_text" (they wrote in
    the last 24 hours: free text), "whatsapp_template" (the rest of WhatsApp), and any
    other channel by its name. The window is judged now; at sending it is judged again."""
    found: dict[str, int] = {TELEGRAM: 0, WHATSAPP_TEXT: 0, WHATSAPP_TEMPLATE: 0}
    on_whatsapp = [p.address for p in people if p.channel == WHATSAPP]
    last = conversation_rows.last_inbound(session, WHATSAPP, on_whatsapp)
    for person in people:
        if person.channel == WHATSAPP:
            key = WHATSAPP_TEXT if in_reply_window(last.get(person.address), now) \
                else WHATSAPP_TEMPLATE
        else:
            key = person.channel
        found[key] = found.get(key, 0) + 1
    return found


@dataclass(frozen=True)
class Progress:
    """How a broadcast's messages stand."""

    waiting: int = 0  # may go now: their turn at the channel's pace
    later: int = 0  # not before a later moment: the time chosen, a spread slot, the night
    sent: int = 0  # left (of which delivered and read, where the platform reports it)
    delivered: int = 0
    read: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0  # BERHENTI since, or unreachable
    stopped: int = 0
    reasons: list[tuple[str, str, int]] = field(default_factory=list)  # (status, why, n)

    @property
    def finished(self) -> bool:
        return not (self.waiting or self.later)


def progress(session: Session, broadcast_id: int, now: datetime) -> Progress:
    counted = dict.fromkeys(("pending", "sent", "delivered", "read", "failed", "blocked",
                             "skipped", "stopped"), 0)
    for status, delivery, n in outbox_rows.counts_by_topic(session, topic(broadcast_id)):
        name = "stopped" if status == OutboxStatus.WITHDRAWN else status
        if name in counted:
            counted[name] += n
        if status == OutboxStatus.SENT and delivery in DELIVERED:
            counted["delivered"] += n
        if status == OutboxStatus.SENT and delivery == DeliveryStatus.READ:
            counted["read"] += n
    later = outbox_rows.later_by_topic(session, topic(broadcast_id), now)
    pending = counted.pop("pending")
    reasons = [(status, error or "-", n) for status, error, n in
               outbox_rows.reasons_by_topic(session, topic(broadcast_id), REASONED)]
    return Progress(waiting=pending - later, later=later, reasons=reasons, **counted)
