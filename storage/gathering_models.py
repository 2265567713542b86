"""Parts of one answer that arrive apart (the photos of a Telegram album, a WhatsApp batch),
kept in the database so that every server process behind a load balancer sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import _ts


class Gathering(SQLModel, table=True):
    """A group of parts being gathered, and the request that answers for all of them."""

    __tablename__ = "gatherings"

    group_key: str = Field(primary_key=True, max_length=200)
    leader: str = Field(max_length=32)  # a token of the request that takes the parts
    started_at: datetime = _ts()


class GatheredPart(SQLModel, table=True):
    """One part of a group, once however often its webhook is retried."""

    __tablename__ = "gathered_parts"
    __table_args__ = (UniqueConstraint("group_key", "part_key",
                                       name="uq_gathered_parts_group_part"),)

    id: int | None = Field(default=None, primary_key=True)  # the order parts came in
    group_key: str = Field(max_length=200)
    part_key: str = Field(max_length=200)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    added_at: datetime = _ts()
