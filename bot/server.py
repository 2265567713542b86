"""`kriya serve`: one Starlette app for every webhook, with the outbox dispatcher beside it.

Conversation handling is synchronous database work. On PostgreSQL it runs in worker threads,
so different users are handled at the same time; on SQLite, which has one writer, it runs on
the event loop, a millisecond a message. Two messages of one user wait for each other on the
conversation row's lock (in the database, so this holds across server processes too).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.error import TelegramError

from bot import telegram as tg
from bot.app import build_engine, open_database
from bot.config import Config
from conversations.engine import Engine
from conversations.messages import Inbound
from storage import hot, store
from storage.db import connection_and_session, ping, session_scope
from storage.media import MediaStore
from storage.models import utcnow

log = logging.getLogger("kriya.serve")
T = TypeVar("T")
REPLY_LEASE = timedelta(seconds=30)
OK_BODY = b'{"ok":true}'
SENT = tg.Outcome("sent")
IDLE_POLL = 1.0  # seconds between looks at the outbox when it is empty


def webhook_secret(config: Config) -> str:
    """The configured secret, or one derived from the token so every process agrees."""
    if config.telegram_webhook_secret:
        return config.telegram_webhook_secret
    token = config.telegram_bot_token or ""
    return hashlib.sha256(f"kriya-webhook:{token}".encode()).hexdigest()[:48]


ALBUM_WAIT = 1.5  # seconds to wait for the rest of an album after its first photo


class Albums:
    """Collects the updates of one album (one media_group_id) into one inbound message.

    The first update of an album waits a moment and then carries every photo that came;
    the others only add their photo. Kept in this process: Telegram sends an album's
    updates one right after the other, to the same webhook.
    """

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str], list[Inbound]] = {}

    async def collect(self, album: str, inbound: Inbound) -> Inbound | None:
        key = (inbound.address, album)
        if key in self.pending:
            self.pending[key].append(inbound)
            return None
        self.pending[key] = [inbound]
        await asyncio.sleep(ALBUM_WAIT)
        parts = self.pending.pop(key)
        text = next((p.text for p in parts if p.text), None)
        photos = tuple(photo for part in parts for photo in part.photos)
        return replace(inbound, text=text, photos=photos, message_id=f"album:{album}")


@dataclass
class TelegramService:
    engine: Engine
    bot: Bot
    secret: str
    media: MediaStore
    albums: Albums = field(default_factory=Albums)
    # Worker threads for database work; 0 runs it on the event loop itself, which suits
    # SQLite: it has one writer, a message's transaction takes about a millisecond, and a
    # thread would only add hand-offs of the GIL (it halved the webhook's throughput).
    db_threads: int = 0

    def __post_init__(self) -> None:
        self._limiter = anyio.CapacityLimiter(max(1, self.db_threads))
        # Keys of replies that reached Telegram, marked sent in batches by `marker`: one
        # transaction for many replies instead of one more per update. Until it is marked,
        # a reply's lease keeps the dispatcher from sending it again.
        self._delivered: list[str] = []
        self._have_delivered = asyncio.Event()

    async def _db(self, function: Callable[..., T], *args: Any) -> T:
        if not self.db_threads:
            return function(*args)
        return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)

    async def webhook(self, request: Request) -> Response:
        token = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(token.encode(), self.secret.encode()):
            return Response(status_code=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self.bot)
        except Exception:  # a body Telegram would never send: nothing to handle
            return JSONResponse({"ok": False, "error": "not a Telegram update"}, 400)
        await self.process(update)
        return Response(OK_BODY, media_type="application/json")

    async def process(self, update: Update) -> None:
        incoming = tg.read_update(update)
        if incoming.callback_query_id is not None:
            await tg.acknowledge(self.bot, incoming.callback_query_id)
        if incoming.reachability is not None:
            change = incoming.reachability
            await self._db(self._set_reachable, change.address, change.reachable)
        inbound = incoming.inbound
        if inbound is None:
            return
        if incoming.album is not None:
            inbound = await self.albums.collect(incoming.album, inbound)
            if inbound is None:
                return
        if inbound.photos:
            photos = [await tg.fetch_photo(self.bot, self.media, p) for p in inbound.photos]
            inbound = replace(inbound, photos=tuple(photos))
        deliveries = await self._db(self.engine.handle, inbound)
        for delivery in deliveries:
            outcome = await tg.send(self.bot, delivery.address, delivery.message.to_payload())
            if outcome.status != "sent":
                await self._db(self._record, [(delivery.key, outcome)])
                break  # keep the order: the rest go after it, through the dispatcher
            self._delivered.append(delivery.key)
            self._have_delivered.set()

    async def marker(self) -> None:
        """Marks delivered replies sent, as many at a time as have come since the last."""
        while True:
            await self._have_delivered.wait()
            await self.mark_delivered()

    async def mark_delivered(self) -> None:
        self._have_delivered.clear()
        keys, self._delivered = self._delivered, []
        if keys:
            try:
                await self._db(self._record, [(key, SENT) for key in keys])
            except Exception:  # the leases run out and the dispatcher sends them again
                log.exception("could not mark %d replies sent", len(keys))

    def _set_reachable(self, address: str, reachable: bool) -> None:
        with session_scope(self.engine.database) as session:
            store.set_reachable(session, tg.CHANNEL, address, reachable)

    def _record(self, outcomes: list[tuple[str, tg.Outcome]]) -> None:
        now = utcnow()
        with connection_and_session(self.engine.database) as (conn, session):
            # Delivered is the usual outcome: one prepared statement for all of them.
            hot.mark_sent(conn, [key for key, o in outcomes if o.status == "sent"], now)
            for key, outcome in outcomes:
                if outcome.status != "sent":
                    wait = timedelta(seconds=outcome.retry_after) if outcome.retry_after else None
                    store.record_delivery(session, key, outcome.status, outcome.error, now, wait)

    async def dispatch_once(self) -> int:
        """Send what is due on Telegram; returns how many were tried."""
        due = await self._db(self._due)
        for key, address, payload in due:
            outcome = await tg.send(self.bot, address, payload)
            await self._db(self._record, [(key, outcome)])
            if outcome.retry_after:
                await asyncio.sleep(min(outcome.retry_after, 60))
        return len(due)

    def _due(self) -> list[tuple[str, str, dict]]:
        with session_scope(self.engine.database) as session:
            return [(m.idempotency_key, m.address, m.payload)
                    for m in store.due_outbox(session, tg.CHANNEL, utcnow())]

    async def dispatcher(self) -> None:
        while True:
            try:
                sent = await self.dispatch_once()
            except Exception:  # keep delivering; the row stays pending for the next round
                log.exception("outbox delivery failed")
                sent = 0
            if not sent:
                await asyncio.sleep(IDLE_POLL)

    async def poll(self) -> None:
        """Long polling, for development without a public URL."""
        await self.bot.delete_webhook()
        offset = None
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=25, allowed_updates=tg.UPDATE_TYPES
                )
            except TelegramError as error:
                log.warning("getUpdates failed: %s", error)
                await asyncio.sleep(3)
                continue
            for update in updates:
                offset = update.update_id + 1
                await self.process(update)


async def healthz(request: Request) -> Response:
    ok = await run_in_threadpool(ping, request.app.state.database)
    body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "down"}
    return JSONResponse(body, status_code=200 if ok else 503)


def create_app(config: Config) -> Starlette:
    database = open_database(config)
    engine = build_engine(config, database)
    engine.settings.reply_lease = REPLY_LEASE
    telegram: TelegramService | None = None
    routes = [Route("/healthz", healthz, methods=["GET"])]
    if config.telegram_bot_token:
        bot = tg.make_bot(config.telegram_bot_token, config.telegram_api_base_url,
                          config.telegram_file_base_url)
        media = MediaStore(config.media_dir)
        threads = 0 if database.dialect.name == "sqlite" else 8
        telegram = TelegramService(engine, bot, webhook_secret(config), media, db_threads=threads)
        routes.append(Route("/telegram/webhook", telegram.webhook, methods=["POST"]))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tasks: list[asyncio.Task] = []
        if telegram is not None:
            await telegram.bot.initialize()
            await tg.register_commands(telegram.bot)
            if config.public_url:
                await telegram.bot.set_webhook(
                    url=config.public_url.rstrip("/") + "/telegram/webhook",
                    secret_token=telegram.secret,
                    allowed_updates=tg.UPDATE_TYPES,
                )
            else:
                tasks.append(asyncio.create_task(telegram.poll()))
            tasks.append(asyncio.create_task(telegram.dispatcher()))
            tasks.append(asyncio.create_task(telegram.marker()))
        # What start-up made lives as long as the process: out of the collector's sight, a
        # full collection no longer stops every conversation for a tenth of a second.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if telegram is not None:
                await telegram.mark_delivered()  # what reached users is not sent twice
                await telegram.bot.shutdown()
            database.dispose()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.database = database
    app.state.engine = engine
    app.state.telegram = telegram
    return app
