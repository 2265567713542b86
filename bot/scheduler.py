"""The reminder tick: every minute `kriya serve` queues the reminders that are due."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import anyio.to_thread
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine as Database

from bot import metrics
from conversations import reminders
from conversations.context import Settings
from storage.db import session_scope
from storage.models import utcnow

log = logging.getLogger("kriya.reminders")


def run_reminders(database: Database, settings: Settings, now: datetime | None = None) -> int:
    """One tick: queue the reminders due at `now`; returns how many were queued."""
    with session_scope(database) as session:
        return reminders.run_due(session, now or utcnow(), settings.default_zone,
                                 settings.quiet)


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

    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(tick, "interval", minutes=1, id="reminders", coalesce=True,
                      max_instances=1, next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler
