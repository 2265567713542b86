"""The staff console's tables: one-time login links, sessions, and the audit log.

Links and sessions are known by the SHA-256 of their secret alone: a copy of the
database opens no console.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.models import _ts, utcnow


class LoginLink(SQLModel, table=True):
    """A link sent to one staff member that opens one console session, once."""

    __tablename__ = "login_links"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = _ts(default_factory=utcnow)
    expires_at: datetime = _ts()
    used_at: datetime | None = _ts(default=None, nullable=True)


class StaffSession(SQLModel, table=True):
    """A staff member logged in to the console in one browser; ends at logout, when
    revoked, or after a spell of no use."""

    __tablename__ = "staff_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = _ts(default_factory=utcnow)
    last_seen_at: datetime = _ts(default_factory=utcnow)
    ended_at: datetime | None = _ts(default=None, nullable=True)
    # The browser, as it named itself, for the list of open sessions.
    agent: str = Field(default="", max_length=200)


class AuditEntry(SQLModel, table=True):
    """One change made by staff, from the console, the chat or the command line."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(default_factory=utcnow, index=True)
    office_id: str | None = Field(default=None, max_length=32, index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # Who, as they were named then: the entry outlives the person's row.
    actor: str = Field(default="", max_length=120)
    via: str = Field(max_length=8)  # console, chat or cli
    action: str = Field(max_length=40)
    object_kind: str = Field(max_length=24)
    object_id: str = Field(default="", max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
