"""The Telegram channel: Bot API updates in, outbox messages out, through python-telegram-bot.

This module only translates. An update becomes an `Inbound` (or a change of reachability);
an outbox payload becomes `sendMessage` calls with HTML-escaped text and inline buttons.
"""

from __future__ import annotations

import contextlib
import html
import os
import warnings
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot import delivery, photos
from bot.delivery import Outcome
from bot.telegram_http import AiohttpRequest
from conversations.i18n import DEFAULT_LANGUAGE, N_, translator
from conversations.messages import Inbound, Outbound, Photo, step_tag
from storage.media import MediaStore

# do_api_request warns that a named method exists; here the raw call is chosen on purpose.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.send(Message|Photo|MediaGroup)'",
                        category=PTBUserWarning)
# Durations from PTB as timedelta, the form its next major version makes the only one.
os.environ.setdefault("PTB_TIMEDELTA", "1")

CHANNEL = "telegram"
UPDATE_TYPES = ["message", "callback_query", "my_chat_member"]
CALLBACK_LIMIT = 64  # bytes, the Bot API's limit for callback_data
COMMANDS = (("start", N_("Start again where you left off")), ("menu", N_("Main menu")),
            ("bantuan", N_("Help")), ("bahasa", N_("Switch language (Bahasa Indonesia / English)")))


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


def make_bot(token: str, api_base_url: str, file_base_url: str) -> Bot:
    return Bot(
        token=token, base_url=api_base_url, base_file_url=file_base_url,
        request=AiohttpRequest(), get_updates_request=AiohttpRequest(pool_size=1, timeout=40),
    )


# In: updates

def _largest_photo(message: Any) -> Photo | None:
    if message.photo:
        best = max(message.photo, key=lambda size: size.width * size.height)
        return Photo(ref=best.file_id, mime="image/jpeg", size=best.file_size)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return Photo(ref=document.file_id, mime=document.mime_type, size=document.file_size)
    return None


def read_update(update: Update) -> Incoming:
    """The channel-neutral meaning of a Telegram update (private chats only)."""
    message_id = f"update:{update.update_id}"
    member = update.my_chat_member
    if member is not None:
        status = member.new_chat_member.status
        address = str(member.chat.id)
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            return Incoming(reachability=Reachability(address, False))
        return Incoming(reachability=Reachability(address, True))
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
    if message is None or message.chat.type != ChatType.PRIVATE:
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


DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API will not hand over bigger files
ALBUM_MAX = 10  # photos in one sendMediaGroup


async def fetch_photo(bot: Bot, media: MediaStore, photo: Photo) -> Photo:
    """Download a photo with getFile into the media store; the new ref is its stored path."""
    if photo.size is not None and photo.size > DOWNLOAD_LIMIT:
        return replace(photo, too_large=True)
    try:
        remote = await bot.get_file(photo.ref)
        if remote.file_size is not None and remote.file_size > DOWNLOAD_LIMIT:
            return replace(photo, too_large=True)
        data = bytes(await remote.download_as_bytearray())
    except BadRequest as error:
        if "too big" in error.message.lower():
            return replace(photo, too_large=True)
        raise
    return await photos.keep(media, data, photo.ref)


# Out: messages

def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    return delivery.split_text(text, limit)


def callback_data(step: str | None, key: str, position: int) -> str:
    data = f"{step_tag(step)}|{key}"
    if len(data.encode()) > CALLBACK_LIMIT:
        data = f"{step_tag(step)}|{position}"  # the engine also understands a number
    return data


def keyboard(message: Outbound) -> InlineKeyboardMarkup | None:
    if not message.options:
        return None
    rows = [
        [InlineKeyboardButton(f"{n}. {option.label}"[:100],
                              callback_data=callback_data(message.step, option.key, n))]
        for n, option in enumerate(message.options, 1)
    ]
    return InlineKeyboardMarkup(rows)


def render(message: Outbound) -> list[dict[str, Any]]:
    """The sendMessage calls for one message: text in pieces, buttons on the last one."""
    pieces = split_text(html.escape(message.text, quote=False))
    calls: list[dict[str, Any]] = [
        {"text": piece, "parse_mode": ParseMode.HTML} for piece in pieces
    ]
    markup = keyboard(message)
    if markup is not None:
        calls[-1]["reply_markup"] = markup
    return calls


async def send(bot: Bot, address: str, payload: dict[str, Any],
               media: MediaStore | None = None) -> Outcome:
    message = Outbound.from_payload(payload)
    try:
        if message.media and media is not None:
            await send_photos(bot, int(address), media, message.media)
        if message.document and media is not None:
            await send_document(bot, int(address), media, message.document,
                                message.filename)
        for call in render(message):
            # The plain API call: its answer is not needed, and building PTB's Message from
            # it cost an eighth of a webhook's processor time under load.
            await bot.do_api_request("sendMessage", {"chat_id": int(address), **call})
    except RetryAfter as error:
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return Outcome("retry", f"flood control: retry after {seconds:g} s", seconds)
    except Forbidden as error:
        return Outcome("blocked", error.message)
    except BadRequest as error:
        return Outcome("failed", error.message)
    except NetworkError as error:  # includes TimedOut
        return Outcome("retry", f"network: {error.message}")
    except TelegramError as error:
        return Outcome("retry", error.message)
    return Outcome("sent")


async def send_photos(bot: Bot, chat_id: int, media: MediaStore, paths: tuple[str, ...]) -> None:
    """Photos from the media store, uploaded: one as a photo, several as an album (up to
    10, Telegram's most), shown above the message they belong to."""
    files = [media.path(p) for p in paths[:ALBUM_MAX]]
    files = [f for f in files if f.is_file()]
    if len(files) == 1:
        await bot.do_api_request("sendPhoto", {"chat_id": chat_id,
                                               "photo": InputFile(files[0].read_bytes())})
    elif files:
        album = [InputMediaPhoto(media=f.read_bytes()) for f in files]
        await bot.do_api_request("sendMediaGroup", {"chat_id": chat_id, "media": album})


async def send_document(bot: Bot, chat_id: int, media: MediaStore, path: str,
                        filename: str | None) -> None:
    """A file from the media store (a list for staff), under the name it should have."""
    file = media.path(path)
    name = filename or file.name
    await bot.do_api_request("sendDocument", {
        "chat_id": chat_id, "document": InputFile(file.read_bytes(), filename=name)})


async def acknowledge(bot: Bot, callback_query_id: str) -> None:
    """Every button tap is answered, or the user's client shows a spinner."""
    # An old or already answered query is nothing the user can act on.
    with contextlib.suppress(TelegramError):
        await bot.answer_callback_query(callback_query_id)


async def register_commands(bot: Bot) -> None:
    for lang in ("id", "en"):
        tr = translator(lang, "Asia/Jakarta")
        commands = [BotCommand(name, tr._(description)) for name, description in COMMANDS]
        await bot.set_my_commands(commands, language_code=lang)
        if lang == DEFAULT_LANGUAGE:  # for clients in any other language
            await bot.set_my_commands(commands)
