"""`kriya serve`: one Starlette app for every configured channel's webhooks, with an outbox
dispatcher for each channel and the reminder scheduler beside them.

Conversation handling is synchronous database work (bot.work): in worker threads on
PostgreSQL, so different people are handled at the same time; on the event loop on
SQLite. Two messages of one person wait for each other on the conversation row's lock
(in the database, so this holds across server processes too).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import channels, console, metrics, privacy_page
from bot.channels.base import Channel
from bot.config import Config
from bot.dispatcher import Dispatcher
from bot.host import AppHost
from bot.recorder import Recorder
from bot.scheduler import start_scheduler
from bot.wiring import build_conversations, open_database
from conversations.quiet_hours import night_hold
from storage.db import ping

# How long the request that produced a reply has to send it before the dispatcher may.
REPLY_LEASE = timedelta(seconds=30)


async def healthz(request: Request) -> Response:
    ok = await run_in_threadpool(ping, request.app.state.database)
    body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "down"}
    # Without the media folder only photos fail: said, but the server still serves.
    writable = await run_in_threadpool(request.app.state.media.writable)
    body["media"] = "ok" if writable else "not writable"
    if ok and not writable:
        body["status"] = "degraded"
    return JSONResponse(body, status_code=200 if ok else 503)


async def privacy(request: Request) -> Response:
    """The full privacy notice (UU PDP): Indonesian, or `?lang=en`."""
    lang = privacy_page.language_of(request.query_params.get("lang"))
    return HTMLResponse(privacy_page.render(lang), headers={
        "Content-Language": lang, "Cache-Control": "public, max-age=3600"})


def create_app(config: Config) -> Starlette:
    database = open_database(config)
    conversations = build_conversations(config, database)
    conversations.settings.reply_lease = REPLY_LEASE
    host = AppHost(conversations, config.media_dir)
    recorder = host.recorder
    served = [channel for kind in channels.CHANNELS
              if (channel := kind.configure(config, host)) is not None]
    settings = conversations.settings
    night = night_hold(settings.default_zone, settings.quiet) if settings.quiet else None
    dispatchers = [Dispatcher(channel, database, host.work, recorder,
                              lease=timedelta(seconds=config.send_lease), night=night)
                   for channel in served]
    routes = _routes(config, database, served, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tasks: list[asyncio.Task] = []
        for channel in served:
            await channel.start()
            await channel.announce()
            tasks += [asyncio.create_task(job()) for job in channel.background()]
        tasks += [asyncio.create_task(d.run()) for d in dispatchers]
        tasks.append(asyncio.create_task(recorder.run()))
        scheduler = start_scheduler(database, settings)
        # What start-up made lives as long as the process: out of the collector's sight, a
        # full collection no longer stops every conversation for a tenth of a second.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            await _stop(tasks)
            await _wind_down(served, dispatchers, recorder)
            database.dispose()

    app = Starlette(routes=routes, lifespan=lifespan, middleware=metrics.middleware(served))
    app.state.database = database
    app.state.conversations = conversations
    app.state.media = host.media
    app.state.channels = {channel.name: channel for channel in served}
    app.state.dispatchers = dispatchers
    app.state.recorder = recorder
    return app


def _routes(config: Config, database: Any, served: list[Channel], settings: Any
            ) -> list[BaseRoute]:
    """Health, the privacy notice, each channel's webhooks, metrics and the console."""
    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"]),
                               Route(privacy_page.PATH, privacy, methods=["GET"])]
    for channel in served:
        routes += channel.routes()
    routes += metrics.routes(config.metrics_token, database, served)
    routes.append(console.mount(console.Console(
        database, config.public_url, config.timezone, settings)))
    return routes


async def _stop(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _wind_down(served: list[Channel], dispatchers: list[Dispatcher],
                     recorder: Recorder) -> None:
    """Sends under way finish and are recorded: what reached people is not sent twice."""
    for dispatcher in dispatchers:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(dispatcher.send_timeout):
                await dispatcher.settle()
    await recorder.flush()
    for channel in served:
        await channel.stop()


async def deliver_once(app: Starlette) -> dict[str, int]:
    """Send what is due in the outbox on every configured channel, until nothing is left
    that may go now; returns how many were tried on each."""
    tried: dict[str, int] = {}
    dispatchers: list[Dispatcher] = app.state.dispatchers
    for dispatcher in dispatchers:
        await dispatcher.channel.start()
    try:
        for dispatcher in dispatchers:
            tried[dispatcher.channel.name] = 0
            while sent := await dispatcher.dispatch_once():
                tried[dispatcher.channel.name] += sent
    finally:
        await app.state.recorder.flush()
        for dispatcher in dispatchers:
            await dispatcher.channel.stop()
    return tried
