"""Conversation rows and the platform message ids already handled: the rows every incoming
message reads and writes, through statements compiled once (storage.statements)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, delete, select, update
from sqlmodel import Session, col

from storage.db import insert_for
from storage.models import Conversation, HandledInbound, utcnow
from storage.statements import Prepared
from storage.statuses import ConversationStatus

CONVERSATIONS = Conversation.__table__
HANDLED = HandledInbound.__table__


@dataclass
class ConversationState:
    """A conversation row as plain data: read, changed by the engine, written back once."""

    id: int
    channel: str
    address: str
    user_id: int | None
    flow: str | None
    step: str | None
    status: str
    answers: dict[str, Any]  # the flow state, as conversations.state writes it
    language: str
    version: int
    last_inbound_at: datetime | None
    updated_at: datetime
    created: bool = False  # made by this message: the address wrote for the first time


_STORED = [f.name for f in fields(ConversationState) if f.name != "created"]
_WRITTEN = [name for name in _STORED if name not in ("id", "channel", "address")]
# Read back: the channel and address are what it was looked up by.
_READ = [CONVERSATIONS.c.id, *(CONVERSATIONS.c[name] for name in _WRITTEN)]


@dataclass(frozen=True)
class _Statements:
    mark_handled: Prepared
    select: Prepared
    insert: Prepared
    update: Prepared
    delete: Prepared


@lru_cache(maxsize=8)
def _statements(dialect: Dialect) -> _Statements:
    upsert = insert_for(dialect)
    at_address = ((CONVERSATIONS.c.channel == bindparam("channel"))
                  & (CONVERSATIONS.c.address == bindparam("address")))
    return _Statements(
        mark_handled=Prepared(
            upsert(HANDLED)
            .values(channel=bindparam("channel"), message_id=bindparam("message_id"),
                    handled_at=bindparam("at", type_=HANDLED.c.handled_at.type))
            .on_conflict_do_nothing(),
            dialect,
        ),
        select=Prepared(select(*_READ).where(at_address).with_for_update(), dialect, _READ),
        insert=Prepared(
            upsert(CONVERSATIONS)
            .values(channel=bindparam("channel"), address=bindparam("address"),
                    answers=bindparam("answers", type_=CONVERSATIONS.c.answers.type),
                    status=ConversationStatus.IDLE.value, language="id", version=0,
                    updated_at=bindparam("at", type_=CONVERSATIONS.c.updated_at.type))
            .on_conflict_do_nothing(),
            dialect,
        ),
        update=Prepared(
            update(CONVERSATIONS)
            .where((CONVERSATIONS.c.id == bindparam("the_id"))
                   & (CONVERSATIONS.c.version == bindparam("old_version")))
            .values({name: bindparam(f"new_{name}", type_=CONVERSATIONS.c[name].type)
                     for name in _WRITTEN}),
            dialect,
        ),
        delete=Prepared(delete(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("the_id")),
                        dialect),
    )


def first_time_seen(conn: Connection, channel: str, message_id: str) -> bool:
    """Record a platform message id; False when it was handled before (a retried webhook)."""
    sql = _statements(conn.dialect).mark_handled
    # One row added the first time; none when the id was there (the conflict is ignored).
    return sql.run(conn, {"channel": channel, "message_id": message_id,
                          "at": utcnow()}).rowcount == 1


def forget_handled_before(session: Session, before: datetime) -> int:
    """Drop the message ids handled before `before`; returns how many."""
    result = session.execute(delete(HandledInbound).where(
        col(HandledInbound.handled_at) < before))
    return result.rowcount


def lock(conn: Connection, channel: str, address: str) -> ConversationState:
    """The conversation of an address, created if new and locked until commit.

    On PostgreSQL the row lock serialises two messages of one user across processes;
    SQLite's BEGIN IMMEDIATE already does so for the whole database.
    """
    sql = _statements(conn.dialect)
    where = {"channel": channel, "address": address}
    row = sql.select.first(conn, where)
    if row is not None:
        return ConversationState(row[0], channel, address, *row[1:])
    sql.insert.run(conn, {**where, "answers": {}, "at": utcnow()})
    row = sql.select.first(conn, where)
    assert row is not None
    return ConversationState(row[0], channel, address, *row[1:], created=True)


def save(conn: Connection, state: ConversationState) -> None:
    """Write the state back; the version guards against a writer that read it earlier."""
    values = {f"new_{name}": getattr(state, name) for name in _WRITTEN}
    values["new_version"] = state.version + 1
    result = _statements(conn.dialect).update.run(
        conn, {"the_id": state.id, "old_version": state.version, **values})
    if result.rowcount != 1:
        raise RuntimeError(f"conversation {state.id} changed under us (version {state.version})")
    state.version += 1


def delete_row(conn: Connection, state: ConversationState) -> None:
    _statements(conn.dialect).delete.run(conn, {"the_id": state.id})


def tie_to_user(session: Session, channel: str, address: str, user_id: int) -> None:
    """An address's conversation belongs to a user row made outside the chat (staff)."""
    session.execute(
        update(Conversation)
        .where(Conversation.channel == channel, Conversation.address == address,
               col(Conversation.user_id).is_(None))
        .values(user_id=user_id)
    )


def delete_at(session: Session, channel: str, address: str) -> None:
    session.execute(delete(Conversation).where(Conversation.channel == channel,
                                               Conversation.address == address))


def last_inbound(session: Session, channel: str, addresses: Sequence[str]) -> dict[str, datetime]:
    """When each address last wrote to us, for those that ever did."""
    if not addresses:
        return {}
    rows = session.execute(
        select(Conversation.address, Conversation.last_inbound_at).where(
            Conversation.channel == channel, col(Conversation.address).in_(list(addresses)),
            col(Conversation.last_inbound_at).is_not(None),
        )
    )
    return {address: at for address, at in rows if at is not None}
