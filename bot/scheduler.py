"""The reminder tick: every minute `kriya serve` queues the reminders that are due; and
every hour it forgets the platform message ids older than a week."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import anyio.to_thread
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine as Database

from bot import metrics
from conversations import reminders, upkeep
from conversations.context import Settings
from storage import locks
from storage.db import session_scope
from storage.models import utcnow

log = logging.getLogger("kriya.reminders")


def run_reminders(database: Database, settings: Settings, now: datetime | None = None) -> int:
    """One tick: queue the reminders due at `now`; returns how many were queued. With
    several server processes each ticks, one at a time: a tick that waited for another
    finds what that one queued."""
    with session_scope(database) as session:
        locks.hold(session, locks.REMINDERS)
        return reminders.run_due(session, now or utcnow(), settings.default_zone,
                                 settings.quiet)


def run_upkeep(database: Database, now: datetime | None = None) -> int:
    """Forget old platform message ids; returns how many."""
    with session_scope(database) as session:
        return upkeep.forget_old_inbound(session, now or utcnow())


def start_scheduler(database: Database, settings: Settings) -> AsyncIOScheduler:
    """The tick every minute, in its own thread so that a big run does not hold up
    webhooks; runs that fell behind are merged into one, and one runs at a time."""

    async def tick() -> None:
        try:
            with metrics.reminder_tick():
                queued = await anyio.to_thread.run_sync(run_reminders, database, settings)
        except Exception:  # the next tick tries again; nothing was half queued
            log.exception("reminder tick failed")
            return
        if queued:
            log.info("queued %d reminders", queued)

    async def tidy() -> None:
        try:
            forgotten = await anyio.to_thread.run_sync(run_upkeep, database)
        except Exception:  # the next hour tries again
            log.exception("upkeep failed")
            return
        if forgotten:
            log.info("forgot %d handled message ids", forgotten)

    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(tick, "interval", minutes=1, id="reminders", coalesce=True,
                      max_instances=1, next_run_time=datetime.now(UTC))
    scheduler.add_job(tidy, "interval", hours=1, id="upkeep", coalesce=True,
                      max_instances=1, next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler
