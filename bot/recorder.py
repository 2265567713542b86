"""Writing down how sends went. The usual outcome, a message the platform took, is
recorded in batches: one transaction for many messages instead of one more per message.
Until it is recorded, a message's lease keeps the dispatcher from sending it again. Any
other outcome is recorded at once, and so is a message the platform gave an id to: its
reports refer to that id and may come right after."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import Engine as Database

from bot.work import DatabaseWork
from conversations import sending
from conversations.sending import Outcome, OutcomeStatus
from storage.db import retried, session_scope
from storage.models import utcnow

log = logging.getLogger("kriya.outbox")
RETRY_PAUSE = 1.0  # seconds before recording a batch again after the database failed


class Recorder:
    def __init__(self, database: Database, work: DatabaseWork) -> None:
        self.database = database
        self.work = work
        self._batch: list[tuple[str, Outcome]] = []
        self._waiting = asyncio.Event()

    async def add(self, key: str, outcome: Outcome) -> None:
        """Record how the send of message `key` went (a pause the platform asked for is
        the dispatcher's to record)."""
        if outcome.status == OutcomeStatus.SENT and not outcome.provider_id:
            self._batch.append((key, outcome))
            self._waiting.set()
            return
        try:
            await self.work.run(retried, lambda _: self._record([(key, outcome)]))
        except Exception:
            # The message went: recorded late rather than sent again when its lease ends.
            # The batch is tried again until it is written.
            log.exception("could not record how %s went; trying again", key)
            self._batch.append((key, outcome))
            self._waiting.set()

    async def run(self) -> None:
        """Records batches as long as the server runs."""
        while True:
            await self._waiting.wait()
            await self.flush()

    async def flush(self) -> None:
        """Record what waits in the batch now."""
        self._waiting.clear()
        outcomes, self._batch = self._batch, []
        if not outcomes:
            return
        try:
            await self.work.run(retried, lambda _: self._record(outcomes))
        except asyncio.CancelledError:
            # Stopping: kept for the last flush, not sent again when their leases end.
            self._batch[:0] = outcomes
            raise
        except Exception:
            log.exception("could not record %d messages as sent; trying again", len(outcomes))
            # Kept for the next try: recorded late, not sent again when leases end.
            self._batch[:0] = outcomes
            await asyncio.sleep(RETRY_PAUSE)
            self._waiting.set()

    def _record(self, outcomes: Sequence[tuple[str, Outcome]]) -> None:
        with session_scope(self.database) as session:
            sending.record(session, outcomes, utcnow())
