"""Broadcasts: an announcement from staff to an audience, fanned out into the outbox.

An audience is a mapping, every part of which narrows it (none: everyone registered):
    provinces: [...]        users of these provinces
    categories: [...]       who make one of these crafts
    role: artisan | lapas
    program: ID, with program_mode: signed (holding a place) or suited (suits it, not
    signed up)
People who said BERHENTI, or who cannot be reached, are left out; the dispatcher checks
again when it sends. Each message waits for 07.00 in its recipient's zone if it would
leave at night; a spread broadcast's, a moment of its own in the window of hours asked
for in its recipient's zone (conversations.spread).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from conversations import audit, outbox, signups
from conversations import reach as reaching
from conversations.messages import Outbound
from conversations.outbox import Message, MessageKind, Recipient
from conversations.provinces import zone_of
from conversations.quiet_hours import NIGHT, QuietHours, quiet_until
from conversations.reach import Reach
from conversations.spread import SendWindow, place
from storage import broadcasts as rows
from storage import outbox as outbox_rows
from storage import programs, users
from storage.models import Broadcast, User
from storage.statuses import BroadcastStatus, DeliveryStatus, OutboxStatus

SIGNED, SUITED = "signed", "suited"
TEXT_MOST = 600  # characters: a message read on a small phone
COUNTED = ("sent", "delivered", "failed", "blocked", "pending", "skipped", "stopped")
DELIVERED = (DeliveryStatus.DELIVERED, DeliveryStatus.READ)


def topic(broadcast_id: int | None) -> str:
    return f"broadcast:{broadcast_id}"


def recipients(session: Session, audience: Mapping[str, Any]) -> list[Any]:
    """The people an audience names whom pushes may reach."""
    provinces = audience.get("provinces") or None
    crafts = audience.get("categories") or ()
    role = audience.get("role")
    program_id = audience.get("program")
    if not program_id:
        return users.reachable(session, roles=(role,) if role else None, provinces=provinces,
                               crafts=crafts)
    program = programs.get(session, program_id)
    if program is None:
        return []
    people = (signups.people_with_a_place(session, program)
              if audience.get("program_mode") == SIGNED
              else signups.suited_people(session, program))
    people = [p for p in people if (not provinces or p.province in provinces)
              and (not role or p.role == role)]
    return users.with_crafts(session, crafts, people) if crafts else people


def count(session: Session, audience: Mapping[str, Any]) -> int:
    return len(recipients(session, audience))


class OutOfReach(PermissionError):
    """An audience outside the sender's office: its provinces or its programs."""


def within_reach(session: Session, audience: Mapping[str, Any], reach: Reach
                 ) -> dict[str, Any]:
    """The audience as an office may send to it: narrowed to the office's provinces (all
    of them for "everyone"), and only with a program the office runs. Raises OutOfReach
    when nobody of it is the office's to reach."""
    narrowed = reach.audience(audience)
    if narrowed is None:
        raise OutOfReach("those provinces are outside the office's reach")
    if narrowed.get("program") and not reach.owns(programs.get(session, narrowed["program"])):
        raise OutOfReach("the program is another office's")
    return narrowed


def queue(
    session: Session, text: str, audience: Mapping[str, Any], *, now: datetime,
    send_at: datetime | None = None, media: tuple[str, ...] = (),
    created_by: User | None = None, default_zone: str = "Asia/Jakarta",
    quiet: QuietHours | None = NIGHT, office: Reach | None = None, via: str = audit.CHAT,
    spread: SendWindow | None = None, form_key: str | None = None,
) -> Broadcast:
    """Record a broadcast and queue one message per recipient, at `send_at` (default now),
    or with `spread`, each in that window of hours in its recipient's zone. From the chat
    or the console, `created_by` is the staff member, who must send broadcasts, and the
    audience is their office's reach of it; the command line names the `office` it acts
    for (none: everyone). A `form_key` makes it one broadcast however often the form that
    carries it is sent (a double click): the broadcast it made already is returned."""
    reach = office
    if created_by is not None:
        reach = reaching.of(session, created_by)
        if reach is None or not reach.sends_broadcasts:
            raise PermissionError("only broadcasters send broadcasts")
    if form_key and (made := rows.by_form_key(session, form_key)) is not None:
        return made
    if reach is not None:
        audience = within_reach(session, audience, reach)
    at = send_at if send_at is not None and send_at > now and spread is None else now
    broadcast = Broadcast(text=text, media=list(media), audience=dict(audience),
                          created_by=created_by.id if created_by is not None else None,
                          send_at=at, created_at=now, status=BroadcastStatus.SENDING,
                          office_id=reach.office.id if reach is not None else None,
                          spread=spread.text if spread is not None else None,
                          form_key=form_key or None)
    rows.add(session, broadcast)
    people = recipients(session, audience)
    messages = _messages(broadcast, people, now, default_zone, quiet, spread)
    broadcast.recipients = outbox.queue(session, messages, now, once=True)
    if messages and spread is not None:
        broadcast.send_at = min(m.not_before or now for m in messages)
    session.flush()
    audit.record(session, created_by, via, "broadcast.queued", "broadcast", broadcast.id,
                 after={"text": text, "audience": broadcast.audience, "send_at": at,
                        "spread": broadcast.spread, "recipients": broadcast.recipients,
                        "photos": len(media)},
                 office_id=reach.office.id if reach is not None else None, now=now)
    return broadcast


def _messages(broadcast: Broadcast, people: list[Any], now: datetime, default_zone: str,
              quiet: QuietHours | None, spread: SendWindow | None) -> list[Message]:
    """One message per recipient: at the broadcast's moment, held for the night where it
    is night then, or in its own slot of the spread window."""
    payload = Outbound(text=broadcast.text, media=tuple(broadcast.media)).to_payload()
    at = broadcast.send_at
    zones = {person.id: zone_of(person.province, default_zone) for person in people}
    slots = place(zones.items(), spread, now, quiet) if spread is not None else {}
    messages = []
    for person in people:
        slot = slots.get(person.id)
        not_before = slot.at if slot is not None else (
            quiet_until(at, zones[person.id], quiet) or (at if at > now else None))
        messages.append(Message(
            Recipient.of(person), MessageKind.BROADCAST,
            f"broadcast:{broadcast.id}:{person.id}", payload, not_before=not_before,
            topic=topic(broadcast.id), window_opens=slot.opens if slot else None,
            window_closes=slot.closes if slot else None))
    return messages


def counts(session: Session, broadcast_id: int) -> dict[str, int]:
    """How a broadcast's messages stand. `sent` counts every message that left, of which
    `delivered` those the platform reported delivered or read."""
    found = dict.fromkeys(COUNTED, 0)
    for status, delivery, n in outbox_rows.counts_by_topic(session, topic(broadcast_id)):
        if status in found:
            found[status] += n
        if status == OutboxStatus.SENT and delivery in DELIVERED:
            found["delivered"] += n
        if status == OutboxStatus.WITHDRAWN:
            found["stopped"] += n
    return found


def stop(session: Session, broadcast_id: int, now: datetime, *, by: User | None = None,
         via: str = audit.CHAT) -> int | None:
    """Stop a broadcast: what has not left yet stays in the outbox, marked stopped.
    Returns how many were stopped; None if there is no such broadcast (or, for a staff
    member, none of theirs to stop)."""
    stopped = stop_once(session, broadcast_id, now, by=by, via=via)
    return stopped.count if stopped is not None else None


@dataclass(frozen=True)
class Stopped:
    count: int  # messages that will not leave now
    already: bool  # it had been stopped before: nothing changed


def stop_once(session: Session, broadcast_id: int, now: datetime, *, by: User | None = None,
              via: str = audit.CHAT) -> Stopped | None:
    """Stop a broadcast once: a second stop (a double click, a colleague at the same
    moment) changes nothing and says so. None if there is no such broadcast, or none
    the staff member `by` may stop."""
    broadcast = rows.get(session, broadcast_id)
    reach = reaching.of(session, by) if by is not None else None
    if broadcast is None or (by is not None and not _may_stop(reach, by, broadcast)):
        return None
    if not rows.mark_stopped(session, broadcast_id, now):
        return Stopped(0, already=True)
    stopped = outbox_rows.change_pending(session, now, topic=topic(broadcast_id),
                                         status=OutboxStatus.STOPPED)
    audit.record(session, by, via, "broadcast.stopped", "broadcast", broadcast_id,
                 before={"status": BroadcastStatus.SENDING, "stopped": 0},
                 after={"status": BroadcastStatus.STOPPED, "stopped": stopped},
                 office_id=reach.office.id if reach is not None else None, now=now)
    return Stopped(stopped, already=False)


def _may_stop(reach: Reach | None, user: User, broadcast: Broadcast) -> bool:
    """A broadcaster or admin stops their own broadcasts and their office's."""
    return reach is not None and reach.sends_broadcasts and (
        broadcast.created_by == user.id or broadcast.office_id == reach.office.id)


def recent(session: Session, created_by: int | None = None, limit: int = 5) -> list[Broadcast]:
    return rows.recent(session, created_by, limit)
