"""The outbox's rows: written in the transaction that caused them, read by the dispatchers.

These are the queries the outbox's rules (conversations.outbox, conversations.sending) ask
for by name; what a status means and when a message may go is decided there.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, func, or_, update
from sqlmodel import Session, col, select

from storage.db import insert_for
from storage.models import ChannelPace, OutboxMessage, User
from storage.statements import Prepared
from storage.statuses import OutboxStatus

OUTBOX = OutboxMessage.__table__
BATCH = 5000  # rows a statement, for a fan-out to many


# Writing


@lru_cache(maxsize=32)
def _left_out(given: frozenset[str]) -> tuple[Any, ...]:
    """The columns with a declared default that rows of these columns leave out."""
    return tuple(column for column in OUTBOX.c
                 if column.name not in given and not column.primary_key
                 and column.default is not None)


def _defaults(given: Collection[str]) -> dict[str, Any]:
    """Values, from the columns' declared defaults, for what the rows leave out."""
    return {column.name: column.default.arg(None) if column.default.is_callable
            else column.default.arg for column in _left_out(frozenset(given))}


@lru_cache(maxsize=32)
def _insert(dialect: Dialect, names: tuple[str, ...], skip_duplicates: bool) -> Prepared:
    statement = insert_for(dialect)(OUTBOX).values(
        {name: bindparam(name, type_=OUTBOX.c[name].type) for name in names})
    if skip_duplicates:
        statement = statement.on_conflict_do_nothing()
    return Prepared(statement, dialect)


def insert(conn: Connection, rows: Sequence[Mapping[str, Any]],
           skip_duplicates: bool = False) -> int:
    """Add messages (column values; every row with the same columns, the rest taking their
    declared defaults). With `skip_duplicates`, a row whose idempotency key is already
    there is passed over. Returns how many were added."""
    if not rows:
        return 0
    defaults = _defaults(rows[0].keys())
    names = tuple(rows[0].keys()) + tuple(defaults)
    statement = _insert(conn.dialect, names, skip_duplicates)
    if len(rows) == 1:  # a reply, a notice: the driver's plain execute is the cheaper
        return max(statement.run(conn, {**rows[0], **defaults}).rowcount, 0)
    added = 0
    for start in range(0, len(rows), BATCH):
        result = statement.run_many(conn, rows[start:start + BATCH], defaults)
        added += max(result.rowcount, 0)
    return added


@lru_cache(maxsize=8)
def _mark_sent(dialect: Dialect) -> Prepared:
    return Prepared(
        update(OUTBOX)
        .where(OUTBOX.c.idempotency_key == bindparam("key"))
        .values(status=OutboxStatus.SENT.value, attempts=OUTBOX.c.attempts + 1, last_error=None,
                sent_at=bindparam("at", type_=OUTBOX.c.sent_at.type),
                updated_at=bindparam("at2", type_=OUTBOX.c.updated_at.type)),
        dialect,
    )


def mark_sent(conn: Connection, keys: Sequence[str], when: datetime) -> None:
    """Messages delivered: the commonest write after a message, so kept cheap."""
    if keys:
        _mark_sent(conn.dialect).run_many(conn, [{"key": k, "at": when, "at2": when}
                                                 for k in keys])


def by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()


def pending_by_prefix(conn: Connection, key_prefix: str) -> list[tuple[str, str, dict]]:
    """(key, address, payload) of the pending messages whose keys start with `key_prefix`,
    in the order they were queued."""
    found = conn.execute(
        select(OutboxMessage.idempotency_key, OutboxMessage.address, OutboxMessage.payload)
        .where(col(OutboxMessage.idempotency_key).startswith(key_prefix, autoescape=True),
               OutboxMessage.status == OutboxStatus.PENDING)
        .order_by(OutboxMessage.id))
    return [(key, address, payload) for key, address, payload in found]


def by_provider_id(session: Session, provider_id: str) -> OutboxMessage | None:
    return session.exec(
        select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)).first()


def change(session: Session, ids: Sequence[int], now: datetime, **values: Any) -> None:
    """Set columns of the messages in `ids`."""
    if ids:
        session.execute(update(OutboxMessage).where(col(OutboxMessage.id).in_(list(ids)))
                        .values(updated_at=now, **values)
                        .execution_options(synchronize_session=False))


def change_pending(session: Session, now: datetime, *, topic: str | None = None,
                   keys: Sequence[str] | None = None, kind: str | None = None,
                   key_prefix: str | None = None, user_id: int | None = None,
                   **values: Any) -> int:
    """Set columns of the messages still pending that match every condition given;
    returns how many."""
    query = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    if topic is not None:
        query = query.where(OutboxMessage.topic == topic)
    if keys is not None:
        query = query.where(col(OutboxMessage.idempotency_key).in_(list(keys)))
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if key_prefix is not None:
        query = query.where(col(OutboxMessage.idempotency_key).startswith(key_prefix))
    if user_id is not None:
        query = query.where(OutboxMessage.user_id == user_id)
    values.setdefault("updated_at", now)
    result = session.execute(query.values(**values)
                             .execution_options(synchronize_session=False))
    return result.rowcount


# Reading what is ready


def _ready(query: Any, channel: str, now: datetime) -> Any:
    """`query` narrowed to a channel's messages that may go at `now`."""
    return query.where(
        OutboxMessage.channel == channel,
        OutboxMessage.status == OutboxStatus.PENDING,
        or_(col(OutboxMessage.not_before).is_(None), OutboxMessage.not_before <= now),
    )


def ready_ids(session: Session, channel: str, now: datetime, limit: int,
              skip_locked: bool = False) -> list[int]:
    """The next messages of a channel that may go: by priority, then oldest first. With
    `skip_locked` (PostgreSQL), rows another transaction holds are passed by and locked."""
    query = (_ready(select(OutboxMessage.id), channel, now)
             .order_by(OutboxMessage.priority, OutboxMessage.id).limit(limit))
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query))


def ready_at(session: Session, channel: str, address: str, now: datetime) -> list[OutboxMessage]:
    """What may go now to one address, in sending order."""
    return list(session.exec(
        _ready(select(OutboxMessage), channel, now).where(OutboxMessage.address == address)
        .order_by(OutboxMessage.priority, OutboxMessage.id)))


def rows(session: Session, ids: Sequence[int]) -> list[OutboxMessage]:
    """The messages of `ids`, read fresh, in sending order."""
    return list(session.exec(
        select(OutboxMessage).where(col(OutboxMessage.id).in_(list(ids)))
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .execution_options(populate_existing=True)))


def recipients_state(session: Session, user_ids: Collection[int]
                     ) -> dict[int, tuple[bool, str | None]]:
    """For each user: whether pushes to them are stopped (BERHENTI, or out of reach), and
    their province."""
    if not user_ids:
        return {}
    found = session.execute(
        select(User.id, or_(col(User.opted_out).is_(True), col(User.unreachable).is_(True)),
               User.province).where(col(User.id).in_(list(user_ids))))
    return {user_id: (bool(stopped), province) for user_id, stopped, province in found}


def ready_page(session: Session, channel: str, now: datetime, kinds: Collection[str],
               after: int, limit: int) -> list[tuple[int, str | None, datetime | None]]:
    """Ready messages of these kinds to registered people, by id from `after` on: (id, the
    person's province, expires_at)."""
    return [tuple(row) for row in session.execute(
        _ready(select(OutboxMessage.id, User.province, OutboxMessage.expires_at)
               .join(User, col(User.id) == OutboxMessage.user_id), channel, now)
        .where(col(OutboxMessage.kind).in_(list(kinds)), col(OutboxMessage.id) > after)
        .order_by(OutboxMessage.id).limit(limit)
    ).all()]


def closed_windows(session: Session, channel: str, now: datetime
                   ) -> list[tuple[datetime, datetime]]:
    """The (opens, closes) windows of a channel's pending messages that have closed."""
    return [(opens, closes) for opens, closes in session.execute(
        select(OutboxMessage.window_opens, OutboxMessage.window_closes).distinct()
        .where(OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.window_closes <= now)
    ).all()]


def move_window(session: Session, channel: str, window: tuple[datetime, datetime],
                to: tuple[datetime, datetime], now: datetime) -> int:
    """A channel's pending messages of one window wait for the window `to`, from its
    opening."""
    result = session.execute(
        update(OutboxMessage).where(
            OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.window_opens == window[0], OutboxMessage.window_closes == window[1])
        .values(not_before=to[0], window_opens=to[0], window_closes=to[1], updated_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount


def waiting(session: Session, now: datetime) -> dict[str, tuple[int, datetime]]:
    """Per channel, the pending messages not due yet and the earliest moment one is."""
    found = session.execute(
        select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.not_before))
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before > now)
        .group_by(OutboxMessage.channel)
    )
    return {channel: (count, first) for channel, count, first in found}


def counts_by_topic(session: Session, topic: str) -> list[tuple[str, str | None, int]]:
    """(status, delivery status, how many) of the messages about `topic`."""
    return [(status, delivery, int(n)) for status, delivery, n in session.execute(
        select(OutboxMessage.status, OutboxMessage.delivery_status, func.count())
        .where(OutboxMessage.topic == topic)
        .group_by(OutboxMessage.status, OutboxMessage.delivery_status)
    ).all()]


def later_by_topic(session: Session, topic: str, now: datetime) -> int:
    """How many messages about `topic` are pending but may not go before a later moment."""
    return int(session.execute(
        select(func.count()).where(OutboxMessage.topic == topic,
                                   OutboxMessage.status == OutboxStatus.PENDING,
                                   OutboxMessage.not_before > now)).scalar_one())


def reasons_by_topic(session: Session, topic: str, statuses: Collection[str]
                     ) -> list[tuple[str, str | None, int]]:
    """(status, last error, how many) of the messages about `topic` in `statuses`."""
    return [(status, error, int(n)) for status, error, n in session.execute(
        select(OutboxMessage.status, OutboxMessage.last_error, func.count())
        .where(OutboxMessage.topic == topic, col(OutboxMessage.status).in_(list(statuses)))
        .group_by(OutboxMessage.status, OutboxMessage.last_error)
        .order_by(func.count().desc())
    ).all()]


# A channel's pace, shared by every dispatcher


def lock_pace(session: Session, channel: str, now: datetime) -> ChannelPace:
    """The channel's pace row, locked until commit (made at `now` if there is none)."""
    query = select(ChannelPace).where(ChannelPace.channel == channel).with_for_update()
    pace = session.exec(query).first()
    if pace is None:
        insert = insert_for(session.get_bind().dialect)
        session.execute(insert(ChannelPace).values(channel=channel, next_at=now)
                        .on_conflict_do_nothing())
        pace = session.exec(query).one()
    return pace


def paces(session: Session) -> dict[str, float | None]:
    """Each channel's stored pace (None: its configured rate)."""
    return {channel: rate for channel, rate in session.execute(
        select(ChannelPace.channel, ChannelPace.rate)).all()}


def depth(session: Session) -> dict[tuple[str, int], int]:
    """Pending messages by (channel, priority)."""
    return {(channel, priority): int(n) for channel, priority, n in session.execute(
        select(OutboxMessage.channel, OutboxMessage.priority, func.count())
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .group_by(OutboxMessage.channel, OutboxMessage.priority)).all()}


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
