"""The WhatsApp channel, through Twilio: form-encoded webhooks in, signed over the public
URL; messages out through the twilio `Client`; status callbacks kept on the outbox row."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import replace
from typing import ClassVar

import httpx
from dotenv import dotenv_values
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from twilio.request_validator import RequestValidator

from bot import metrics
from bot.channels.base import AddressOption, Channel, Due, Host, Limits
from bot.channels.whatsapp import sending
from bot.channels.whatsapp.forms import (
    CHANNEL,
    Incoming,
    fetch_photo,
    media_host_allowed,
    read_form,
)
from bot.config import ChannelSettings, Config, ConfigError
from bot.gathering import Gatherer, combine
from bot.media_links import MediaLinks
from conversations.answers import parse_phone
from conversations.messages import Inbound, Photo
from conversations.sending import Outcome
from storage.models import utcnow

log = logging.getLogger("kriya.whatsapp")
TWIML_EMPTY = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
MEDIA_WAIT = 2.5  # seconds to wait for more photos after a message with one
TEMPLATE_PREFIX = "TWILIO_TEMPLATE_"


class WhatsAppSettings(ChannelSettings):
    account_sid: str | None = Field(None, validation_alias="TWILIO_ACCOUNT_SID")
    auth_token: str | None = Field(None, validation_alias="TWILIO_AUTH_TOKEN")
    sender: str | None = Field(None, validation_alias="TWILIO_WHATSAPP_FROM")
    api_base_url: str = Field("https://api.twilio.com", validation_alias="TWILIO_API_BASE_URL")
    rate: float = Field(20, gt=0, validation_alias="TWILIO_RATE")


def templates() -> dict[str, str]:
    """Content SIDs by message kind, from every `TWILIO_TEMPLATE_<KIND>` variable (the
    environment over `.env`): {"reminder": "HX...", "broadcast": "HX..."}."""
    found = {**dotenv_values(".env"), **os.environ}
    return {name[len(TEMPLATE_PREFIX):].lower(): value.strip() for name, value in found.items()
            if name.startswith(TEMPLATE_PREFIX) and len(name) > len(TEMPLATE_PREFIX) and value
            and value.strip()}


class WhatsAppChannel(Channel):
    name: ClassVar[str] = CHANNEL
    title: ClassVar[str] = "WhatsApp"
    limits: ClassVar[Limits] = Limits(text=sending.MAX_BODY, media=sending.MAX_MEDIA_SENT,
                                      download_mb=5)
    needs_window: ClassVar[bool] = True
    phone_addresses: ClassVar[bool] = True
    address_option: ClassVar[AddressOption] = AddressOption("PHONE", "WhatsApp phone number")
    enabled_by: ClassVar[str] = "TWILIO_ACCOUNT_SID"
    settings: ClassVar[type[WhatsAppSettings]] = WhatsAppSettings

    def __init__(self, host: Host, settings: WhatsAppSettings, public_url: str) -> None:
        assert settings.account_sid and settings.auth_token and settings.sender
        self.host = host
        self.twilio = settings  # the account, its sender and the API it talks to
        self.rate = settings.rate
        self.public_url = public_url.rstrip("/")
        self.templates = templates()
        self.validator = RequestValidator(settings.auth_token)
        self.auth = (settings.account_sid, settings.auth_token)
        # The photos Kriya sends: Twilio fetches them from these signed URLs.
        self.links = MediaLinks(host.media, public_url, settings.auth_token)
        self.gatherer: Gatherer[Incoming] = Gatherer(
            MEDIA_WAIT, identity=lambda part: part.inbound.message_id)
        # Made in `start`: their HTTP sessions belong to the running event loop.
        self.sender: sending.Sender | None = None
        self.http: httpx.AsyncClient | None = None

    @classmethod
    def configure(cls, config: Config, host: Host) -> WhatsAppChannel | None:
        settings = config.settings_for(cls.settings)
        if not (settings.account_sid and settings.auth_token):
            return None
        if not config.public_url:
            raise ConfigError("WhatsApp needs KRIYA_PUBLIC_URL: Twilio signs every request "
                              "against the public URL it calls")
        if not settings.sender:
            raise ConfigError("WhatsApp needs TWILIO_WHATSAPP_FROM, e.g. whatsapp:+14155238886")
        return cls(host, settings, config.public_url)

    @classmethod
    def address(cls, text: str) -> str:
        phone = parse_phone(text)
        if phone is None:
            raise ValueError(f"{text!r} is not a valid Indonesian phone number")
        return phone

    def routes(self) -> list[BaseRoute]:
        return [Route("/whatsapp/webhook", self.webhook, methods=["POST"]),
                Route("/whatsapp/status", self.status, methods=["POST"]),
                self.links.route()]

    async def start(self) -> None:
        settings = self.twilio
        client = sending.make_client(settings.account_sid or "", settings.auth_token or "",
                                     settings.api_base_url)
        self.sender = sending.Sender(client, settings.sender or "",
                                     self.public_url + "/whatsapp/status", self.templates,
                                     self.links.url)
        self.http = httpx.AsyncClient()

    async def stop(self) -> None:
        if self.sender is not None:
            await sending.close_client(self.sender.client)
        if self.http is not None:
            await self.http.aclose()

    async def send(self, due: Due) -> Outcome:
        assert self.sender is not None, "WhatsAppChannel.start() was not awaited"
        window_open = sending.in_window(due.last_inbound, utcnow())
        return await self.sender.send(due.address, due.kind, due.payload, window_open)

    async def _signed_form(self, request: Request, path: str) -> dict[str, str] | None:
        """The form of a request Twilio signed, or None for anything else."""
        form = await request.form()
        params = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        signature = request.headers.get("X-Twilio-Signature", "")
        # Signed over the public URL: behind a proxy the URL this app sees is another one.
        url = self.public_url + path
        if request.url.query:
            url += "?" + request.url.query
        if not signature or not self.validator.validate(url, params, signature):
            return None
        return params

    async def webhook(self, request: Request) -> Response:
        params = await self._signed_form(request, "/whatsapp/webhook")
        if params is None:
            return Response(status_code=403)
        incoming = read_form(params)
        if incoming is None:
            return Response(TWIML_EMPTY, media_type="text/xml")
        base = self.twilio.api_base_url
        foreign = [url for url, _ in incoming.media if not media_host_allowed(url, base)]
        if foreign:
            log.warning("refused a WhatsApp message with media outside %s: %s", base, foreign[0])
            return JSONResponse({"error": "media outside the Twilio API host"}, 400)
        if incoming.media:
            parts = await self.gatherer.collect(incoming.inbound.address, incoming)
            if parts is None:
                return Response(TWIML_EMPTY, media_type="text/xml")
            # Fetched side by side: the wait above plus one download stays well under the
            # 15 seconds Twilio waits for an answer.
            inbound = combine(list(await asyncio.gather(*map(self._with_photos, parts))))
        else:
            inbound = incoming.inbound
        await self.host.reply(self, inbound)
        return Response(TWIML_EMPTY, media_type="text/xml")

    async def _with_photos(self, incoming: Incoming) -> Inbound:
        assert self.http is not None
        photos = await asyncio.gather(*(
            fetch_photo(self.http, self.host.media, url, content_type,
                        self.twilio.api_base_url, self.auth)
            for url, content_type in incoming.media
        ), return_exceptions=True)
        kept = []
        for (url, content_type), photo in zip(incoming.media, photos, strict=True):
            metrics.photo_download(self.name, ok=not isinstance(photo, BaseException))
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
            code = params.get("ErrorCode") or None
            # A message that closed window stopped may go again as its kind's template.
            closed = code in sending.OUTSIDE_WINDOW
            await self.host.record_report(
                sid, state, code, sending.outcome_of_error(None, code, f"message {state}"),
                tuple(self.templates) if closed else ())
        return Response(status_code=204)
