"""Housekeeping the scheduler does beside the reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from storage import conversations as conversation_rows

# How long a platform message id is remembered, to answer a retried webhook once. Telegram
# and Twilio give up retrying within a day; a week is room to spare.
HANDLED_KEPT = timedelta(days=7)


def forget_old_inbound(session: Session, now: datetime) -> int:
    """Forget the message ids handled more than HANDLED_KEPT ago; returns how many."""
    return conversation_rows.forget_handled_before(session, now - HANDLED_KEPT)
