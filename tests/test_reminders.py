"""Reminders from rows: who gets which, at what hour in their own zone, once however often the
tick runs; and the outbox claimed by several dispatchers without sending a row twice."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from conversations import programs, sending, signups
from conversations.messages import Outbound
from conversations.program_files import program_values
from conversations.quiet_hours import night_hold
from conversations.reminders import run_due
from storage.db import session_scope
from storage.models import OutboxMessage, User
from tests.conftest import together

START = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
# Registration closes Wednesday 10 March 2027 at 23.59 WIB; the event starts 20 April.
EXPO = {"id": "expo", "kind": "pelatihan", "title": "Pelatihan Pewarna Alam",
        "venue": "Hotel Aston Palembang", "starts_at": "2027-04-20T09:00+07:00",
        "ends_at": "2027-04-21T16:00+07:00", "registration_deadline": "2027-03-10T23:59+07:00"}
DEADLINE = datetime(2027, 3, 10, 16, 59, tzinfo=UTC)
EVENT = datetime(2027, 4, 20, 2, 0, tzinfo=UTC)


def add_program(database, **changes) -> None:
    with session_scope(database) as session:
        programs.save(session, program_values(EXPO | changes), START, "Asia/Jakarta")


def people(database, *provinces: str, **fields) -> list[int]:
    with session_scope(database) as session:
        users = [User(channel="telegram", address=str(1000 + n), role="artisan",
                      name=f"Perajin {n}", province=province, categories=["tenun"],
                      consent_at=START, registered_at=START, **fields)
                 for n, province in enumerate(provinces)]
        session.add_all(users)
        session.flush()
        return [u.id for u in users]


def tick(database, at: datetime) -> int:
    with session_scope(database) as session:
        return run_due(session, at)


def reminders(database, kind: str = "reminder") -> list[OutboxMessage]:
    with Session(database) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                 .order_by(OutboxMessage.id)))


def text(message: OutboxMessage) -> str:
    return Outbound.from_payload(message.payload).text


def test_deadline_reminders_speak_each_users_zone_and_wait_out_the_night(database):
    add_program(database)
    people(database, "Jawa Timur", "Nusa Tenggara Barat", "Papua")
    # Three days before 23.59 WIB is late at night everywhere: each waits for 07.00.
    assert tick(database, DEADLINE - timedelta(days=3)) == 3
    wib, wita, wit = reminders(database)
    # the deadline as the organiser set it, each reader's own time alongside
    assert "Rabu, 10 Maret 2027 pukul 23.59 WIB." in text(wib)
    assert "Rabu, 10 Maret 2027 pukul 23.59 WIB (11 Mar 00.59 WITA)" in text(wita)
    assert "Rabu, 10 Maret 2027 pukul 23.59 WIB (11 Mar 01.59 WIT)" in text(wit)
    assert [m.not_before for m in (wib, wita, wit)] == [
        datetime(2027, 3, 8, 0, 0, tzinfo=UTC),   # 07.00 WIB
        datetime(2027, 3, 7, 23, 0, tzinfo=UTC),  # 07.00 WITA
        datetime(2027, 3, 7, 22, 0, tzinfo=UTC),  # 07.00 WIT
    ]
    assert all("terlambat" not in text(m) for m in (wib, wita, wit))


def test_ticks_as_often_as_they_like_queue_each_reminder_once(database):
    add_program(database)
    people(database, "Jawa Timur", "Jawa Barat")
    at = DEADLINE - timedelta(days=3) + timedelta(hours=10)  # 09.59 WIB
    assert tick(database, at) == 2
    for minutes in range(1, 6):
        assert tick(database, at + timedelta(minutes=minutes)) == 0
    assert len(reminders(database)) == 2
    assert all(m.not_before is None for m in reminders(database))  # daytime: at once
    # The one-day reminder is another message.
    assert tick(database, DEADLINE - timedelta(days=1) + timedelta(hours=10)) == 2
    assert len(reminders(database)) == 4


def test_a_missed_reminder_goes_late_and_only_the_nearest_one(database):
    add_program(database)
    people(database, "Jawa Timur")
    # The server was down for both the three-day and the one-day moment.
    assert tick(database, DEADLINE - timedelta(hours=12)) == 1
    [late] = reminders(database)
    assert late.idempotency_key.startswith("reminder:deadline-1d:")
    assert text(late).startswith("Pengingat (terkirim terlambat): ")
    # After the deadline nothing is sent about it.
    add_program(database, id="later", registration_deadline="2027-03-02T09:00+07:00")
    assert tick(database, datetime(2027, 3, 2, 3, 0, tzinfo=UTC)) == 0


def test_event_reminders_go_to_those_with_a_place_and_stop_when_they_cancel(database):
    add_program(database, quota="1")
    first, second, third = people(database, "Jawa Timur", "Jawa Timur", "Jawa Timur")
    with session_scope(database) as session:
        places = [signups.sign_up(session, "expo", session.get(User, i), route=None,
                                  product_ids=[], notes="", now=START).registration
                  for i in (first, second)]
    at = EVENT - timedelta(days=7)  # 09.00 WIB
    assert tick(database, at) == 1
    [sent] = reminders(database)
    assert sent.user_id == first and "Hotel Aston Palembang" in text(sent)
    # A 2-hour reminder queued in the night, then the sign-up is cancelled: withdrawn.
    add_program(database, id="early", quota="1", starts_at="2027-04-10T08:30+07:00",
                ends_at="2027-04-10T12:00+07:00", registration_deadline="")
    with session_scope(database) as session:
        early = signups.sign_up(session, "early", session.get(User, third), route=None,
                                product_ids=[], notes="", now=START).registration
    assert tick(database, datetime(2027, 4, 9, 23, 30, tzinfo=UTC)) == 1  # 06.30 WIB
    with session_scope(database) as session:
        signups.cancel(session, early.id, session.get(User, third),
                       datetime(2027, 4, 9, 23, 40, tzinfo=UTC), "Asia/Jakarta")
    statuses = {m.user_id: m.status for m in reminders(database)}
    assert statuses[third] == "withdrawn"
    assert places[1].status == "waitlisted"


def test_moved_dates_withdraw_what_waits_and_remind_of_the_new_date(database):
    add_program(database)
    people(database, "Jawa Timur")
    assert tick(database, DEADLINE - timedelta(days=3)) == 1  # waits for 07.00
    add_program(database, registration_deadline="2027-03-17T23:59+07:00")
    [old] = reminders(database)
    assert old.status == "withdrawn"
    assert tick(database, DEADLINE - timedelta(days=3, hours=-9)) == 0  # not due any more
    assert tick(database, DEADLINE + timedelta(days=4, hours=10)) == 1
    new = reminders(database)[-1]
    assert "17 Maret 2027" in text(new)


def test_who_said_berhenti_or_cannot_be_reached_gets_no_reminder(database):
    add_program(database)
    quiet, _, gone, signed = people(database, "Jawa Timur", "Jawa Timur", "Jawa Timur",
                                    "Jawa Timur")
    with session_scope(database) as session:
        session.get(User, quiet).opted_out = True
        session.get(User, gone).unreachable = True
        signups.sign_up(session, "expo", session.get(User, signed), route=None,
                        product_ids=[], notes="", now=START)
    at = DEADLINE - timedelta(days=3, hours=-10)
    assert tick(database, at) == 1  # neither, nor the one already signed up
    # Saying BERHENTI after a reminder was queued: it is not sent.
    [queued] = reminders(database)
    with session_scope(database) as session:
        session.get(User, queued.user_id).opted_out = True
    with session_scope(database) as session:
        assert sending.claim(session, "telegram", at, 10, timedelta(seconds=60)) == []
    assert reminders(database)[0].status == "skipped"


def test_two_dispatchers_never_take_the_same_message(database):
    with session_scope(database) as session:
        for n in range(300):
            session.add(OutboxMessage(channel="telegram", address=str(n), kind="broadcast",
                                      priority=3, payload={"text": "hai"},
                                      idempotency_key=f"b:{n}"))
    taken: list[list[int]] = [[], []]

    def dispatcher(mine: list[int]) -> None:
        while True:
            with session_scope(database) as session:
                rows = sending.claim(session, "telegram", datetime.now(UTC), 7,
                                       timedelta(minutes=5))
                if not rows:
                    return
                mine.extend(r.id for r in rows)
                time.sleep(0.005)  # still holding them while the other one claims

    assert together(dispatcher, taken) == []
    assert not set(taken[0]) & set(taken[1])
    assert len(taken[0]) + len(taken[1]) == 300
    if database.dialect.name == "postgresql":  # side by side, not one after the other
        assert taken[0] and taken[1]


def test_replies_are_claimed_before_reminders_and_reminders_before_broadcasts(database):
    with session_scope(database) as session:
        for n, (kind, priority) in enumerate((("broadcast", 3), ("reminder", 2),
                                              ("reply", 0), ("decision", 1))):
            session.add(OutboxMessage(channel="telegram", address="1", kind=kind,
                                      priority=priority, payload={"text": kind},
                                      idempotency_key=f"k{n}"))
    with session_scope(database) as session:
        rows = sending.claim(session, "telegram", datetime.now(UTC), 10, timedelta(minutes=1))
        assert [r.kind for r in rows] == ["reply", "decision", "reminder", "broadcast"]


def test_run_due_from_the_command_line_queues_and_delivers_once(database, database_url):
    import os
    import subprocess
    import sys

    from tests.fake_telegram import FakeTelegram, ServerThread, free_port
    from tests.test_cli import ROOT, no_traceback

    add_program(database, registration_deadline="2027-03-10T15:00+07:00")
    people(database, "Jawa Timur", "Papua")
    fake = FakeTelegram(port=free_port())
    env = {**os.environ, "KRIYA_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
           "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.api_base,
           "TELEGRAM_FILE_BASE_URL": fake.file_base}
    # Delivered at the real hour: no quiet hours here, whatever the hour of the test run
    # (their hold when a push's turn comes is the next test's).
    env["KRIYA_QUIET_HOURS"] = "off"
    retry_at = datetime.now(UTC) + timedelta(hours=1)
    with session_scope(database) as session:  # a message waiting for its retry
        session.add(OutboxMessage(channel="telegram", address="1000", kind="decision",
                                  priority=1, payload={"text": "lolos"}, attempts=1,
                                  idempotency_key="retry", not_before=retry_at))
    with ServerThread(fake.app(), fake.port):
        outputs = []
        for _ in range(2):  # the second run finds nothing new
            result = subprocess.run(
                [sys.executable, "-m", "bot", "reminders", "run-due", "--now",
                 "2027-03-07T15:05"], capture_output=True, text=True, env=env,
                timeout=60)
            no_traceback(result)
            assert result.returncode == 0, result.stderr
            outputs.append(result.stdout)
    assert "2 reminders queued" in outputs[0] and "0 reminders queued" in outputs[1]
    # Two sent; a busy processor may put a batch back and take it again, which counts as
    # tried twice but still sends each once (the chats below).
    assert re.search(r"telegram: \d+ messages tried; 1 waiting", outputs[0]), outputs[0]
    assert retry_at.astimezone(ZoneInfo("Asia/Jakarta")).isoformat(timespec="minutes") \
        in outputs[0]
    sent = fake.sent()
    assert sorted(int(m["chat_id"]) for m in sent) == [1000, 1001]
    assert all(m["text"].startswith("Pengingat: pendaftaran Pelatihan Pewarna Alam")
               for m in sent)
    assert {m.status for m in reminders(database)} == {"sent"}
    # Past the deadline it reminds of, a reminder still waiting would be dropped.
    assert {m.expires_at for m in reminders(database)} == {
        datetime(2027, 3, 10, 8, 0, tzinfo=UTC)}


def test_a_push_whose_turn_comes_at_night_waits_for_the_morning(database):
    """Queued by day, a broadcast still sending at 21.00 in one zone holds that zone's rest
    until 07.00 there; the others, still in their evening, go on."""
    ids = people(database, "Jawa Barat", "Papua", "Bali")
    with session_scope(database) as session:
        for n, user_id in enumerate(ids):
            session.add(OutboxMessage(channel="telegram", address=str(1000 + n),
                                      user_id=user_id, kind="broadcast", priority=3,
                                      payload={"text": "hai"}, idempotency_key=f"b{n}"))
            session.add(OutboxMessage(channel="telegram", address=str(1000 + n),
                                      user_id=user_id, kind="decision", priority=1,
                                      payload={"text": "lolos"}, idempotency_key=f"d{n}"))
    at = datetime(2027, 3, 1, 13, 30, tzinfo=UTC)  # 20.30 WIB, 21.30 WITA, 22.30 WIT
    with session_scope(database) as session:
        rows = sending.claim(session, "telegram", at, 10, timedelta(minutes=1),
                               night_hold("Asia/Jakarta"))
        # Answers to what people asked always go; of the broadcast, Java's alone.
        assert sorted(r.idempotency_key for r in rows) == ["b0", "d0", "d1", "d2"]
    held = {m.idempotency_key: m for m in reminders(database, "broadcast")}
    assert held["b1"].status == held["b2"].status == "pending"
    assert held["b1"].not_before == datetime(2027, 3, 1, 22, 0, tzinfo=UTC)  # 07.00 WIT
    assert held["b2"].not_before == datetime(2027, 3, 1, 23, 0, tzinfo=UTC)  # 07.00 WITA


def test_moving_the_event_keeps_the_deadline_reminders_and_back_again_reminds_again(database):
    add_program(database)
    people(database, "Jawa Timur")
    assert tick(database, DEADLINE - timedelta(days=3)) == 1  # waits for 07.00
    add_program(database, starts_at="2027-04-27T09:00+07:00", ends_at="2027-04-28T16:00+07:00")
    assert [m.status for m in reminders(database)] == ["pending"]
    add_program(database, registration_deadline="2027-03-17T23:59+07:00")
    assert [m.status for m in reminders(database)] == ["withdrawn"]
    add_program(database)  # and back to the first date: reminded of it again
    assert tick(database, DEADLINE - timedelta(days=3) + timedelta(minutes=1)) == 1
    assert [m.status for m in reminders(database)] == ["withdrawn", "pending"]
    assert tick(database, DEADLINE - timedelta(days=3) + timedelta(minutes=2)) == 0


def test_a_batch_of_only_opted_out_pushes_does_not_hide_the_rest(database):
    ids = people(database, *["Jawa Timur"] * 4)
    with session_scope(database) as session:
        for n, user_id in enumerate(ids):
            session.get(User, user_id).opted_out = n < 3
            session.add(OutboxMessage(channel="telegram", address=str(1000 + n),
                                      user_id=user_id, kind="broadcast", priority=3,
                                      payload={"text": "hai"}, idempotency_key=f"b{n}"))
    with session_scope(database) as session:
        rows = sending.claim(session, "telegram", datetime.now(UTC), 3, timedelta(minutes=1))
        assert [r.user_id for r in rows] == [ids[3]]


def test_a_reminder_that_would_come_after_its_event_is_dropped(database):
    """An event-2h reminder retried into the night would reach people at 07.00, after the
    evening event; one whose event has begun is not sent at all."""
    [user_id] = people(database, "Jawa Timur")
    night = datetime(2027, 3, 1, 14, 30, tzinfo=UTC)  # 21.30 WIB
    with session_scope(database) as session:
        for key, expires in (("tonight", night + timedelta(hours=1)),
                             ("begun", night - timedelta(minutes=5)),
                             ("tomorrow", night + timedelta(days=1))):
            session.add(OutboxMessage(channel="telegram", address="1000", user_id=user_id,
                                      kind="reminder", priority=2, payload={"text": key},
                                      idempotency_key=key, expires_at=expires))
    with session_scope(database) as session:
        assert sending.claim(session, "telegram", night, 10, timedelta(minutes=1),
                               night_hold("Asia/Jakarta")) == []
    rows = {m.idempotency_key: m for m in reminders(database)}
    assert rows["tonight"].status == rows["begun"].status == "skipped"
    assert "too late" in rows["begun"].last_error
    assert rows["tomorrow"].status == "pending"
    assert rows["tomorrow"].not_before == datetime(2027, 3, 2, 0, 0, tzinfo=UTC)  # 07.00 WIB


def test_night_falling_on_a_long_broadcast_holds_all_its_rest(database):
    with session_scope(database) as session:
        ids = people(database, *["Papua"] * 30)
        for n, user_id in enumerate(ids):
            session.add(OutboxMessage(channel="telegram", address=str(1000 + n),
                                      user_id=user_id, kind="broadcast", priority=3,
                                      payload={"text": "hai"}, idempotency_key=f"b{n}"))
    at = datetime(2027, 3, 1, 12, 30, tzinfo=UTC)  # 21.30 WIT
    with session_scope(database) as session:
        assert sending.claim(session, "telegram", at, 5, timedelta(minutes=1),
                               night_hold("Asia/Jakarta")) == []
    held = reminders(database, "broadcast")
    assert {m.not_before for m in held} == {datetime(2027, 3, 1, 22, 0, tzinfo=UTC)}
