"""Telegram updates in: what each means, free of python-telegram-bot's types."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from telegram import Bot, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError

from bot import metrics, photos
from conversations.messages import Inbound, Photo
from storage.media import MediaStore

log = logging.getLogger("kriya.telegram")
CHANNEL = "telegram"
LARGEST_ID = 2**53  # Telegram's ids fit in 52 bits (and a sign)
ALBUM_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
# Reactions (message_reaction) are not asked for: a thumbs-up on a question is no answer.
UPDATE_TYPES = ["message", "callback_query", "my_chat_member"]
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API will not hand over bigger files


@dataclass(frozen=True)
class Reachability:
    """The user blocked the bot (False) or let it back in (True)."""

    address: str
    reachable: bool


@dataclass(frozen=True)
class Incoming:
    """What one update asks of us: a message to handle and/or a button tap to acknowledge."""

    inbound: Inbound | None = None
    callback_query_id: str | None = None
    reachability: Reachability | None = None
    album: str | None = None  # several updates sharing a media_group_id are one answer


def _largest_photo(message: Any) -> Photo | None:
    if message.photo:
        best = max(message.photo, key=lambda size: size.width * size.height)
        return Photo(ref=best.file_id, mime="image/jpeg", size=best.file_size)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return Photo(ref=document.file_id, mime=document.mime_type, size=document.file_size)
    return None


def _is_id(value: Any) -> bool:
    return type(value) is int and abs(value) < LARGEST_ID


def _refused(update: Update) -> str | None:
    """Why an update is not answered: ids of a shape Telegram never sends, or a chat that
    is not a private one (a group, a supergroup, a channel: Kriya talks to persons)."""
    member, query = update.my_chat_member, update.callback_query
    message = update.message or (query.message if query is not None else None)
    chat = member.chat if member is not None else message.chat if message is not None \
        else None
    ids = [update.update_id, *(each.id for each in (chat, update.effective_user)
                                if each is not None)]
    if not all(_is_id(value) for value in ids):
        return "malformed ids"
    album = update.message.media_group_id if update.message is not None else None
    if album is not None and not ALBUM_ID.fullmatch(str(album)):
        return "a malformed album id"
    if chat is not None and chat.type != ChatType.PRIVATE:
        return f"a {chat.type} chat"
    return None


def read_update(update: Update) -> Incoming:
    """The channel-neutral meaning of a Telegram update (private chats only)."""
    refusal = _refused(update)
    if refusal is not None:
        log.warning("ignored Telegram update %r: %s", update.update_id, refusal)
        return Incoming()
    message_id = f"update:{update.update_id}"
    if update.message_reaction is not None or update.message_reaction_count is not None:
        return Incoming()  # an emoji on a message: no answer, nothing to say back
    member = update.my_chat_member
    if member is not None:
        status = member.new_chat_member.status
        address = str(member.chat.id)
        gone = status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        return Incoming(reachability=Reachability(address, not gone))
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        address = str(chat.id if chat is not None else query.from_user.id)
        tag, _, key = (query.data or "").partition("|")
        inbound = Inbound(channel=CHANNEL, address=address, choice=key or None,
                          choice_step=tag or None, message_id=message_id,
                          profile_name=query.from_user.first_name)
        return Incoming(inbound=inbound if key else None, callback_query_id=query.id)
    message = update.message
    if message is None:
        return Incoming()
    text = message.text or message.caption
    photo = _largest_photo(message)
    start = bool(text) and text.split(maxsplit=1)[0].split("@")[0] == "/start"
    inbound = Inbound(
        channel=CHANNEL,
        address=str(message.chat.id),
        text=None if start else text,
        photos=(photo,) if photo else (),
        message_id=message_id,
        profile_name=message.from_user.first_name if message.from_user else None,
        new_conversation=start,
        received_at=message.date,
    )
    return Incoming(inbound=inbound, album=message.media_group_id)


async def fetch_photo(bot: Bot, media: MediaStore, photo: Photo, deadline: float) -> Photo:
    """Download a photo with getFile into the media store; the new ref is its stored path.
    The download ends by `deadline` (the event loop's clock)."""
    if photo.size is not None and photo.size > DOWNLOAD_LIMIT:
        return replace(photo, too_large=True)
    try:
        async with asyncio.timeout_at(deadline):
            remote = await bot.get_file(photo.ref)
            if remote.file_size is not None and remote.file_size > DOWNLOAD_LIMIT:
                return replace(photo, too_large=True)
            data = bytes(await remote.download_as_bytearray())
    except BadRequest as error:
        if "too big" in error.message.lower():
            return replace(photo, too_large=True)
        metrics.photo_download(CHANNEL, ok=False)
        return photos.not_downloaded(photo.ref, photo.mime, error)
    except (TimeoutError, TelegramError) as error:
        metrics.photo_download(CHANNEL, ok=False)
        return photos.not_downloaded(photo.ref, photo.mime, error)
    metrics.photo_download(CHANNEL, ok=True)
    return await photos.keep(media, data, photo.ref)
