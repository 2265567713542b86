"""The columns every table of Kriya shares: moments kept in UTC and read back aware of
their zone, and the default factories that pydantic calls on every row it makes."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def no_items() -> list[Any]:
    # Not the builtin `list`: pydantic inspects a default factory's signature on every
    # construction, and builtins make that slow.
    return []


def no_fields() -> dict[str, Any]:
    return {}


# Pydantic asks a default factory for its signature on every construction of a model; told
# beforehand, it does not inspect the function each time (a user row is made per message).
for _factory in (utcnow, no_items, no_fields):
    _factory.__signature__ = inspect.Signature()  # type: ignore[attr-defined]


class UTCDateTime(TypeDecorator):
    """A moment, stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a datetime without a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # On SQLite a moment is text, "2027-03-01 02:00:00.000000" in UTC. Every message writes
    # and reads a few: the standard library's ISO form, written and read in C, is the same
    # text as SQLAlchemy's own and costs a fraction of its formatting and parsing.

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value):
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("refusing to store a datetime without a time zone")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def process(value):
            if value is None:
                return None
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None \
                else moment.astimezone(UTC)

        return process


def _ts(**kwargs: Any) -> Any:
    """A timezone-aware timestamp column (stored as UTC)."""
    nullable = kwargs.pop("nullable", False)
    index = kwargs.pop("index", False)
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index), **kwargs)
