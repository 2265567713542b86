"""The outbox's rules for sending: which messages a dispatcher takes and when, what happens
to one that could not go, and what a platform's later report changes.

- Claims: a dispatcher takes the next messages of its channel (replies first, then by
  age), leased so no other takes them, and books the time they take on the channel's pace,
  which every dispatcher of the channel shares.
- Pushes (reminders, broadcasts) to people who said BERHENTI or cannot be reached are
  skipped; those whose turn comes at night where their person lives wait for the morning;
  those whose moment has passed are skipped.
- A failure that may pass is tried again with a growing back-off, at most MAX_ATTEMPTS
  times; a platform's "slow down" costs no try; "blocked" stops pushes to that person.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

from conversations import pacing, two_channels
from conversations.outbox import OPTIONAL_KINDS
from conversations.quiet_hours import NightHold
from conversations.spread import next_window
from storage import outbox as rows
from storage import users
from storage.models import ChannelPace, OutboxMessage
from storage.statuses import DeliveryStatus, OutboxStatus

MAX_ATTEMPTS = 8
NIGHT_PAGE = 2000  # rows a statement when a whole broadcast's rest waits for the morning
TOO_LATE = "too late: what it is about has begun or passed"
# WhatsApp takes free text only this long after the person's last message; past it, a
# push goes as its kind's template. A little is kept back: a message queued at 23:59
# reaches WhatsApp a moment later.
REPLY_WINDOW = timedelta(hours=24) - timedelta(minutes=2)
# A platform's delivery states in the order they happen; a late report never moves a
# message back (Twilio's callbacks can arrive out of order).
DELIVERY_ORDER = {DeliveryStatus.ACCEPTED: 0, DeliveryStatus.QUEUED: 1,
                  DeliveryStatus.SENDING: 2, DeliveryStatus.SENT: 3,
                  DeliveryStatus.DELIVERED: 4, DeliveryStatus.READ: 5,
                  DeliveryStatus.FAILED: 6, DeliveryStatus.UNDELIVERED: 6}
FAILED_REPORTS = (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED)


class OutcomeStatus(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # may pass: try again later
    BLOCKED = "blocked"  # the person cannot be reached on the channel
    FAILED = "failed"  # will not pass: not tried again


@dataclass(frozen=True)
class Outcome:
    """How one attempt to send went, as a channel reports it.

    `retry_after` is a wait the platform named; `provider_id` the platform's id for a
    message it took (it reports on it later); `error_code` the platform's own code.
    """

    status: OutcomeStatus
    error: str | None = None
    retry_after: float | None = None
    provider_id: str | None = None
    error_code: str | None = None


SENT = Outcome(OutcomeStatus.SENT)


# Claiming


@dataclass(frozen=True)
class Claim:
    """A dispatcher's batch: its messages, when the first of them may go, and the pace
    (messages a second) they go at."""

    start: datetime
    messages: list[OutboxMessage]
    rate: float = 0.0


def claim_batch(session: Session, channel: str, now: datetime, limit: int, rate: float,
                lease: timedelta, night: NightHold | None = None) -> Claim:
    """Claim up to `limit` messages and book the time they take on the channel's pace,
    which adapts under the ceiling of `rate` a second (conversations.pacing): the batch may
    start when the batches booked before it are done. The lease runs from the end of that
    time."""
    row = rows.lock_pace(session, channel, now)
    pace = (pacing.Pace.of(row.rate, row.refused_rate, rate, row.steady_seconds)
            if rate > 0 else None)
    start = max(row.next_at, now)
    span = timedelta(seconds=limit / pace.rate) if pace else timedelta()
    messages = claim(session, channel, now, limit, (start - now) + span + lease, night,
                     leaves_at=start)
    if messages and pace:
        seconds = len(messages) / pace.rate
        row.next_at = start + timedelta(seconds=seconds)
        _keep_pace(row, pacing.grown(pace, rate, seconds), rate)
    return Claim(start, messages, pace.rate if pace else 0.0)


def _keep_pace(row: ChannelPace, pace: pacing.Pace, ceiling: float) -> None:
    # At the ceiling the pace is the setting's: raising the setting raises it.
    row.rate = None if pace.rate >= ceiling else pace.rate
    row.refused_rate = pace.refused
    row.steady_seconds = pace.steady


def claim(session: Session, channel: str, now: datetime, limit: int, lease: timedelta,
          night: NightHold | None = None, leaves_at: datetime | None = None
          ) -> list[OutboxMessage]:
    """Take the next messages of a channel that may go, leased for `lease`: another
    dispatcher passes them by, and they come back if this one dies. On PostgreSQL rows
    are taken with SKIP LOCKED: dispatchers in other processes never wait for each other
    nor take the same row. `leaves_at` is when the batch will start to go (the channel's
    pace): a spread message whose window has closed by then is not taken."""
    skip_locked = rows.is_postgresql(session)
    while True:  # a batch of nothing but skipped pushes is not the end of the outbox
        ids = rows.ready_ids(session, channel, now, limit, skip_locked)
        if not ids:
            return []
        kept, held_for_night = _lease(session, ids, now, lease, night, leaves_at or now)
        if kept:
            return kept
        if held_for_night and night is not None:
            # Night has come for a whole broadcast's rest: hold it all at once, not a
            # batch at a time in this transaction.
            _hold_the_night(session, channel, now, night)


def _lease(session: Session, ids: list[int], now: datetime, lease: timedelta,
           night: NightHold | None, leaves_at: datetime) -> tuple[list[OutboxMessage], bool]:
    """Lease the messages of `ids` that may go now; returns them, and whether any was held
    for the night."""
    rows.change(session, ids, now, not_before=now + lease)
    # A person on two channels: a push may belong on the other (conversations.two_channels).
    messages = two_channels.route(session, rows.rows(session, ids), now)
    people = rows.recipients_state(
        session, {m.user_id for m in messages if m.user_id is not None
                  and m.kind in OPTIONAL_KINDS})
    keep, held, closed = [], False, False
    for message in messages:
        optional = message.kind in OPTIONAL_KINDS
        stopped, province = people.get(message.user_id, (False, None)) if optional \
            else (False, None)
        wait = night(province, now) if night is not None and optional else None
        if stopped:
            message.status, message.last_error = OutboxStatus.SKIPPED, "opted out or unreachable"
        elif message.window_closes is not None and leaves_at >= message.window_closes:
            closed = True
        elif message.expires_at is not None and (wait or now) >= message.expires_at:
            message.status, message.last_error = OutboxStatus.SKIPPED, TOO_LATE
        elif wait is not None:
            # Queued in the day but its turn came at night (a long broadcast, a retry).
            message.not_before, held = wait, True
        else:
            keep.append(message)
    if closed:  # the rest of those windows too, at once
        _close_windows(session, messages[0].channel, leaves_at)
    return keep, held or closed


def _close_windows(session: Session, channel: str, at: datetime) -> None:
    """Spread messages of the channel whose window closes before they can leave (`at`)
    wait for the next day's window, from its opening: none leaves late."""
    for window in rows.closed_windows(session, channel, at):
        rows.move_window(session, channel, window, next_window(*window, at), at)


def in_reply_window(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether a person last wrote recently enough for free text on WhatsApp."""
    return last_inbound is not None and now - last_inbound < REPLY_WINDOW


def _hold_the_night(session: Session, channel: str, now: datetime, night: NightHold) -> None:
    """Every push of the channel ready now whose person's night it is waits for the
    morning there; one that would be too late by then is skipped."""
    after = 0
    while True:
        page = rows.ready_page(session, channel, now, OPTIONAL_KINDS, after, NIGHT_PAGE)
        held: dict[datetime, list[int]] = {}
        late = []
        for message_id, province, expires in page:
            wait = night(province, now)
            if wait is None:
                continue
            if expires is not None and wait >= expires:
                late.append(message_id)
            else:
                held.setdefault(wait, []).append(message_id)
        for wait, ids in held.items():
            rows.change(session, ids, now, not_before=wait)
        rows.change(session, late, now, status=OutboxStatus.SKIPPED, last_error=TOO_LATE)
        if len(page) < NIGHT_PAGE:
            return
        after = page[-1][0]


def hold_channel(session: Session, channel: str, keys: Sequence[str], until: datetime,
                 now: datetime) -> None:
    """The platform asked to slow down: no dispatcher of the channel sends before `until`,
    and the claimed messages in `keys` that were not tried wait for it too."""
    put_back(session, keys, until, now)
    pace = rows.lock_pace(session, channel, until)
    pace.next_at = max(pace.next_at, until)


def put_back(session: Session, keys: Sequence[str], at: datetime, now: datetime) -> None:
    """Claimed messages not tried: due again at `at`, with no attempt counted."""
    if keys:
        rows.change_pending(session, now, keys=keys, not_before=at)


def ready_for(session: Session, channel: str, address: str, now: datetime
              ) -> list[OutboxMessage]:
    """What may go now to one address (the terminal's one person), in sending order."""
    return rows.ready_at(session, channel, address, now)


def waiting(session: Session, now: datetime) -> dict[str, tuple[int, datetime]]:
    """Per channel, the messages that may not go yet (the night, a retry's back-off, a
    platform's pause) and the earliest moment one of them may."""
    return rows.waiting(session, now)


# Recording how it went


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter: about 2, 4, 8 ... seconds, at most five minutes."""
    base = min(2 ** max(attempts, 1), 300)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def record(session: Session, outcomes: Sequence[tuple[str, Outcome]], now: datetime) -> None:
    """Write how the deliveries of these messages (by key) went."""
    # Delivered is the usual outcome: one statement for all of them.
    plain = [key for key, outcome in outcomes
             if outcome.status == OutcomeStatus.SENT and not outcome.provider_id]
    rows.mark_sent(session.connection(), plain, now)
    for key, outcome in outcomes:
        if outcome.status != OutcomeStatus.SENT or outcome.provider_id:
            record_one(session, key, outcome, now)


def record_one(session: Session, key: str, outcome: Outcome, now: datetime) -> None:
    """Write how one delivery went. A retry waits the platform's word (`retry_after`) or a
    growing back-off; past MAX_ATTEMPTS it fails for good with its last reason."""
    message = rows.by_key(session, key)
    if message is None:
        return  # the person asked for their data to be deleted meanwhile
    error = outcome.error[:500] if outcome.error else None
    message.updated_at = now
    if outcome.status == OutcomeStatus.SENT:
        message.status, message.sent_at, message.attempts = OutboxStatus.SENT, now, \
            message.attempts + 1
        # A new message on the platform's side: its reports start afresh.
        message.provider_id = outcome.provider_id
        message.delivery_status, message.error_code = DeliveryStatus.QUEUED, None
        message.last_error = error
        return
    message.error_code = outcome.error_code
    message.last_error = error
    # A platform's "slow down" (a wait it names) is about the channel, not this message:
    # it costs no try, however long a big broadcast keeps meeting it.
    named = outcome.retry_after if outcome.status == OutcomeStatus.RETRY else None
    if named is None:
        message.attempts += 1
    _after_failure(session, message, outcome.status, now,
                   timedelta(seconds=named) if named else None)


def _after_failure(session: Session, message: OutboxMessage, status: OutcomeStatus,
                   now: datetime, wait: timedelta | None = None) -> None:
    """What a failure makes of a message: tried again after `wait` (or a growing back-off)
    while it has tries left, the person marked unreachable, or failed for good."""
    if status == OutcomeStatus.RETRY and message.attempts < MAX_ATTEMPTS:
        message.status = OutboxStatus.PENDING
        message.not_before = now + (wait or retry_delay(message.attempts))
    elif status == OutcomeStatus.BLOCKED:
        users.set_reachable(session, message.channel, message.address, False)
        if not two_channels.fall_back(session, message, now):  # their other channel, once
            message.status = OutboxStatus.BLOCKED
    else:
        message.status = OutboxStatus.FAILED


def pause(session: Session, channel: str, key: str, outcome: Outcome, now: datetime,
          sent_at: float | None = None, ceiling: float | None = None) -> float | None:
    """The platform refused a message for the channel's pace: the message waits as long
    as it asked, and so does every dispatcher of the channel. The message went at `sent_at`
    a second: the channel's pace slows under its `ceiling` (conversations.pacing).
    Returns the channel's pace now, if it was given."""
    record_one(session, key, outcome, now)
    hold_channel(session, channel, [], now + timedelta(seconds=outcome.retry_after or 0), now)
    if sent_at is None or not ceiling:
        return None
    row = rows.lock_pace(session, channel, now)
    pace = pacing.slowed(pacing.Pace.of(row.rate, row.refused_rate, ceiling, row.steady_seconds),
                         ceiling, sent_at)
    _keep_pace(row, pace, ceiling)
    return pace.rate


def moves_on(current: str | None, state: str) -> bool:
    """Whether a report moves a message on: queued, sent, delivered, read, never back; a
    failure only before delivery (a late "failed" after "read" changes nothing)."""
    reached = DELIVERY_ORDER.get(current or "", -1)
    if state in FAILED_REPORTS:
        return reached <= DELIVERY_ORDER[DeliveryStatus.SENT]
    return state in DELIVERY_ORDER and DELIVERY_ORDER[state] >= reached


def record_report(session: Session, provider_id: str, state: str, now: datetime,
                  error_code: str | None = None, failure: Outcome | None = None,
                  as_template_for: Sequence[str] = ()) -> OutboxMessage | None:
    """A platform's report on a message it took. A message that failed on the way is
    handled as its `failure` says: tried again, the person marked unreachable, or failed.
    `as_template_for` are the kinds that go again as their template, when the platform's
    window closed before the message arrived. Returns the message, if it is ours."""
    message = rows.by_provider_id(session, provider_id)
    if message is None or not moves_on(message.delivery_status, state):
        return message
    message.delivery_status = state
    message.updated_at = now
    if error_code:
        message.error_code = error_code
    if state not in FAILED_REPORTS or failure is None:
        return message
    message.last_error = (failure.error or state)[:500]
    if message.kind in as_template_for and not message.payload.get("as_template"):
        # The window closed before it arrived: its template may still go.
        message.payload = {**message.payload, "as_template": True}
        message.status, message.not_before = OutboxStatus.PENDING, None
    else:  # its try was counted when it was sent
        _after_failure(session, message, failure.status, now)
    return message
