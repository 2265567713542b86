"""The WhatsApp channel, through Twilio: form-encoded webhooks in, the twilio `Client` out.

WhatsApp has no buttons outside approved templates, so options are a short numbered list
and an answer is the number or the option's words. A sender is their phone number, which
the platform vouches for. Free text may only go to someone who wrote in the last 24 hours;
past that, a message goes as the approved template of its kind, or not at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import phonenumbers
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot import photos
from bot.delivery import Outcome, split_text
from conversations.messages import Inbound, Outbound, Photo
from storage.media import MediaStore

CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
MAX_BODY = 1600  # Twilio refuses a longer WhatsApp body
MAX_PHOTO = 5 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": "image/jpeg", "image/jpg": "image/jpeg", "image/png": "image/png"}
MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
# Free text is allowed this long after the user's last message. A little is kept back:
# a message queued at 23:59 reaches WhatsApp a moment later.
WINDOW = timedelta(hours=24) - timedelta(minutes=2)
MAX_MEDIA_SENT = 6  # photos sent with one message (five of a product and its packaging)
SEND_TIMEOUT = 15.0  # seconds for Twilio to take one message
DOWNLOAD_TIMEOUT = 6.0  # seconds; with the wait for more photos, under Twilio's 15

# Twilio error codes (https://www.twilio.com/docs/api/errors) and what each means for us.
OUTSIDE_WINDOW = {"63016"}
UNREACHABLE = {"63003", "63024", "63014"}  # not on WhatsApp, invalid, or blocked us
THROTTLED = {"63018", "20429"}


def address_of(sender: str) -> str | None:
    """The E.164 number of `whatsapp:+62...`, or None for anything else."""
    if not sender.startswith(PREFIX):
        return None
    try:
        number = phonenumbers.parse(sender[len(PREFIX):], None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# In: webhooks


@dataclass(frozen=True)
class Incoming:
    inbound: Inbound
    media: tuple[tuple[str, str], ...]  # (url, content type) of each attachment


def read_form(form: Mapping[str, str]) -> Incoming | None:
    """A Twilio inbound message, or None when it is not one we can answer."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid")
    address = address_of(form.get("From", ""))
    if not sid or address is None:
        return None
    text = form.get("Body") or None
    choice = choice_step = None
    payload = form.get("ButtonPayload")
    if payload:
        tag, separator, key = payload.partition("|")
        if separator:  # a quick reply of ours: "<step tag>|<option key>"
            choice, choice_step, text = key, tag, None
        else:
            text = form.get("ButtonText") or payload
    try:
        count = min(int(form.get("NumMedia") or 0), 10)
    except ValueError:
        count = 0
    media = tuple(
        (form[f"MediaUrl{n}"], form.get(f"MediaContentType{n}", "").lower())
        for n in range(count) if form.get(f"MediaUrl{n}")
    )
    profile = (form.get("ProfileName") or "").strip() or None
    inbound = Inbound(channel=CHANNEL, address=address, text=text, choice=choice,
                      choice_step=choice_step, message_id=sid, phone=address,
                      profile_name=profile)
    return Incoming(inbound, media)


def media_host_allowed(url: str, api_base_url: str) -> bool:
    """Media is fetched with the account's credentials: only from the Twilio API host."""
    parts, api = urlsplit(url), urlsplit(api_base_url)
    return (parts.scheme, parts.hostname, parts.port) == (api.scheme, api.hostname, api.port)


async def fetch_photo(
    http: httpx.AsyncClient, media: MediaStore, url: str, content_type: str,
    api_base_url: str, auth: tuple[str, str],
) -> Photo:
    """One attachment into the media store, or a Photo saying why it cannot be used."""
    mime = PHOTO_TYPES.get(content_type)
    if mime is None:
        return Photo(ref=url, mime=content_type or None, not_image=True)
    if not media_host_allowed(url, api_base_url):
        raise ForeignMedia(url)
    # httpx drops the credentials if Twilio redirects to its file store on another host.
    async with http.stream("GET", url, auth=auth, follow_redirects=True,
                           timeout=DOWNLOAD_TIMEOUT) as response:
        response.raise_for_status()
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_PHOTO:
            return Photo(ref=url, mime=mime, size=int(declared), too_large=True, limit_mb=5)
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > MAX_PHOTO:
                return Photo(ref=url, mime=mime, size=len(data), too_large=True, limit_mb=5)
    actual = next((kind for magic, kind in MAGIC.items() if data.startswith(magic)), None)
    if actual is None:  # named a photo, but is not one
        return Photo(ref=url, mime=mime, size=len(data), not_image=True)
    return await photos.keep(media, bytes(data), url)


class ForeignMedia(Exception):
    """A media URL outside the Twilio API host: never fetched, never sent credentials."""


def combine(parts: list[Inbound]) -> Inbound:
    """Messages sent together (several photos, each its own message) as one answer."""
    first = parts[0]
    text = next((p.text for p in parts if p.text), None)
    photos = tuple(photo for part in parts for photo in part.photos)
    return replace(first, text=text, photos=photos)


# Out: messages


def render(message: Outbound) -> list[str]:
    """The text of one or more WhatsApp messages: options as a numbered list."""
    text = message.text
    if message.options:
        lines = [f"{n}. {option.label}" for n, option in enumerate(message.options, 1)]
        text = "\n".join([text, "", *lines])
    return split_text(text, MAX_BODY)




def in_window(last_inbound: datetime | None, now: datetime) -> bool:
    return last_inbound is not None and now - last_inbound < WINDOW


@dataclass
class Sender:
    """Sends through the twilio Client; knows the sender, the callback and the templates."""

    client: Client
    from_: str
    status_callback: str | None
    templates: Mapping[str, str]
    # The public URL Twilio can fetch a media-store file from; None sends no photos.
    media_url: Callable[[str], str] | None = None

    async def send(self, address: str, kind: str, payload: dict[str, Any],
                   window_open: bool) -> Outcome:
        message = Outbound.from_payload(payload)
        to = PREFIX + address
        extra: dict[str, Any] = {}
        if self.status_callback:
            extra["status_callback"] = self.status_callback
        if window_open and not payload.get("as_template"):
            bodies = render(message)
            sid = None
            attachments = list(message.media[:MAX_MEDIA_SENT])
            if message.document:
                attachments.append(message.document)
            if attachments and self.media_url is not None:
                # WhatsApp carries one file a message: the files first, then the text.
                for path in attachments:
                    try:
                        await self._create(to=to, from_=self.from_,
                                           media_url=[self.media_url(path)], **extra)
                    except Exception as error:
                        return outcome_of_exception(error)
            for number, body in enumerate(bodies):
                try:
                    created = await self._create(to=to, from_=self.from_, body=body, **extra)
                except Exception as error:
                    outcome = outcome_of_exception(error)
                    if sid is None:
                        return outcome
                    # Part of it reached them: sending it all again would repeat that part.
                    return Outcome("sent", f"part {number + 1} of {len(bodies)} not sent: "
                                           f"{outcome.error}", provider_id=sid)
                sid = sid or created.sid
            return Outcome("sent", provider_id=sid)
        template = self.templates.get(kind)
        if template is None:
            return Outcome("failed", f"needs template: {kind} is outside WhatsApp's "
                                     f"24-hour window and TWILIO_TEMPLATE_{kind.upper()} "
                                     "is not set")
        variables = payload.get("variables") or {"1": template_value(message.text)}
        try:
            created = await self._create(to=to, from_=self.from_, content_sid=template,
                                         content_variables=json.dumps(variables), **extra)
        except Exception as error:
            return outcome_of_exception(error)
        return Outcome("sent", provider_id=created.sid)

    async def _create(self, **fields: Any) -> Any:
        # The twilio aiohttp client sets no time limit of its own.
        async with asyncio.timeout(SEND_TIMEOUT):
            return await self.client.messages.create_async(**fields)


def template_value(text: str) -> str:
    """Text as a template variable: WhatsApp refuses new lines, tabs and long runs of
    spaces in one, and long values."""
    return " ".join(text.split())[:1000]


def outcome_of_exception(error: Exception) -> Outcome:
    if isinstance(error, TwilioRestException):
        return outcome_of_error(error.status, error.code, error.msg)
    if isinstance(error, TwilioException):  # e.g. a response that is not Twilio's JSON
        return Outcome("retry", f"Twilio: {error}")
    if isinstance(error, TimeoutError):
        return Outcome("retry", f"network: no answer within {SEND_TIMEOUT:g} s")
    if isinstance(error, OSError | httpx.HTTPError) or type(error).__module__.startswith(
        "aiohttp"
    ):
        return Outcome("retry", f"network: {error}")
    raise error


def outcome_of_error(status: int | None, code: int | str | None, text: str | None) -> Outcome:
    code_text = str(code) if code is not None else None
    reason = f"Twilio {code_text or status}: {text or 'error'}"
    if code_text in OUTSIDE_WINDOW:
        return Outcome("failed", f"outside the 24-hour window ({reason})", error_code=code_text)
    if code_text in UNREACHABLE:
        return Outcome("blocked", reason, error_code=code_text)
    if code_text in THROTTLED or status == 429:
        # Twilio names no wait: the channel pauses a second, as for Telegram's 429.
        return Outcome("retry", reason, retry_after=1.0, error_code=code_text)
    if status is not None and status >= 500:
        return Outcome("retry", reason, error_code=code_text)
    return Outcome("failed", reason, error_code=code_text)


async def close_client(client: Client) -> None:
    session = getattr(client.http_client, "session", None)
    if session is not None:
        await session.close()


def make_client(account_sid: str, auth_token: str, api_base_url: str) -> Client:
    """A twilio Client on aiohttp whose REST calls go to `api_base_url` (a fake in tests)."""
    client = Client(account_sid, auth_token, http_client=AsyncTwilioHttpClient())
    # The Api domain's base URL is a plain attribute; every resource URL is built from it.
    client.api.base_url = api_base_url.rstrip("/")
    return client


def media_token(key: bytes, path: str) -> str:
    """What makes a media URL unguessable: Twilio can fetch the file, a stranger cannot."""
    return hmac.new(key, path.encode(), hashlib.sha256).hexdigest()[:32]
