"""The Telegram channel, through python-telegram-bot: Bot API updates in (webhook, or long
polling on a laptop without a public URL), outbox messages out with inline buttons."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import ClassVar

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, Update
from telegram.error import TelegramError

from bot import photos
from bot.channels.base import AddressOption, Channel, Due, Host, Limits, Unavailable
from bot.channels.telegram import sending
from bot.channels.telegram.http import AiohttpRequest
from bot.channels.telegram.updates import CHANNEL, UPDATE_TYPES, fetch_photo, read_update
from bot.config import ChannelSettings, Config
from bot.gathering import combine, inbound_gatherer
from conversations.sending import Outcome

# Durations from PTB as timedelta, the form its next major version makes the only one.
os.environ.setdefault("PTB_TIMEDELTA", "1")

log = logging.getLogger("kriya.telegram")
OK_BODY = b'{"ok":true}'
ALBUM_WAIT = 1.5  # seconds to wait for the rest of an album after its first photo
POLL_TIMEOUT = 25  # seconds a getUpdates call waits for news
POLL_RETRY = 3  # seconds before polling again after an error


class TelegramSettings(ChannelSettings):
    bot_token: str | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    webhook_secret: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    api_base_url: str = Field("https://api.telegram.org/bot",
                              validation_alias="TELEGRAM_API_BASE_URL")
    file_base_url: str = Field("https://api.telegram.org/file/bot",
                               validation_alias="TELEGRAM_FILE_BASE_URL")
    rate: float = Field(25, gt=0, validation_alias="TELEGRAM_RATE")


def webhook_secret(settings: TelegramSettings) -> str:
    """The configured secret, or one derived from the token so every process agrees."""
    if settings.webhook_secret:
        return settings.webhook_secret
    token = settings.bot_token or ""
    return hashlib.sha256(f"kriya-webhook:{token}".encode()).hexdigest()[:48]


def make_bot(settings: TelegramSettings) -> Bot:
    return Bot(
        token=settings.bot_token or "", base_url=settings.api_base_url,
        base_file_url=settings.file_base_url, request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(pool_size=1, timeout=40),
    )


class TelegramChannel(Channel):
    name: ClassVar[str] = CHANNEL
    title: ClassVar[str] = "Telegram"
    limits: ClassVar[Limits] = Limits(text=sending.TEXT_LIMIT, media=sending.ALBUM_MAX,
                                      download_mb=20)
    address_option: ClassVar[AddressOption] = AddressOption("ID", "Telegram user id")
    enabled_by: ClassVar[str] = "TELEGRAM_BOT_TOKEN"
    settings: ClassVar[type[TelegramSettings]] = TelegramSettings

    def __init__(self, host: Host, settings: TelegramSettings, public_url: str | None) -> None:
        self.host = host
        self.bot = make_bot(settings)
        self.rate = settings.rate
        self.secret = webhook_secret(settings)
        self.public_url = public_url
        self.albums = inbound_gatherer(host.gathering, CHANNEL, ALBUM_WAIT)

    @classmethod
    def configure(cls, config: Config, host: Host) -> TelegramChannel | None:
        settings = config.settings_for(cls.settings)
        if not settings.bot_token:
            return None
        return cls(host, settings, config.public_url)

    @classmethod
    def address(cls, text: str) -> str:
        if not text.strip().lstrip("-").isdigit():
            raise ValueError("a Telegram id is a number, e.g. 123456789")
        return text.strip()

    def routes(self) -> list[BaseRoute]:
        return [Route("/telegram/webhook", self.webhook, methods=["POST"])]

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()

    async def announce(self) -> None:
        """At the start of a server: the bot's commands, and where updates come."""
        await sending.register_commands(self.bot)
        if self.public_url:
            await self.bot.set_webhook(url=self.public_url.rstrip("/") + "/telegram/webhook",
                                       secret_token=self.secret, allowed_updates=UPDATE_TYPES)

    def background(self) -> list[Callable[[], Awaitable[None]]]:
        return [self.poll] if not self.public_url else []

    async def send(self, due: Due) -> Outcome:
        return await sending.send(self.bot, due.address, due.payload, self.host.media)

    async def webhook(self, request: Request) -> Response:
        token = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(token.encode(), self.secret.encode()):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), self.bot)
        except Exception:  # a body Telegram would never send: nothing to handle
            return JSONResponse({"ok": False, "error": "not a Telegram update"}, 400)
        try:
            await self.process(update)
        except Unavailable as error:  # nothing was kept: Telegram sends the update again
            log.warning("Telegram update %s not handled now: %s", update.update_id, error)
            return Response(status_code=503,
                            headers={"Retry-After": str(Unavailable.retry_after)})
        return Response(OK_BODY, media_type="application/json")

    async def process(self, update: Update) -> None:
        incoming = read_update(update)
        if incoming.callback_query_id is not None:
            await sending.acknowledge(self.bot, incoming.callback_query_id)
        if incoming.reachability is not None:
            change = incoming.reachability
            await self.host.set_reachable(CHANNEL, change.address, change.reachable)
        inbound = incoming.inbound
        if inbound is None:
            return
        if incoming.album is not None:
            parts = await self.albums.collect(f"{inbound.address}:{incoming.album}", inbound)
            if parts is None:
                return  # the album's first update answers for all of them
            inbound = combine(parts, message_id=f"album:{incoming.album}")
        if inbound.photos:
            deadline = photos.deadline()  # one for all the photos of the message
            fetched = await asyncio.gather(*(
                fetch_photo(self.bot, self.host.media, p, deadline) for p in inbound.photos))
            inbound = replace(inbound, photos=tuple(fetched))
        await self.host.reply(self, inbound)

    async def poll(self) -> None:
        """Long polling, for development without a public URL."""
        await self.bot.delete_webhook()
        offset = None
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=UPDATE_TYPES)
            except TelegramError as error:
                log.warning("getUpdates failed: %s", error)
                await asyncio.sleep(POLL_RETRY)
                continue
            for update in updates:
                try:
                    await self.process(update)
                except Unavailable as error:  # asked for again, from this update on
                    log.warning("Telegram update %s not handled now: %s", update.update_id,
                                error)
                    await asyncio.sleep(POLL_RETRY)
                    break
                offset = update.update_id + 1
