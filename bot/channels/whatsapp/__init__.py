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

from bot import metrics, photos
from bot.channels.base import AddressOption, Channel, Due, Host, Limits, Unavailable
from bot.channels.whatsapp import sending
from bot.channels.whatsapp.contents import Contents
from bot.channels.whatsapp.forms import (
    CHANNEL,
    Incoming,
    fetch_photo,
    is_sid,
    media_host_allowed,
    read_form,
)
from bot.channels.whatsapp.interactive import MORE
from bot.config import ChannelSettings, Config, ConfigError
from bot.gathering import Gatherer, combine, inbound_from_json, inbound_to_json
from bot.media_links import MediaLinks
from conversations.answers import parse_phone
from conversations.messages import Inbound
from conversations.sending import Outcome, OutcomeStatus, in_reply_window
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
    # The connection overrides the webhook's URL carries after "#" (README): Twilio never
    # sends them, and a signature over the URL with them is accepted as well.
    webhook_fragment: str = Field("rc=3&rp=5xx", validation_alias="TWILIO_WEBHOOK_FRAGMENT")
    content_base_url: str = Field("https://content.twilio.com",
                                  validation_alias="TWILIO_CONTENT_BASE_URL")
    # Questions as buttons and lists; off sends them all as numbered text.
    interactive: bool = Field(True, validation_alias="KRIYA_WHATSAPP_INTERACTIVE")


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
            host.gathering, CHANNEL, MEDIA_WAIT, key=lambda part: part.inbound.message_id or "",
            encode=lambda part: {"inbound": inbound_to_json(part.inbound), "media": part.media},
            decode=lambda data: Incoming(inbound_from_json(data["inbound"]),
                                         tuple(tuple(m) for m in data["media"])))
        # Made in `start`: their HTTP sessions belong to the running event loop.
        self.sender: sending.Sender | None = None
        self.http: httpx.AsyncClient | None = None
        self.contents = Contents(host.database, host.work.run, settings.content_base_url,
                                 self.auth) if settings.interactive else None

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
        if self.contents is not None:
            await self.contents.start()
        self.sender = sending.Sender(client, settings.sender or "",
                                     self.public_url + "/whatsapp/status", self.templates,
                                     self.links.url, self.contents)
        self.http = httpx.AsyncClient()

    async def stop(self) -> None:
        if self.sender is not None:
            await sending.close_client(self.sender.client)
        if self.http is not None:
            await self.http.aclose()
        if self.contents is not None:
            await self.contents.stop()

    async def send(self, due: Due) -> Outcome:
        assert self.sender is not None, "WhatsAppChannel.start() was not awaited"
        window_open = in_reply_window(due.last_inbound, utcnow())
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
        fragment = self.twilio.webhook_fragment.lstrip("#")
        signed = [url, f"{url}#{fragment}"] if fragment else [url]
        if not signature or not any(self.validator.validate(candidate, params, signature)
                                    for candidate in signed):
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
            # Fetched side by side, all by one deadline: a host dripping bytes cannot hold
            # the request longer. (Twilio waits 15 s for this answer, but the replies go
            # through its API, not in the answer: a late one loses nothing.)
            deadline = photos.deadline()
            inbound = combine(list(await asyncio.gather(
                *(self._with_photos(part, deadline) for part in parts))))
        else:
            inbound = incoming.inbound
        try:
            await self._answer(inbound)
        except Unavailable as error:
            # Nothing of it was kept: Twilio delivers it again when the webhook's URL asks
            # for retries on 5xx (README), and then it is handled once.
            log.warning("WhatsApp message %s not handled now: %s", inbound.message_id, error)
            return Response(status_code=503,
                            headers={"Retry-After": str(Unavailable.retry_after)})
        return Response(TWIML_EMPTY, media_type="text/xml")

    async def _answer(self, inbound: Inbound) -> None:
        """Hand a message to Kriya; a tap on a long list's "More" row is answered here, with
        the list's next page (an old list's page is known as old when a row of it is
        tapped)."""
        choice = inbound.choice or ""
        if choice.startswith(MORE) and self.contents is not None and self.sender is not None:
            sid = await self.contents.made(choice[len(MORE):])
            if sid is not None:
                outcome = await self.sender.send_page(inbound.address, sid)
                if outcome.status == OutcomeStatus.SENT:
                    return
                log.warning("the next page of a list did not go: %s", outcome.error)
        await self.host.reply(self, inbound)

    async def _with_photos(self, incoming: Incoming, deadline: float) -> Inbound:
        assert self.http is not None
        fetched = await asyncio.gather(*(
            fetch_photo(self.http, self.host.media, url, content_type,
                        self.twilio.api_base_url, self.auth, deadline)
            for url, content_type in incoming.media
        ), return_exceptions=True)
        kept = []
        for (url, content_type), photo in zip(incoming.media, fetched, strict=True):
            metrics.photo_download(self.name, ok=not isinstance(photo, BaseException))
            if isinstance(photo, BaseException):
                # The photo could not be fetched: the engine says so and asks again.
                photo = photos.not_downloaded(url, content_type or None, photo)
            kept.append(photo)
        return replace(incoming.inbound, photos=tuple(kept))

    async def status(self, request: Request) -> Response:
        params = await self._signed_form(request, "/whatsapp/status")
        if params is None:
            return Response(status_code=403)
        sid = params.get("MessageSid") or params.get("SmsSid")
        state = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
        if not is_sid(sid):
            log.warning("ignored a status callback with a malformed MessageSid: %r",
                        (sid or "")[:40])
        elif state:
            code = params.get("ErrorCode") or None
            # A message that closed window stopped may go again as its kind's template.
            closed = code in sending.OUTSIDE_WINDOW
            await self.host.record_report(
                sid, state, code, sending.outcome_of_error(None, code, f"message {state}"),
                tuple(self.templates) if closed else ())
        return Response(status_code=204)
