"""What the outbox records when a delivery goes wrong: retries back off and then stop."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from conversations import sending
from conversations.sending import Outcome, OutcomeStatus
from storage.db import session_scope
from storage.models import OutboxMessage, User

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


def queue(database, key="k1") -> None:
    with session_scope(database) as session:
        session.add(User(channel="telegram", address="42", name="Siti"))
        session.add(OutboxMessage(channel="telegram", address="42", kind="reminder",
                                  payload={"text": "hi"}, idempotency_key=key))


def row(database) -> OutboxMessage:
    with Session(database) as session:
        return session.exec(select(OutboxMessage)).one()


def test_transient_failures_back_off_then_fail_with_the_last_reason(database):
    queue(database)
    waits = []
    for attempt in range(1, sending.MAX_ATTEMPTS + 1):
        with session_scope(database) as session:
            sending.record_one(session, "k1",
                               Outcome(OutcomeStatus.RETRY, f"network: try {attempt}"), NOW)
        message = row(database)
        if message.status == "pending":
            waits.append((message.not_before - NOW).total_seconds())
    assert message.status == "failed" and message.last_error == f"network: try {attempt}"
    assert message.attempts == sending.MAX_ATTEMPTS
    assert waits == sorted(waits) and waits[0] < 3 and waits[-1] > 60


def test_a_platform_wait_is_respected(database):
    queue(database)
    from datetime import timedelta

    for _ in range(sending.MAX_ATTEMPTS + 2):  # a long flood costs the message no try
        with session_scope(database) as session:
            sending.record_one(session, "k1",
                               Outcome(OutcomeStatus.RETRY, "flood", retry_after=7), NOW)
    message = row(database)
    assert message.not_before == NOW + timedelta(seconds=7)
    assert message.status == "pending" and message.attempts == 0
    assert message.last_error == "flood"


def test_blocked_marks_the_user_unreachable(database):
    queue(database)
    with session_scope(database) as session:
        sending.record_one(session, "k1",
                           Outcome(OutcomeStatus.BLOCKED, "Forbidden: bot was blocked"), NOW)
    assert row(database).status == "blocked"
    with Session(database) as session:
        assert session.exec(select(User)).one().unreachable is True
