"""What operators can watch: `GET /metrics` in Prometheus' text format.

Counters and histograms are kept by the process that counts (prometheus_client). With
`PROMETHEUS_MULTIPROC_DIR` set (required when `kriya serve --workers` runs several
processes), every process writes its values there and a scrape of any one of them adds up
all of them. What the database knows (the outbox's depth, each channel's pace) is read
from it at scrape time, so it is the same whichever process answers.

The route exists only when `KRIYA_METRICS_TOKEN` is set, and answers only a request that
carries `Authorization: Bearer <token>`.

Others count through the functions here (`photo_download`, `update_handled`, `sent` ...),
never through the metric objects: the names are kept in one place.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Engine as Database
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from conversations.sending import Outcome, OutcomeStatus
from storage import outbox as outbox_rows
from storage.db import session_scope

if TYPE_CHECKING:
    from bot.channels.base import Channel

WEBHOOK_SECONDS = Histogram(
    "kriya_webhook_seconds", "Time to answer a platform's webhook call, by channel",
    ["channel"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
UPDATES = Counter("kriya_updates_handled", "Messages from people handled, by channel",
                  ["channel"])
SENDS = Counter("kriya_sends", "Outbox sends by channel and outcome "
                "(sent, retry, 429, blocked, failed)", ["channel", "outcome"])
PHOTO_DOWNLOADS = Counter("kriya_photo_downloads", "Photos fetched from a platform, by "
                          "channel and outcome (ok, failed)", ["channel", "outcome"])
REMINDER_TICK_SECONDS = Histogram(
    "kriya_reminder_tick_seconds", "Time one reminder tick takes",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))


# Counting, for the rest of Kriya


def outcome_label(outcome: Outcome) -> str:
    """sent, retry, 429 (a platform's "slow down"), blocked or failed."""
    if outcome.status == OutcomeStatus.RETRY and outcome.retry_after:
        return "429"
    return outcome.status.value


def sent(channel: str, outcome: Outcome) -> None:
    SENDS.labels(channel, outcome_label(outcome)).inc()


def update_handled(channel: str) -> None:
    UPDATES.labels(channel).inc()


def photo_download(channel: str, ok: bool) -> None:
    """A photo a person sent, fetched from the platform (ok) or not (failed)."""
    PHOTO_DOWNLOADS.labels(channel, "ok" if ok else "failed").inc()


@contextmanager
def reminder_tick():
    with REMINDER_TICK_SECONDS.time():
        yield


# The webhooks' latency


class WebhookTimer:
    """ASGI middleware: the time each webhook call (by its path) takes, by channel."""

    def __init__(self, app: ASGIApp, paths: Mapping[str, str]) -> None:
        self.app = app
        self.paths = dict(paths)  # path -> channel

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        channel = self.paths.get(scope.get("path", "")) if scope["type"] == "http" else None
        if channel is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            WEBHOOK_SECONDS.labels(channel).observe(time.perf_counter() - started)


# What the database knows, read at scrape time


class DatabaseCollector:
    """The outbox's depth by channel and priority, and each channel's pace."""

    def __init__(self, database: Database, ceilings: Callable[[], Mapping[str, float]]
                 ) -> None:
        self.database = database
        self.ceilings = ceilings  # each channel's configured rate

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily("kriya_outbox_depth", "Messages waiting in the outbox, by "
                                  "channel and priority (0 replies ... 3 broadcasts)",
                                  labels=["channel", "priority"])
        pace = GaugeMetricFamily("kriya_pace_per_second", "Messages a second each channel "
                                 "sends at now (adapts under its configured rate)",
                                 labels=["channel"])
        with session_scope(self.database) as session:
            waiting = outbox_rows.depth(session)
            stored = outbox_rows.paces(session)
        for (channel, priority), count in sorted(waiting.items()):
            depth.add_metric([channel, str(priority)], count)
        for channel, ceiling in sorted(self.ceilings().items()):
            rate = stored.get(channel)
            pace.add_metric([channel], min(rate, ceiling) if rate is not None else ceiling)
        yield depth
        yield pace


def registry(database: Database, ceilings: Callable[[], Mapping[str, float]]
             ) -> CollectorRegistry:
    """What a scrape reads: this process's values, or every process's with
    PROMETHEUS_MULTIPROC_DIR, and the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        found = CollectorRegistry()
        multiprocess.MultiProcessCollector(found)
    else:
        from prometheus_client import REGISTRY

        found = CollectorRegistry()
        found.register(_Forward(REGISTRY))
    found.register(DatabaseCollector(database, ceilings))
    return found


class _Forward:
    """This process's own metrics, beside the database's in a registry of their own."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        return self.source.collect()


def endpoint(token: str, scrape: CollectorRegistry):
    """The `GET /metrics` handler: 401 without a bearer token, 403 with a wrong one."""

    async def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not value:
            return Response("bearer token required\n", status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(value.strip().encode(), token.encode()):
            return Response("wrong token\n", status_code=403)
        body = await run_in_threadpool(generate_latest, scrape)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics


def routes(token: str | None, database: Database, served: Sequence[Channel]) -> list[Route]:
    """`GET /metrics` when a token is set; nothing otherwise."""
    if not token:
        return []
    ceilings = {channel.name: channel.rate for channel in served}
    return [Route("/metrics", endpoint(token, registry(database, lambda: ceilings)),
                  methods=["GET"])]


def middleware(served: Sequence[Channel]) -> list[Middleware]:
    """The webhooks' timer, for the paths of every channel's routes."""
    paths = {route.path: channel.name for channel in served for route in channel.routes()
             if isinstance(route, Route)}
    return [Middleware(WebhookTimer, paths=paths)]
