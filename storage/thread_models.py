"""Questions people ask an office in the chat ("Tanya petugas"): one thread a question,
its messages from the person and from staff, and who of the office answers it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.models import _ts, utcnow


class ThreadStatus(StrEnum):
    OPEN = "open"  # the person may write, staff may answer
    CLOSED = "closed"  # staff closed it; a new question opens a new thread


class Thread(SQLModel, table=True):
    """A person's conversation with the office that reaches their province."""

    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_office_status", "office_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    office_id: str = Field(foreign_key="offices.id", max_length=32)
    status: str = Field(default=ThreadStatus.OPEN.value, max_length=8)
    assigned_to: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    opened_at: datetime = _ts(default_factory=utcnow)
    last_user_message_at: datetime | None = _ts(default=None, nullable=True)
    # Since when the person's words wait for a staff answer; None once answered.
    waiting_since: datetime | None = _ts(default=None, nullable=True)
    closed_at: datetime | None = _ts(default=None, nullable=True)
    closed_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class ThreadMessage(SQLModel, table=True):
    """One message of a thread: the person's (text and/or a photo) or a staff answer."""

    __tablename__ = "thread_messages"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="threads.id", ondelete="CASCADE", index=True)
    at: datetime = _ts(default_factory=utcnow)
    from_staff: bool = Field(default=False)
    staff_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    text: str = Field(default="", max_length=4000)
    photo: str | None = Field(default=None, max_length=200)  # in the media store
    thumb: str | None = Field(default=None, max_length=200)
