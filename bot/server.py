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
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar

import anyio
import anyio.to_thread
import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine as Database
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.error import TelegramError
from twilio.request_validator import RequestValidator

from bot import telegram as tg
from bot import whatsapp as wa
from bot.app import ConfigError, build_engine, open_database
from bot.config import Config
from bot.delivery import Outcome
from conversations import reminders
from conversations.context import Settings
from conversations.engine import Engine
from conversations.messages import Inbound, Photo
from storage import hot, store
from storage.db import connection_and_session, ping, session_scope
from storage.media import SUFFIXES, MediaStore
from storage.models import utcnow

log = logging.getLogger("kriya.serve")
T = TypeVar("T")
REPLY_LEASE = timedelta(seconds=30)
# How long a dispatcher holds the messages it took; one that dies gives them back after.
SEND_LEASE = timedelta(seconds=60)
OK_BODY = b'{"ok":true}'
MEDIA_TYPES = {suffix: mime for mime, suffix in SUFFIXES.items()}
IDLE_POLL = 1.0  # seconds between looks at the outbox when it is empty
# How far behind its pace a dispatcher may catch up, sending faster than its rate.
CATCH_UP = 0.05


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
        try:
            await asyncio.sleep(ALBUM_WAIT)
        finally:  # cancelled or not, a later album with this id starts afresh
            parts = self.pending.pop(key)
        text = next((p.text for p in parts if p.text), None)
        photos = tuple(photo for part in parts for photo in part.photos)
        return replace(inbound, text=text, photos=photos, message_id=f"album:{album}")


@dataclass(frozen=True)
class Due:
    """An outbox row ready to go, with what a channel needs to send it."""

    key: str
    address: str
    kind: str
    payload: dict[str, Any]
    last_inbound: datetime | None = None


@dataclass(frozen=True)
class Batch:
    """What one dispatcher claimed, and when the first of it may go."""

    start: datetime
    items: list[Due]


@dataclass
class ChannelService:
    """What every channel's part of `kriya serve` shares: database work, sending the
    replies of a message at once, marking them, and the outbox dispatcher."""

    engine: Engine
    # Worker threads for database work; 0 runs it on the event loop itself, which suits
    # SQLite: it has one writer, a message's transaction takes about a millisecond, and a
    # thread would only add hand-offs of the GIL (it halved the webhook's throughput).
    db_threads: int = 0

    rate: float = 25.0  # messages a second the dispatcher may send on this channel
    # How long a dispatcher holds the messages it took; a third of it bounds one send.
    lease: timedelta = SEND_LEASE
    # When a push may leave if it is night where its person lives (None: it may now).
    quiet: store.Quiet | None = None

    channel: ClassVar[str] = ""
    needs_window: ClassVar[bool] = False  # whether sending depends on the last inbound
    # Telegram's replies are recorded in batches; WhatsApp's at once, since the platform's
    # status reports refer to the id recorded with them and may come right after.
    batch_records: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self._limiter = anyio.CapacityLimiter(max(1, self.db_threads))
        # Replies that reached the platform, recorded in batches by `marker`: one
        # transaction for many replies instead of one more per message. Until it is
        # recorded, a reply's lease keeps the dispatcher from sending it again.
        self._delivered: list[tuple[str, Outcome]] = []
        self._have_delivered = asyncio.Event()
        self._sending: set[asyncio.Task] = set()
        self._last_to: dict[str, asyncio.Task] = {}  # the latest send to each address
        self._held_until = 0.0  # event-loop time before which the platform wants no more

    @property
    def send_timeout(self) -> float:
        return self.lease.total_seconds() / 3

    async def _db(self, function: Callable[..., T], *args: Any) -> T:
        if not self.db_threads:
            return function(*args)
        return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)

    async def send(self, due: Due) -> Outcome:
        raise NotImplementedError

    async def reply(self, inbound: Inbound) -> None:
        """Handle one message and send its replies straight away, in order."""
        deliveries = await self._db(self.engine.handle, inbound)
        now = utcnow()
        for delivery in deliveries:
            due = Due(delivery.key, delivery.address, "reply", delivery.message.to_payload(),
                      last_inbound=now)
            outcome = await self.send(due)
            if outcome.status != "sent" or not self.batch_records:
                await self._db(self._record, [(delivery.key, outcome)])
                if outcome.status != "sent":
                    break  # keep the order: the rest go after it, through the dispatcher
                continue
            self._delivered.append((delivery.key, outcome))
            self._have_delivered.set()

    async def marker(self) -> None:
        """Records delivered replies, as many at a time as have come since the last."""
        while True:
            await self._have_delivered.wait()
            await self.mark_delivered()

    async def mark_delivered(self) -> None:
        self._have_delivered.clear()
        outcomes, self._delivered = self._delivered, []
        if outcomes:
            try:
                await self._db(self._record, outcomes)
            except Exception:
                log.exception("could not record %d messages as sent; trying again",
                              len(outcomes))
                # Kept for the next try: recorded late, not sent again when leases end.
                self._delivered[:0] = outcomes
                await asyncio.sleep(1)
                self._have_delivered.set()

    def _set_reachable(self, address: str, reachable: bool) -> None:
        with session_scope(self.engine.database) as session:
            store.set_reachable(session, self.channel, address, reachable)

    def _record(self, outcomes: list[tuple[str, Outcome]]) -> None:
        now = utcnow()
        with connection_and_session(self.engine.database) as (conn, session):
            # Delivered is the usual outcome: one prepared statement for all of them.
            plain = [key for key, o in outcomes if o.status == "sent" and not o.provider_id]
            hot.mark_sent(conn, plain, now)
            for key, outcome in outcomes:
                if outcome.status != "sent" or outcome.provider_id:
                    wait = timedelta(seconds=outcome.retry_after) if outcome.retry_after else None
                    store.record_delivery(session, key, outcome.status, outcome.error, now, wait,
                                          outcome.provider_id, outcome.error_code)

    async def dispatch_once(self) -> int:
        """Send one batch of what is due on this channel and record how each went; returns
        how many were taken."""
        taken = await self.start_batch()
        await self.settle()
        return taken

    async def start_batch(self) -> int:
        """Claim a batch and start its sends at the channel's pace; returns once the last
        has started, with the sends still going, so that the next batch follows at once
        however long the platform takes to answer. Returns how many were taken."""
        loop = asyncio.get_running_loop()
        if self._held_until > loop.time():
            await asyncio.sleep(self._held_until - loop.time())
        claim = await self._db(self._claim)
        if not claim.items:
            return 0
        gap = 1 / self.rate
        start = loop.time() + (claim.start - utcnow()).total_seconds()
        # The time this batch booked on the channel's pace: another process may have the
        # time after it.
        booked_end = start + len(claim.items) * gap + CATCH_UP
        # No send starts that could still be going when the lease runs out: past that
        # moment another dispatcher may take the message.
        deadline = start + self.lease.total_seconds() - self.send_timeout - 1
        n = 0
        try:
            for n, item in enumerate(claim.items):
                late = loop.time() - (start + n * gap)
                if late > CATCH_UP:
                    # Held up (a slow write, a busy processor): the time lost stays lost.
                    # Making it up in a burst is what a platform's limit refuses.
                    start += late - CATCH_UP
                await asyncio.sleep(max(0.0, start + n * gap - loop.time()))
                if self._held_until > loop.time() or loop.time() > min(deadline, booked_end):
                    # The platform asked for a pause, or this batch fell behind its time:
                    # the rest wait in the outbox for the next batch, of any dispatcher.
                    rest = [d.key for d in claim.items[n:]]
                    await self._db(self._hold, rest, max(0.0, self._held_until - loop.time()))
                    break
                self._launch(item, deadline)
        except asyncio.CancelledError:
            # Stopping (a deploy, a restart): what was not started is free again at once,
            # not when the lease ends.
            await self._db(self._hold, [d.key for d in claim.items[n:]], 0.0)
            raise
        return len(claim.items)

    def _launch(self, item: Due, deadline: float) -> None:
        # Messages to one person go one after the other, in the order they were queued.
        before = self._last_to.get(item.address)
        task = asyncio.create_task(self._deliver(item, before, deadline))
        self._last_to[item.address] = task
        self._sending.add(task)
        task.add_done_callback(lambda done: self._sent_one(item.address, done))

    def _sent_one(self, address: str, task: asyncio.Task) -> None:
        self._sending.discard(task)
        if self._last_to.get(address) is task:
            del self._last_to[address]

    async def _deliver(self, item: Due, before: asyncio.Task | None, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        if before is not None:
            await asyncio.wait([before])
            # Waited for an earlier message to the same person: too long for its lease, or
            # into a pause the platform asked for, and it waits in the outbox instead.
            if loop.time() > deadline or self._held_until > loop.time():
                await self._db(self._hold, [item.key], max(0.0, self._held_until - loop.time()))
                return
        try:
            async with asyncio.timeout(self.send_timeout):
                outcome = await self.send(item)
        except TimeoutError:
            log.warning("%s: sending %s timed out", self.channel, item.key)
            outcome = Outcome("retry", "timed out")
        except Exception as error:  # one message's surprise must not hold up the rest
            log.exception("%s: sending %s failed", self.channel, item.key)
            outcome = Outcome("retry", f"unexpected: {type(error).__name__}: {error}")
        if outcome.retry_after:
            # The platform asks for a pause: this message waits it out in the outbox, and
            # every dispatcher of the channel pauses, not this one alone. Both are counted
            # from one reading of the clock, so the message is due when the pause ends.
            now = utcnow()
            self._held_until = max(self._held_until, loop.time() + outcome.retry_after)
            try:
                await self._db(self._pause, item.key, outcome, now)
            except Exception:  # the lease runs out and the message is tried again
                log.exception("%s: could not record the platform's pause", self.channel)
            return
        if outcome.status == "sent" and self.batch_records:
            self._delivered.append((item.key, outcome))
            self._have_delivered.set()
            return
        try:
            await self._db(self._record, [(item.key, outcome)])
        except Exception:  # the lease runs out and the message is tried again
            log.exception("%s: could not record how %s went", self.channel, item.key)

    async def settle(self) -> None:
        """Wait for the sends under way and record how they went."""
        while self._sending:
            await asyncio.wait(set(self._sending))
        await self.mark_delivered()

    def _pause(self, key: str, outcome: Outcome, now: datetime) -> None:
        wait = timedelta(seconds=outcome.retry_after or 0)
        with session_scope(self.engine.database) as session:
            store.record_delivery(session, key, "retry", outcome.error, now, wait,
                                  error_code=outcome.error_code)
            store.hold_channel(session, self.channel, [], now + wait)

    def _hold(self, keys: list[str], seconds: float) -> None:
        with session_scope(self.engine.database) as session:
            store.hold_channel(session, self.channel, keys,
                               utcnow() + timedelta(seconds=seconds))

    def _claim(self) -> Batch:
        # About a second's worth at the channel's rate: a reply that comes in meanwhile
        # waits for no more than that.
        size = max(1, min(100, math.ceil(self.rate)))
        with session_scope(self.engine.database) as session:
            claim = store.claim_batch(session, self.channel, utcnow(), size, self.rate,
                                      self.lease, self.quiet)
            rows = claim.messages
            windows = (store.last_inbound(session, self.channel, [m.address for m in rows])
                       if self.needs_window and rows else {})
            return Batch(claim.start, [Due(m.idempotency_key, m.address, m.kind,
                                           m.payload, windows.get(m.address))
                                       for m in rows])

    async def dispatcher(self) -> None:
        while True:
            try:
                taken = await self.start_batch()
            except Exception:  # keep delivering; the rows come back when their lease ends
                log.exception("%s outbox delivery failed", self.channel)
                taken = 0
            if not taken:
                await asyncio.sleep(IDLE_POLL)


@dataclass
class TelegramService(ChannelService):
    bot: Bot = field(kw_only=True)
    secret: str = field(kw_only=True)
    media: MediaStore = field(kw_only=True)
    albums: Albums = field(default_factory=Albums, kw_only=True)

    channel: ClassVar[str] = tg.CHANNEL

    async def send(self, due: Due) -> Outcome:
        return await tg.send(self.bot, due.address, due.payload, self.media)

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
        await self.reply(inbound)

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


TWIML_EMPTY = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
MEDIA_WAIT = 2.5  # seconds to wait for more photos after a message with one


class Gatherer:
    """Messages with photos from one sender a few seconds apart, as one answer.

    WhatsApp sends each photo of a batch as its own message. The first waits a moment and
    then carries every photo that came; the others only add theirs. A message id seen twice
    (a retried webhook) is added once.
    """

    def __init__(self, wait: float = MEDIA_WAIT) -> None:
        self.wait = wait
        self.pending: dict[str, list[wa.Incoming]] = {}

    async def collect(self, incoming: wa.Incoming) -> list[wa.Incoming] | None:
        address = incoming.inbound.address
        if address in self.pending:
            parts = self.pending[address]
            if all(p.inbound.message_id != incoming.inbound.message_id for p in parts):
                parts.append(incoming)
            return None
        self.pending[address] = [incoming]
        try:
            await asyncio.sleep(self.wait)
        finally:  # cancelled or not, the next photos start a batch of their own
            parts = self.pending.pop(address)
        return parts


@dataclass
class WhatsAppService(ChannelService):
    account_sid: str = field(kw_only=True)
    auth_token: str = field(kw_only=True)
    from_: str = field(kw_only=True)
    public_url: str = field(kw_only=True)
    api_base_url: str = field(kw_only=True)
    templates: dict[str, str] = field(kw_only=True)
    media: MediaStore = field(kw_only=True)
    gatherer: Gatherer = field(default_factory=Gatherer, kw_only=True)
    # Made in `start`: their HTTP sessions belong to the running event loop.
    sender: wa.Sender | None = field(default=None, kw_only=True)
    http: httpx.AsyncClient | None = field(default=None, kw_only=True)

    channel: ClassVar[str] = wa.CHANNEL
    needs_window: ClassVar[bool] = True
    batch_records: ClassVar[bool] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.validator = RequestValidator(self.auth_token)
        self.auth = (self.account_sid, self.auth_token)

    @property
    def media_key(self) -> bytes:
        return hashlib.sha256(f"kriya-media:{self.auth_token}".encode()).digest()

    def media_url(self, path: str) -> str:
        token = wa.media_token(self.media_key, path)
        return f"{self.public_url.rstrip('/')}/media/{token}/{path}"

    async def media_file(self, request: Request) -> Response:
        """A media-store file for Twilio to fetch and show on WhatsApp; 404 without the
        token made for exactly that path."""
        path, token = request.path_params["path"], request.path_params["token"]
        if not hmac.compare_digest(token, wa.media_token(self.media_key, path)):
            return Response(status_code=404)
        root = self.media.root.resolve()
        file = (root / path).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            return Response(status_code=404)
        return FileResponse(file, media_type=MEDIA_TYPES.get(file.suffix, "image/jpeg"))

    async def start(self) -> None:
        client = wa.make_client(self.account_sid, self.auth_token, self.api_base_url)
        callback = self.public_url.rstrip("/") + "/whatsapp/status"
        self.sender = wa.Sender(client, self.from_, callback, self.templates, self.media_url)
        self.http = httpx.AsyncClient()

    async def stop(self) -> None:
        if self.sender is not None:
            await wa.close_client(self.sender.client)
        if self.http is not None:
            await self.http.aclose()

    async def send(self, due: Due) -> Outcome:
        assert self.sender is not None, "WhatsAppService.start() was not awaited"
        window_open = wa.in_window(due.last_inbound, utcnow())
        return await self.sender.send(due.address, due.kind, due.payload, window_open)

    async def _signed_form(self, request: Request, path: str) -> dict[str, str] | None:
        """The form of a request Twilio signed, or None for anything else."""
        form = await request.form()
        params = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        signature = request.headers.get("X-Twilio-Signature", "")
        # Signed over the public URL: behind a proxy the URL this app sees is another one.
        url = self.public_url.rstrip("/") + path
        if request.url.query:
            url += "?" + request.url.query
        if not signature or not self.validator.validate(url, params, signature):
            return None
        return params

    async def webhook(self, request: Request) -> Response:
        params = await self._signed_form(request, "/whatsapp/webhook")
        if params is None:
            return Response(status_code=403)
        incoming = wa.read_form(params)
        if incoming is None:
            return Response(TWIML_EMPTY, media_type="text/xml")
        foreign = [url for url, _ in incoming.media
                   if not wa.media_host_allowed(url, self.api_base_url)]
        if foreign:
            log.warning("refused a WhatsApp message with media outside %s: %s",
                        self.api_base_url, foreign[0])
            return JSONResponse({"error": "media outside the Twilio API host"}, 400)
        if incoming.media:
            parts = await self.gatherer.collect(incoming)
            if parts is None:
                return Response(TWIML_EMPTY, media_type="text/xml")
            # Fetched side by side: the wait above plus one download stays well under the
            # 15 seconds Twilio waits for an answer.
            inbound = wa.combine(list(await asyncio.gather(*map(self._with_photos, parts))))
        else:
            inbound = incoming.inbound
        await self.reply(inbound)
        return Response(TWIML_EMPTY, media_type="text/xml")

    async def _with_photos(self, incoming: wa.Incoming) -> Inbound:
        assert self.http is not None
        photos = await asyncio.gather(*(
            wa.fetch_photo(self.http, self.media, url, content_type, self.api_base_url,
                           self.auth)
            for url, content_type in incoming.media
        ), return_exceptions=True)
        kept = []
        for (url, content_type), photo in zip(incoming.media, photos, strict=True):
            if isinstance(photo, BaseException):
                # The photo could not be fetched: the engine says so and asks again.
                log.warning("could not fetch WhatsApp media %s: %s", url, photo)
                photo = Photo(ref=url, mime=content_type or None, not_image=True)
            kept.append(photo)
        return replace(incoming.inbound, photos=tuple(kept))

    async def status(self, request: Request) -> Response:
        params = await self._signed_form(request, "/whatsapp/status")
        if params is None:
            return Response(status_code=403)
        sid = params.get("MessageSid") or params.get("SmsSid")
        state = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
        if sid and state:
            await self._db(self._record_status, sid, state, params.get("ErrorCode") or None)
        return Response(status_code=204)

    def _record_status(self, sid: str, state: str, code: str | None) -> None:
        now = utcnow()
        with session_scope(self.engine.database) as session:
            message = store.record_status(session, sid, state, code, now)
            if message is None or state not in ("failed", "undelivered"):
                return
            outcome = wa.outcome_of_error(None, code, f"message {state}")
            message.last_error = (outcome.error or state)[:500]
            if code in wa.OUTSIDE_WINDOW and message.kind in self.templates \
                    and not message.payload.get("as_template"):
                # The window closed before it arrived: its template may still go.
                message.payload = {**message.payload, "as_template": True}
                message.status, message.not_before = "pending", None
            elif outcome.status == "blocked":
                message.status = "blocked"
                store.set_reachable(session, message.channel, message.address, False)
            elif outcome.status == "retry" and message.attempts < store.MAX_ATTEMPTS:
                message.status = "pending"  # throttled on the way: send it again later
                message.not_before = now + store.retry_delay(message.attempts)
            else:
                message.status = "failed"


async def healthz(request: Request) -> Response:
    ok = await run_in_threadpool(ping, request.app.state.database)
    body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "down"}
    return JSONResponse(body, status_code=200 if ok else 503)


def run_reminders(database: Database, settings: Settings, now: datetime | None = None) -> int:
    """One tick: queue the reminders due at `now`."""
    with session_scope(database) as session:
        return reminders.run_due(session, now or utcnow(), settings.default_zone,
                                 settings.quiet)


def start_scheduler(database: Database, settings: Settings) -> AsyncIOScheduler:
    """The reminder tick every minute, in its own thread so that a big run does not hold up
    webhooks; runs that fell behind are merged into one, and one runs at a time."""

    async def tick() -> None:
        try:
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


async def deliver_once(app: Starlette) -> dict[str, int]:
    """Send what is due in the outbox on every configured channel, until nothing is left
    that may go now; returns how many were tried on each."""
    tried: dict[str, int] = {}
    telegram, whatsapp = app.state.telegram, app.state.whatsapp
    if telegram is not None:
        await telegram.bot.initialize()
    if whatsapp is not None:
        await whatsapp.start()
    try:
        for service in (telegram, whatsapp):
            if service is None:
                continue
            tried[service.channel] = 0
            while sent := await service.dispatch_once():
                tried[service.channel] += sent
    finally:
        if telegram is not None:
            await telegram.bot.shutdown()
        if whatsapp is not None:
            await whatsapp.stop()
    return tried


def create_app(config: Config) -> Starlette:
    database = open_database(config)
    engine = build_engine(config, database)
    engine.settings.reply_lease = REPLY_LEASE
    threads = 0 if database.dialect.name == "sqlite" else 8
    lease = timedelta(seconds=config.send_lease)
    quiet = (reminders.night_hold(engine.settings.default_zone, engine.settings.quiet)
             if engine.settings.quiet is not None else None)
    telegram: TelegramService | None = None
    routes = [Route("/healthz", healthz, methods=["GET"])]
    if config.telegram_bot_token:
        bot = tg.make_bot(config.telegram_bot_token, config.telegram_api_base_url,
                          config.telegram_file_base_url)
        media = MediaStore(config.media_dir)
        telegram = TelegramService(engine, threads, config.telegram_rate, lease, quiet, bot=bot,
                                   secret=webhook_secret(config), media=media)
        routes.append(Route("/telegram/webhook", telegram.webhook, methods=["POST"]))
    whatsapp: WhatsAppService | None = None
    if config.twilio_account_sid and config.twilio_auth_token:
        if not config.public_url:
            raise ConfigError("WhatsApp needs KRIYA_PUBLIC_URL: Twilio signs every request "
                              "against the public URL it calls")
        if not config.twilio_whatsapp_from:
            raise ConfigError("WhatsApp needs TWILIO_WHATSAPP_FROM, e.g. whatsapp:+14155238886")
        whatsapp = WhatsAppService(
            engine, threads, config.twilio_rate, lease, quiet,
            account_sid=config.twilio_account_sid,
            auth_token=config.twilio_auth_token, from_=config.twilio_whatsapp_from,
            public_url=config.public_url, api_base_url=config.twilio_api_base_url,
            templates=config.twilio_templates(), media=MediaStore(config.media_dir),
        )
        routes.append(Route("/whatsapp/webhook", whatsapp.webhook, methods=["POST"]))
        routes.append(Route("/whatsapp/status", whatsapp.status, methods=["POST"]))
        routes.append(Route("/media/{token}/{path:path}", whatsapp.media_file, methods=["GET"]))

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
        if whatsapp is not None:
            await whatsapp.start()
            tasks.append(asyncio.create_task(whatsapp.dispatcher()))
            tasks.append(asyncio.create_task(whatsapp.marker()))
        scheduler = start_scheduler(database, engine.settings)
        # What start-up made lives as long as the process: out of the collector's sight, a
        # full collection no longer stops every conversation for a tenth of a second.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for service in (telegram, whatsapp):
                if service is not None:  # what reached users is recorded, not sent twice
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(service.send_timeout):
                            await service.settle()
            if telegram is not None:
                await telegram.mark_delivered()
                await telegram.bot.shutdown()
            if whatsapp is not None:
                await whatsapp.mark_delivered()
                await whatsapp.stop()
            database.dispose()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.database = database
    app.state.engine = engine
    app.state.telegram = telegram
    app.state.whatsapp = whatsapp
    return app
