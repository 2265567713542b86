"""A channel's pace finds the rate a platform really takes: slower after a 429, up again
while sending goes well, never above the configured rate."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session, select

from conversations import pacing, sending
from conversations.pacing import Pace
from conversations.sending import SENT, Outcome, OutcomeStatus
from storage.db import session_scope
from storage.models import ChannelPace, OutboxMessage
from tests.fake_telegram import RateLimit
from tests.test_dispatch import FakeClock, queue_many

# The adaptation itself, on a clock of its own: a platform that takes `limit` a second
# (the stand-ins' token bucket), sent to as fast as the pace says.


def simulate(limit: float, ceiling: float, count: int, pause: float = 1.0
             ) -> tuple[float, float]:
    """Send `count` messages; returns the rate achieved as a share of the limit, and the
    share of sends answered 429."""
    now = [0.0]
    platform = RateLimit(limit, clock=lambda: now[0])
    pace, refused, sent, first = Pace.of(None, None, ceiling), 0, 0, None
    while sent < count:
        if platform.take() is not None:
            refused += 1
            pace = pacing.slowed(pace, ceiling, pace.rate)
            now[0] += pause  # the platform's "retry after"
            continue
        first = now[0] if first is None else first
        sent += 1
        last = now[0]
        now[0] += 1 / pace.rate
        pace = pacing.grown(pace, ceiling, 1 / pace.rate)
    return (count - 1) / (last - first) / limit, refused / (count + refused)


def test_set_a_fifth_above_the_limit_the_pace_finds_it():
    for limit in (30, 100):
        achieved, refused = simulate(limit, limit * 1.2, count=limit * 60)
        assert achieved >= 0.9, f"{achieved:.3f} of {limit}/s"
        assert refused < 0.02


def test_set_below_the_limit_nothing_changes():
    achieved, refused = simulate(100, 95, count=3000)
    assert refused == 0 and abs(achieved - 0.95) < 0.01


def test_a_429_slows_the_pace_once_for_what_was_in_flight():
    pace = pacing.grown(Pace.of(None, None, 100), 100, seconds=60)
    slower = pacing.slowed(pace, 100, sent_at=100)
    # After a minute of sending well: just past the limit, remembered to climb back to.
    assert slower == Pace(100 * pacing.BACK_OFF, refused=100)
    # Messages sent before the pace was lowered answer 429 too: no lower again.
    assert pacing.slowed(slower, 100, sent_at=100) == slower
    # One sent at the lowered pace that meets a 429 lowers it again.
    assert pacing.slowed(pacing.grown(slower, 100, 1), 100, sent_at=81).rate < 81


def test_a_429_soon_after_a_change_says_clearly_too_fast():
    # The setting far above the limit: refused within the first second.
    slower = pacing.slowed(pacing.grown(Pace.of(None, None, 120), 120, 0.5), 120, 120)
    assert slower == Pace(120 * pacing.BACK_OFF)  # nothing to climb back to quickly
    climbed = pacing.grown(slower, 120, seconds=10)
    assert climbed.rate == 96 + 10 * pacing.MEDIUM * 120 and climbed.refused is None


def test_the_pace_climbs_fast_to_near_the_refused_pace_then_slowly_up_to_the_ceiling():
    pace = Pace(60, refused=100)
    near = pacing.grown(pace, 120, seconds=8)
    assert 95.2 < near.rate < 95.3  # 6 a second up to 95, then 0.12 a second
    assert pacing.grown(near, 120, seconds=30).rate < 100
    assert pacing.grown(near, 120, seconds=10_000).rate == 120  # never past the ceiling
    assert Pace.of(150, None, 120).rate == 120  # a setting lowered since
    assert Pace.of(0.001, 100, 120).rate == pacing.floor(120)


# The dispatcher, on the test's clock, against a platform that refuses beyond its limit.


class Limited:
    """A channel whose platform takes `limit` a second and answers 429 with a second's
    wait beyond it, on the test's clock."""

    name = "limited"
    title = "Limited"
    needs_window = False

    def __init__(self, clock: FakeClock, limit: float, rate: float) -> None:
        self.clock, self.rate = clock, rate
        self.platform = RateLimit(limit, clock=lambda: clock.now().timestamp())
        self.taken: list[float] = []
        self.refused = 0

    async def send(self, due) -> Outcome:
        if self.platform.take() is not None:
            self.refused += 1
            return Outcome(OutcomeStatus.RETRY, "429", retry_after=1.0)
        self.taken.append(self.clock.now().timestamp())
        return SENT


def run_dispatcher(database, channel, clock) -> None:
    from bot.dispatcher import Dispatcher
    from bot.recorder import Recorder
    from bot.work import DatabaseWork

    async def run() -> None:
        work = DatabaseWork(database)
        dispatcher = Dispatcher(channel, database, work, Recorder(database, work),
                                lease=timedelta(seconds=60), clock=clock)
        while True:
            if not await dispatcher.dispatch_once():
                # Only messages held for a pause are left: wait it out.
                with Session(database) as session:
                    if not session.exec(select(OutboxMessage.id).where(
                            OutboxMessage.status == "pending")).first():
                        return
                await clock.sleep(0.5)

    asyncio.run(run())


def test_a_dispatcher_set_above_the_platforms_limit_finds_it(database):
    clock = FakeClock()
    channel = Limited(clock, limit=40, rate=48)
    queue_many(database, channel.name, 1200, clock.now())
    run_dispatcher(database, channel, clock)
    assert len(channel.taken) == 1200
    achieved = (len(channel.taken) - 1) / (channel.taken[-1] - channel.taken[0])
    assert achieved >= 0.9 * 40, f"{achieved:.1f} a second"
    assert channel.refused < 0.02 * 1200
    with Session(database) as session:
        pace = session.exec(select(ChannelPace)).one()
        assert {m.attempts for m in session.exec(select(OutboxMessage))} == {1}
    # The pace it found is kept for every process of the channel: below the ceiling.
    assert pace.refused_rate is not None and pace.rate is not None and pace.rate < 48


def test_the_pace_is_shared_through_the_channels_row(database):
    clock = FakeClock()
    queue_many(database, "shared", 10, clock.now())
    with session_scope(database) as session:
        claim = sending.claim_batch(session, "shared", clock.now(), 5, 100,
                                    timedelta(seconds=60))
        key = claim.messages[0].idempotency_key
    assert claim.rate == 100
    with session_scope(database) as session:
        slowed = sending.pause(session, "shared", key,
                               Outcome(OutcomeStatus.RETRY, "429", retry_after=1.0),
                               clock.now(), sent_at=100, ceiling=100)
    assert slowed == 100 * pacing.BACK_OFF
    with session_scope(database) as session:
        later = clock.now() + timedelta(seconds=2)
        claim = sending.claim_batch(session, "shared", later, 5, 100, timedelta(seconds=60))
    assert claim.rate == slowed  # another dispatcher's next claim goes at the slower pace
