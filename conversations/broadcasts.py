"""Broadcasts: an announcement from staff to an audience, fanned out into the outbox.

An audience is a mapping, every part of which narrows it (none: everyone registered):
    provinces: [...]        users of these provinces
    categories: [...]       who make one of these crafts
    role: artisan | lapas
    program: ID, with program_mode: signed (holding a place) or suited (suits it, not
    signed up)
People who said BERHENTI, or who cannot be reached, are left out; the dispatcher checks
again when it sends. Each message waits for 07.00 in its recipient's zone if it would
leave at night.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from conversations.messages import Outbound
from conversations.provinces import zone_of
from conversations.reminders import (
    NIGHT,
    USER_COLUMNS,
    QuietHours,
    holding_a_place,
    insert_new,
    quiet_until,
    reachable,
    suited,
)
from storage.models import Broadcast, OutboxMessage, Program, User

BROADCAST_PRIORITY = 3  # after replies, notices and reminders
SIGNED, SUITED = "signed", "suited"


def recipients(session: Session, audience: Mapping[str, Any]) -> list[Any]:
    program_id = audience.get("program")
    if program_id:
        program = session.get(Program, program_id)
        if program is None:
            return []
        people = (holding_a_place(session, program) if audience.get("program_mode") == SIGNED
                  else suited(session, program))
    else:
        people = list(session.execute(select(*USER_COLUMNS).where(reachable())))
    provinces = set(audience.get("provinces") or ())
    categories = set(audience.get("categories") or ())
    if program_id and categories and people:  # those rows come without their crafts
        crafts = dict(session.execute(select(User.id, User.categories)
                                      .where(col(User.id).in_([p.id for p in people]))).all())
        people = [p for p in people if categories & set(crafts.get(p.id) or ())]
        categories = set()
    role = audience.get("role")
    return [p for p in people
            if (not provinces or p.province in provinces)
            and (not categories or categories & set(p.categories or ()))
            and (not role or p.role == role)]


def count(session: Session, audience: Mapping[str, Any]) -> int:
    return len(recipients(session, audience))


def queue(
    session: Session, text: str, audience: Mapping[str, Any], *, now: datetime,
    send_at: datetime | None = None, media: tuple[str, ...] = (),
    created_by: int | None = None, default_zone: str = "Asia/Jakarta",
    quiet: QuietHours | None = NIGHT,
) -> Broadcast:
    """Record a broadcast and queue one message per recipient, at `send_at` (default now)."""
    at = send_at if send_at is not None and send_at > now else now
    broadcast = Broadcast(text=text, media=list(media), audience=dict(audience),
                          created_by=created_by, send_at=at, created_at=now,
                          status="sending")
    session.add(broadcast)
    session.flush()
    payload = Outbound(text=text, media=tuple(media)).to_payload()
    rows = []
    for person in recipients(session, audience):
        wait = quiet_until(at, zone_of(person.province, default_zone), quiet)
        rows.append({
            "channel": person.channel, "address": person.address, "user_id": person.id,
            "kind": "broadcast", "priority": BROADCAST_PRIORITY, "payload": payload,
            "idempotency_key": f"broadcast:{broadcast.id}:{person.id}",
            "status": "pending", "attempts": 0,
            "not_before": wait or (at if at > now else None),
            "topic": f"broadcast:{broadcast.id}", "created_at": now, "updated_at": now,
        })
    insert_new(session, rows)
    broadcast.recipients = len(rows)
    session.flush()
    return broadcast


COUNTED = ("sent", "delivered", "failed", "blocked", "pending", "skipped", "stopped")


def counts(session: Session, broadcast_id: int) -> dict[str, int]:
    """How a broadcast's messages stand. `sent` counts every message that left, of which
    `delivered` those the platform reported delivered or read."""
    rows = session.execute(
        select(OutboxMessage.status, OutboxMessage.delivery_status, func.count())
        .where(OutboxMessage.topic == f"broadcast:{broadcast_id}")
        .group_by(OutboxMessage.status, OutboxMessage.delivery_status)
    ).all()
    found = dict.fromkeys(COUNTED, 0)
    for status, delivery, n in rows:
        if status in found:
            found[status] += n
        if status == "sent" and delivery in ("delivered", "read"):
            found["delivered"] += n
        if status == "withdrawn":
            found["stopped"] += n
    return found


def stop(session: Session, broadcast_id: int, now: datetime) -> int:
    """Stop a broadcast: what has not left yet stays in the outbox, marked stopped."""
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.topic == f"broadcast:{broadcast_id}",
               OutboxMessage.status == "pending")
        .values(status="stopped", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    broadcast.status, broadcast.stopped_at = "stopped", now
    session.flush()
    return result.rowcount


def recent(session: Session, created_by: int | None = None, limit: int = 5) -> list[Broadcast]:
    query = select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)
    if created_by is not None:
        query = query.where(Broadcast.created_by == created_by)
    return list(session.exec(query))
