"""Twilio's WhatsApp webhooks in: who wrote, what, and which files came with it.

A sender is their phone number, which the platform vouches for. Files are fetched with the
account's credentials, and only from the host of the Twilio API.
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import phonenumbers

from bot import photos
from conversations.messages import Inbound, Photo
from storage.media import MediaStore

log = logging.getLogger("kriya.whatsapp")
CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
MAX_PHOTO = 5 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": "image/jpeg", "image/jpg": "image/jpeg", "image/png": "image/png"}
MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
READ_TIMEOUT = 6.0  # seconds one read may take; the whole message has bot.photos' deadline
# A Twilio SID: two letters of its kind ("SM", "MM") and 32 hex digits.
SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
MAX_SENDER = 40  # "whatsapp:" and an E.164 number, with room to spare


def is_sid(value: str | None) -> bool:
    return value is not None and SID.fullmatch(value) is not None


def address_of(sender: str) -> str | None:
    """The E.164 number of `whatsapp:+62...`, or None for anything else."""
    if not sender.startswith(PREFIX) or len(sender) > MAX_SENDER or not sender.isprintable():
        return None
    try:
        number = phonenumbers.parse(sender[len(PREFIX):], None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class Incoming:
    inbound: Inbound
    media: tuple[tuple[str, str], ...]  # (url, content type) of each attachment


def only_emoji(text: str) -> bool:
    """"👍", "🙏🏽", "❤️": pictographs with their modifiers and joiners, and nothing else."""
    symbols = [ch for ch in text if not ch.isspace()]
    return any(unicodedata.category(ch) == "So" for ch in symbols) and all(
        unicodedata.category(ch) in ("So", "Sk", "Mn", "Me", "Cf") for ch in symbols)


def is_reaction(form: Mapping[str, str]) -> bool:
    """An emoji reaction to a message (a thumbs-up on a question), or one taken back.

    Twilio passes WhatsApp's message type as MessageType ("reaction"); a form without that
    field is taken for a reaction when its Body is emoji alone, on a message it names
    (OriginalRepliedMessageSid), with no media."""
    kind = (form.get("MessageType") or "").strip().lower()
    if kind:
        return kind == "reaction"
    return (bool(form.get("OriginalRepliedMessageSid")) and only_emoji(form.get("Body") or "")
            and form.get("NumMedia") in (None, "", "0"))


def read_form(form: Mapping[str, str]) -> Incoming | None:
    """A Twilio inbound message, or None when it is not one we can answer (a reaction is
    not an answer: it is dropped, and the question it is on stays open; a message id or
    sender of a shape Twilio never sends is refused before anything is stored)."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid")
    address = address_of(form.get("From", ""))
    if not is_sid(sid) or address is None:
        log.warning("ignored a WhatsApp webhook with a malformed MessageSid or From: "
                    "%r, %r", (sid or "")[:40], form.get("From", "")[:40])
        return None
    if is_reaction(form):
        return None
    assert sid is not None
    text = form.get("Body") or None
    choice = choice_step = None
    # A tapped quick reply carries its id as ButtonPayload, a tapped list row as ListId.
    payload = form.get("ButtonPayload") or form.get("ListId")
    if payload:
        tag, separator, key = payload.partition("|")
        if separator:  # a button or row of ours: "<step tag>|<option key>"
            choice, choice_step, text = key, tag, None
        else:
            text = form.get("ButtonText") or form.get("ListTitle") or payload
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
    api_base_url: str, auth: tuple[str, str], deadline: float,
) -> Photo:
    """One attachment into the media store, or a Photo saying why it cannot be used. The
    download ends by `deadline` (the event loop's clock), however slowly bytes come."""
    mime = PHOTO_TYPES.get(content_type)
    if mime is None:
        return Photo(ref=url, mime=content_type or None, not_image=True)
    if not media_host_allowed(url, api_base_url):
        raise ForeignMedia(url)
    try:
        async with asyncio.timeout_at(deadline):
            data = await _download(http, url, mime, auth)
    except (TimeoutError, httpx.HTTPError) as error:
        return photos.not_downloaded(url, mime, error)
    if isinstance(data, Photo):
        return data
    actual = next((kind for magic, kind in MAGIC.items() if data.startswith(magic)), None)
    if actual is None:  # named a photo, but is not one
        return Photo(ref=url, mime=mime, size=len(data), not_image=True)
    return await photos.keep(media, bytes(data), url)


async def _download(http: httpx.AsyncClient, url: str, mime: str,
                    auth: tuple[str, str]) -> bytearray | Photo:
    """The file's bytes, or a Photo saying it is too large."""
    # httpx drops the credentials if Twilio redirects to its file store on another host.
    async with http.stream("GET", url, auth=auth, follow_redirects=True,
                           timeout=READ_TIMEOUT) as response:
        response.raise_for_status()
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_PHOTO:
            return Photo(ref=url, mime=mime, size=int(declared), too_large=True, limit_mb=5)
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > MAX_PHOTO:
                return Photo(ref=url, mime=mime, size=len(data), too_large=True, limit_mb=5)
    return data


class ForeignMedia(Exception):
    """A media URL outside the Twilio API host: never fetched, never sent credentials."""
