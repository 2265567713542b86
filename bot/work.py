"""Database work from the event loop: in worker threads on PostgreSQL, where messages of
different people are handled at the same time; on the loop itself on SQLite, which has one
writer and takes about a millisecond a message (a thread would only add hand-offs of the
GIL: it halved the webhook's throughput)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import Engine as Database

T = TypeVar("T")
POSTGRESQL_THREADS = 8


class DatabaseWork:
    def __init__(self, database: Database) -> None:
        self.threads = 0 if database.dialect.name == "sqlite" else POSTGRESQL_THREADS
        self._limiter = anyio.CapacityLimiter(max(1, self.threads))

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if not self.threads:
            return function(*args)
        return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)
