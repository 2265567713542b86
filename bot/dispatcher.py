"""The outbox dispatcher of one channel: it claims what is due, sends it at the channel's
pace, and records how each send went.

- Claims: about a second's worth at a time, leased (conversations.sending), so another
  process's dispatcher never takes the same message and a process that dies gives its
  messages back when the lease ends.
- Pace: sends start at the channel's pace and overlap, so a platform that takes a tenth
  of a second to answer does not slow the rate down; the time a batch takes is booked on
  the channel's pace in the database, which every process shares. The pace adapts under
  the channel's configured rate (conversations.pacing): a 429 slows it, sending without
  one raises it again.
- Order: one person's messages go one after another, in the order they were queued.
- Pauses: a platform's "slow down" (429) holds every dispatcher of the channel back for
  as long as it asks.

All timing reads one clock (`Clock`): the wall clock, whose moments the pace in the
database is kept in; tests give a clock of their own.
"""

from __future__ import annotations

import asyncio
import logging
import math
import traceback
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine as Database

from bot import metrics
from bot.channels.base import Channel, Due
from bot.recorder import Recorder
from bot.work import DatabaseWork
from conversations import sending
from conversations.quiet_hours import NightHold
from conversations.sending import Outcome, OutcomeStatus
from storage import conversations as conversation_rows
from storage.db import session_scope
from storage.models import utcnow

log = logging.getLogger("kriya.outbox")
IDLE_POLL = 1.0  # seconds between looks at the outbox when it is empty
# How far behind its pace a dispatcher may catch up, sending faster than its rate.
CATCH_UP = 0.05
BATCH_MOST = 100  # messages a claim
UNEXPECTED = "unexpected: "
TIMED_OUT = "timed out"
OWN_WORDS = (UNEXPECTED, TIMED_OUT)


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class WallClock:
    def now(self) -> datetime:
        return utcnow()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Dispatcher:
    def __init__(self, channel: Channel, database: Database, work: DatabaseWork,
                 recorder: Recorder, *, lease: timedelta, night: NightHold | None = None,
                 clock: Clock | None = None) -> None:
        self.channel = channel
        self.database = database
        self.work = work
        self.recorder = recorder
        self.lease = lease  # how long a claim is held; a third of it bounds one send
        self.night = night  # when a push may leave if it is night where its person lives
        self.clock = clock or WallClock()
        self._sending: set[asyncio.Task] = set()
        self._last_to: dict[str, asyncio.Task] = {}  # the latest send to each address
        self._held_until = 0.0  # the moment before which the platform wants no more
        self.pace = channel.rate  # messages a second, as the last claim found the pace

    @property
    def send_timeout(self) -> float:
        return self.lease.total_seconds() / 3

    def _time(self) -> float:
        return self.clock.now().timestamp()

    def _paused_for(self) -> float:
        """Seconds left of a pause the platform asked for."""
        return max(0.0, self._held_until - self._time())

    async def run(self) -> None:
        """Deliver as long as the server runs."""
        while True:
            try:
                taken = await self.start_batch()
            except Exception:  # keep delivering; the rows come back when their lease ends
                log.exception("%s outbox delivery failed", self.channel.name)
                taken = 0
            if not taken:
                await self.clock.sleep(IDLE_POLL)

    async def dispatch_once(self) -> int:
        """Send one batch and record how each went; returns how many were taken."""
        taken = await self.start_batch()
        await self.settle()
        return taken

    async def start_batch(self) -> int:
        """Claim a batch and start its sends at the channel's pace; returns once the last
        has started, with the sends still going, so that the next batch follows at once
        however long the platform takes to answer. Returns how many were taken."""
        if self._paused_for():
            await self.clock.sleep(self._paused_for())
        start, rate, items = await self.work.run(self._claim)
        if not items:
            return 0
        self._set_pace(rate)
        gap = 1 / rate
        # The time this batch booked on the channel's pace: another process may have the
        # time after it.
        booked_end = start + len(items) * gap + CATCH_UP
        # No send starts that could still be going when the lease runs out: past that
        # moment another dispatcher may take the message.
        deadline = start + self.lease.total_seconds() - self.send_timeout - 1
        n = 0
        try:
            for n, item in enumerate(items):
                late = self._time() - (start + n * gap)
                if late > CATCH_UP:
                    # Held up (a slow write, a busy processor): the time lost stays lost.
                    # Making it up in a burst is what a platform's limit refuses.
                    start += late - CATCH_UP
                await self.clock.sleep(max(0.0, start + n * gap - self._time()))
                if self._paused_for() or self._time() > min(deadline, booked_end):
                    # The platform asked for a pause, or this batch fell behind its time:
                    # the rest wait in the outbox for the next batch, of any dispatcher.
                    await self.work.run(self._hold, [d.key for d in items[n:]],
                                        self._paused_for())
                    break
                self._launch(item, deadline, rate)
        except asyncio.CancelledError:
            # Stopping (a deploy, a restart): what was not started is free again at once,
            # not when the lease ends.
            await self.work.run(self._hold, [d.key for d in items[n:]], 0.0)
            raise
        return len(items)

    def _set_pace(self, rate: float) -> None:
        if abs(rate - self.pace) >= 0.05 * self.pace:  # a change worth a line
            log.info("%s pace %.1f/s (was %.1f/s, ceiling %.1f/s)", self.channel.name, rate,
                     self.pace, self.channel.rate)
        self.pace = rate

    def _launch(self, item: Due, deadline: float, rate: float) -> None:
        # Messages to one person go one after the other, in the order they were queued.
        before = self._last_to.get(item.address)
        task = asyncio.create_task(self._deliver(item, before, deadline, rate))
        self._last_to[item.address] = task
        self._sending.add(task)
        task.add_done_callback(lambda done: self._sent_one(item.address, done))

    def _sent_one(self, address: str, task: asyncio.Task) -> None:
        self._sending.discard(task)
        if self._last_to.get(address) is task:
            del self._last_to[address]

    async def _deliver(self, item: Due, before: asyncio.Task | None, deadline: float,
                       rate: float) -> None:
        if before is not None:
            await asyncio.wait([before])
            # Waited for an earlier message to the same person: too long for its lease, or
            # into a pause the platform asked for, and it waits in the outbox instead.
            if self._time() > deadline or self._paused_for():
                await self.work.run(self._hold, [item.key], self._paused_for())
                return
        outcome = await self._send(item)
        metrics.sent(self.channel.name, outcome)
        _log_outcome(self.channel.name, item.key, outcome)
        try:
            if outcome.retry_after:
                # The platform asks for a pause: this message waits it out in the outbox,
                # and every dispatcher of the channel pauses, not this one alone. Both are
                # counted from one reading of the clock. The pace slows.
                now = self.clock.now()
                self._held_until = max(self._held_until, now.timestamp() + outcome.retry_after)
                pace = await self.work.run(self._pause, item.key, outcome, now, rate)
                if pace is not None:
                    self._set_pace(pace)
            else:
                await self.recorder.add(item.key, outcome)
        except Exception:  # the lease runs out and the message is tried again
            log.exception("%s: could not record how %s went", self.channel.name, item.key)

    async def _send(self, item: Due) -> Outcome:
        try:
            async with asyncio.timeout(self.send_timeout):
                return await self.channel.send(item)
        except TimeoutError:
            return Outcome(OutcomeStatus.RETRY, TIMED_OUT)
        except Exception as error:  # one message's surprise must not hold up the rest
            # Its type and where, not its text: that may carry the person's number.
            where = traceback.extract_tb(error.__traceback__)[-1]
            return Outcome(OutcomeStatus.RETRY, f"{UNEXPECTED}{type(error).__name__} at "
                                                f"{Path(where.filename).name}:{where.lineno}")

    async def settle(self) -> None:
        """Wait for the sends under way and record how they went."""
        while self._sending:
            await asyncio.wait(set(self._sending))
        await self.recorder.flush()

    # Database work, in the worker threads

    def _claim(self) -> tuple[float, float, list[Due]]:
        # About a second's worth at the channel's rate: a reply that comes in meanwhile
        # waits for no more than that.
        size = max(1, min(BATCH_MOST, math.ceil(self.pace)))
        name = self.channel.name
        with session_scope(self.database) as session:
            claim = sending.claim_batch(session, name, self.clock.now(), size,
                                        self.channel.rate, self.lease, self.night)
            rows = claim.messages
            windows = (conversation_rows.last_inbound(session, name, [m.address for m in rows])
                       if self.channel.needs_window and rows else {})
            return claim.start.timestamp(), claim.rate or self.channel.rate, [
                Due(m.idempotency_key, m.address, m.kind, m.payload, windows.get(m.address))
                for m in rows]

    def _hold(self, keys: Sequence[str], seconds: float) -> None:
        now = self.clock.now()
        with session_scope(self.database) as session:
            sending.hold_channel(session, self.channel.name, keys,
                                 now + timedelta(seconds=seconds), now)

    def _pause(self, key: str, outcome: Outcome, now: datetime, rate: float) -> float | None:
        with session_scope(self.database) as session:
            return sending.pause(session, self.channel.name, key, outcome, now,
                                 sent_at=rate, ceiling=self.channel.rate)


def _log_outcome(channel: str, key: str, outcome: Outcome) -> None:
    """One line a send: the channel, the message's key and the outcome, with the platform's
    code; never the address nor the text (the key names neither)."""
    if outcome.status == OutcomeStatus.SENT and not outcome.error:
        log.debug("%s %s sent", channel, key)
        return
    # The dispatcher's own words only: a platform's may carry the number.
    own = outcome.error if outcome.error and outcome.error.startswith(OWN_WORDS) else None
    log.info("%s %s %s%s%s", channel, key, metrics.outcome_label(outcome),
             f" code={outcome.error_code}" if outcome.error_code else "",
             f" ({own})" if own else "")
