"""Reads and writes that the conversation engine, the flows and the CLI share.

Queries are SQLAlchemy expressions that run the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, delete, func, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

# The statements every message runs live in storage.hot; they are part of this interface.
from storage import hot
from storage.hot import ConversationState as ConversationState
from storage.hot import add_outbox as add_outbox
from storage.hot import delete_conversation as delete_conversation
from storage.hot import first_time_seen as first_time_seen
from storage.hot import lock_conversation as lock_conversation
from storage.hot import save_conversation as save_conversation
from storage.hot import user_at as user_at
from storage.hot import user_by_id as user_by_id
from storage.models import (
    ChannelPace,
    Conversation,
    Lapas,
    OutboxMessage,
    Product,
    Program,
    ReminderRun,
    User,
    utcnow,
)

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def mark_sent(session: Session, keys: Sequence[str], when: datetime | None = None) -> None:
    hot.mark_sent(session.connection(), list(keys), when or utcnow())


def link_conversation(session: Session, user: User) -> None:
    """Tie an address's conversation to a user row created outside the chat (staff)."""
    session.flush()
    session.execute(
        update(Conversation)
        .where(Conversation.channel == user.channel, Conversation.address == user.address,
               col(Conversation.user_id).is_(None))
        .values(user_id=user.id)
    )


def forget_user(session: Session, user: User) -> None:
    """Delete a person and everything kept about them (UU PDP: the right to erasure).

    Every row of their chat carries its address, including replies sent before they
    registered; rows tied by user_id go with the user through the foreign keys' cascade.
    """
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.channel == user.channel, OutboxMessage.address == user.address
        )
    )
    session.execute(
        delete(Conversation).where(
            Conversation.channel == user.channel, Conversation.address == user.address
        )
    )
    session.delete(user)
    session.flush()


# Lapas

def new_invite_code() -> str:
    return "-".join(
        "".join(secrets.choice(INVITE_ALPHABET) for _ in range(4)) for _ in range(2)
    )


def add_lapas(session: Session, name: str, province: str) -> Lapas:
    lapas = Lapas(name=name, province=province, invite_code=new_invite_code())
    session.add(lapas)
    session.flush()
    return lapas


def lapas_by_code(session: Session, code: str) -> Lapas | None:
    wanted = "".join(c for c in code.upper() if c.isalnum())
    if len(wanted) != 8:
        return None
    return session.exec(
        select(Lapas).where(Lapas.invite_code == f"{wanted[:4]}-{wanted[4:]}")
    ).first()


# Programs

def upsert_program(session: Session, values: dict[str, Any]) -> Program:
    program = session.get(Program, values["id"])
    if program is None:
        program = Program(**values)
        session.add(program)
    else:
        moved = [kind for key, kind in (("starts_at", "event-"),
                                        ("registration_deadline", "deadline-"))
                 if key in values and values[key] != getattr(program, key)]
        for key, value in values.items():
            setattr(program, key, value)
        program.updated_at = utcnow()
        for kind in moved:  # reminders of the old date are not sent; the next tick remakes
            withdraw_reminders(session, program.id, kind_prefix=f"reminder:{kind}")
            session.execute(delete(ReminderRun).where(
                ReminderRun.program_id == program.id,
                col(ReminderRun.kind).startswith(kind)))
    session.flush()
    return program


def withdraw_reminders(session: Session, program_id: str, user_id: int | None = None,
                       kind_prefix: str = "reminder:") -> int:
    """Reminders of a program still waiting to go (for one user, if given): withdrawn."""
    query = (update(OutboxMessage)
             .where(OutboxMessage.topic == f"program:{program_id}",
                    OutboxMessage.kind == "reminder", OutboxMessage.status == "pending",
                    col(OutboxMessage.idempotency_key).startswith(kind_prefix))
             .values(status="withdrawn", updated_at=utcnow())
             .execution_options(synchronize_session=False))
    if user_id is not None:
        query = query.where(OutboxMessage.user_id == user_id)
    return session.execute(query).rowcount


def all_programs(session: Session) -> list[Program]:
    return list(session.exec(select(Program).order_by(Program.starts_at, Program.id)))


def upcoming_programs(
    session: Session,
    now: datetime,
    *,
    provinces: Sequence[str] | None = None,
    kind: str | None = None,
    audience: str | None = None,
    words: Sequence[str | Sequence[str]] = (),
    offset: int = 0,
    limit: int = 5,
) -> tuple[list[Program], int]:
    """Programs not yet over, open ones first, nearest deadline first; and how many in all."""
    conditions: list[Any] = [Program.ends_at >= now]
    if provinces:
        conditions.append(col(Program.province).in_(provinces))
    if kind:
        conditions.append(Program.kind == kind)
    if audience:
        conditions.append(col(Program.audience).in_((audience, "both")))
    haystack = (
        Program.title, Program.description, Program.organiser, Program.venue,
        Program.province, Program.kind,
    )
    for alternatives in words:  # each a word, or words any one of which will do
        patterns = [f"%{word.lower()}%" for word in (
            (alternatives,) if isinstance(alternatives, str) else alternatives)]
        conditions.append(or_(*(
            condition for pattern in patterns for condition in (
                *(func.lower(column).like(pattern) for column in haystack),
                func.lower(cast(Program.categories, String)).like(pattern),
            )
        )))
    closed = case(
        (
            or_(col(Program.registration_deadline).is_(None), Program.registration_deadline >= now),
            0,
        ),
        else_=1,
    )
    order = (closed, func.coalesce(Program.registration_deadline, Program.starts_at), Program.id)
    total = session.exec(select(func.count()).select_from(Program).where(*conditions)).one()
    found = session.exec(
        select(Program).where(*conditions).order_by(*order).offset(offset).limit(limit)
    )
    return list(found), int(total)


def lapas_by_id(session: Session, lapas_id: int | None) -> Lapas | None:
    return session.get(Lapas, lapas_id) if lapas_id is not None else None


# Outbox delivery

MAX_ATTEMPTS = 8


def due_outbox(
    session: Session, channel: str, now: datetime, limit: int = 100
) -> list[OutboxMessage]:
    """Messages of a channel ready to go: replies first, then oldest first."""
    return list(session.exec(_ready(select(OutboxMessage), channel, now, limit)))


def _ready(query: Any, channel: str, now: datetime, limit: int) -> Any:
    """`query` narrowed to a channel's messages that may go at `now`, in sending order."""
    return (
        query.where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == "pending",
            or_(col(OutboxMessage.not_before).is_(None), OutboxMessage.not_before <= now),
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit)
    )


# Kinds of push a user can stop with BERHENTI; replies and answers to what they asked
# (a curator's decision, a seat that opened) always go.
OPTIONAL_KINDS = ("reminder", "broadcast")


def claim_due(
    session: Session, channel: str, now: datetime, limit: int, lease: timedelta,
    quiet: Quiet | None = None,
) -> list[OutboxMessage]:
    """Take the next messages of a channel for one dispatcher: replies first, then by age.

    Claimed rows are leased (not_before moves `lease` ahead), so another dispatcher passes
    them by; one that dies leaves them to come back when the lease runs out. On PostgreSQL
    the rows are picked with FOR UPDATE SKIP LOCKED: dispatchers in other processes never
    wait for each other nor take the same row. Pushes to people who said BERHENTI or
    cannot be reached are set aside as skipped instead, and with `quiet`, pushes to people
    whose night it is wait for the morning."""
    query = _ready(select(OutboxMessage.id), channel, now, limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    while True:  # a batch of nothing but skipped pushes is not the end of the outbox
        ids = list(session.exec(query))
        if not ids:
            return []
        kept, night = _lease(session, ids, now, lease, quiet)
        if kept:
            return kept
        if night and quiet is not None:
            # Night has come for a whole broadcast's rest: hold it all at once, not a
            # batch at a time in this transaction.
            _hold_the_night(session, channel, now, quiet)


# When a push to someone in a province may leave if it is night there at `now`; None if it
# may leave now.
Quiet = Callable[[str | None, datetime], datetime | None]
NIGHT_PAGE = 2000
TOO_LATE = "too late: what it is about has begun or passed"


def _lease(session: Session, ids: list[int], now: datetime, lease: timedelta,
           quiet: Quiet | None) -> tuple[list[OutboxMessage], bool]:
    """Lease the rows of `ids` that may go now; returns them, and whether any was held for
    the night."""
    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id).in_(ids))
        .values(not_before=now + lease, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    rows = list(session.exec(
        select(OutboxMessage).where(col(OutboxMessage.id).in_(ids))
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .execution_options(populate_existing=True)
    ))
    people = {user_id: (stopped, province) for user_id, stopped, province in session.execute(
        select(User.id, or_(col(User.opted_out).is_(True), col(User.unreachable).is_(True)),
               User.province)
        .where(col(User.id).in_({m.user_id for m in rows
                                 if m.user_id is not None and m.kind in OPTIONAL_KINDS}))
    )}
    keep, night = [], False
    for message in rows:
        optional = message.kind in OPTIONAL_KINDS
        stopped, province = people.get(message.user_id, (False, None)) if optional \
            else (False, None)
        wait = quiet(province, now) if quiet and optional else None
        expires = message.expires_at
        if stopped:
            message.status, message.last_error = "skipped", "opted out or unreachable"
        elif expires is not None and (wait or now) >= expires:
            message.status, message.last_error = "skipped", TOO_LATE
        elif wait is not None:
            # Queued in the day but its turn came at night (a long broadcast, a retry).
            message.not_before, night = wait, True
        else:
            keep.append(message)
    return keep, night


def _hold_the_night(session: Session, channel: str, now: datetime, quiet: Quiet) -> None:
    """Every push of the channel ready now whose person's night it is waits for the
    morning there; one that would be too late by then is skipped."""
    after = 0
    while True:
        page = session.execute(
            select(OutboxMessage.id, User.province, OutboxMessage.expires_at)
            .join(User, col(User.id) == OutboxMessage.user_id)
            .where(OutboxMessage.channel == channel, OutboxMessage.status == "pending",
                   col(OutboxMessage.kind).in_(OPTIONAL_KINDS), col(OutboxMessage.id) > after,
                   or_(col(OutboxMessage.not_before).is_(None),
                       OutboxMessage.not_before <= now))
            .order_by(OutboxMessage.id).limit(NIGHT_PAGE)
        ).all()
        held: dict[datetime, list[int]] = {}
        late = []
        for message_id, province, expires in page:
            wait = quiet(province, now)
            if wait is None:
                continue
            if expires is not None and wait >= expires:
                late.append(message_id)
            else:
                held.setdefault(wait, []).append(message_id)
        for wait, ids in held.items():
            session.execute(update(OutboxMessage).where(col(OutboxMessage.id).in_(ids))
                            .values(not_before=wait, updated_at=now)
                            .execution_options(synchronize_session=False))
        if late:
            session.execute(update(OutboxMessage).where(col(OutboxMessage.id).in_(late))
                            .values(status="skipped", last_error=TOO_LATE, updated_at=now)
                            .execution_options(synchronize_session=False))
        if len(page) < NIGHT_PAGE:
            return
        after = page[-1][0]


@dataclass(frozen=True)
class Claim:
    """A dispatcher's batch: its messages, and when the first of them may go."""

    start: datetime
    messages: list[OutboxMessage]


def claim_batch(
    session: Session, channel: str, now: datetime, limit: int, rate: float,
    lease: timedelta, quiet: Quiet | None = None,
) -> Claim:
    """Claim up to `limit` messages and book the time they take at `rate` a second on the
    channel's pace, which every dispatcher of the channel shares: the batch may start when
    the batches booked before it are done. The lease runs from the end of that time."""
    pace = _lock_pace(session, channel, now)
    start = max(pace.next_at, now)
    span = timedelta(seconds=limit / rate) if rate > 0 else timedelta()
    messages = claim_due(session, channel, now, limit, (start - now) + span + lease, quiet)
    if messages and rate > 0:
        pace.next_at = start + timedelta(seconds=len(messages) / rate)
    return Claim(start, messages)


def _lock_pace(session: Session, channel: str, now: datetime) -> ChannelPace:
    query = select(ChannelPace).where(ChannelPace.channel == channel).with_for_update()
    pace = session.exec(query).first()
    if pace is None:
        dialect = session.get_bind().dialect.name
        insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert_(ChannelPace).values(channel=channel, next_at=now)
                        .on_conflict_do_nothing())
        pace = session.exec(query).one()
    return pace


def hold_channel(session: Session, channel: str, keys: Sequence[str], until: datetime) -> None:
    """The platform asked to slow down: no dispatcher of the channel sends before `until`,
    and the claimed messages in `keys` that were not tried wait for it too."""
    put_back(session, keys, until)
    pace = _lock_pace(session, channel, until)
    pace.next_at = max(pace.next_at, until)


def waiting(session: Session, now: datetime) -> dict[str, tuple[int, datetime]]:
    """Per channel, the messages that may not go yet (the night, a retry's back-off, a
    platform's pause) and the earliest moment one of them may."""
    rows = session.execute(
        select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.not_before))
        .where(OutboxMessage.status == "pending", OutboxMessage.not_before > now)
        .group_by(OutboxMessage.channel)
    )
    return {channel: (count, first) for channel, count, first in rows}


def put_back(session: Session, keys: Sequence[str], at: datetime) -> None:
    """Claimed messages not tried: due again at `at`, with no attempt counted."""
    if keys:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.idempotency_key).in_(list(keys)),
                   OutboxMessage.status == "pending")
            .values(not_before=at).execution_options(synchronize_session=False)
        )


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off with jitter: about 2, 4, 8 ... seconds, at most five minutes."""
    base = min(2 ** max(attempts, 1), 300)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def record_delivery(
    session: Session, key: str, status: str, error: str | None, now: datetime,
    wait: timedelta | None = None, provider_id: str | None = None,
    error_code: str | None = None,
) -> None:
    """Write how a delivery went. `status` is sent, retry, blocked or failed. A retry waits
    `wait` (the platform's word) or a growing back-off; past MAX_ATTEMPTS it fails for good
    with its last reason. `provider_id` is the platform's id for a message it took."""
    if status == "sent" and provider_id is None:
        mark_sent(session, [key], now)
        return
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    ).first()
    if message is None:
        return  # the person asked for their data to be deleted meanwhile
    if status == "sent":
        message.status, message.sent_at, message.updated_at = "sent", now, now
        message.attempts += 1
        # A new message on the platform's side: its reports start afresh.
        message.provider_id = provider_id
        message.delivery_status, message.error_code = "queued", None
        message.last_error = error[:500] if error else None
        return
    message.error_code = error_code
    # A platform's "slow down" (a wait it names) is about the channel, not this message:
    # it costs no try, however long a big broadcast keeps meeting it.
    if not (status == "retry" and wait is not None):
        message.attempts += 1
    message.updated_at = now
    message.last_error = error[:500] if error else None
    if status == "retry" and message.attempts < MAX_ATTEMPTS:
        message.status = "pending"
        message.not_before = now + (wait or retry_delay(message.attempts))
    elif status == "blocked":
        message.status = "blocked"
        set_reachable(session, message.channel, message.address, False)
    else:
        message.status = "failed"


# A platform's delivery states in the order they happen; a late callback never moves a
# message back (Twilio's callbacks can arrive out of order).
DELIVERY_ORDER = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4,
                  "read": 5, "failed": 6, "undelivered": 6}


def record_status(
    session: Session, provider_id: str, status: str, error_code: str | None, now: datetime
) -> OutboxMessage | None:
    """A platform's report on a message it took; returns the message, if it is ours."""
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)
    ).first()
    if message is None:
        return None
    current = DELIVERY_ORDER.get(message.delivery_status or "", -1)
    if DELIVERY_ORDER.get(status, -1) >= current:
        message.delivery_status = status
        message.updated_at = now
        if error_code:
            message.error_code = error_code
    return message


def last_inbound(session: Session, channel: str, addresses: Sequence[str]) -> dict[str, datetime]:
    """When each address last wrote to us, for those that ever did."""
    if not addresses:
        return {}
    rows = session.exec(
        select(Conversation.address, Conversation.last_inbound_at).where(
            Conversation.channel == channel, col(Conversation.address).in_(list(addresses)),
            col(Conversation.last_inbound_at).is_not(None),
        )
    )
    return {address: at for address, at in rows if at is not None}


def registered_user_with_phone(session: Session, phone: str, not_on: str) -> User | None:
    """Someone registered on another channel with this phone number, if anyone."""
    return session.exec(
        select(User).where(User.phone == phone, User.channel != not_on,
                           col(User.registered_at).is_not(None))
        .order_by(User.id)
    ).first()


def products_of_owner(session: Session, owner_id: int, limit: int = 10) -> list[Product]:
    return list(session.exec(
        select(Product).where(Product.owner_id == owner_id)
        .order_by(col(Product.submitted_at).desc(), col(Product.id).desc()).limit(limit)
    ))


def products_of_lapas(session: Session, lapas_id: int | None, limit: int = 10) -> list[Product]:
    if lapas_id is None:
        return []
    return list(session.exec(
        select(Product).where(Product.lapas_id == lapas_id)
        .order_by(col(Product.submitted_at).desc(), col(Product.id).desc()).limit(limit)
    ))


def set_reachable(session: Session, channel: str, address: str, reachable: bool) -> None:
    session.execute(
        update(User)
        .where(User.channel == channel, User.address == address)
        .values(unreachable=not reachable, updated_at=utcnow())
    )


# Curation: a curator holds a product while deciding; the hold runs out if abandoned.

CLAIM_FOR = timedelta(minutes=30)
WAITING = ("submitted", "in_review")


def _free_for(curator_id: int | None, now: datetime) -> Any:
    """Not held by anyone else: never held, the hold ran out, or held by this curator."""
    return or_(col(Product.claimed_until).is_(None), col(Product.claimed_until) < now,
               Product.claimed_by == curator_id)


def curation_queue(
    session: Session, now: datetime, province: str | None = None,
    category: str | None = None, exclude: Sequence[int] = (), limit: int = 20,
    curator_id: int | None = None,
) -> list[Product]:
    """Products waiting for this curator, oldest first: not decided, not held by anyone
    else, and not their own (nobody curates their own work)."""
    query = select(Product).where(col(Product.status).in_(WAITING),
                                  _free_for(curator_id, now))
    if curator_id is not None:
        query = query.where(Product.owner_id != curator_id)
    if province:
        query = query.where(Product.province == province)
    if category:
        query = query.where(Product.category == category)
    if exclude:
        query = query.where(col(Product.id).not_in(list(exclude)))
    return list(session.exec(query.order_by(Product.submitted_at, Product.id).limit(limit)))


def count_waiting(session: Session, now: datetime, curator_id: int | None = None) -> int:
    query = select(func.count()).select_from(Product).where(
        col(Product.status).in_(WAITING), _free_for(curator_id, now))
    if curator_id is not None:
        query = query.where(Product.owner_id != curator_id)
    return int(session.exec(query).one())


def claim_product(session: Session, product_id: int, curator_id: int, now: datetime) -> bool:
    """Hold a product for one curator. One statement, so that of two curators reaching for
    the same product at once, exactly one gets it (the database re-checks the condition
    under the row's lock)."""
    result = session.execute(
        update(Product)
        .where(
            Product.id == product_id,
            Product.owner_id != curator_id,
            col(Product.status).in_(WAITING),
            or_(col(Product.claimed_by).is_(None), Product.claimed_by == curator_id,
                col(Product.claimed_until).is_(None), col(Product.claimed_until) < now),
        )
        .values(status="in_review", claimed_by=curator_id, claimed_until=now + CLAIM_FOR,
                updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def claim_next(
    session: Session, curator_id: int, now: datetime, province: str | None = None,
    category: str | None = None, exclude: Sequence[int] = (),
) -> Product | None:
    for candidate in curation_queue(session, now, province, category, exclude,
                                    curator_id=curator_id):
        if candidate.id is not None and claim_product(session, candidate.id, curator_id, now):
            session.refresh(candidate)
            return candidate
    return None


def release_product(session: Session, product_id: int, curator_id: int, now: datetime) -> None:
    session.execute(
        update(Product)
        .where(Product.id == product_id, Product.claimed_by == curator_id,
               Product.status == "in_review")
        .values(status="submitted", claimed_by=None, claimed_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def decide_product(
    session: Session, product_id: int, curator_id: int, status: str, note: str | None,
    now: datetime,
) -> Product | None:
    """Record a curator's decision, only while they still hold the product."""
    result = session.execute(
        update(Product)
        .where(Product.id == product_id, Product.claimed_by == curator_id,
               Product.owner_id != curator_id, Product.status == "in_review")
        .values(status=status, curator_note=note, decided_by=curator_id, decided_at=now,
                claimed_by=None, claimed_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    product = session.get(Product, product_id)
    if product is not None:
        session.refresh(product)
    return product
