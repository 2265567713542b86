"""A person registered on Telegram and on WhatsApp with one phone: pushes go to the channel
they last wrote on, once, and to the other when one cannot reach them."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from conversations import outbox, sending
from conversations.outbox import Message, MessageKind, Recipient
from conversations.sending import Outcome, OutcomeStatus
from storage.db import session_scope
from storage.models import Conversation, OutboxMessage, User
from tests.conftest import START

PHONE = "+6281234567890"
LEASE = timedelta(seconds=60)


def person(database, *, wrote_on: str | None = "whatsapp", whatsapp_consent: bool = True,
           opted_out_on: str | None = None) -> dict[str, int]:
    """The same phone on both channels; returns the users' ids by channel."""
    ids = {}
    with session_scope(database) as session:
        for channel, address, hours_ago in (("telegram", "7001", 5), ("whatsapp", PHONE, 1)):
            consent = START if channel == "telegram" or whatsapp_consent else None
            user = User(channel=channel, address=address, phone=PHONE, name="Siti",
                        province="Jawa Timur", registered_at=START, consent_at=consent,
                        opted_out=channel == opted_out_on)
            session.add(user)
            wrote = START - timedelta(hours=hours_ago if channel == wrote_on else 9)
            session.add(Conversation(channel=channel, address=address,
                                     last_inbound_at=wrote if wrote_on else None))
            session.flush()
            ids[channel] = user.id
    return ids


def push(database, ids, kind=MessageKind.BROADCAST, topic: str | None = "broadcast:1",
         only: str | None = None) -> None:
    with session_scope(database) as session:
        outbox.queue(session, [
            Message(Recipient(channel, "7001" if channel == "telegram" else PHONE, user_id),
                    kind, f"{kind}:{user_id}", {"text": "Pameran dibuka"}, topic=topic)
            for channel, user_id in ids.items() if only in (None, channel)], START)


def claim(database, channel: str) -> list[str]:
    with session_scope(database) as session:
        return [m.address for m in sending.claim(session, channel, START, 10, LEASE)]


def rows(database) -> list[OutboxMessage]:
    with Session(database) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_broadcast_to_both_rows_goes_once_where_they_wrote_last(database):
    ids = person(database, wrote_on="whatsapp")
    push(database, ids)
    assert claim(database, "telegram") == []
    assert claim(database, "whatsapp") == [PHONE]
    first, second = rows(database)
    assert (first.channel, first.user_id) == ("whatsapp", ids["whatsapp"])
    assert (second.status, second.last_error) == ("skipped", "sent on their other channel")


def test_a_decision_follows_them_to_the_channel_they_wrote_on_last(database):
    ids = person(database, wrote_on="telegram")
    push(database, ids, MessageKind.DECISION, topic=None, only="whatsapp")
    assert claim(database, "whatsapp") == []
    assert claim(database, "telegram") == ["7001"]


def test_blocked_on_one_the_push_goes_to_the_other_once(database):
    ids = person(database, wrote_on="telegram")
    push(database, ids, MessageKind.DECISION, topic=None, only="telegram")
    [key] = [m.idempotency_key for m in rows(database)]
    assert claim(database, "telegram") == ["7001"]
    with session_scope(database) as session:  # Telegram: the bot was blocked
        sending.record_one(session, key, Outcome(OutcomeStatus.BLOCKED, "blocked"), START)
    assert claim(database, "whatsapp") == [PHONE]
    with session_scope(database) as session:  # and WhatsApp's later report: 63024
        sending.record_one(session, key, Outcome(OutcomeStatus.SENT, provider_id="SM1"),
                           START)
        sending.record_report(session, "SM1", "failed", START, "63024",
                              Outcome(OutcomeStatus.BLOCKED, "63024", error_code="63024"))
    [message] = rows(database)
    assert (message.status, message.channel) == ("blocked", "whatsapp")  # once, not back
    with Session(database) as session:
        assert all(u.unreachable for u in session.exec(select(User)))


def test_a_person_known_unreachable_on_one_gets_pushes_on_the_other(database):
    ids = person(database, wrote_on="telegram")
    with session_scope(database) as session:
        session.get(User, ids["telegram"]).unreachable = True
    push(database, ids, only="telegram")
    assert claim(database, "telegram") == []
    assert claim(database, "whatsapp") == [PHONE]


def test_rows_without_consent_on_both_are_not_linked(database):
    ids = person(database, wrote_on="whatsapp", whatsapp_consent=False)
    push(database, ids, only="telegram")
    assert claim(database, "telegram") == ["7001"]


def test_berhenti_on_either_stops_broadcasts_on_both(database):
    ids = person(database, wrote_on="whatsapp", opted_out_on="whatsapp")
    push(database, ids, only="telegram")
    assert claim(database, "telegram") == []
    assert {m.status for m in rows(database)} == {"skipped"}
