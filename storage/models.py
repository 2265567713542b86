"""The tables of Kriya. Every lasting fact is a row here; nothing lives only in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime, _ts, no_fields, no_items, utcnow  # noqa: F401
from storage.statuses import BroadcastStatus, ConversationStatus, OutboxStatus, ProductStatus


class Office(SQLModel, table=True):
    """An office that runs programs (a trade office, Dekranasda, Kemendag, a Kanwil) and the
    provinces it reaches; none means all of Indonesia."""

    __tablename__ = "offices"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=120)
    kind: str = Field(default="national", max_length=16)
    provinces: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person who talks to the bot on one channel (artisan, Lapas officer or staff)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_users_channel_address"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    role: str | None = Field(default=None, max_length=16)
    staff_roles: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    # The office a staff member works for (with the roles above); none for everyone else.
    office_id: str | None = Field(default=None, foreign_key="offices.id", max_length=32)
    name: str | None = Field(default=None, max_length=80)
    business_name: str | None = Field(default=None, max_length=80)
    province: str | None = Field(default=None, max_length=40)
    city: str | None = Field(default=None, max_length=60)
    categories: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    phone: str | None = Field(default=None, max_length=16, index=True)
    language: str = Field(default="id", max_length=8)
    lapas_id: int | None = Field(default=None, foreign_key="lapas.id", ondelete="SET NULL")
    consent_at: datetime | None = _ts(default=None, nullable=True)
    consent_version: str | None = Field(default=None, max_length=16)
    opted_out: bool = Field(default=False)
    unreachable: bool = Field(default=False)
    registered_at: datetime | None = _ts(default=None, nullable=True)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class Lapas(SQLModel, table=True):
    """A prison (Lembaga Pemasyarakatan) whose workshop makes products.

    Its officers join the bot with the invite code.
    """

    __tablename__ = "lapas"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    province: str = Field(max_length=40)
    invite_code: str = Field(max_length=16, unique=True)
    created_at: datetime = _ts(default_factory=utcnow)


class Program(SQLModel, table=True):
    """A government program: seminar, training, mentoring, curation, exhibition and the like."""

    __tablename__ = "programs"
    __table_args__ = (Index("ix_programs_upcoming", "ends_at", "registration_deadline"),)

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16, index=True)
    title: str = Field(max_length=200)
    organiser: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=4000)
    venue: str = Field(default="", max_length=200)
    province: str = Field(default="nasional", max_length=40, index=True)
    categories: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    starts_at: datetime = _ts()
    ends_at: datetime = _ts()
    timezone: str = Field(max_length=40)
    registration_deadline: datetime | None = _ts(default=None, nullable=True)
    quota: int | None = Field(default=None)
    audience: str = Field(default="both", max_length=8)
    requires_curated_product: bool = Field(default=False)
    # offline, online or hybrid: an online program's times are read in each reader's zone,
    # the others' where they happen.
    mode: str = Field(default="offline", max_length=8,
                      sa_column_kwargs={"server_default": "offline"})
    funding_routes: list[dict[str, Any]] = Field(
        default_factory=no_items, sa_column=Column(JSON, nullable=False)
    )
    # The office that made it and runs it; its staff alone manage it (pusat: everyone's).
    office_id: str = Field(default="pusat", foreign_key="offices.id", max_length=32, index=True)
    # A draft (a copy for next year, say) is the office's alone until published: the chat's
    # finder, /program and the reminders do not know it.
    draft: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """Where one chat address stands in a flow. One row per (channel, address).

    `version` grows by one with every handled message: it orders replies and guards
    against two workers writing from the same old state.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel", "address", name="uq_conversations_channel_address"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    flow: str | None = Field(default=None, max_length=40)
    step: str | None = Field(default=None, max_length=80)
    status: str = Field(default=ConversationStatus.IDLE.value, max_length=16)
    answers: dict[str, Any] = Field(
        default_factory=no_fields, sa_column=Column(JSON, nullable=False)
    )
    language: str = Field(default="id", max_length=8)
    version: int = Field(default=0)
    last_inbound_at: datetime | None = _ts(default=None, nullable=True)
    updated_at: datetime = _ts(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """A message on its way out. Written in the same transaction as the state that caused it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_pending", "status", "priority", "not_before"),
        # Most messages are replies, with neither: indexed are only the rows that have one,
        # which spares every reply two index writes.
        Index("ix_outbox_messages_provider_id", "provider_id",
              sqlite_where=text("provider_id IS NOT NULL"),
              postgresql_where=text("provider_id IS NOT NULL")),
        Index("ix_outbox_messages_topic", "topic", sqlite_where=text("topic IS NOT NULL"),
              postgresql_where=text("topic IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=24)
    priority: int = Field(default=0)
    payload: dict[str, Any] = Field(
        default_factory=no_fields, sa_column=Column(JSON, nullable=False)
    )
    idempotency_key: str = Field(max_length=200, unique=True)
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=500)
    not_before: datetime | None = _ts(default=None, nullable=True)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)
    sent_at: datetime | None = _ts(default=None, nullable=True)
    # What the platform says after it took the message (WhatsApp status callbacks): its id
    # for the message, the latest state (queued, sent, delivered, read, failed, undelivered)
    # and the platform's error code when it failed.
    provider_id: str | None = Field(default=None, max_length=64)
    delivery_status: str | None = Field(default=None, max_length=16)
    error_code: str | None = Field(default=None, max_length=16)
    # What a push is about ("program:tei-2027", "broadcast:12"): to count a broadcast's
    # messages, stop it, or withdraw reminders whose program moved.
    topic: str | None = Field(default=None, max_length=80)
    # After this a push no longer makes sense (a reminder of an event that has begun): one
    # still waiting then, for the morning or a retry, is skipped instead of sent.
    expires_at: datetime | None = _ts(default=None, nullable=True)
    # A spread broadcast's window in its person's zone: none leaves at or after it closes.
    window_opens: datetime | None = _ts(default=None, nullable=True)
    window_closes: datetime | None = _ts(default=None, nullable=True)


class Product(SQLModel, table=True):
    """A product sent for curation, by an artisan or by a Lapas officer for their Lapas.

    Status: submitted -> in_review (a curator holds it) -> accepted, needs_revision (sent
    again after changes) or rejected. Photos are media-store paths with their thumbnails and
    fingerprints. A Lapas product names its maker by producer code, never by name.
    """

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_queue", "status", "submitted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    lapas_id: int | None = Field(default=None, foreign_key="lapas.id", index=True)
    producer_code: str | None = Field(default=None, max_length=20)
    province: str | None = Field(default=None, max_length=40)
    name: str = Field(max_length=120)
    category: str = Field(max_length=24)
    materials: str = Field(max_length=200)
    size: str = Field(max_length=80)
    price: int  # whole rupiah
    capacity: int  # units a month
    description: str = Field(max_length=1000)
    photos: list[dict[str, Any]] = Field(
        default_factory=no_items, sa_column=Column(JSON, nullable=False)
    )
    packaging_photo: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    status: str = Field(default=ProductStatus.SUBMITTED.value, max_length=16)
    curator_note: str | None = Field(default=None, max_length=1000)
    claimed_by: int | None = Field(default=None)
    claimed_until: datetime | None = _ts(default=None, nullable=True)
    decided_by: int | None = Field(default=None)
    submitted_at: datetime = _ts(default_factory=utcnow)
    decided_at: datetime | None = _ts(default=None, nullable=True)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class HandledInbound(SQLModel, table=True):
    """Platform message ids already handled, so a retried webhook is not handled twice."""

    __tablename__ = "handled_inbound"

    channel: str = Field(primary_key=True, max_length=16)
    message_id: str = Field(primary_key=True, max_length=100)
    handled_at: datetime = _ts(default_factory=utcnow, index=True)


class Registration(SQLModel, table=True):
    """A sign-up for a program: a person's own, or a Lapas' made by one of its officers.

    `party` is who holds the place ("user:12" or "lapas:3"): one place per party and
    program, so two officers of one Lapas, or a double tap, never make two. `seq` is the
    order of arrival within the program, given under the program's lock: seats and the
    waiting list go by it. Status: confirmed (holds a seat, or applied where there is a
    selection), waitlisted, selected, not_selected, cancelled.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("program_id", "party", name="uq_registrations_program_party"),
        Index("ix_registrations_queue", "program_id", "status", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: str = Field(foreign_key="programs.id", ondelete="CASCADE", max_length=64)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    lapas_id: int | None = Field(default=None, foreign_key="lapas.id", index=True)
    party: str = Field(max_length=24, index=True)
    seq: int
    status: str = Field(max_length=16)  # a SignUpStatus
    funding_route: str | None = Field(default=None, max_length=16)
    product_ids: list[int] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    notes: str = Field(default="", max_length=500)
    signed_up_at: datetime = _ts(default_factory=utcnow)
    decided_by: int | None = Field(default=None)
    decided_at: datetime | None = _ts(default=None, nullable=True)
    cancelled_at: datetime | None = _ts(default=None, nullable=True)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class ReminderRun(SQLModel, table=True):
    """A reminder of one kind for one program, queued for everyone it concerns. `anchor`
    is the moment it reminds of: when the program's dates move, a new anchor makes a new
    run, and the queued reminders of the old one are withdrawn."""

    __tablename__ = "reminder_runs"

    program_id: str = Field(foreign_key="programs.id", ondelete="CASCADE", primary_key=True,
                            max_length=64)
    kind: str = Field(primary_key=True, max_length=16)
    anchor: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    queued: int = Field(default=0)
    ran_at: datetime = _ts(default_factory=utcnow)


class Broadcast(SQLModel, table=True):
    """An announcement from staff to an audience. Its messages are outbox rows with the
    topic "broadcast:<id>"; status (a BroadcastStatus): sending, then stopped if staff stop
    it."""

    __tablename__ = "broadcasts"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=4000)
    media: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    audience: dict[str, Any] = Field(default_factory=no_fields,
                                     sa_column=Column(JSON, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    send_at: datetime = _ts(default_factory=utcnow)
    recipients: int = Field(default=0)
    status: str = Field(default=BroadcastStatus.SENDING.value, max_length=16)
    created_at: datetime = _ts(default_factory=utcnow)
    stopped_at: datetime | None = _ts(default=None, nullable=True)
    office_id: str | None = Field(default=None, foreign_key="offices.id", max_length=32)
    spread: str | None = Field(default=None, max_length=16)  # "08:00-16:00", each one's zone
    form_key: str | None = Field(default=None, max_length=40, unique=True)  # one send a form


class ChannelPace(SQLModel, table=True):
    """When a channel's next message may leave, and at what pace (conversations.pacing),
    shared by every dispatcher: a platform's limit is per sender, not per process. Each
    dispatcher books its batch's time here; a platform's "slow down" moves `next_at`."""

    __tablename__ = "channel_pace"

    channel: str = Field(primary_key=True, max_length=16)
    next_at: datetime = _ts()
    rate: float | None = None  # messages a second now; None: the configured rate
    refused_rate: float | None = None  # the pace to climb back to quickly after a 429
    steady_seconds: float | None = None  # of sending since the last 429


# The console's tables live beside these; importing them here puts them on the same metadata.
from storage import (  # noqa: E402,F401
    access_models,
    content_models,
    curation_models,
    gathering_models,
    thread_models,
)
