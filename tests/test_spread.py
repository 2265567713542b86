"""A broadcast spread over hours of the day, "between 08.00 and 16.00" where each recipient
lives: every message gets its own moment, evenly apart, inside that window in its
recipient's zone (WIB, WITA, WIT), never in the quiet hours, and one not sent by the time
the window closes waits for the next day's window instead of arriving late."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from conversations import broadcasts, sending
from conversations.quiet_hours import NIGHT, night_hold
from conversations.spread import NoHoursLeft, SendWindow, next_window, place
from storage import outbox as outbox_rows
from storage.db import session_scope
from storage.models import OutboxMessage, User
from storage.statuses import OutboxStatus
from tests.test_reminders import people

JAKARTA, MATARAM, JAYAPURA = (ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"),
                              ZoneInfo("Asia/Jayapura"))
ZONES = {"DKI Jakarta": JAKARTA, "Nusa Tenggara Barat": MATARAM, "Papua": JAYAPURA}
# 07.30 WIB = 08.30 WITA = 09.30 WIT: Jakarta's window has not opened, the others have.
MORNING = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)
WORKDAY = SendWindow.parse("08:00-16:00")
DAY_LESS = timedelta(hours=23)  # a window moved to the next day closes about a day later


def spread_broadcast(database, now: datetime, window: SendWindow = WORKDAY, each: int = 4
                     ) -> list[OutboxMessage]:
    people(database, *[province for province in ZONES for _ in range(each)])
    with session_scope(database) as session:
        broadcast = broadcasts.queue(session, "Pameran JakCraft dibuka!", {}, now=now,
                                     spread=window, quiet=NIGHT)
        broadcast_id = broadcast.id
    with Session(database) as session:
        return list(session.exec(
            select(OutboxMessage).where(OutboxMessage.topic == f"broadcast:{broadcast_id}")
            .order_by(OutboxMessage.id)))


def zone_of_row(database, message: OutboxMessage) -> ZoneInfo:
    with Session(database) as session:
        return ZONES[session.get(User, message.user_id).province]


def test_each_recipient_gets_a_moment_inside_the_window_of_their_own_zone(database):
    rows = spread_broadcast(database, MORNING)
    assert len(rows) == 12
    by_zone: dict[ZoneInfo, list[datetime]] = {}
    for row in rows:
        zone = zone_of_row(database, row)
        local = row.not_before.astimezone(zone)
        assert time(8) <= local.time() < time(16), (zone, local)
        assert local.date() == MORNING.astimezone(zone).date()  # today's window: not over
        assert row.window_closes.astimezone(zone).time() == time(16)
        by_zone.setdefault(zone, []).append(row.not_before)
    # Jakarta's window opens at 08.00; Mataram's and Jayapura's are open: from now on.
    assert min(by_zone[JAKARTA]).astimezone(JAKARTA).time() == time(8)
    assert min(by_zone[MATARAM]) == MORNING and min(by_zone[JAYAPURA]) == MORNING
    closing = {zone_of_row(database, row): row.window_closes for row in rows}
    for zone, moments in by_zone.items():
        moments.sort()
        gaps = {b - a for a, b in zip(moments, moments[1:], strict=False)}
        assert len(gaps) == 1  # evenly apart, and the last gap ends as the window closes
        assert moments[-1] + gaps.pop() == closing[zone]


def test_after_the_window_closed_today_the_messages_go_in_tomorrows():
    evening = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)  # 17.00 WIB, 18.00 WITA
    placed = place([(1, "Asia/Jakarta"), (2, "Asia/Makassar")], WORKDAY, evening, NIGHT)
    for key, zone in ((1, JAKARTA), (2, MATARAM)):
        local = placed[key].at.astimezone(zone)
        assert local.date().day == 2 and local.time() == time(8)


def test_quiet_hours_are_left_out_of_a_window_that_reaches_into_the_night():
    early = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)  # 03.00 WIB the next day
    placed = place([(n, "Asia/Jakarta") for n in range(10)],
                   SendWindow.parse("05:00-23:00"), early, NIGHT)
    moments = sorted(slot.at.astimezone(JAKARTA) for slot in placed.values())
    assert moments[0].time() == time(7)  # the night ends at 07.00
    assert all(time(7) <= m.time() < time(21) for m in moments)
    assert placed[0].closes.astimezone(JAKARTA).time() == time(21)
    with pytest.raises(NoHoursLeft):
        SendWindow.parse("22:00-23:30").outside(NIGHT)


def test_a_window_must_end_after_it_starts_on_one_day():
    for text in ("16:00-08:00", "08:00-08:00", "pagi", "25:00-26:00"):
        with pytest.raises(ValueError):
            SendWindow.parse(text)
    assert SendWindow.parse("08.00 - 16.00").text == "08:00-16:00"


def test_a_message_not_sent_by_the_close_waits_for_the_next_days_window(database):
    rows = spread_broadcast(database, MORNING, each=2)
    zones = {row.id: zone_of_row(database, row) for row in rows}
    closes = max(row.window_closes for row in rows)
    too_late = closes + timedelta(minutes=5)  # the channel was slow: all still pending
    with session_scope(database) as session:
        claimed = sending.claim(session, "telegram", too_late, limit=100,
                                lease=timedelta(seconds=60),
                                night=night_hold("Asia/Jakarta", NIGHT))
        # Whatever window has closed, none leaves; those still open may go.
        for message in claimed:
            assert message.window_closes > too_late
    with Session(database) as session:
        waiting = list(session.exec(select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING)))
        assert len(waiting) == len(rows)
        for row in waiting:
            zone = zones[row.id]
            assert row.not_before > too_late
            local = row.not_before.astimezone(zone)
            assert local.time() == time(8) and local.date().day == 2
            assert row.window_closes.astimezone(zone) == datetime(2027, 3, 2, 16, tzinfo=zone)


def test_the_next_window_is_the_same_hours_on_the_first_day_not_over():
    opens = datetime(2027, 3, 1, 8, tzinfo=JAKARTA)
    closes = datetime(2027, 3, 1, 16, tzinfo=JAKARTA)
    assert next_window(opens, closes, closes - timedelta(minutes=1)) == (opens, closes)
    assert next_window(opens, closes, closes + timedelta(days=2)) == (
        opens + timedelta(days=3), closes + timedelta(days=3))


def test_a_batch_that_would_start_after_the_close_takes_none_of_that_window(database):
    rows = spread_broadcast(database, MORNING, each=2)
    closes = min(row.window_closes for row in rows)  # Jayapura's and Mataram's come first
    just_before = closes - timedelta(seconds=10)
    with session_scope(database) as session:
        # The channel is busy: the next batch may start only after the window closed.
        outbox_rows.lock_pace(session, "telegram", just_before).next_at = \
            closes + timedelta(seconds=5)
    with session_scope(database) as session:
        batch = sending.claim_batch(session, "telegram", just_before, 100, 25.0,
                                    timedelta(seconds=60))
        assert all(m.window_closes > batch.start for m in batch.messages)
    with Session(database) as session:
        moved = [row for row in session.exec(select(OutboxMessage))
                 if row.window_closes is not None and row.window_closes > closes + DAY_LESS]
        assert moved and all(row.not_before == row.window_opens for row in moved)
