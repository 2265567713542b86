"""The statements every incoming message runs, built once per database dialect.

Each message costs a handful of statements; building them afresh and running them through
the ORM cost more than the database work itself. Here they are prepared once, with bound
parameters, and run on the session's connection.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

from storage.models import Conversation, HandledInbound, OutboxMessage, User, utcnow

CONVERSATIONS = Conversation.__table__
USERS = User.__table__
HANDLED = HandledInbound.__table__
OUTBOX = OutboxMessage.__table__


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
    answers: dict[str, Any]
    language: str
    version: int
    last_inbound_at: datetime | None
    updated_at: datetime
    created: bool = False


_STORED = [f.name for f in fields(ConversationState) if f.name != "created"]
_STATE_COLUMNS = [CONVERSATIONS.c[name] for name in _STORED]
_STATE_FIELDS = [name for name in _STORED if name not in ("id", "channel", "address")]


class Prepared:
    """One statement compiled once for a dialect, run on the driver's cursor.

    SQLAlchemy compiles it and supplies the type conversions (JSON, aware datetimes,
    booleans); only the per-call bookkeeping is skipped, which was most of the cost.
    """

    def __init__(self, statement: Any, dialect: Dialect, columns: list[Any] | None = None):
        compiled = statement.compile(dialect=dialect)
        self.compiled = compiled
        self.sql = str(compiled)
        self.positional = tuple(compiled.positiontup or ()) if dialect.positional else None
        self.binds = {
            name: processor
            for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }
        self.results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns or ()
        ]

    def args(self, params: dict[str, Any]) -> Any:
        values = self.compiled.construct_params(params)
        for name, processor in self.binds.items():
            values[name] = processor(values[name])
        if self.positional is None:
            return values
        return [values[name] for name in self.positional]

    def run(self, conn: Connection, params: dict[str, Any]) -> Any:
        cursor = _cursor(conn)
        cursor.execute(self.sql, self.args(params))
        return cursor

    def run_many(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        _cursor(conn).executemany(self.sql, [self.args(row) for row in rows])

    def row(self, cursor: Any) -> tuple[Any, ...] | None:
        raw = cursor.fetchone()
        if raw is None:
            return None
        return tuple(
            processor(value) if processor else value
            for processor, value in zip(self.results, raw, strict=True)
        )


def _cursor(conn: Connection) -> Any:
    # One driver cursor per transaction, inside SQLAlchemy's own transaction.
    cursor = conn.info.get("kriya_cursor")
    if cursor is None:
        cursor = conn.info["kriya_cursor"] = conn.connection.driver_connection.cursor()
    return cursor


@dataclass(frozen=True)
class Statements:
    mark_handled: Prepared
    select_conversation: Prepared
    insert_conversation: Prepared
    update_conversation: Prepared
    delete_conversation: Prepared
    select_user_by_id: Prepared
    select_user_at: Prepared
    insert_outbox: Prepared
    mark_sent: Prepared


OUTBOX_FIELDS = ("channel", "address", "user_id", "kind", "priority", "payload",
                 "idempotency_key", "status", "attempts", "not_before", "created_at",
                 "updated_at")


@lru_cache(maxsize=32)
def _statements(dialect: Dialect) -> Statements:
    upsert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    where_address = (
        (CONVERSATIONS.c.channel == bindparam("channel"))
        & (CONVERSATIONS.c.address == bindparam("address"))
    )
    select_conversation = select(*_STATE_COLUMNS).where(where_address).with_for_update()
    return Statements(
        mark_handled=Prepared(
            upsert(HANDLED)
            .values(channel=bindparam("channel"), message_id=bindparam("message_id"),
                    handled_at=bindparam("at", type_=HANDLED.c.handled_at.type))
            .on_conflict_do_nothing()
            .returning(HANDLED.c.message_id),
            dialect,
        ),
        select_conversation=Prepared(select_conversation, dialect, _STATE_COLUMNS),
        insert_conversation=Prepared(
            upsert(CONVERSATIONS)
            .values(channel=bindparam("channel"), address=bindparam("address"),
                    answers=bindparam("answers", type_=CONVERSATIONS.c.answers.type),
                    status="idle", language="id", version=0,
                    updated_at=bindparam("at", type_=CONVERSATIONS.c.updated_at.type))
            .on_conflict_do_nothing(),
            dialect,
        ),
        update_conversation=Prepared(
            update(CONVERSATIONS)
            .where((CONVERSATIONS.c.id == bindparam("the_id"))
                   & (CONVERSATIONS.c.version == bindparam("old_version")))
            .values({name: bindparam(f"new_{name}", type_=CONVERSATIONS.c[name].type)
                     for name in _STATE_FIELDS}),
            dialect,
        ),
        delete_conversation=Prepared(
            delete(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("the_id")), dialect
        ),
        select_user_by_id=Prepared(
            select(*USERS.c).where(USERS.c.id == bindparam("the_id")), dialect, list(USERS.c)
        ),
        select_user_at=Prepared(
            select(*USERS.c).where((USERS.c.channel == bindparam("channel"))
                                   & (USERS.c.address == bindparam("address"))),
            dialect,
            list(USERS.c),
        ),
        insert_outbox=Prepared(
            insert(OUTBOX).values({name: bindparam(name, type_=OUTBOX.c[name].type)
                                   for name in OUTBOX_FIELDS}),
            dialect,
        ),
        mark_sent=Prepared(
            update(OUTBOX)
            .where(OUTBOX.c.idempotency_key == bindparam("key"))
            .values(status="sent", attempts=OUTBOX.c.attempts + 1, last_error=None,
                    sent_at=bindparam("at", type_=OUTBOX.c.sent_at.type),
                    updated_at=bindparam("at2", type_=OUTBOX.c.updated_at.type)),
            dialect,
        ),
    )


def statements(conn: Connection) -> Statements:
    return _statements(conn.dialect)


def first_time_seen(conn: Connection, channel: str, message_id: str) -> bool:
    """Record a platform message id; False when it was handled before (a retried webhook)."""
    sql = statements(conn).mark_handled
    params = {"channel": channel, "message_id": message_id, "at": utcnow()}
    return sql.run(conn, params).fetchone() is not None


def lock_conversation(conn: Connection, channel: str, address: str) -> ConversationState:
    """The conversation of an address, created if new and locked until commit.

    On PostgreSQL the row lock serialises two messages of one user across processes;
    SQLite's BEGIN IMMEDIATE already does so for the whole database.
    """
    sql = statements(conn)
    where = {"channel": channel, "address": address}
    row = sql.select_conversation.row(sql.select_conversation.run(conn, where))
    if row is not None:
        return ConversationState(*row)
    sql.insert_conversation.run(conn, {**where, "answers": {}, "at": utcnow()})
    row = sql.select_conversation.row(sql.select_conversation.run(conn, where))
    assert row is not None
    return ConversationState(*row, created=True)


def save_conversation(conn: Connection, state: ConversationState) -> None:
    """Write the state back; the version guards against a writer that read it earlier."""
    values = {f"new_{name}": getattr(state, name) for name in _STATE_FIELDS}
    values["new_version"] = state.version + 1
    cursor = statements(conn).update_conversation.run(
        conn, {"the_id": state.id, "old_version": state.version, **values}
    )
    if cursor.rowcount != 1:
        raise RuntimeError(f"conversation {state.id} changed under us (version {state.version})")
    state.version += 1


def delete_conversation(conn: Connection, state: ConversationState) -> None:
    statements(conn).delete_conversation.run(conn, {"the_id": state.id})


def _attach(session: Session, values: tuple[Any, ...] | None) -> User | None:
    """A User built from a plain row and attached as loaded, so changes to it are saved."""
    if values is None:
        return None
    row = dict(zip(USERS.c.keys(), values, strict=True))
    identity = (User, (row["id"],), None)
    if identity in session.identity_map:
        return session.identity_map[identity]
    user = User(**row)
    make_transient_to_detached(user)
    session.add(user)
    return user


def user_by_id(session: Session, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    conn = session.connection()
    sql = statements(conn).select_user_by_id
    return _attach(session, sql.row(sql.run(conn, {"the_id": user_id})))


def user_at(session: Session, channel: str, address: str) -> User | None:
    conn = session.connection()
    sql = statements(conn).select_user_at
    return _attach(session, sql.row(sql.run(conn, {"channel": channel, "address": address})))


def add_outbox(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Queue messages (plain column values); their idempotency keys identify them later."""
    if rows:
        statements(conn).insert_outbox.run_many(conn, rows)


def mark_sent(conn: Connection, keys: list[str], when: datetime) -> None:
    """Messages delivered: the commonest write after a message, so kept cheap."""
    if keys:
        statements(conn).mark_sent.run_many(conn, [{"key": k, "at": when, "at2": when}
                                                    for k in keys])
