"""The words kept in status columns: one enum a column, each member stored as its value.

A typo in a status is an AttributeError here, not a query that silently finds nothing.
"""

from __future__ import annotations

from enum import StrEnum


class ConversationStatus(StrEnum):
    IDLE = "idle"  # between flows (or never in one)
    ACTIVE = "active"  # waiting for the answer to a question


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting to go: now, or at its not_before
    SENT = "sent"  # the platform took it
    FAILED = "failed"  # given up: a final error, or too many tries
    BLOCKED = "blocked"  # the person blocked the bot, or the number is not on the platform
    SKIPPED = "skipped"  # a push not sent: they said BERHENTI, or it would come too late
    WITHDRAWN = "withdrawn"  # a reminder whose program moved or whose sign-up was cancelled
    STOPPED = "stopped"  # a broadcast message that staff stopped


class DeliveryStatus(StrEnum):
    """What the platform reports of a message after it took it."""

    ACCEPTED = "accepted"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"


class ProductStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting for a curator
    IN_REVIEW = "in_review"  # held by a curator
    ACCEPTED = "accepted"
    NEEDS_REVISION = "needs_revision"  # sent back; the submitter may change it and resend
    REJECTED = "rejected"


class SignUpStatus(StrEnum):
    CONFIRMED = "confirmed"  # holds a seat, or applied where there is a selection
    WAITLISTED = "waitlisted"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    CANCELLED = "cancelled"


class BroadcastStatus(StrEnum):
    SENDING = "sending"  # its messages are in the outbox (from its time on)
    STOPPED = "stopped"  # staff stopped it; what had not left stays unsent
